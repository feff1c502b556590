#define G_LOG_DOMAIN "hearth-engine"

/* Jobs that load and unload models and open and close sessions. */

#include "engine-private.h"

#include "gguf.h"
#include "lm-arch.h"

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

void
_loaded_model_free (LoadedModel *m)
{
  g_clear_pointer (&m->encoder, vision_encoder_free);
  g_clear_pointer (&m->clip, clip_model_free);
  g_clear_pointer (&m->llama, llama_model_free);
  g_clear_pointer (&m->prompt, chat_prompt_free);
  g_clear_pointer (&m->tokenizer, hearth_tokenizer_free);
  g_clear_pointer (&m->handle, hearth_model_unref);
  g_free (m);
}

static void
load_progress_cb (guint64 done_bytes, guint64 total_bytes, gpointer user_data)
{
  _engine_outbox_post_progress (user_data,
                                total_bytes > 0 ? (double) done_bytes / total_bytes : 1.0);
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

static HearthModel *
model_handle_new (guint id, GgufFile *file, LlamaModel *llama, HearthTokenizer *tok)
{
  const LlamaConfig *cfg = llama_model_get_config (llama);
  HearthModel *h = _hearth_model_new (id, gguf_file_get_path (file));

  if (!gguf_file_get_string (file, "general.name", &h->name, NULL))
    h->name = g_filename_display_basename (h->path);
  h->arch = g_strdup (cfg->arch);
  h->n_ctx_train = cfg->n_ctx_train;
  h->n_vocab = hearth_tokenizer_n_vocab (tok);
  h->n_params = count_params (file);
  h->weight_bytes = llama_model_get_weight_bytes (llama);
  h->kv_bytes_per_position = lm_config_kv_bytes (cfg, 1);
  return h;
}

/* A file of an architecture Hearth does not run (a vision projector, say)
 * is UNSUPPORTED, whatever else it lacks. */
static gboolean
check_architecture (GgufFile *file, GError **error)
{
  LlamaConfig cfg;
  gboolean runnable = lm_config_read (file, &cfg, error);

  lm_config_clear (&cfg);
  return runnable;
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
      !check_architecture (file, error) ||
      (tok = hearth_tokenizer_new_from_gguf (file, error)) == NULL ||
      !_engine_state_ensure_device (st, error) ||
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
  m->prompt = chat_prompt_new (file, tok, m->handle->name, &m->handle->template_note);
  m->handle->has_template = chat_prompt_has_template (m->prompt);
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
    if (_file_identity_equal (&m->file, id))
      return m;
  return NULL;
}

static void
run_load (EngineState *st, Job *job)
{
  LoadJob *lj = job->data;
  FileIdentity file = { 0 };
  LoadedModel *m;

  if (_engine_job_cancelled (job))
    return;
  /* A file that cannot be read is left to load_model, for its message. */
  if (_file_identity_read (lj->path, &file) && (m = find_loaded_file (st, &file)) != NULL)
    m->n_users++;
  else if ((m = load_model (st, lj->id, lj->path, job->outbox, job->cancel, &job->error)) != NULL)
    {
      m->file = file;
      m->n_users = 1;
      g_hash_table_insert (st->models, GUINT_TO_POINTER (lj->id), m);
    }
  else
    return;
  _engine_outbox_post_progress (job->outbox, 1.0);
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

  job = _engine_job_new (run_load, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "loading the model",
                         cancellable);
  _engine_job_set_task (job, hearth_engine_load_model_async, callback, user_data);
  _engine_job_set_outbox (job, progress, NULL, user_data);
  lj = g_new0 (LoadJob, 1);
  lj->path = g_strdup (path);
  lj->id = _engine_next_id (self);
  job->data = lj;
  job->data_free = (GDestroyNotify) load_job_free;
  _engine_submit (self, job);
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

  job = _engine_job_new (run_unload, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "unloading the model",
                         NULL);
  job->data = GUINT_TO_POINTER (model->id);
  _engine_submit (self, job);
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

  /* A model unloaded before the session opened: later generates will say so. */
  if (m != NULL)
    g_hash_table_insert (st->sessions, GUINT_TO_POINTER (ids->id), _session_state_new (m));
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
  session->id = _engine_next_id (self);
  session->model = hearth_model_ref (model);
  session->n_ctx = n_ctx > 0 ? n_ctx : MIN (model->n_ctx_train, DEFAULT_MAX_CTX);

  /* Queued like any job, so that it is ordered with the generates after it
   * and with an unload before it. */
  job = _engine_job_new (run_open_session, HEARTH_ENGINE_PRIORITY_INTERACTIVE,
                         "opening the session", NULL);
  ids = g_new (SessionIds, 1);
  ids->id = session->id;
  ids->model_id = model->id;
  job->data = ids;
  job->data_free = g_free;
  _engine_submit (self, job);
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

  job = _engine_job_new (run_close_session, HEARTH_ENGINE_PRIORITY_INTERACTIVE,
                         "closing the session", NULL);
  job->data = GUINT_TO_POINTER (session->id);
  _engine_submit (self, job);
}
