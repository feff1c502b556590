#define G_LOG_DOMAIN "hearth-llama"

/* lm-arch.c: the registry of architectures, and the hyperparameters that
 * every one of them reads the same way (block_count, heads, rope, norm eps)
 * before its own read_config adds the rest. */

#include "lm-arch.h"

#include <string.h>

static const LmArch *const registry[] = { &lm_arch_llama, &lm_arch_llama4 };

const LmArch *
lm_arch_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    {
      if (strcmp (registry[i]->name, name) == 0)
        return registry[i];
      for (const char *const *alias = registry[i]->aliases; alias != NULL && *alias != NULL; alias++)
        if (strcmp (*alias, name) == 0)
          return registry[i];
    }
  return NULL;
}

gboolean
lm_arch_is_runnable (const char *name)
{
  return lm_arch_lookup (name) != NULL;
}

char *
lm_arch_list_names (void)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
    {
      g_string_append_printf (out, "%s'%s'", i > 0 ? ", " : "", registry[i]->name);
      for (const char *const *alias = registry[i]->aliases; alias != NULL && *alias != NULL; alias++)
        g_string_append_printf (out, ", '%s'", *alias);
    }
  return g_string_free (out, FALSE);
}

/* ---- shared hyperparameters ------------------------------------------------------ */

gboolean
_llama_read_u32 (GgufFile *file, const char *arch, const char *suffix, gboolean required,
                 guint32 *out, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%s.%s", arch, suffix);
  GError *local = NULL;

  if (gguf_file_get_u32 (file, key, out, &local))
    return TRUE;
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!required)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
               "%s: metadata key '%s' is missing; the file is not a complete %s model",
               gguf_file_get_path (file), key, arch);
  return FALSE;
}

