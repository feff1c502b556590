#define G_LOG_DOMAIN "hearth-engine"

/* The engine thread and its job queue (GNOME Text Editor's worker pattern).
 *
 * Three kinds of state, kept apart:
 *   - handles (HearthModel, HearthSession): immutable or atomic, shared;
 *   - the queue and the running job: guarded by HearthEngine.lock (the
 *     GAsyncQueue has its own lock);
 *   - the device, models and sessions' KV caches: touched only by the
 *     engine thread (struct EngineState), and by finalize after the join.
 *
 * Every job has an internal GCancellable, cancelled by the caller's
 * cancellable, by a newer generate on the same session and by shutdown.
 * Each generate gets an id, the session's count of generations.
 *
 * Output to the caller goes through an Outbox: the engine thread appends
 * and attaches at most one idle source at a time on the caller's context;
 * the idle delivers everything pending unless, by then, the job was
 * cancelled or (for a generation) its id is no longer the session's
 * newest: that is how batches of cancelled and superseded generations are
 * dropped on the receiving side. The job's completion is one more idle on
 * the same context, attached after the last batch: it delivers what is
 * left and returns the GTask. */

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "hearth"
#endif

#include "hearth-engine.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "chat-template.h"
#include "clip-model.h"
#include "gguf.h"
#include "hvk.h"
#include "llama-context.h"
#include "tokenizer.h"
#include "vision-encoder.h"
#include "vision-prompt.h"

#define DEFAULT_MAX_CTX 4096
/* Internal priority of the shutdown sentinel: ahead of every queued job. */
#define PRIORITY_SHUTDOWN (-1)

/* ------------------------------------------------------------------------ */
/* Handles */

struct _HearthModel {
  gatomicrefcount ref;
  guint           id;
  char           *name;
  char           *arch;
  char           *path;
  guint32         n_ctx_train;
  guint32         n_vocab;
  guint64         n_params;
  guint64         weight_bytes;
  guint64         kv_bytes_per_position;
  gboolean        has_template;
  char           *template_note;
  gint            has_vision;     /* atomic: set once the projector is loaded */
  GMutex          vision_lock;    /* a projector loaded again replaces: */
  ImagePreprocessConfig vision_config;       /* under vision_lock, once has_vision */
  guint                 vision_tokens_per_chunk;
};

struct _HearthSession {
  gatomicrefcount ref;
  guint           id;
  HearthModel    *model;
  guint           n_ctx;
  GMutex          lock;
  guint           generation;     /* the newest generation's id, under lock */
  GCancellable   *latest_cancel;  /* and its job's cancellable, under lock */
};

HearthModel *
hearth_model_ref (HearthModel *model)
{
  g_atomic_ref_count_inc (&model->ref);
  return model;
}

void
hearth_model_unref (HearthModel *model)
{
  if (!g_atomic_ref_count_dec (&model->ref))
    return;
  g_free (model->name);
  g_free (model->arch);
  g_free (model->path);
  g_free (model->template_note);
  g_mutex_clear (&model->vision_lock);
  g_free (model);
}

const char *hearth_model_get_name          (HearthModel *m) { return m->name; }
const char *hearth_model_get_architecture  (HearthModel *m) { return m->arch; }
const char *hearth_model_get_path          (HearthModel *m) { return m->path; }
guint32     hearth_model_get_n_ctx_train   (HearthModel *m) { return m->n_ctx_train; }
guint32     hearth_model_get_n_vocab       (HearthModel *m) { return m->n_vocab; }
guint64     hearth_model_get_n_params      (HearthModel *m) { return m->n_params; }
guint64     hearth_model_get_weight_bytes  (HearthModel *m) { return m->weight_bytes; }
gboolean    hearth_model_has_chat_template (HearthModel *m) { return m->has_template; }
const char *hearth_model_get_chat_template_note (HearthModel *m) { return m->template_note; }
gboolean    hearth_model_has_vision        (HearthModel *m) { return g_atomic_int_get (&m->has_vision); }
guint64     hearth_model_get_kv_bytes_per_position (HearthModel *m) { return m->kv_bytes_per_position; }

gboolean
hearth_model_plan_image (HearthModel *model, guint width, guint height, HearthImagePlan *plan,
                         GError **error)
{
  g_return_val_if_fail (model != NULL && plan != NULL, FALSE);

  if (!hearth_model_has_vision (model))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "no vision projector is loaded for %s; load its mmproj file first",
                   model->name);
      return FALSE;
    }
  if (width == 0 || height == 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "an image of %u × %u pixels has nothing to show", width, height);
      return FALSE;
    }
  g_mutex_lock (&model->vision_lock);
  vision_prompt_plan_image (&model->vision_config, model->vision_tokens_per_chunk, width, height,
                            plan);
  g_mutex_unlock (&model->vision_lock);
  return TRUE;
}

HearthSession *
hearth_session_ref (HearthSession *session)
{
  g_atomic_ref_count_inc (&session->ref);
  return session;
}

void
hearth_session_unref (HearthSession *session)
{
  if (!g_atomic_ref_count_dec (&session->ref))
    return;
  hearth_model_unref (session->model);
  g_clear_object (&session->latest_cancel);
  g_mutex_clear (&session->lock);
  g_free (session);
}

HearthModel *hearth_session_get_model (HearthSession *s) { return s->model; }
guint        hearth_session_get_n_ctx (HearthSession *s) { return s->n_ctx; }
guint64      hearth_session_get_kv_bytes (HearthSession *s) { return s->n_ctx * s->model->kv_bytes_per_position; }

static guint
session_latest_generation (HearthSession *session)
{
  guint generation;

  g_mutex_lock (&session->lock);
  generation = session->generation;
  g_mutex_unlock (&session->lock);
  return generation;
}

void
hearth_sampling_params_init (HearthSamplingParams *params)
{
  hearth_sampler_params_init (&params->sampler);
  params->max_tokens = 0;
  params->reserve_tokens = 0;
}

void
hearth_generate_result_clear (HearthGenerateResult *result)
{
  g_clear_pointer (&result->text, g_free);
}

const char *
hearth_stop_reason_to_string (HearthStopReason reason)
{
  switch (reason)
    {
    case HEARTH_STOP_EOG:          return "end of generation";
    case HEARTH_STOP_MAX_TOKENS:   return "max tokens";
    case HEARTH_STOP_CONTEXT_FULL: return "context full";
    case HEARTH_STOP_CANCELLED:    return "cancelled";
    }
  return "unknown";
}

/* ------------------------------------------------------------------------ */
/* Outbox: output of one job, posted to the caller's main context */

typedef struct {
  gatomicrefcount        ref;
  GMutex                 lock;
  GMainContext          *context;
  GCancellable          *cancel;    /* the job's: once cancelled, nothing is delivered */
  HearthSession         *session;   /* a generation's session, or NULL ... */
  guint                  generation;/* ... and its id there: once superseded, nothing is delivered */
  HearthLoadProgressFunc progress;
  HearthTokenFunc        token;
  gpointer               user_data;
  /* under lock: */
  GString               *text;      /* generated, not delivered yet */
  double                 fraction;  /* latest progress; < 0: none pending */
  gboolean               idle_pending;
} Outbox;

static Outbox *
outbox_new (GMainContext *context, GCancellable *cancel, HearthLoadProgressFunc progress,
            HearthTokenFunc token, gpointer user_data)
{
  Outbox *o = g_new0 (Outbox, 1);

  g_atomic_ref_count_init (&o->ref);
  g_mutex_init (&o->lock);
  o->context = g_main_context_ref (context);
  o->cancel = g_object_ref (cancel);
  o->progress = progress;
  o->token = token;
  o->user_data = user_data;
  o->text = g_string_new (NULL);
  o->fraction = -1;
  return o;
}

static Outbox *
outbox_ref (Outbox *o)
{
  g_atomic_ref_count_inc (&o->ref);
  return o;
}

