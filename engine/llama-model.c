#define G_LOG_DOMAIN "hearth-llama"

/* llama-model.c: loads a model of any registered architecture: its
 * hyperparameters (lm_config_read), shape checks for every tensor, and the
 * upload of the weights into a few device buffers.
 *
 * Loading runs in two passes. The plan pass finds each tensor the graph
 * needs (the architecture's plan_layer, lm-arch.h) and checks its type and
 * shape against the config; the upload pass
 * (weight-upload.c) packs them into device buffers and copies each tensor
 * straight from the GGUF mapping, so the weights never exist twice in host
 * memory. */

#include "hearth-devices-private.h"
#include "lm-arch.h"
#include "weight-upload.h"

#include <string.h>

struct _LlamaModel {
  HvkDevice    *device;    /* not owned */
  const LmArch *arch;
  HvkOps       *ops;
  LlamaConfig   config;
  LlamaWeights  weights;
  GPtrArray    *buffers;   /* HvkBuffer *: the weights, packed */
  guint64       weight_bytes;
};

/* ---- weight plan ------------------------------------------------------------ */

static const GgufTensor *
find_tensor (WeightPlan *plan, const char *name, GError **error)
{
  const GgufTensor *t = gguf_file_find_tensor (plan->file, name);

  if (t == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "%s: tensor '%s' is missing; the file is not a complete %s model",
                 gguf_file_get_path (plan->file), name, plan->cfg->arch);
  return t;
}

static gboolean
check_shape (WeightPlan *plan, const GgufTensor *t, guint64 ne0, guint64 ne1, guint64 ne2,
             GError **error)
{
  if (t->ne[0] == ne0 && t->ne[1] == ne1 && t->ne[2] == ne2 && t->ne[3] == 1)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
               "%s: tensor '%s' has shape [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
               ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "], but the metadata "
               "(embedding_length %u, feed_forward_length %u, head_count %u, head_count_kv %u, "
               "head size %u, vocabulary %u, expert_count %u, expert_feed_forward_length %u) "
               "requires [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
               "]; the file is damaged or was written by a broken converter",
               gguf_file_get_path (plan->file), t->name, t->ne[0], t->ne[1], t->ne[2], t->ne[3],
               plan->cfg->n_embd, plan->cfg->n_ff, plan->cfg->n_head, plan->cfg->n_head_kv,
               plan->cfg->head_dim_k, plan->cfg->n_vocab, plan->cfg->n_expert, plan->cfg->n_ff_exp,
               ne0, ne1, ne2);
  return FALSE;
}

gboolean
_weight_plan_has (WeightPlan *plan, const char *name)
{
  return gguf_file_find_tensor (plan->file, name) != NULL;
}

/* The tensor name of shape [n_expert][n_out][n_in] (n_expert 1: a matrix)
 * in a type the kernels run, planned for upload into *view. */
static gboolean
plan_stack (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out, guint32 n_expert,
            HvkType *type, HvkView *view, GError **error)
{
  const GgufTensor *t = find_tensor (plan, name, error);

  if (t == NULL || !check_shape (plan, t, n_in, n_out, n_expert, error))
    return FALSE;
  if (!weight_matrix_type (plan->file, t, n_in, type, error))
    return FALSE;
  weight_upload_add (plan->upload, t, view);
  return TRUE;
}

gboolean
_weight_plan_matrix (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out,
                     LlamaMatrix *out, GError **error)
{
  *out = (LlamaMatrix) { .n_in = n_in, .n_out = n_out };
  return plan_stack (plan, name, n_in, n_out, 1, &out->type, &out->view, error);
}

gboolean
_weight_plan_experts (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out,
                      guint32 n_expert, LlamaExperts *out, GError **error)
{
  *out = (LlamaExperts) { .n_in = n_in, .n_out = n_out, .n_expert = n_expert };
  if (!plan_stack (plan, name, n_in, n_out, n_expert, &out->type, &out->view, error))
    return FALSE;
  out->expert_bytes = hvk_type_row_size (out->type, n_in) * n_out;
  return TRUE;
}

