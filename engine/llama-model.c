#define G_LOG_DOMAIN "hearth-llama"

/* llama-model.c: hyperparameters from GGUF metadata, shape checks for every
 * tensor, and the upload of the weights into a few device buffers.
 *
 * Loading runs in two passes. The plan pass finds each tensor the graph
 * needs and checks its type and shape against the config; the upload pass
 * (weight-upload.c) packs them into device buffers and copies each tensor
 * straight from the GGUF mapping, so the weights never exist twice in host
 * memory. */

#include "hearth-devices-private.h"
#include "llama-model-private.h"
#include "weight-upload.h"

#include <string.h>

struct _LlamaModel {
  HvkDevice    *device;    /* not owned */
  HvkOps       *ops;
  LlamaConfig   config;
  LlamaWeights  weights;
  GPtrArray    *buffers;   /* HvkBuffer *: the weights, packed */
  guint64       weight_bytes;
};

/* ---- config --------------------------------------------------------------- */

/* Reads "<arch>.<suffix>". FALSE with an error when the key has a bad type,
 * or when it is absent and required; an absent optional key leaves *out. */
static gboolean
read_u32 (GgufFile *file, const char *arch, const char *suffix, gboolean required,
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

static gboolean
read_f32 (GgufFile *file, const char *arch, const char *suffix, float *out, GError **error)
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
  if (!read_f32 (file, arch, "rope.scaling.factor", &factor, error) ||
      (factor == 0.0f && !read_f32 (file, arch, "rope.scale_linear", &factor, error)))
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
read_config (GgufFile *file, const char *arch, LlamaConfig *cfg, GError **error)
{
  cfg->rope_freq_base = 10000.0f;
  cfg->rope_freq_scale = 1.0f;
  cfg->rms_eps = 1e-5f;
  cfg->n_ctx_train = 2048;

  if (!read_u32 (file, arch, "block_count", TRUE, &cfg->n_layer, error) ||
      !read_u32 (file, arch, "embedding_length", TRUE, &cfg->n_embd, error) ||
      !read_u32 (file, arch, "feed_forward_length", TRUE, &cfg->n_ff, error) ||
      !read_u32 (file, arch, "attention.head_count", TRUE, &cfg->n_head, error) ||
      !read_u32 (file, arch, "context_length", FALSE, &cfg->n_ctx_train, error) ||
      !read_f32 (file, arch, "rope.freq_base", &cfg->rope_freq_base, error) ||
      !read_f32 (file, arch, "attention.layer_norm_rms_epsilon", &cfg->rms_eps, error) ||
      !read_rope_scaling (file, arch, cfg, error))
    return FALSE;

  if (cfg->n_layer == 0 || cfg->n_embd == 0 || cfg->n_ff == 0 || cfg->n_head == 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.block_count/embedding_length/feed_forward_length/"
                              "attention.head_count must all be positive (got %u/%u/%u/%u)",
                              arch, cfg->n_layer, cfg->n_embd, cfg->n_ff, cfg->n_head);

  cfg->n_head_kv = cfg->n_head;
  if (!read_u32 (file, arch, "attention.head_count_kv", FALSE, &cfg->n_head_kv, error))
    return FALSE;
  if (cfg->n_head_kv == 0 || cfg->n_head % cfg->n_head_kv != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.attention.head_count_kv = %u must divide "
                              "attention.head_count = %u", arch, cfg->n_head_kv, cfg->n_head);

  cfg->head_dim_k = cfg->head_dim_v = cfg->n_embd / cfg->n_head;
  if (!read_u32 (file, arch, "attention.key_length", FALSE, &cfg->head_dim_k, error) ||
      !read_u32 (file, arch, "attention.value_length", FALSE, &cfg->head_dim_v, error))
    return FALSE;
  if (cfg->head_dim_k == 0 || cfg->head_dim_v == 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "head size is 0 (embedding_length %u, head_count %u); "
                              "set %s.attention.key_length", cfg->n_embd, cfg->n_head, arch);

  cfg->n_rot = cfg->head_dim_k;
  if (!read_u32 (file, arch, "rope.dimension_count", FALSE, &cfg->n_rot, error))
    return FALSE;
  if (cfg->n_rot > cfg->head_dim_k || cfg->n_rot % 2 != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.rope.dimension_count = %u must be even and at most "
                              "the head size %u", arch, cfg->n_rot, cfg->head_dim_k);
  if (!(cfg->rope_freq_base > 0.0f) || !(cfg->rms_eps > 0.0f))
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.rope.freq_base (%g) and "
                              "attention.layer_norm_rms_epsilon (%g) must be positive",
                              arch, cfg->rope_freq_base, cfg->rms_eps);
  return TRUE;
}