static void
outbox_unref (Outbox *o)
{
  if (!g_atomic_ref_count_dec (&o->ref))
    return;
  g_main_context_unref (o->context);
  g_object_unref (o->cancel);
  g_clear_pointer (&o->session, hearth_session_unref);
  g_string_free (o->text, TRUE);
  g_mutex_clear (&o->lock);
  g_free (o);
}

/* On the caller's context: hands over everything pending, or drops it if
 * the job was cancelled or superseded meanwhile. */
static void
outbox_deliver (Outbox *o)
{
  g_autofree char *text = NULL;
  double fraction;

  g_mutex_lock (&o->lock);
  text = o->text->len > 0 ? g_strndup (o->text->str, o->text->len) : NULL;
  g_string_truncate (o->text, 0);
  fraction = o->fraction;
  o->fraction = -1;
  o->idle_pending = FALSE;
  g_mutex_unlock (&o->lock);

  if (g_cancellable_is_cancelled (o->cancel) ||
      (o->session != NULL && o->generation != session_latest_generation (o->session)))
    return;
  if (fraction >= 0 && o->progress != NULL)
    o->progress (fraction, o->user_data);
  if (text != NULL && o->token != NULL)
    o->token (text, o->user_data);
}

static gboolean
outbox_idle_cb (gpointer data)
{
  outbox_deliver (data);
  return G_SOURCE_REMOVE;
}

/* Both the batches and the completion use this priority, so that the
 * completion, attached last, is dispatched last. */
static void
attach_idle (GMainContext *context, const char *name, GSourceFunc func, gpointer data,
             GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Called with o->lock held. */
static void
outbox_schedule_locked (Outbox *o)
{
  if (o->idle_pending)
    return;
  o->idle_pending = TRUE;
  attach_idle (o->context, "hearth-engine output", outbox_idle_cb, outbox_ref (o),
               (GDestroyNotify) outbox_unref);
}

static void
outbox_post_text (Outbox *o, const char *text, gsize len)
{
  if (len == 0 || o->token == NULL)
    return;
  g_mutex_lock (&o->lock);
  g_string_append_len (o->text, text, len);
  outbox_schedule_locked (o);
  g_mutex_unlock (&o->lock);
}

static void
outbox_post_progress (Outbox *o, double fraction)
{
  if (o->progress == NULL)
    return;
  g_mutex_lock (&o->lock);
  o->fraction = fraction;
  outbox_schedule_locked (o);
  g_mutex_unlock (&o->lock);
}

/* ------------------------------------------------------------------------ */
/* Jobs */

typedef struct _Job Job;
typedef struct _EngineState EngineState;
typedef void (*JobRunFunc) (EngineState *st, Job *job);

struct _Job {
  JobRunFunc      run;          /* NULL: the shutdown sentinel */
  int             priority;     /* HearthEnginePriority or PRIORITY_SHUTDOWN */
  guint64         seq;          /* submission order among equal priorities */
  GTask          *task;         /* NULL for fire-and-forget jobs */
  GCancellable   *cancel;       /* internal, see the top of the file */
  GCancellable   *user_cancel;
  gulong          user_handler;
  Outbox         *outbox;       /* NULL for jobs without callbacks */
  gpointer        data;         /* input, freed on the engine thread */
  GDestroyNotify  data_free;
  /* output, written by the engine thread before the completion is posted */
  GError         *error;
  gpointer        value;        /* the task's pointer, or NULL for a boolean task */
  GDestroyNotify  value_free;
};

static void
cancel_internal (GCancellable *user_cancel, gpointer internal)
{
  (void) user_cancel;
  g_cancellable_cancel (internal);
}

static Job *
job_new (JobRunFunc run, HearthEnginePriority priority, GCancellable *user_cancel)
{
  Job *job = g_new0 (Job, 1);

  job->run = run;
  job->priority = priority;
  job->cancel = g_cancellable_new ();
  if (user_cancel != NULL)
    {
      job->user_cancel = g_object_ref (user_cancel);
      job->user_handler = g_cancellable_connect (user_cancel, G_CALLBACK (cancel_internal),
                                                 g_object_ref (job->cancel), g_object_unref);
    }
  return job;
}

/* The task is created here, on the caller's thread, so that it and the
 * outbox capture the caller's thread-default main context. */
static void
job_set_task (Job *job, gpointer source_tag, GAsyncReadyCallback callback, gpointer user_data)
{
  /* No cancellable: the job reports cancellation itself (as
   * HEARTH_ENGINE_ERROR), and a GTask with a cancelled cancellable would
   * defer its callback by one more main-loop iteration, letting later
   * jobs' results overtake it. */
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
}

static void
job_set_outbox (Job *job, HearthLoadProgressFunc progress, HearthTokenFunc token,
                gpointer user_data)
{
  job->outbox = outbox_new (g_task_get_context (job->task), job->cancel, progress, token,
                            user_data);
}

static void
job_free (Job *job)
{
  if (job->user_cancel != NULL)
    g_cancellable_disconnect (job->user_cancel, job->user_handler);
  g_clear_object (&job->user_cancel);
  g_clear_object (&job->cancel);
  g_clear_object (&job->task);
  g_clear_pointer (&job->outbox, outbox_unref);
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
    outbox_deliver (job->outbox);
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
  attach_idle (g_task_get_context (job->task), "hearth-engine completion", job_complete_idle_cb,
               job, (GDestroyNotify) job_free);
}

static gboolean
set_cancelled (GError **error, const char *what)
{
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED, "%s was cancelled",
               what);
  return FALSE;
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

/* Which file a model or projector was read from: the same file, whatever
 * path names it, and not one replaced since (size, mtime). */
typedef struct {
  guint64 dev, ino, size;
  gint64  mtime;
} FileIdentity;

static gboolean
file_identity_read (const char *path, FileIdentity *id)
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

static gboolean
file_identity_equal (const FileIdentity *a, const FileIdentity *b)
{
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime == b->mtime;
}

typedef struct {
  HearthModel        *handle;
  FileIdentity        file;      /* a load of the same file shares this model */
  guint               n_users;   /* loads not yet balanced by an unload */
  LlamaModel         *llama;
  HearthTokenizer    *tokenizer;
  HearthChatTemplate *template;  /* NULL: a plain text model */
  gboolean            typed_content; /* the template wants content as typed parts */
  char               *bos_text;  /* for the template; NULL if none */
  char               *eos_text;
  ClipModel          *clip;      /* NULL: no vision projector loaded */
  FileIdentity        clip_file; /* when clip is set: loading it again changes nothing */
  VisionEncoder      *encoder;
} LoadedModel;

/* An image of a session's prompt, encoded. Its positions in the prompt (and
 * in SessionState.cached) all hold key, a negative id taken from the hash
 * of its bytes: the common prefix of two prompts then ends where their
 * images differ, and an image already in the KV cache is neither encoded
 * nor run again. (Two different images at the same place with the same
 * 31-bit key would be taken for each other: about one chance in 2³¹.) */
typedef struct {
  VisionPromptImage layout;
  float            *embd;   /* f32 [n_rows][n_embd] */
  guint             n_rows; /* n_chunks · tokens_per_chunk */
  gint32            key;
} SessionImage;

static void
session_image_free (SessionImage *img)
{
  g_free (img->embd);
  g_free (img);
}

typedef struct {
  LoadedModel  *model;
  LlamaContext *ctx;      /* created by the first generate */
  GArray       *cached;   /* gint32: the tokens at positions 0..n-1 of the KV cache,
                           * an image's positions as its key (see SessionImage) */
  GHashTable   *images;   /* SHA-256 of an image's bytes (hex) -> SessionImage: the
                           * images of the latest prompt, encoded */
} SessionState;

struct _EngineState {
  HearthDevice *device;    /* opened by the first job that needs it */
  GHashTable   *models;    /* id -> LoadedModel */
  GHashTable   *sessions;  /* id -> SessionState */
};

static void
loaded_model_free (LoadedModel *m)
{
  g_clear_pointer (&m->encoder, vision_encoder_free);
  g_clear_pointer (&m->clip, clip_model_free);
  g_clear_pointer (&m->llama, llama_model_free);
  g_clear_pointer (&m->tokenizer, hearth_tokenizer_free);
  g_clear_pointer (&m->template, hearth_chat_template_free);
  g_clear_pointer (&m->handle, hearth_model_unref);
  g_free (m->bos_text);
  g_free (m->eos_text);
  g_free (m);
}

static void
session_state_free (SessionState *s)
{
  g_clear_pointer (&s->ctx, llama_context_free);
  g_array_unref (s->cached);
  g_hash_table_unref (s->images);
  g_free (s);
}

/* Sessions first: their contexts use the models' weights. */
static void
engine_state_clear (EngineState *st)
{
  g_hash_table_remove_all (st->sessions);
  g_hash_table_remove_all (st->models);
  g_clear_pointer (&st->device, hearth_device_free);
}

static gboolean
engine_state_ensure_device (EngineState *st, GError **error)
{
  if (st->device == NULL)
    st->device = hearth_device_open (error);
  return st->device != NULL;
}

/* ------------------------------------------------------------------------ */
/* The GObject */

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

static void
engine_submit (HearthEngine *self, Job *job)
{
  g_mutex_lock (&self->lock);
  job->seq = self->next_seq++;
  g_mutex_unlock (&self->lock);
  g_async_queue_push_sorted (self->queue, job, job_compare, NULL);
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
                                              (GDestroyNotify) loaded_model_free);
  self->state.sessions = g_hash_table_new_full (NULL, NULL, NULL,
                                                (GDestroyNotify) session_state_free);
  self->thread = g_thread_new ("hearth-engine", engine_thread_main, self);
}

