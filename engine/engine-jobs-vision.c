#define G_LOG_DOMAIN "hearth-engine"

/* Jobs of vision models: load a projector, describe an image. */

#include "engine-private.h"

#include "generate-loop.h"
#include "gguf.h"

/* Replies longer than this are cut when the caller sets no max_tokens. */
#define DESCRIBE_DEFAULT_MAX_TOKENS 256

/* ------------------------------------------------------------------------ */
/* Loading a projector */

typedef struct {
  HearthModel *model;
  char        *mmproj_path;
} VisionLoadJob;

static void
vision_load_job_free (VisionLoadJob *v)
{
  hearth_model_unref (v->model);
  g_free (v->mmproj_path);
  g_free (v);
}

/* Another projector sees the same bytes differently: m's sessions forget
 * what they encoded. */
static void
forget_images (EngineState *st, LoadedModel *m)
{
  GHashTableIter iter;
  SessionState *s;

  g_hash_table_iter_init (&iter, st->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (s->model == m)
      _session_forget_images (s);
}

static gboolean
load_vision (EngineState *st, VisionLoadJob *v, GCancellable *cancel, GError **error)
{
  LoadedModel *m = _engine_lookup_model (st, v->model, error);
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (ClipModel) clip = NULL;
  FileIdentity clip_file = { 0 };
  VisionEncoder *encoder;

  if (m == NULL)
    return FALSE;
  /* The projector another user of the model loaded already: nothing to do,
   * and the sessions keep their encoded images. (A file that cannot be
   * read is left to gguf_file_open, for its message.) */
  if (_file_identity_read (v->mmproj_path, &clip_file) && m->clip != NULL &&
      _file_identity_equal (&m->clip_file, &clip_file))
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
  if (!_engine_job_cancelled (job))
    load_vision (st, job->data, job->cancel, &job->error);
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
  job = _engine_job_new (run_load_vision, HEARTH_ENGINE_PRIORITY_INTERACTIVE,
                         "loading the vision projector", cancellable);
  _engine_job_set_task (job, hearth_engine_load_vision_async, callback, user_data);
  job->data = v;
  job->data_free = (GDestroyNotify) vision_load_job_free;
  _engine_submit (self, job);
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

/* ------------------------------------------------------------------------ */
/* Describing an image */

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

/* Samples after the prefilled prompt until EOG or max_tokens. */
static char *
sample_description (LoadedModel *m, LlamaContext *ctx, GArray *prompt,
                    const HearthSamplerParams *sampler, guint max_tokens, GCancellable *cancel,
                    GError **error)
{
  const GenerateLoop loop = { ctx, m->tokenizer, *sampler, max_tokens, "describing the image",
                              NULL, NULL };
  g_autoptr (GString) text = g_string_new (NULL);
  GenerateLoopResult result;

  if (!generate_loop_run (&loop, prompt, text, &result, cancel, error))
    return NULL;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The image encoded, in a context of its own of the prompt's length plus
 * max_tokens, so that the reply never finds it full. */
static char *
describe_image (EngineState *st, DescribeJob *d, GCancellable *cancel, GError **error)
{
  LoadedModel *m = _engine_lookup_model (st, d->model, error);
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *embd = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (LlamaContext) ctx = NULL;
  guint max_tokens = d->params.max_tokens > 0 ? d->params.max_tokens : DESCRIBE_DEFAULT_MAX_TOKENS;
  static const char *const role = "user";
  static const guint one_image = 1;
  const ChatConversation turn = { &role, (const char *const *) &d->prompt, &one_image, 1 };
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
  if ((ids = chat_prompt_tokenize (m->prompt, &turn, &layout, 1, error)) == NULL ||
      (ctx = llama_context_new (m->llama, ids->len + max_tokens, 0, error)) == NULL ||
      !vision_prompt_prefill (ctx, (const gint32 *) ids->data, ids->len, 0, embd,
                              tiles->n_chunks * vision_encoder_tokens_per_chunk (m->encoder),
                              cancel, error))
    return NULL;

  return sample_description (m, ctx, ids, &d->params.sampler, max_tokens, cancel, error);
}

static void
run_describe_image (EngineState *st, Job *job)
{
  if (_engine_job_cancelled (job))
    return;
  job->value = describe_image (st, job->data, job->cancel, &job->error);
  job->value_free = g_free;
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
  job = _engine_job_new (run_describe_image, priority, "describing the image", cancellable);
  _engine_job_set_task (job, hearth_engine_describe_image_async, callback, user_data);
  job->data = d;
  job->data_free = (GDestroyNotify) describe_job_free;
  _engine_submit (self, job);
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