/* ---- weight plan ------------------------------------------------------------ */

typedef struct {
  GgufFile          *file;
  const LlamaConfig *cfg;
  WeightUpload      *upload;
} WeightPlan;

static const GgufTensor *
find_tensor (WeightPlan *plan, const char *name, GError **error)
{
  const GgufTensor *t = gguf_file_find_tensor (plan->file, name);

  if (t == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "%s: tensor '%s' is missing; the file is not a complete Llama model",
                 gguf_file_get_path (plan->file), name);
  return t;
}

static gboolean
check_shape (WeightPlan *plan, const GgufTensor *t, guint64 ne0, guint64 ne1, GError **error)
{
  if (t->ne[0] == ne0 && t->ne[1] == ne1 && t->ne[2] == 1 && t->ne[3] == 1)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
               "%s: tensor '%s' has shape [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
               ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "], but the metadata "
               "(embedding_length %u, feed_forward_length %u, head_count %u, head_count_kv %u, "
               "head size %u, vocabulary %u) requires [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
               "]; the file is damaged or was written by a broken converter",
               gguf_file_get_path (plan->file), t->name, t->ne[0], t->ne[1], t->ne[2], t->ne[3],
               plan->cfg->n_embd, plan->cfg->n_ff, plan->cfg->n_head, plan->cfg->n_head_kv,
               plan->cfg->head_dim_k, plan->cfg->n_vocab, ne0, ne1);
  return FALSE;
}

/* A matrix W [n_out][n_in] of any type the kernels run. */
static gboolean
plan_matrix (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out,
             LlamaMatrix *out, GError **error)
{
  const GgufTensor *t = find_tensor (plan, name, error);
  HvkType type;

  if (t == NULL || !check_shape (plan, t, n_in, n_out, error))
    return FALSE;
  if (!weight_matrix_type (plan->file, t, n_in, &type, error))
    return FALSE;
  *out = (LlamaMatrix) { .type = type, .n_in = n_in, .n_out = n_out };
  weight_upload_add (plan->upload, t, &out->view);
  return TRUE;
}

/* An f32 vector of n elements (norm weights, rope factors). */
static gboolean
plan_vector (WeightPlan *plan, const char *name, guint32 n, HvkView *out, GError **error)
{
  const GgufTensor *t = find_tensor (plan, name, error);

  if (t == NULL || !check_shape (plan, t, n, 1, error))
    return FALSE;
  if (t->type != GGML_TYPE_F32)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has type %s; Hearth expects norm weights and rope "
                   "factors in F32", gguf_file_get_path (plan->file), name, weight_type_name (t->type));
      return FALSE;
    }
  weight_upload_add (plan->upload, t, out);
  return TRUE;
}

static gboolean
plan_layer (WeightPlan *plan, const LlamaConfig *c, guint il, LlamaLayerWeights *l, GError **error)
{
  guint32 q_dim = c->n_head * c->head_dim_k;
  guint32 k_dim = c->n_head_kv * c->head_dim_k;
  guint32 v_dim = c->n_head_kv * c->head_dim_v;
  guint32 o_dim = c->n_head * c->head_dim_v;
  char name[96];

#define BLK(suffix) (g_snprintf (name, sizeof name, "blk.%u." suffix, il), name)
  return plan_vector (plan, BLK ("attn_norm.weight"), c->n_embd, &l->attn_norm, error) &&
         plan_matrix (plan, BLK ("attn_q.weight"), c->n_embd, q_dim, &l->wq, error) &&
         plan_matrix (plan, BLK ("attn_k.weight"), c->n_embd, k_dim, &l->wk, error) &&
         plan_matrix (plan, BLK ("attn_v.weight"), c->n_embd, v_dim, &l->wv, error) &&
         plan_matrix (plan, BLK ("attn_output.weight"), o_dim, c->n_embd, &l->wo, error) &&
         plan_vector (plan, BLK ("ffn_norm.weight"), c->n_embd, &l->ffn_norm, error) &&
         plan_matrix (plan, BLK ("ffn_gate.weight"), c->n_embd, c->n_ff, &l->w_gate, error) &&
         plan_matrix (plan, BLK ("ffn_up.weight"), c->n_embd, c->n_ff, &l->w_up, error) &&
         plan_matrix (plan, BLK ("ffn_down.weight"), c->n_ff, c->n_embd, &l->w_down, error);
#undef BLK
}