HearthEngine *
hearth_engine_new (void)
{
  return g_object_new (HEARTH_TYPE_ENGINE, NULL);
}

/* ------------------------------------------------------------------------ */
/* Loading */

typedef struct {
  char  *path;
  guint  id;
} LoadJob;

static void
load_job_free (LoadJob *lj)
{
  g_free (lj->path);
  g_free (lj);
}

static void
load_progress_cb (guint64 done_bytes, guint64 total_bytes, gpointer user_data)
{
  outbox_post_progress (user_data, total_bytes > 0 ? (double) done_bytes / total_bytes : 1.0);
}

static guint64
count_params (GgufFile *file)
{
  guint64 n = 0;

  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    {
      const GgufTensor *t = gguf_file_tensor_at (file, i);
      n += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
    }
  return n;
}

static char *
token_text_dup (HearthTokenizer *tok, gint32 id)
{
  gsize len = 0;
  const char *text = id >= 0 ? hearth_tokenizer_token_text (tok, id, &len) : NULL;

  return text != NULL ? g_strndup (text, len) : NULL;
}

/* A conversation as the engine renders it. */
typedef struct {
  const char *const *roles;
  const char *const *contents;
  const guint       *n_images;  /* per message; NULL: no images */
  guint              n;
} Conversation;

static void
add_typed_part (JsonArray *parts, const char *type, const char *text)
{
  JsonObject *part = json_object_new ();

  json_object_set_string_member (part, "type", type);
  if (text != NULL)
    json_object_set_string_member (part, "text", text);
  json_array_add_object_element (parts, part);
}

/* The messages as chat templates see them, with only the first n_shown
 * images. typed: each content as a list of one {"type": "text", "text":
 * ...} part; a message with images always is such a list, its
 * {"type": "image"} parts first (as multimodal templates expect them). */
static JsonArray *
messages_to_json (const Conversation *c, gboolean typed, guint n_shown)
{
  JsonArray *messages = json_array_new ();

  for (guint i = 0; i < c->n; i++)
    {
      JsonObject *msg = json_object_new ();
      guint n_images = c->n_images != NULL ? c->n_images[i] : 0;
      guint shown = MIN (n_images, n_shown);

      n_shown -= shown;
      json_object_set_string_member (msg, "role", c->roles[i]);
      if (typed || n_images > 0)
        {
          JsonArray *parts = json_array_new ();
          for (guint k = 0; k < shown; k++)
            add_typed_part (parts, "image", NULL);
          add_typed_part (parts, "text", c->contents[i]);
          json_object_set_array_member (msg, "content", parts);
        }
      else
        json_object_set_string_member (msg, "content", c->contents[i]);
      json_array_add_object_element (messages, msg);
    }
  return messages;
}

static gboolean
template_shows (HearthChatTemplate *tpl, gboolean typed, const char *bos, const char *eos)
{
  static const char *const role = "user", *const probe = "hearth-probe-4f1d";
  const Conversation c = { &role, &probe, NULL, 1 };
  g_autoptr (JsonArray) messages = messages_to_json (&c, typed, 0);
  g_autofree char *text = hearth_chat_template_render (tpl, messages, TRUE, bos, eos, NULL);

  return text != NULL && strstr (text, probe) != NULL;
}

/* Some templates (SmolVLM's) read a message's content only as a list of
 * typed parts and print nothing for a plain string: found out by rendering
 * a probe message both ways, as llama.cpp does. */
static gboolean
template_wants_typed_content (HearthChatTemplate *tpl, const char *bos, const char *eos)
{
  return !template_shows (tpl, FALSE, bos, eos) && template_shows (tpl, TRUE, bos, eos);
}

/* The model's own template, or a built-in format when ours cannot parse
 * it (chatting in a close format beats refusing the model; *note says so).
 * NULL for a model without one: a plain text model. */
static HearthChatTemplate *
load_chat_template (GgufFile *file, HearthModel *h, char **note)
{
  g_autofree char *source = NULL;
  g_autoptr (GError) error = NULL;

  *note = NULL;
  if (!gguf_file_get_string (file, "tokenizer.chat_template", &source, &error))
    {
      if (error == NULL)
        return NULL;
      /* Not UTF-8 or holding a NUL byte: as for a template that does not parse. */
      HearthChatFormat format = hearth_chat_format_guess (h->arch, h->name, NULL);
      *note = g_strdup_printf ("%s; using the built-in %s format instead", error->message,
                               hearth_chat_format_get_name (format));
      return hearth_chat_template_new_builtin (format);
    }
  return hearth_chat_template_new_for_model (h->path, source, h->arch, h->name, note);
}

static HearthModel *
model_handle_new (guint id, GgufFile *file, LlamaModel *llama, HearthTokenizer *tok)
{
  const LlamaConfig *cfg = llama_model_get_config (llama);
  HearthModel *h = g_new0 (HearthModel, 1);

  g_atomic_ref_count_init (&h->ref);
  g_mutex_init (&h->vision_lock);
  h->id = id;
  h->path = g_strdup (gguf_file_get_path (file));
  if (!gguf_file_get_string (file, "general.name", &h->name, NULL))
    h->name = g_filename_display_basename (h->path);
  h->arch = g_strdup (cfg->arch);
  h->n_ctx_train = cfg->n_ctx_train;
  h->n_vocab = hearth_tokenizer_n_vocab (tok);
  h->n_params = count_params (file);
  h->weight_bytes = llama_model_get_weight_bytes (llama);
  /* As llama-context allocates it: f16 keys and values per layer. */
  h->kv_bytes_per_position = (guint64) cfg->n_layer * cfg->n_head_kv * cfg->head_dim_k * 2 * sizeof (guint16);
  return h;
}

