#define G_LOG_DOMAIN "hearth-generation-settings"

#include "hearth-generation-settings.h"

void
hearth_generation_settings_read_sampling (GSettings *settings, HearthChatObject *chat, HearthSamplingParams *params)
{
  g_return_if_fail (params != NULL);

  hearth_sampling_params_init (params);
  if (settings != NULL)
    {
      params->sampler.temperature = g_settings_get_double (settings, "temperature");
      params->sampler.top_p = g_settings_get_double (settings, "top-p");
      params->sampler.top_k = g_settings_get_uint (settings, "top-k");
      params->sampler.min_p = g_settings_get_double (settings, "min-p");
      params->sampler.repeat_penalty = g_settings_get_double (settings, "repeat-penalty");
      params->max_tokens = g_settings_get_uint (settings, "max-tokens");
    }
  if (chat != NULL && hearth_chat_object_get_temperature (chat) >= 0)
    params->sampler.temperature = hearth_chat_object_get_temperature (chat);
}

guint
hearth_generation_settings_n_ctx (GSettings *settings, HearthChatObject *chat, HearthModel *model)
{
  guint n_ctx = settings != NULL ? g_settings_get_uint (settings, "context-length") : 0;

  if (chat != NULL && hearth_chat_object_get_context_length (chat) > 0)
    n_ctx = hearth_chat_object_get_context_length (chat);
  return MIN (n_ctx, hearth_model_get_n_ctx_train (model));
}
