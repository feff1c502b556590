#define G_LOG_DOMAIN "hearth-engine"

/* The engine thread and its job queue (GNOME Text Editor's worker pattern).
 * The jobs themselves live in engine-jobs-*.c, over engine-private.h.
 *
 * Every job has an internal GCancellable, cancelled by the caller's
 * cancellable, by a newer generate on the same session and by shutdown.
 * Each generate gets an id, the session's count of generations.
 *
 * A job's completion is one more idle on the caller's context, attached
 * after the job's last output batch (engine-outbox.c): it delivers what is
 * left and returns the GTask. Device errors are turned into engine errors
 * there, so that no HEARTH_VULKAN_ERROR crosses into the app. */

#include "engine-private.h"

#include <glib/gstdio.h>

/* Internal priority of the shutdown sentinel: ahead of every queued job. */
#define PRIORITY_SHUTDOWN (-1)

struct _HearthEngine {
  GObject       parent_instance;

  GThread      *thread;
  GAsyncQueue  *queue;         /* Job, sorted by job_compare */
  EngineState   state;         /* engine thread only */

  GMutex        lock;
  Job          *running;       /* under lock */
  gboolean      shutting_down; /* under lock */
  guint64       next_seq;      /* under lock */

  guint         next_id; /* atomic */
};

G_DEFINE_FINAL_TYPE (HearthEngine, hearth_engine, G_TYPE_OBJECT)

/* ------------------------------------------------------------------------ */
/* Jobs */

static void
cancel_internal (GCancellable *user_cancel, gpointer internal)
{
  (void) user_cancel;
  g_cancellable_cancel (internal);
}

Job *
_engine_job_new (JobRunFunc run, HearthEnginePriority priority, const char *what,
                 GCancellable *user_cancel)
{
  Job *job = g_new0 (Job, 1);

  job->run = run;
  job->priority = priority;
  job->what = what;
  job->cancel = g_cancellable_new ();
  if (user_cancel != NULL)
    {
      job->user_cancel = g_object_ref (user_cancel);
      job->user_handler = g_cancellable_connect (user_cancel, G_CALLBACK (cancel_internal),
                                                 g_object_ref (job->cancel), g_object_unref);
    }
  return job;
}

void
_engine_job_set_task (Job *job, gpointer source_tag, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  /* No cancellable: the job reports cancellation itself (as
   * HEARTH_ENGINE_ERROR), and a GTask with a cancelled cancellable would
   * defer its callback by one more main-loop iteration, letting later
   * jobs' results overtake it. */
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
}

void
_engine_job_set_outbox (Job *job, HearthLoadProgressFunc progress, HearthTokenFunc token,
                        gpointer user_data)
{
  job->outbox = _engine_outbox_new (g_task_get_context (job->task), job->cancel, progress, token,
                                    user_data);
}

gboolean
_engine_job_cancelled (Job *job)
{
  if (!g_cancellable_is_cancelled (job->cancel))
    return FALSE;
  hearth_engine_set_cancelled (&job->error, job->what);
  return TRUE;
}

static void
job_free (Job *job)
{
  if (job->user_cancel != NULL)
    g_cancellable_disconnect (job->user_cancel, job->user_handler);
  g_clear_object (&job->user_cancel);
  g_clear_object (&job->cancel);
  g_clear_object (&job->task);
  g_clear_pointer (&job->outbox, _engine_outbox_unref);
  if (job->data_free != NULL)
    g_clear_pointer (&job->data, job->data_free);
  if (job->value_free != NULL)
    g_clear_pointer (&job->value, job->value_free);
  g_clear_error (&job->error);
  g_free (job);
}

/* On the caller's context, after every batch the job posted. */
static gboolean
job_complete_idle_cb (gpointer data)
{
  Job *job = data;

  if (job->outbox != NULL)
    _engine_outbox_deliver (job->outbox);
  if (job->error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else if (job->value_free != NULL)
    g_task_return_pointer (job->task, g_steal_pointer (&job->value), job->value_free);
  else
    g_task_return_boolean (job->task, TRUE);
  return G_SOURCE_REMOVE;
}

/* On the engine thread, when the job has run (or was dropped). */
static void
job_complete (Job *job)
{
  if (job->data_free != NULL)
    g_clear_pointer (&job->data, job->data_free);
  if (job->task == NULL)
    {
      job_free (job);
      return;
    }
  hearth_engine_error_from_device (&job->error, job->what);
  _engine_attach_idle (g_task_get_context (job->task), "hearth-engine completion",
                       job_complete_idle_cb, job, (GDestroyNotify) job_free);
}

static gint
job_compare (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Job *ja = a, *jb = b;

  (void) user_data;
  if (ja->priority != jb->priority)
    return ja->priority < jb->priority ? -1 : 1;
  return ja->seq < jb->seq ? -1 : ja->seq > jb->seq;
}

/* ------------------------------------------------------------------------ */
/* Engine-thread state */

gboolean
_file_identity_read (const char *path, FileIdentity *id)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return FALSE;
  id->dev = st.st_dev;
  id->ino = st.st_ino;
  id->size = st.st_size;
  id->mtime = st.st_mtime;
  return TRUE;
}

gboolean
_file_identity_equal (const FileIdentity *a, const FileIdentity *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime == b->mtime;
}

/* Sessions first: their contexts use the models' weights. */
static void
engine_state_clear (EngineState *st)
{
  g_hash_table_remove_all (st->sessions);
  g_hash_table_remove_all (st->models);
  g_clear_pointer (&st->device, hearth_device_free);
}