/* n_vocab comes from the embedding table; the vocabulary must agree. */
static gboolean
read_vocab_size (GgufFile *file, LlamaConfig *cfg, GError **error)
{
  const GgufTensor *embd = gguf_file_find_tensor (file, "token_embd.weight");
  const GgufValue *tokens = NULL;
  GError *local = NULL;

  if (embd == NULL)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "tensor 'token_embd.weight' is missing; the file is "
                              "not a complete Llama model");
  if (embd->ne[1] == 0 || embd->ne[1] > G_MAXINT32)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "tensor 'token_embd.weight' has %" G_GUINT64_FORMAT
                              " rows, not a usable vocabulary size", embd->ne[1]);
  cfg->n_vocab = embd->ne[1];

  if (!gguf_file_get_array (file, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, &local))
    {
      if (local != NULL)
        g_propagate_error (error, local);
      return local == NULL;
    }
  if (tokens->arr.n != cfg->n_vocab)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "the vocabulary has %" G_GUINT64_FORMAT " tokens but "
                              "'token_embd.weight' has %u rows", tokens->arr.n, cfg->n_vocab);
  return TRUE;
}

static gboolean
plan_weights (WeightPlan *plan, const LlamaConfig *c, LlamaWeights *w, GError **error)
{
  if (!plan_matrix (plan, "token_embd.weight", c->n_embd, c->n_vocab, &w->token_embd, error))
    return FALSE;
  for (guint il = 0; il < c->n_layer; il++)
    if (!plan_layer (plan, c, il, &w->layers[il], error))
      return FALSE;
  if (!plan_vector (plan, "output_norm.weight", c->n_embd, &w->output_norm, error))
    return FALSE;
  if (gguf_file_find_tensor (plan->file, "rope_freqs.weight") != NULL &&
      !plan_vector (plan, "rope_freqs.weight", c->n_rot / 2, &w->rope_freqs, error))
    return FALSE;

  /* Tied embeddings: the LM head reuses token_embd (its view is copied
   * after upload, see llama_model_load). */
  if (gguf_file_find_tensor (plan->file, "output.weight") == NULL)
    return TRUE;
  return plan_matrix (plan, "output.weight", c->n_embd, c->n_vocab, &w->output, error);
}

static gboolean
check_architecture (GgufFile *file, char **arch, GError **error)
{
  if (!gguf_file_get_string (file, "general.architecture", arch, error))
    {
      if (error != NULL && *error == NULL)
        weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                           "metadata key 'general.architecture' is missing");
      return FALSE;
    }
  if (strcmp (*arch, "llama") == 0 || strcmp (*arch, "mistral") == 0)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
               "%s: model architecture '%s' is not supported; Hearth runs 'llama' and "
               "'mistral' models", gguf_file_get_path (file), *arch);
  return FALSE;
}

LlamaModel *
llama_model_load (HearthDevice *device, GgufFile *file, LlamaProgressFunc progress,
                  gpointer user_data, GCancellable *cancellable, GError **error)
{
  HvkDevice *hvk = _hearth_device_get_hvk (device);
  g_autoptr (LlamaModel) model = g_new0 (LlamaModel, 1);
  g_autoptr (WeightUpload) upload = weight_upload_new ();
  WeightPlan plan = { .file = file, .cfg = &model->config, .upload = upload };
  GError *local = NULL;

  model->device = hvk;

  if (!check_architecture (file, &model->config.arch, &local) ||
      !read_config (file, model->config.arch, &model->config, &local) ||
      !read_vocab_size (file, &model->config, &local))
    goto fail;

  model->weights.layers = g_new0 (LlamaLayerWeights, model->config.n_layer);
  if (!plan_weights (&plan, &model->config, &model->weights, &local))
    goto fail;

  model->buffers = weight_upload_run (upload, hvk, file, progress, user_data, cancellable,
                                      &model->weight_bytes, &local);
  if (model->buffers == NULL)
    goto fail;
  if (model->weights.output.view.buffer == NULL)
    model->weights.output = model->weights.token_embd;

  model->ops = hvk_ops_new (hvk);
  return g_steal_pointer (&model);

fail:
  g_propagate_error (error, local);
  return NULL;
}

void
llama_model_free (LlamaModel *model)
{
  if (model == NULL)
    return;
  g_clear_pointer (&model->ops, hvk_ops_free);
  g_clear_pointer (&model->buffers, g_ptr_array_unref);
  g_free (model->weights.layers);
  g_free (model->config.arch);
  g_free (model);
}

const LlamaConfig *
llama_model_get_config (LlamaModel *model)
{
  return &model->config;
}

const LlamaWeights *
_llama_model_get_weights (LlamaModel *model)
{
  return &model->weights;
}

HvkOps *
_llama_model_get_ops (LlamaModel *model)
{
  return model->ops;
}

HvkDevice *
_llama_model_get_device (LlamaModel *model)
{
  return model->device;
}

guint64
llama_model_get_weight_bytes (LlamaModel *model)
{
  return model->weight_bytes;
}
