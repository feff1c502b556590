#define G_LOG_DOMAIN "hearth-store-worker"

/* hearth-store-worker.c: one thread, one SQLite connection, a queue of
 * jobs.  The thread owns the HearthStore; the main thread only queues. */

#include <glib/gi18n.h>

#include "hearth-store-worker.h"

typedef enum {
  JOB_OPEN,
  JOB_MOVE_ASIDE,
  JOB_RUN,
  JOB_FLUSH,
  JOB_QUIT,
} JobKind;

typedef struct {
  JobKind            kind;
  HearthStoreJobFunc func;
  gpointer           data;
  GDestroyNotify     data_free;
  GDestroyNotify     result_free;
  GTask             *task;    /* NULL for FLUSH and QUIT */
  GMutex             mutex;   /* FLUSH: signalled when the worker got here */
  GCond              cond;
  gboolean           reached;
} Job;

struct _HearthStoreWorker {
  GObject      parent_instance;
  char        *path;
  GAsyncQueue *queue;
  GThread     *thread;
  HearthStore *store; /* owned by the worker thread */
};

G_DEFINE_FINAL_TYPE (HearthStoreWorker, hearth_store_worker, G_TYPE_OBJECT)

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_clear_object (&job->task);
  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  g_free (job);
}

static Job *
job_new (JobKind kind)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);
  return job;
}

static void
run_open (HearthStoreWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;

  if (self->store == NULL)
    {
      self->store = hearth_store_open (self->path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, &error);
      if (self->store != NULL && !hearth_store_stop_interrupted (self->store, NULL, &error))
        g_clear_pointer (&self->store, hearth_store_close);
    }
  if (error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&error));
  else
    g_task_return_boolean (job->task, TRUE);
}

static void
run_move_aside (HearthStoreWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  char *moved_path = NULL;

  g_clear_pointer (&self->store, hearth_store_close);
  if (hearth_store_move_aside (self->path, &moved_path, &error))
    g_task_return_pointer (job->task, moved_path, g_free);
  else
    g_task_return_error (job->task, g_steal_pointer (&error));
}

static void
run_job (HearthStoreWorker *self, Job *job)
{
  g_autoptr(GError) error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (job->task))
    return;
  if (self->store == NULL)
    {
      g_task_return_new_error (job->task, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED,
                               _("The chat history “%s” is not open."), self->path);
      return;
    }
  result = job->func (self->store, job->data, &error);
  if (error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&error));
  else
    g_task_return_pointer (job->task, result, job->result_free);
}

static gpointer
worker_thread (gpointer user_data)
{
  HearthStoreWorker *self = user_data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);
      JobKind kind = job->kind;

      switch (kind)
        {
        case JOB_OPEN:       run_open (self, job);       break;
        case JOB_MOVE_ASIDE: run_move_aside (self, job); break;
        case JOB_RUN:        run_job (self, job);        break;
        case JOB_FLUSH:
          /* The waiter owns a FLUSH job: signal and do not touch it again. */
          g_mutex_lock (&job->mutex);
          job->reached = TRUE;
          g_cond_signal (&job->cond);
          g_mutex_unlock (&job->mutex);
          continue;
        case JOB_QUIT:
          break;
        }
      job_free (job);
      if (kind == JOB_QUIT)
        break;
    }
  g_clear_pointer (&self->store, hearth_store_close);
  return NULL;
}

static void
hearth_store_worker_finalize (GObject *object)
{
  HearthStoreWorker *self = HEARTH_STORE_WORKER (object);

  g_async_queue_push (self->queue, job_new (JOB_QUIT));
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  g_free (self->path);

  G_OBJECT_CLASS (hearth_store_worker_parent_class)->finalize (object);
}

static void
hearth_store_worker_class_init (HearthStoreWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_store_worker_finalize;
}

static void
hearth_store_worker_init (HearthStoreWorker *self)
{
  self->queue = g_async_queue_new ();
}

HearthStoreWorker *
hearth_store_worker_new (const char *path)
{
  HearthStoreWorker *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (HEARTH_TYPE_STORE_WORKER, NULL);
  self->path = g_strdup (path);
  self->thread = g_thread_new ("hearth-store", worker_thread, self);
  return self;
}

const char *
hearth_store_worker_get_path (HearthStoreWorker *self)
{
  g_return_val_if_fail (HEARTH_IS_STORE_WORKER (self), NULL);
  return self->path;
}

/* The tasks have no source object, so that the last reference to the
 * worker is never dropped on its own thread; finalize runs the jobs still
 * queued before it joins the thread. */
static void
submit (HearthStoreWorker   *self,
        Job                 *job,
        GCancellable        *cancellable,
        gpointer             source_tag,
        GAsyncReadyCallback  callback,
        gpointer             user_data)
{
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_async_queue_push (self->queue, job);
}

void
hearth_store_worker_open_async (HearthStoreWorker   *self,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  submit (self, job_new (JOB_OPEN), NULL, hearth_store_worker_open_async, callback, user_data);
}

gboolean
hearth_store_worker_open_finish (HearthStoreWorker  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
hearth_store_worker_move_aside_async (HearthStoreWorker   *self,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  submit (self, job_new (JOB_MOVE_ASIDE), NULL, hearth_store_worker_move_aside_async, callback, user_data);
}

char *
hearth_store_worker_move_aside_finish (HearthStoreWorker  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hearth_store_worker_run_async (HearthStoreWorker   *self,
                               HearthStoreJobFunc   func,
                               gpointer             data,
                               GDestroyNotify       data_free,
                               GDestroyNotify       result_free,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  g_return_if_fail (func != NULL);

  job = job_new (JOB_RUN);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  submit (self, job, cancellable, hearth_store_worker_run_async, callback, user_data);
}

gpointer
hearth_store_worker_run_finish (HearthStoreWorker  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hearth_store_worker_flush (HearthStoreWorker *self)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));

  job = job_new (JOB_FLUSH);
  g_mutex_lock (&job->mutex);
  g_async_queue_push (self->queue, job);
  while (!job->reached)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);
  job_free (job);
}