gboolean
_engine_state_ensure_device (EngineState *st, GError **error)
{
  if (st->device == NULL)
    st->device = hearth_device_open (error);
  return st->device != NULL;
}

LoadedModel *
_engine_lookup_model (EngineState *st, HearthModel *model, GError **error)
{
  LoadedModel *m = g_hash_table_lookup (st->models, GUINT_TO_POINTER (model->id));

  if (m == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                 "the model %s was unloaded; load it again", model->name);
  return m;
}

SessionState *
_engine_lookup_session (EngineState *st, HearthSession *session, GError **error)
{
  SessionState *s = g_hash_table_lookup (st->sessions, GUINT_TO_POINTER (session->id));

  if (s == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                 "the chat session was closed or its model (%s) unloaded; start a new session",
                 session->model->name);
  return s;
}

/* ------------------------------------------------------------------------ */
/* The GObject and its thread */

void
_engine_submit (HearthEngine *self, Job *job)
{
  g_mutex_lock (&self->lock);
  job->seq = self->next_seq++;
  g_mutex_unlock (&self->lock);
  g_async_queue_push_sorted (self->queue, job, job_compare, NULL);
}

guint
_engine_next_id (HearthEngine *self)
{
  return g_atomic_int_add (&self->next_id, 1) + 1;
}

static void
engine_run_job (HearthEngine *self, Job *job)
{
  g_mutex_lock (&self->lock);
  self->running = job;
  if (self->shutting_down)
    g_cancellable_cancel (job->cancel);
  g_mutex_unlock (&self->lock);

  job->run (&self->state, job);

  g_mutex_lock (&self->lock);
  self->running = NULL;
  g_mutex_unlock (&self->lock);
  job_complete (job);
}

static gpointer
engine_thread_main (gpointer data)
{
  HearthEngine *self = data;
  Job *job;

  while ((job = g_async_queue_pop (self->queue))->run != NULL)
    engine_run_job (self, job);
  job_free (job);

  /* Shutting down: what is still queued ends cancelled. Load, generate and
   * custom jobs check their cancellable before any work; the bookkeeping
   * jobs (open, close, unload) only touch state that is cleared next. */
  while ((job = g_async_queue_try_pop (self->queue)) != NULL)
    {
      g_cancellable_cancel (job->cancel);
      job->run (&self->state, job);
      job_complete (job);
    }
  engine_state_clear (&self->state);
  return NULL;
}

static void
hearth_engine_finalize (GObject *object)
{
  HearthEngine *self = HEARTH_ENGINE (object);
  Job *sentinel = g_new0 (Job, 1);

  g_mutex_lock (&self->lock);
  self->shutting_down = TRUE;
  if (self->running != NULL)
    g_cancellable_cancel (self->running->cancel);
  g_mutex_unlock (&self->lock);

  sentinel->priority = PRIORITY_SHUTDOWN;
  g_async_queue_push_sorted (self->queue, sentinel, job_compare, NULL);
  g_thread_join (self->thread);

  g_hash_table_unref (self->state.sessions);
  g_hash_table_unref (self->state.models);
  g_async_queue_unref (self->queue);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (hearth_engine_parent_class)->finalize (object);
}

static void
hearth_engine_class_init (HearthEngineClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_engine_finalize;
}

static void
hearth_engine_init (HearthEngine *self)
{
  g_mutex_init (&self->lock);
  self->queue = g_async_queue_new ();
  self->state.models = g_hash_table_new_full (NULL, NULL, NULL,
                                              (GDestroyNotify) _loaded_model_free);
  self->state.sessions = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) _session_state_free);
  self->thread = g_thread_new ("hearth-engine", engine_thread_main, self);
}

HearthEngine *
hearth_engine_new (void)
{
  return g_object_new (HEARTH_TYPE_ENGINE, NULL);
}

/* ------------------------------------------------------------------------ */
/* Generic jobs */

typedef struct {
  HearthEngineJobFunc func;
  gpointer            data;
  GDestroyNotify      destroy;
} CustomJob;

static void
custom_job_free (CustomJob *c)
{
  if (c->destroy != NULL)
    c->destroy (c->data);
  g_free (c);
}

static void
run_custom (EngineState *st, Job *job)
{
  CustomJob *c = job->data;

  (void) st;
  if (_engine_job_cancelled (job))
    return;
  if (!c->func (c->data, job->cancel, &job->error) && job->error == NULL)
    g_set_error_literal (&job->error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_FAILED,
                         "an engine job failed without saying why");
}

void
hearth_engine_run_async (HearthEngine *self, HearthEnginePriority priority,
                         HearthEngineJobFunc func, gpointer data, GDestroyNotify destroy,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  CustomJob *c;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (func != NULL);
  g_return_if_fail (priority == HEARTH_ENGINE_PRIORITY_INTERACTIVE ||
                    priority == HEARTH_ENGINE_PRIORITY_BACKGROUND);

  c = g_new (CustomJob, 1);
  c->func = func;
  c->data = data;
  c->destroy = destroy;
  job = _engine_job_new (run_custom, priority, "the job", cancellable);
  _engine_job_set_task (job, hearth_engine_run_async, callback, user_data);
  job->data = c;
  job->data_free = (GDestroyNotify) custom_job_free;
  _engine_submit (self, job);
}

gboolean
hearth_engine_run_finish (HearthEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_run_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
