#define G_LOG_DOMAIN "hearth-engine"

/* The handles the app holds (HearthModel, HearthSession) and the plain
 * structs of generation: immutable or guarded, shared between threads. */

#include "engine-private.h"

HearthModel *
_hearth_model_new (guint id, const char *path)
{
  HearthModel *h = g_new0 (HearthModel, 1);

  g_atomic_ref_count_init (&h->ref);
  g_mutex_init (&h->vision_lock);
  h->id = id;
  h->path = g_strdup (path);
  return h;
}

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

guint
_hearth_session_latest_generation (HearthSession *session)
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