gboolean
_llama_read_f32 (GgufFile *file, const char *arch, const char *suffix, float *out, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%s.%s", arch, suffix);
  GError *local = NULL;

  if (!gguf_file_get_f32 (file, key, out, &local) && local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* Linear scaling divides positions; yarn/longrope need kernels we lack. */
static gboolean
read_rope_scaling (GgufFile *file, const char *arch, LlamaConfig *cfg, GError **error)
{
  g_autofree char *type_key = g_strdup_printf ("%s.rope.scaling.type", arch);
  g_autofree char *type = NULL;
  float factor = 0.0f;
  GError *local = NULL;

  if (!gguf_file_get_string (file, type_key, &type, &local) && local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  if (!_llama_read_f32 (file, arch, "rope.scaling.factor", &factor, error) ||
      (factor == 0.0f && !_llama_read_f32 (file, arch, "rope.scale_linear", &factor, error)))
    return FALSE;

  if (type != NULL && strcmp (type, "none") != 0 && strcmp (type, "linear") != 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: rope scaling type '%s' (%s) is not supported; Hearth runs "
                   "models with no or linear rope scaling",
                   gguf_file_get_path (file), type, type_key);
      return FALSE;
    }
  if (g_strcmp0 (type, "none") != 0 && factor != 0.0f && factor != 1.0f)
    {
      if (!(factor > 0.0f))
        return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                                  "%s.rope.scaling.factor is %g, it must be positive",
                                  arch, factor);
      cfg->rope_freq_scale = 1.0f / factor;
    }
  return TRUE;
}

static gboolean
read_heads (GgufFile *file, const char *arch, LlamaConfig *cfg, GError **error)
{
  cfg->n_head_kv = cfg->n_head;
  if (!_llama_read_u32 (file, arch, "attention.head_count_kv", FALSE, &cfg->n_head_kv, error))
    return FALSE;
  if (cfg->n_head_kv == 0 || cfg->n_head % cfg->n_head_kv != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.attention.head_count_kv = %u must divide "
                              "attention.head_count = %u", arch, cfg->n_head_kv, cfg->n_head);

  cfg->head_dim_k = cfg->head_dim_v = cfg->n_embd / cfg->n_head;
  if (!_llama_read_u32 (file, arch, "attention.key_length", FALSE, &cfg->head_dim_k, error) ||
      !_llama_read_u32 (file, arch, "attention.value_length", FALSE, &cfg->head_dim_v, error))
    return FALSE;
  if (cfg->head_dim_k == 0 || cfg->head_dim_v == 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "head size is 0 (embedding_length %u, head_count %u); "
                              "set %s.attention.key_length", cfg->n_embd, cfg->n_head, arch);

  cfg->n_rot = cfg->head_dim_k;
  if (!_llama_read_u32 (file, arch, "rope.dimension_count", FALSE, &cfg->n_rot, error))
    return FALSE;
  if (cfg->n_rot > cfg->head_dim_k || cfg->n_rot % 2 != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.rope.dimension_count = %u must be even and at most "
                              "the head size %u", arch, cfg->n_rot, cfg->head_dim_k);
  return TRUE;
}

static gboolean
read_shared_config (GgufFile *file, const char *arch, LlamaConfig *cfg, GError **error)
{
  cfg->rope_freq_base = 10000.0f;
  cfg->rope_freq_scale = 1.0f;
  cfg->rms_eps = 1e-5f;
  cfg->n_ctx_train = 2048;

  if (!_llama_read_u32 (file, arch, "block_count", TRUE, &cfg->n_layer, error) ||
      !_llama_read_u32 (file, arch, "embedding_length", TRUE, &cfg->n_embd, error) ||
      !_llama_read_u32 (file, arch, "feed_forward_length", TRUE, &cfg->n_ff, error) ||
      !_llama_read_u32 (file, arch, "attention.head_count", TRUE, &cfg->n_head, error) ||
      !_llama_read_u32 (file, arch, "context_length", FALSE, &cfg->n_ctx_train, error) ||
      !_llama_read_f32 (file, arch, "rope.freq_base", &cfg->rope_freq_base, error) ||
      !_llama_read_f32 (file, arch, "attention.layer_norm_rms_epsilon", &cfg->rms_eps, error) ||
      !read_rope_scaling (file, arch, cfg, error))
    return FALSE;

  if (cfg->n_layer == 0 || cfg->n_embd == 0 || cfg->n_ff == 0 || cfg->n_head == 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.block_count/embedding_length/feed_forward_length/"
                              "attention.head_count must all be positive (got %u/%u/%u/%u)",
                              arch, cfg->n_layer, cfg->n_embd, cfg->n_ff, cfg->n_head);
  if (cfg->n_layer > 4096)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.block_count = %u is not a plausible number of layers",
                              arch, cfg->n_layer);
  if (!read_heads (file, arch, cfg, error))
    return FALSE;
  if (!(cfg->rope_freq_base > 0.0f) || !(cfg->rms_eps > 0.0f))
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.rope.freq_base (%g) and "
                              "attention.layer_norm_rms_epsilon (%g) must be positive",
                              arch, cfg->rope_freq_base, cfg->rms_eps);
  return TRUE;
}

static gboolean
read_architecture (GgufFile *file, char **arch, GError **error)
{
  g_autofree char *names = NULL;

  if (!gguf_file_get_string (file, "general.architecture", arch, error))
    {
      if (error != NULL && *error == NULL)
        weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                           "metadata key 'general.architecture' is missing");
      return FALSE;
    }
  if (lm_arch_is_runnable (*arch))
    return TRUE;
  names = lm_arch_list_names ();
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
               "%s: model architecture '%s' is not supported; Hearth runs the architectures %s",
               gguf_file_get_path (file), *arch, names);
  return FALSE;
}

gboolean
lm_config_read (GgufFile *file, LlamaConfig *cfg, GError **error)
{
  const LmArch *arch;

  memset (cfg, 0, sizeof *cfg);
  if (!read_architecture (file, &cfg->arch, error))
    return FALSE;
  arch = lm_arch_lookup (cfg->arch);
  if (!read_shared_config (file, cfg->arch, cfg, error))
    return FALSE;
  cfg->layers = g_new0 (LlamaLayerConfig, cfg->n_layer);
  return arch->read_config (file, cfg, error);
}

void
lm_config_clear (LlamaConfig *cfg)
{
  g_clear_pointer (&cfg->arch, g_free);
  g_clear_pointer (&cfg->layers, g_free);
}

/* As lm-context.c allocates it: f16 keys and values for every position of
 * every layer. */
guint64
lm_config_kv_bytes (const LlamaConfig *cfg, guint64 n_ctx)
{
  guint64 row = (guint64) cfg->n_head_kv * (cfg->head_dim_k + cfg->head_dim_v) * sizeof (guint16);

  return (guint64) cfg->n_layer * n_ctx * row;
}