gboolean
_weight_plan_vector (WeightPlan *plan, const char *name, guint32 n, HvkView *out, GError **error)
{
  const GgufTensor *t = find_tensor (plan, name, error);

  if (t == NULL || !check_shape (plan, t, n, 1, 1, error))
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

#define BLK(suffix) (g_snprintf (name, sizeof name, "blk.%u." suffix, il), name)

gboolean
_weight_plan_attention (WeightPlan *plan, const LlamaConfig *c, guint il, LlamaLayerWeights *l,
                        GError **error)
{
  guint32 q_dim = c->n_head * c->head_dim_k;
  guint32 k_dim = c->n_head_kv * c->head_dim_k;
  guint32 v_dim = c->n_head_kv * c->head_dim_v;
  guint32 o_dim = c->n_head * c->head_dim_v;
  char name[96];

  return _weight_plan_vector (plan, BLK ("attn_norm.weight"), c->n_embd, &l->attn_norm, error) &&
         _weight_plan_matrix (plan, BLK ("attn_q.weight"), c->n_embd, q_dim, &l->wq, error) &&
         _weight_plan_matrix (plan, BLK ("attn_k.weight"), c->n_embd, k_dim, &l->wk, error) &&
         _weight_plan_matrix (plan, BLK ("attn_v.weight"), c->n_embd, v_dim, &l->wv, error) &&
         _weight_plan_matrix (plan, BLK ("attn_output.weight"), o_dim, c->n_embd, &l->wo, error) &&
         _weight_plan_vector (plan, BLK ("ffn_norm.weight"), c->n_embd, &l->ffn_norm, error);
}

gboolean
_weight_plan_dense_ffn (WeightPlan *plan, const LlamaConfig *c, guint il, LlamaLayerWeights *l,
                        GError **error)
{
  char name[96];

  return _weight_plan_matrix (plan, BLK ("ffn_gate.weight"), c->n_embd, c->n_ff, &l->w_gate, error) &&
         _weight_plan_matrix (plan, BLK ("ffn_up.weight"), c->n_embd, c->n_ff, &l->w_up, error) &&
         _weight_plan_matrix (plan, BLK ("ffn_down.weight"), c->n_ff, c->n_embd, &l->w_down, error);
}

#undef BLK

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
plan_weights (WeightPlan *plan, const LmArch *arch, LlamaConfig *c, LlamaWeights *w, GError **error)
{
  if (!_weight_plan_matrix (plan, "token_embd.weight", c->n_embd, c->n_vocab, &w->token_embd, error))
    return FALSE;
  for (guint il = 0; il < c->n_layer; il++)
    if (!arch->plan_layer (plan, c, il, &w->layers[il], error))
      return FALSE;
  if (!_weight_plan_vector (plan, "output_norm.weight", c->n_embd, &w->output_norm, error))
    return FALSE;
  if (_weight_plan_has (plan, "rope_freqs.weight") &&
      !_weight_plan_vector (plan, "rope_freqs.weight", c->n_rot / 2, &w->rope_freqs, error))
    return FALSE;

  /* Tied embeddings: the LM head reuses token_embd (its view is copied
   * after upload, see llama_model_load). */
  if (gguf_file_find_tensor (plan->file, "output.weight") == NULL)
    return TRUE;
  return _weight_plan_matrix (plan, "output.weight", c->n_embd, c->n_vocab, &w->output, error);
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

  if (!lm_config_read (file, &model->config, &local) ||
      !read_vocab_size (file, &model->config, &local))
    goto fail;
  model->arch = lm_arch_lookup (model->config.arch);

  model->weights.layers = g_new0 (LlamaLayerWeights, model->config.n_layer);
  if (!plan_weights (&plan, model->arch, &model->config, &model->weights, &local))
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
  lm_config_clear (&model->config);
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

const LmArch *
_llama_model_get_arch (LlamaModel *model)
{
  return model->arch;
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

guint64
llama_model_get_kv_bytes_per_position (LlamaModel *model)
{
  return lm_config_kv_bytes (&model->config, 1);
}