static LoadedModel *
load_model (EngineState *st, guint id, const char *path, Outbox *outbox, GCancellable *cancel,
            GError **error)
{
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (HearthTokenizer) tok = NULL;
  g_autoptr (LlamaModel) llama = NULL;
  LoadedModel *m;

  if ((file = gguf_file_open (path, error)) == NULL ||
      (tok = hearth_tokenizer_new_from_gguf (file, error)) == NULL ||
      !engine_state_ensure_device (st, error) ||
      (llama = llama_model_load (st->device, file, load_progress_cb, outbox, cancel,
                                 error)) == NULL)
    return NULL;
  if (hearth_tokenizer_n_vocab (tok) > llama_model_get_config (llama)->n_vocab)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: the tokenizer has %u tokens but the output layer only %u; the file is "
                   "inconsistent, convert the model again", path,
                   hearth_tokenizer_n_vocab (tok), llama_model_get_config (llama)->n_vocab);
      return NULL;
    }

  m = g_new0 (LoadedModel, 1);
  m->handle = model_handle_new (id, file, llama, tok);
  m->template = load_chat_template (file, m->handle, &m->handle->template_note);
  m->handle->has_template = m->template != NULL;
  m->bos_text = token_text_dup (tok, hearth_tokenizer_bos (tok));
  m->eos_text = token_text_dup (tok, hearth_tokenizer_eos (tok));
  m->typed_content = m->template != NULL &&
                     template_wants_typed_content (m->template, m->bos_text, m->eos_text);
  m->llama = g_steal_pointer (&llama);
  m->tokenizer = g_steal_pointer (&tok);
  return m;
}

/* The model already loaded from the file id names, or NULL. */
static LoadedModel *
find_loaded_file (EngineState *st, const FileIdentity *id)
{
  GHashTableIter iter;
  LoadedModel *m;

  g_hash_table_iter_init (&iter, st->models);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &m))
    if (file_identity_equal (&m->file, id))
      return m;
  return NULL;
}

static void
run_load (EngineState *st, Job *job)
{
  LoadJob *lj = job->data;
  FileIdentity file = { 0 };
  LoadedModel *m;

  if (g_cancellable_is_cancelled (job->cancel))
    {
      set_cancelled (&job->error, "loading the model");
      return;
    }
  /* A file that cannot be read is left to load_model, for its message. */
  if (file_identity_read (lj->path, &file) && (m = find_loaded_file (st, &file)) != NULL)
    m->n_users++;
  else if ((m = load_model (st, lj->id, lj->path, job->outbox, job->cancel, &job->error)) != NULL)
    {
      m->file = file;
      m->n_users = 1;
      g_hash_table_insert (st->models, GUINT_TO_POINTER (lj->id), m);
    }
  else
    {
      /* Vulkan reports its own flavour of "cancelled". */
      if (g_error_matches (job->error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED))
        {
          g_clear_error (&job->error);
          set_cancelled (&job->error, "loading the model");
        }
      return;
    }
  outbox_post_progress (job->outbox, 1.0);
  job->value = hearth_model_ref (m->handle);
  job->value_free = (GDestroyNotify) hearth_model_unref;
}

void
hearth_engine_load_model_async (HearthEngine *self, const char *path,
                                HearthLoadProgressFunc progress, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  Job *job;
  LoadJob *lj;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (path != NULL);

  job = job_new (run_load, HEARTH_ENGINE_PRIORITY_INTERACTIVE, cancellable);
  job_set_task (job, hearth_engine_load_model_async, callback, user_data);
  job_set_outbox (job, progress, NULL, user_data);
  lj = g_new0 (LoadJob, 1);
  lj->path = g_strdup (path);
  /* Model and session ids share one counter, so neither is ever 0. */
  lj->id = g_atomic_int_add (&self->next_id, 1) + 1;
  job->data = lj;
  job->data_free = (GDestroyNotify) load_job_free;
  engine_submit (self, job);
}

HearthModel *
hearth_engine_load_model_finish (HearthEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_load_model_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
run_unload (EngineState *st, Job *job)
{
  LoadedModel *m = g_hash_table_lookup (st->models, job->data);
  GHashTableIter iter;
  SessionState *s;

  /* Another user still holds it: its weights and sessions stay. */
  if (m == NULL || --m->n_users > 0)
    return;
  g_hash_table_iter_init (&iter, st->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (s->model == m)
      g_hash_table_iter_remove (&iter);
  g_hash_table_remove (st->models, job->data);
}

void
hearth_engine_unload_model (HearthEngine *self, HearthModel *model)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (model != NULL);

  job = job_new (run_unload, HEARTH_ENGINE_PRIORITY_INTERACTIVE, NULL);
  job->data = GUINT_TO_POINTER (model->id);
  engine_submit (self, job);
}

/* ------------------------------------------------------------------------ */
/* Sessions */

typedef struct {
  guint id;
  guint model_id;
} SessionIds;

static void
run_open_session (EngineState *st, Job *job)
{
  SessionIds *ids = job->data;
  LoadedModel *m = g_hash_table_lookup (st->models, GUINT_TO_POINTER (ids->model_id));
  SessionState *s;

  /* A model unloaded before the session opened: later generates will say so. */
  if (m == NULL)
    return;
  s = g_new0 (SessionState, 1);
  s->model = m;
  s->cached = g_array_new (FALSE, FALSE, sizeof (gint32));
  s->images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) session_image_free);
  g_hash_table_insert (st->sessions, GUINT_TO_POINTER (ids->id), s);
}

HearthSession *
hearth_engine_new_session (HearthEngine *self, HearthModel *model, guint n_ctx)
{
  HearthSession *session;
  SessionIds *ids;
  Job *job;

  g_return_val_if_fail (HEARTH_IS_ENGINE (self), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  session = g_new0 (HearthSession, 1);
  g_atomic_ref_count_init (&session->ref);
  g_mutex_init (&session->lock);
  session->id = g_atomic_int_add (&self->next_id, 1) + 1;
  session->model = hearth_model_ref (model);
  session->n_ctx = n_ctx > 0 ? n_ctx : MIN (model->n_ctx_train, DEFAULT_MAX_CTX);

  /* Queued like any job, so that it is ordered with the generates after it
   * and with an unload before it. */
  job = job_new (run_open_session, HEARTH_ENGINE_PRIORITY_INTERACTIVE, NULL);
  ids = g_new (SessionIds, 1);
  ids->id = session->id;
  ids->model_id = model->id;
  job->data = ids;
  job->data_free = g_free;
  engine_submit (self, job);
  return session;
}

static void
run_close_session (EngineState *st, Job *job)
{
  g_hash_table_remove (st->sessions, job->data);
}

void
hearth_engine_close_session (HearthEngine *self, HearthSession *session)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (session != NULL);

  job = job_new (run_close_session, HEARTH_ENGINE_PRIORITY_INTERACTIVE, NULL);
  job->data = GUINT_TO_POINTER (session->id);
  engine_submit (self, job);
}

/* ------------------------------------------------------------------------ */
/* Generation */

typedef struct {
  HearthSession        *session;
  GPtrArray            *roles;     /* char * */
  GPtrArray            *contents;  /* char * */
  GArray               *n_images;  /* guint: per message */
  GPtrArray            *images;    /* GBytes: every message's images, in order */
  HearthSamplingParams  params;
  HearthGenerateResult *result;    /* the task's data, filled on the engine thread */
} GenerateJob;

static void
generate_job_free (GenerateJob *g)
{
  hearth_session_unref (g->session);
  g_ptr_array_unref (g->roles);
  g_ptr_array_unref (g->contents);
  g_array_unref (g->n_images);
  g_ptr_array_unref (g->images);
  g_free (g);
}

/* A copy of the messages: the caller's may go away once the call returns. */
static GenerateJob *
generate_job_new (HearthSession *session, const HearthChatMessage *messages, guint n_messages)
{
  GenerateJob *g = g_new0 (GenerateJob, 1);

  g->session = hearth_session_ref (session);
  g->roles = g_ptr_array_new_full (n_messages, g_free);
  g->contents = g_ptr_array_new_full (n_messages, g_free);
  g->n_images = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_messages);
  g->images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < n_messages; i++)
    {
      g_ptr_array_add (g->roles, g_strdup (messages[i].role));
      g_ptr_array_add (g->contents, g_strdup (messages[i].content));
      g_array_append_val (g->n_images, messages[i].n_images);
      for (guint k = 0; k < messages[i].n_images; k++)
        g_ptr_array_add (g->images, g_bytes_ref (messages[i].images[k]));
    }
  return g;
}

static void
generate_result_free (HearthGenerateResult *result)
{
  hearth_generate_result_clear (result);
  g_free (result);
}

/* The job's messages from first on (context: later starts leave the
 * oldest turns out). */
static Conversation
generate_job_conversation (GenerateJob *g, guint first)
{
  return (Conversation) { (const char *const *) g->roles->pdata + first,
                          (const char *const *) g->contents->pdata + first,
                          (const guint *) g->n_images->data + first, g->contents->len - first };
}

/* How many of the job's images come before message first. */
static guint
generate_job_images_before (GenerateJob *g, guint first)
{
  guint n = 0;

  for (guint i = 0; i < first; i++)
    n += g_array_index (g->n_images, guint, i);
  return n;
}

/* What a model without a template reads: the contents one after the
 * other, roles ignored, each message's images (as markers) before its text. */
static char *
concat_contents (const Conversation *c)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < c->n; i++)
    {
      for (guint k = 0; c->n_images != NULL && k < c->n_images[i]; k++)
        g_string_append (text, VISION_MEDIA_MARKER);
      g_string_append (text, c->contents[i]);
    }
  return g_string_free (text, FALSE);
}

static char *
render_prompt (LoadedModel *m, const Conversation *c, GError **error)
{
  g_autoptr (JsonArray) messages = NULL;

  if (m->template == NULL)
    return concat_contents (c);
  messages = messages_to_json (c, m->typed_content, 0);
  return hearth_chat_template_render (m->template, messages, TRUE, m->bos_text, m->eos_text,
                                      error);
}

/* A rendered template usually writes BOS itself; then the tokenizer must
 * not add a second one. */
static GArray *
tokenize_prompt (LoadedModel *m, const Conversation *c, GError **error)
{
  g_autofree char *prompt = render_prompt (m, c, error);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gboolean chat = m->template != NULL;

  if (prompt == NULL ||
      !hearth_tokenizer_encode (m->tokenizer, prompt, -1,
                                !chat || m->bos_text == NULL || !g_str_has_prefix (prompt, m->bos_text),
                                chat, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

typedef struct {
  LoadedModel        *m;
  const Conversation *c;
} ImageRender;

static char *
render_shown_images (guint n_shown, gpointer user_data, GError **error)
{
  ImageRender *r = user_data;
  g_autoptr (JsonArray) messages = messages_to_json (r->c, r->m->typed_content, n_shown);

  return hearth_chat_template_render (r->m->template, messages, TRUE, r->m->bos_text,
                                      r->m->eos_text, error);
}

/* The conversation's text with VISION_MEDIA_MARKER where each of its
 * n_images images goes. */
static char *
render_image_prompt (LoadedModel *m, const Conversation *c, guint n_images, GError **error)
{
  ImageRender r = { m, c };
  g_autofree char *unplaced = NULL;

  if (m->template == NULL)
    return concat_contents (c);
  unplaced = g_strdup_printf ("the chat template of %s does not place images, so the model "
                              "cannot be shown them", m->handle->name);
  return vision_prompt_render_with_markers (n_images, render_shown_images, &r, unplaced, error);
}

/* BOS is added only if the rendered text does not start with it. */
static GArray *
tokenize_image_prompt (LoadedModel *m, const char *text, const VisionPromptImage *images,
                       guint n_images, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GArray) rest = NULL;

  if (hearth_tokenizer_adds_bos (m->tokenizer) &&
      !(m->bos_text != NULL && *m->bos_text != '\0' && g_str_has_prefix (text, m->bos_text)))
    g_array_append_vals (ids, &(gint32) { hearth_tokenizer_bos (m->tokenizer) }, 1);
  rest = vision_prompt_tokenize_images (m->tokenizer, text, FALSE, images, n_images, error);
  if (rest == NULL)
    return NULL;
  g_array_append_vals (ids, rest->data, rest->len);
  return g_steal_pointer (&ids);
}

/* Below VISION_IMAGE_POSITION, from the first 32 bits of the hex hash. */
static gint32
image_key (const char *hash)
{
  char head[9] = { 0 };
  guint32 bits;

  memcpy (head, hash, 8);
  bits = (guint32) g_ascii_strtoull (head, NULL, 16);
  return -2 - (gint32) (bits % (G_MAXINT32 - 2u));
}

static SessionImage *
session_image_new (LoadedModel *m, GBytes *bytes, const char *hash, const char *name,
                   GCancellable *cancel, GError **error)
{
  g_autoptr (HearthImage) image = hearth_image_load_bytes (bytes, name, 0, error);
  g_autoptr (ImageTiles) tiles = NULL;
  SessionImage *img;
  float *embd;

  if (image == NULL ||
      (embd = vision_encoder_encode_image (m->encoder, image, &tiles, NULL, NULL, cancel,
                                           error)) == NULL)
    return NULL;
  img = g_new0 (SessionImage, 1);
  img->layout = (VisionPromptImage) { tiles->grid_rows, tiles->grid_cols,
                                      vision_encoder_tokens_per_chunk (m->encoder) };
  img->embd = embd;
  img->n_rows = tiles->n_chunks * img->layout.tokens_per_chunk;
  img->key = image_key (hash);
  return img;
}

static gboolean
image_unused (gpointer hash, gpointer img, gpointer used)
{
  (void) hash;
  return !g_ptr_array_find (used, img, NULL);
}

/* The conversation's images in order (SessionImage, owned by s->images),
 * encoded unless the session has them already; the session then forgets
 * the images the conversation no longer shows. */
static GPtrArray *
session_encode_images (SessionState *s, GenerateJob *g, GCancellable *cancel, GError **error)
{
  g_autoptr (GPtrArray) used = g_ptr_array_new ();
  guint k = 0;

  if (g->images->len > 0 && s->model->encoder == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("%s cannot see images; pick a vision model such as SmolVLM2 with its "
                     "mmproj file"), s->model->handle->name);
      return NULL;
    }
  for (guint i = 0; i < g->n_images->len; i++)
    for (guint j = 0; j < g_array_index (g->n_images, guint, i); j++, k++)
      {
        GBytes *bytes = g->images->pdata[k];
        g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
        SessionImage *img = g_hash_table_lookup (s->images, hash);

        if (img == NULL)
          {
            g_autofree char *name = g_strdup_printf ("image %u of message %u", j + 1, i + 1);
            if ((img = session_image_new (s->model, bytes, hash, name, cancel, error)) == NULL)
              return NULL;
            g_hash_table_insert (s->images, g_steal_pointer (&hash), img);
          }
        g_ptr_array_add (used, img);
      }
  g_hash_table_foreach_remove (s->images, image_unused, used);
  return g_steal_pointer (&used);
}

/* Calls func for each image position of prompt: i, the image, and the
 * position's row among the image's embeddings. */
typedef void (*ImagePositionFunc) (guint i, SessionImage *img, guint row, gpointer user_data);

static void
foreach_image_position (GArray *prompt, GPtrArray *images, ImagePositionFunc func,
                        gpointer user_data)
{
  guint k = 0, row = 0;

  for (guint i = 0; i < prompt->len; i++)
    {
      SessionImage *img;

      if (g_array_index (prompt, gint32, i) >= 0)
        continue;
      img = images->pdata[k];
      func (i, img, row, user_data);
      if (++row == img->n_rows)
        {
          row = 0;
          k++;
        }
    }
}

static void
set_key (guint i, SessionImage *img, guint row, gpointer prompt)
{
  (void) row;
  g_array_index ((GArray *) prompt, gint32, i) = img->key;
}

static GArray *
tokenize_with_images (LoadedModel *m, const Conversation *c, GPtrArray *images, GError **error)
{
  g_autoptr (GArray) layouts = g_array_new (FALSE, FALSE, sizeof (VisionPromptImage));
  g_autofree char *text = NULL;
  GArray *ids;

  for (guint k = 0; k < images->len; k++)
    g_array_append_val (layouts, ((SessionImage *) images->pdata[k])->layout);
  if ((text = render_image_prompt (m, c, images->len, error)) == NULL ||
      (ids = tokenize_image_prompt (m, text, (const VisionPromptImage *) layouts->data,
                                    layouts->len, error)) == NULL)
    return NULL;
  foreach_image_position (ids, images, set_key, ids);
  return ids;
}

/* The prompt of c, whose images are images[skip..] (encoded). */
static GArray *
tokenize_conversation (LoadedModel *m, const Conversation *c, GPtrArray *images, guint skip,
                       GError **error)
{
  g_autoptr (GPtrArray) shown = NULL;

  if (images->len <= skip)
    return tokenize_prompt (m, c, error);
  shown = g_ptr_array_new ();
  for (guint k = skip; k < images->len; k++)
    g_ptr_array_add (shown, images->pdata[k]);
  return tokenize_with_images (m, c, shown, error);
}

typedef struct {
  guint   from;    /* first prompt position wanted */
  guint   n_embd;
  GArray *rows;    /* float: the embeddings gathered */
} GatherRows;

static void
gather_row (guint i, SessionImage *img, guint row, gpointer user_data)
{
  GatherRows *gr = user_data;

  if (i >= gr->from)
    g_array_append_vals (gr->rows, img->embd + (gsize) row * gr->n_embd, gr->n_embd);
}

/* The embeddings of the image positions of prompt from position from on:
 * f32 [n][n_embd], in prompt order. */
static GArray *
gather_image_rows (GArray *prompt, GPtrArray *images, guint from, guint n_embd)
{
  GatherRows gr = { from, n_embd, g_array_new (FALSE, FALSE, sizeof (float)) };

  foreach_image_position (prompt, images, gather_row, &gr);
  return gr.rows;
}

/* Runs tokens (image positions: the next rows of embd, f32
 * [n_embd_rows][n_embd]) at pos0 and keeps s->cached equal to the cache's
 * contents. After a failure the finished chunks are forgotten: they would
 * merely be run again. */
static gboolean
session_forward (SessionState *s, const gint32 *tokens, guint n, guint pos0, const float *embd,
                 guint n_embd_rows, GCancellable *cancel, GError **error)
{
  gboolean ok = vision_prompt_prefill (s->ctx, tokens, n, pos0, embd, n_embd_rows, cancel, error);

  g_array_set_size (s->cached, MIN (pos0, s->cached->len));
  if (ok)
    g_array_append_vals (s->cached, tokens, n);
  else
    g_array_set_size (s->cached, MIN (s->cached->len, llama_context_get_n_past (s->ctx)));
  return ok;
}

static guint
common_prefix (GArray *a, GArray *b)
{
  guint n = 0, max = MIN (a->len, b->len);

  while (n < max && g_array_index (a, gint32, n) == g_array_index (b, gint32, n))
    n++;
  return n;
}

static SessionState *
lookup_session (EngineState *st, HearthSession *session, GError **error)
{
  SessionState *s = g_hash_table_lookup (st->sessions, GUINT_TO_POINTER (session->id));

  if (s == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                 "the chat session was closed or its model (%s) unloaded; start a new session",
                 session->model->name);
  return s;
}

/* Processes the part of the prompt that is not in the cache yet, with the
 * embeddings of its images from there on. At least one token is run, to
 * get logits to sample from. */
static gboolean
process_prompt (SessionState *s, GArray *prompt, GPtrArray *images, HearthGenerateResult *r,
                GCancellable *cancel, GError **error)
{
  guint reuse = MIN (common_prefix (s->cached, prompt), prompt->len - 1);
  guint n_embd = llama_model_get_config (s->model->llama)->n_embd;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GArray) rows = gather_image_rows (prompt, images, reuse, n_embd);
  gboolean ok;

  r->n_prompt_reused = reuse;
  r->n_prompt_processed = prompt->len - reuse;
  ok = session_forward (s, &g_array_index (prompt, gint32, reuse), prompt->len - reuse, reuse,
                        (const float *) rows->data, rows->len / n_embd, cancel, error);
  r->prompt_seconds = (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

/* The bytes of an unfinished UTF-8 sequence, as U+FFFD. */
static void
flush_stream (HearthTokenStream *stream, GString *text, Outbox *outbox)
{
  gsize before = text->len;

  hearth_token_stream_flush (stream, text);
  outbox_post_text (outbox, text->str + before, text->len - before);
}

/* Samples until a stop; returns FALSE only on an error or cancellation. */
static gboolean
sample_loop (SessionState *s, GenerateJob *g, Outbox *outbox, GString *text,
             GCancellable *cancel, GError **error)
{
  HearthTokenizer *tok = s->model->tokenizer;
  HearthGenerateResult *r = g->result;
  guint n_vocab = llama_model_get_config (s->model->llama)->n_vocab;
  g_autoptr (HearthSampler) sampler = hearth_sampler_new (&g->params.sampler);
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (tok, FALSE);
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  /* The text seen so far, image positions left out. */
  for (guint i = 0; i < s->cached->len; i++)
    if (g_array_index (s->cached, gint32, i) >= 0)
      hearth_sampler_accept (sampler, g_array_index (s->cached, gint32, i));

  for (;;)
    {
      gsize before = text->len;
      gint32 id;

      if (g_cancellable_is_cancelled (cancel))
        {
          ok = set_cancelled (error, "the generation");
          break;
        }
      id = hearth_sampler_sample (sampler, llama_context_get_logits (s->ctx, 0), n_vocab);
      if (hearth_tokenizer_is_eog (tok, id))
        {
          r->stop_reason = HEARTH_STOP_EOG;
          break;
        }
      hearth_sampler_accept (sampler, id);
      r->n_generated++;
      hearth_token_stream_push (stream, id, text);
      outbox_post_text (outbox, text->str + before, text->len - before);

      if (g->params.max_tokens > 0 && r->n_generated >= g->params.max_tokens)
        r->stop_reason = HEARTH_STOP_MAX_TOKENS;
      else if (s->cached->len >= llama_context_get_n_ctx (s->ctx))
        r->stop_reason = HEARTH_STOP_CONTEXT_FULL;
      else if ((ok = session_forward (s, &id, 1, s->cached->len, NULL, 0, cancel, error)))
        continue;
      break;
    }

  flush_stream (stream, text, outbox);
  r->generate_seconds = (g_get_monotonic_time () - start) / 1e6;
  r->tokens_per_second = r->generate_seconds > 0 ? r->n_generated / r->generate_seconds : 0;
  return ok;
}

static gboolean
generate (EngineState *st, GenerateJob *g, Outbox *outbox, GCancellable *cancel, GError **error)
{
  HearthGenerateResult *r = g->result;
  const Conversation c = generate_job_conversation (g, 0);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GArray) prompt = NULL;
  g_autoptr (GPtrArray) images = NULL;
  SessionState *s;
  gboolean ok;

  if ((s = lookup_session (st, g->session, error)) == NULL ||
      (images = session_encode_images (s, g, cancel, error)) == NULL ||
      (prompt = tokenize_conversation (s->model, &c, images, 0, error)) == NULL)
    return FALSE;
  r->n_prompt_tokens = prompt->len;
  if (prompt->len == 0)
    {
      g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                           "the conversation is empty: there is nothing to reply to");
      return FALSE;
    }
  /* context: never a truncated prompt; the caller decides what to leave out. */
  if ((guint64) prompt->len + MAX (g->params.reserve_tokens, 1) > g->session->n_ctx)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL,
                   "the conversation is %u tokens and the reply needs room for %u but the "
                   "chat's context holds %u; leave earlier messages out or start a new chat",
                   prompt->len, MAX (g->params.reserve_tokens, 1), g->session->n_ctx);
      return FALSE;
    }
  if (s->ctx == NULL &&
      (s->ctx = llama_context_new (s->model->llama, g->session->n_ctx, 0, error)) == NULL)
    return FALSE;

  ok = process_prompt (s, prompt, images, r, cancel, error) &&
       sample_loop (s, g, outbox, text, cancel, error);
  r->text = g_string_free (g_steal_pointer (&text), FALSE);
  return ok;
}

static void
run_generate (EngineState *st, Job *job)
{
  GenerateJob *g = job->data;

  g->result->stop_reason = HEARTH_STOP_CANCELLED;
  if (g_cancellable_is_cancelled (job->cancel))
    set_cancelled (&job->error, "the generation");
  else
    generate (st, g, job->outbox, job->cancel, &job->error);

  if (g_error_matches (job->error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
    g->result->stop_reason = HEARTH_STOP_CANCELLED;
}

/* Makes job the session's newest generation: the one before is cancelled
 * on the engine thread, and its undelivered output dropped by its outbox. */
static void
session_supersede (HearthSession *session, Job *job)
{
  g_mutex_lock (&session->lock);
  if (session->latest_cancel != NULL)
    g_cancellable_cancel (session->latest_cancel);
  g_set_object (&session->latest_cancel, job->cancel);
  job->outbox->session = hearth_session_ref (session);
  job->outbox->generation = ++session->generation;
  g_mutex_unlock (&session->lock);
}

void
hearth_engine_generate_async (HearthEngine *self, HearthSession *session,
                              const HearthChatMessage *messages, guint n_messages,
                              const HearthSamplingParams *params, HearthTokenFunc token,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GenerateJob *g;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (messages != NULL || n_messages == 0);
  for (guint i = 0; i < n_messages; i++)
    g_return_if_fail (messages[i].images != NULL || messages[i].n_images == 0);

  g = generate_job_new (session, messages, n_messages);
  if (params != NULL)
    g->params = *params;
  else
    hearth_sampling_params_init (&g->params);
  g->result = g_new0 (HearthGenerateResult, 1);

  job = job_new (run_generate, HEARTH_ENGINE_PRIORITY_INTERACTIVE, cancellable);
  job_set_task (job, hearth_engine_generate_async, callback, user_data);
  g_task_set_task_data (job->task, g->result, (GDestroyNotify) generate_result_free);
  job_set_outbox (job, NULL, token, user_data);
  job->data = g;
  job->data_free = (GDestroyNotify) generate_job_free;
  session_supersede (session, job);
  engine_submit (self, job);
}

gboolean
hearth_engine_generate_finish (HearthEngine *self, GAsyncResult *result,
                               HearthGenerateResult *out, GError **error)
{
  HearthGenerateResult *r;

  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_generate_async,
                        FALSE);

  r = g_task_get_task_data (G_TASK (result));
  if (out != NULL)
    {
      *out = *r;
      out->text = g_strdup (r->text != NULL ? r->text : "");
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* context: which oldest turns to leave out */

static gboolean
prompt_length_from (LoadedModel *m, GenerateJob *g, GPtrArray *images, guint first,
                    guint *length, GError **error)
{
  const Conversation c = generate_job_conversation (g, first);
  g_autoptr (GArray) ids = tokenize_conversation (m, &c, images,
                                                  generate_job_images_before (g, first), error);

  if (ids != NULL)
    *length = ids->len;
  return ids != NULL;
}

/* Tries the user messages earliest first: the prompt only shrinks as its
 * start moves on, so the first start that fits drops the fewest turns. */
static guint *
fit_context (EngineState *st, GenerateJob *g, GCancellable *cancel, GError **error)
{
  guint n_ctx = g->session->n_ctx, reserve = MAX (g->params.reserve_tokens, 1);
  guint shortest = 0;
  g_autoptr (GPtrArray) images = NULL;
  SessionState *s;

  /* The images are encoded once here, and kept by the session for the
   * generation that follows. */
  if ((s = lookup_session (st, g->session, error)) == NULL ||
      (images = session_encode_images (s, g, cancel, error)) == NULL)
    return NULL;
  for (guint first = 0; first < g->roles->len; first++)
    {
      guint length;

      if (!g_str_equal (g->roles->pdata[first], "user"))
        continue;
      if (g_cancellable_is_cancelled (cancel))
        {
          set_cancelled (error, "fitting the context");
          return NULL;
        }
      if (!prompt_length_from (s->model, g, images, first, &length, error))
        return NULL;
      if ((guint64) length + reserve <= n_ctx)
        return g_memdup2 (&first, sizeof first);
      shortest = length;
    }
  if (shortest == 0)
    g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                         "the conversation has no user message to start the model's context at");
  else
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL,
                 "the last message alone is %u tokens and the reply needs room for %u but the "
                 "chat's context holds %u; shorten the message or raise the context length",
                 shortest, reserve, n_ctx);
  return NULL;
}

static void
run_fit_context (EngineState *st, Job *job)
{
  if (g_cancellable_is_cancelled (job->cancel))
    set_cancelled (&job->error, "fitting the context");
  else
    job->value = fit_context (st, job->data, job->cancel, &job->error);
}

void
hearth_engine_fit_context_async (HearthEngine *self, HearthSession *session,
                                 const HearthChatMessage *messages, guint n_messages,
                                 guint reserve_tokens, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GenerateJob *g;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (messages != NULL || n_messages == 0);

  g = generate_job_new (session, messages, n_messages);
  g->params.reserve_tokens = reserve_tokens;
  job = job_new (run_fit_context, HEARTH_ENGINE_PRIORITY_INTERACTIVE, cancellable);
  job_set_task (job, hearth_engine_fit_context_async, callback, user_data);
  job->data = g;
  job->data_free = (GDestroyNotify) generate_job_free;
  job->value_free = g_free;
  engine_submit (self, job);
}

gboolean
hearth_engine_fit_context_finish (HearthEngine *self, GAsyncResult *result, guint *first_kept,
                                  GError **error)
{
  g_autofree guint *first = NULL;

  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_fit_context_async,
                        FALSE);

  first = g_task_propagate_pointer (G_TASK (result), error);
  if (first == NULL)
    return FALSE;
  if (first_kept != NULL)
    *first_kept = *first;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* photos: images through a vision model */

/* Replies longer than this are cut when the caller sets no max_tokens. */
#define DESCRIBE_DEFAULT_MAX_TOKENS 256

static LoadedModel *
lookup_model (EngineState *st, HearthModel *model, GError **error)
{
  LoadedModel *m = g_hash_table_lookup (st->models, GUINT_TO_POINTER (model->id));

  if (m == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                 "the model %s was unloaded; load it again", model->name);
  return m;
}

/* Vulkan reports its own flavour of "cancelled". */
static void
report_cancelled_as_engine (GError **error, const char *what)
{
  if (g_error_matches (*error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED))
    {
      g_clear_error (error);
      set_cancelled (error, what);
    }
}

typedef struct {
  HearthModel *model;
  char        *mmproj_path;
} VisionLoadJob;

/* Another projector sees the same bytes differently: m's sessions drop
 * their encoded images and their cache from the first image on. */
static void
forget_images (EngineState *st, LoadedModel *m)
{
  GHashTableIter iter;
  SessionState *s;

  g_hash_table_iter_init (&iter, st->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    {
      guint first = 0;

      if (s->model != m)
        continue;
      g_hash_table_remove_all (s->images);
      while (first < s->cached->len && g_array_index (s->cached, gint32, first) >= 0)
        first++;
      g_array_set_size (s->cached, first);
    }
}

static void
vision_load_job_free (VisionLoadJob *v)
{
  hearth_model_unref (v->model);
  g_free (v->mmproj_path);
  g_free (v);
}

static gboolean
load_vision (EngineState *st, VisionLoadJob *v, GCancellable *cancel, GError **error)
{
  LoadedModel *m = lookup_model (st, v->model, error);
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (ClipModel) clip = NULL;
  FileIdentity clip_file = { 0 };
  VisionEncoder *encoder;

  if (m == NULL)
    return FALSE;
  /* The projector another user of the model loaded already: nothing to do,
   * and the sessions keep their encoded images. (A file that cannot be
   * read is left to gguf_file_open, for its message.) */
  if (file_identity_read (v->mmproj_path, &clip_file) && m->clip != NULL &&
      file_identity_equal (&m->clip_file, &clip_file))
    return TRUE;
  if ((file = gguf_file_open (v->mmproj_path, error)) == NULL ||
      (clip = clip_model_load (st->device, file, NULL, NULL, cancel, error)) == NULL ||
      !clip_model_check_text_width (clip, llama_model_get_config (m->llama)->n_embd, error) ||
      (encoder = vision_encoder_new (clip, error)) == NULL)
    return FALSE;
  /* The encoder reads the projector's weights: it goes first. */
  g_clear_pointer (&m->encoder, vision_encoder_free);
  g_clear_pointer (&m->clip, clip_model_free);
  m->clip = g_steal_pointer (&clip);
  m->clip_file = clip_file;
  m->encoder = encoder;
  g_mutex_lock (&m->handle->vision_lock);
  clip_model_get_preprocess_config (m->clip, &m->handle->vision_config);
  m->handle->vision_tokens_per_chunk = vision_encoder_tokens_per_chunk (encoder);
  g_mutex_unlock (&m->handle->vision_lock);
  g_atomic_int_set (&m->handle->has_vision, TRUE);
  forget_images (st, m);
  return TRUE;
}

static void
run_load_vision (EngineState *st, Job *job)
{
  if (g_cancellable_is_cancelled (job->cancel))
    set_cancelled (&job->error, "loading the vision projector");
  else if (!load_vision (st, job->data, job->cancel, &job->error))
    report_cancelled_as_engine (&job->error, "loading the vision projector");
}

void
hearth_engine_load_vision_async (HearthEngine *self, HearthModel *model, const char *mmproj_path,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  VisionLoadJob *v;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (model != NULL && mmproj_path != NULL);

  v = g_new0 (VisionLoadJob, 1);
  v->model = hearth_model_ref (model);
  v->mmproj_path = g_strdup (mmproj_path);
  job = job_new (run_load_vision, HEARTH_ENGINE_PRIORITY_INTERACTIVE, cancellable);
  job_set_task (job, hearth_engine_load_vision_async, callback, user_data);
  job->data = v;
  job->data_free = (GDestroyNotify) vision_load_job_free;
  engine_submit (self, job);
}

gboolean
hearth_engine_load_vision_finish (HearthEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_load_vision_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

typedef struct {
  HearthModel          *model;
  char                 *image_path;
  char                 *prompt;
  HearthSamplingParams  params;
} DescribeJob;

static void
describe_job_free (DescribeJob *d)
{
  hearth_model_unref (d->model);
  g_free (d->image_path);
  g_free (d->prompt);
  g_free (d);
}

/* Samples after a prefilled prompt until EOG or max_tokens. */
static char *
sample_reply (LoadedModel *m, LlamaContext *ctx, GArray *prompt,
              const HearthSamplingParams *params, guint max_tokens, GCancellable *cancel,
              GError **error)
{
  g_autoptr (HearthSampler) sampler = hearth_sampler_new (&params->sampler);
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (m->tokenizer, FALSE);
  g_autoptr (GString) text = g_string_new (NULL);
  guint n_vocab = llama_model_get_config (m->llama)->n_vocab;
  guint pos = prompt->len;

  for (guint i = 0; i < prompt->len; i++)
    if (g_array_index (prompt, gint32, i) != VISION_IMAGE_POSITION)
      hearth_sampler_accept (sampler, g_array_index (prompt, gint32, i));

  for (guint n = 0; n < max_tokens; n++)
    {
      gint32 id;

      if (g_cancellable_is_cancelled (cancel))
        {
          set_cancelled (error, "describing the image");
          return NULL;
        }
      id = hearth_sampler_sample (sampler, llama_context_get_logits (ctx, 0), n_vocab);
      if (hearth_tokenizer_is_eog (m->tokenizer, id))
        break;
      hearth_sampler_accept (sampler, id);
      hearth_token_stream_push (stream, id, text);
      if (n + 1 < max_tokens && !llama_context_forward (ctx, &id, 1, pos++, FALSE, cancel, error))
        return NULL;
    }
  hearth_token_stream_flush (stream, text);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
describe_image (EngineState *st, DescribeJob *d, GCancellable *cancel, GError **error)
{
  LoadedModel *m = lookup_model (st, d->model, error);
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *embd = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (LlamaContext) ctx = NULL;
  guint max_tokens = d->params.max_tokens > 0 ? d->params.max_tokens : DESCRIBE_DEFAULT_MAX_TOKENS;
  static const char *const role = "user";
  static const guint one_image = 1;
  const Conversation turn = { &role, (const char *const *) &d->prompt, &one_image, 1 };
  VisionPromptImage layout;

  if (m == NULL)
    return NULL;
  if (m->encoder == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "no vision projector is loaded for %s; load its mmproj file first",
                   m->handle->name);
      return NULL;
    }
  if ((embd = vision_encoder_encode_file (m->encoder, d->image_path, &tiles, NULL, NULL, cancel,
                                          error)) == NULL)
    return NULL;
  layout = (VisionPromptImage) { tiles->grid_rows, tiles->grid_cols,
                                 vision_encoder_tokens_per_chunk (m->encoder) };
  if ((text = render_image_prompt (m, &turn, 1, error)) == NULL ||
      (ids = tokenize_image_prompt (m, text, &layout, 1, error)) == NULL ||
      (ctx = llama_context_new (m->llama, ids->len + max_tokens, 0, error)) == NULL ||
      !vision_prompt_prefill (ctx, (const gint32 *) ids->data, ids->len, 0, embd,
                              tiles->n_chunks * vision_encoder_tokens_per_chunk (m->encoder),
                              cancel, error))
    return NULL;
  return sample_reply (m, ctx, ids, &d->params, max_tokens, cancel, error);
}

static void
run_describe_image (EngineState *st, Job *job)
{
  if (g_cancellable_is_cancelled (job->cancel))
    {
      set_cancelled (&job->error, "describing the image");
      return;
    }
  job->value = describe_image (st, job->data, job->cancel, &job->error);
  job->value_free = g_free;
  if (job->value == NULL)
    report_cancelled_as_engine (&job->error, "describing the image");
}

void
hearth_engine_describe_image_async (HearthEngine *self, HearthModel *model,
                                    const char *image_path, const char *prompt,
                                    const HearthSamplingParams *params,
                                    HearthEnginePriority priority, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  DescribeJob *d;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (model != NULL && image_path != NULL && prompt != NULL);
  g_return_if_fail (priority == HEARTH_ENGINE_PRIORITY_INTERACTIVE ||
                    priority == HEARTH_ENGINE_PRIORITY_BACKGROUND);

  d = g_new0 (DescribeJob, 1);
  d->model = hearth_model_ref (model);
  d->image_path = g_strdup (image_path);
  d->prompt = g_strdup (prompt);
  if (params != NULL)
    d->params = *params;
  else
    hearth_sampling_params_init (&d->params);
  job = job_new (run_describe_image, priority, cancellable);
  job_set_task (job, hearth_engine_describe_image_async, callback, user_data);
  job->data = d;
  job->data_free = (GDestroyNotify) describe_job_free;
  engine_submit (self, job);
}

char *
hearth_engine_describe_image_finish (HearthEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_describe_image_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
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
  if (g_cancellable_is_cancelled (job->cancel))
    set_cancelled (&job->error, "the job");
  else if (!c->func (c->data, job->cancel, &job->error) && job->error == NULL)
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
  job = job_new (run_custom, priority, cancellable);
  job_set_task (job, hearth_engine_run_async, callback, user_data);
  job->data = c;
  job->data_free = (GDestroyNotify) custom_job_free;
  engine_submit (self, job);
}

gboolean
hearth_engine_run_finish (HearthEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_run_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
