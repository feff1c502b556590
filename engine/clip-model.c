#define G_LOG_DOMAIN "hearth-clip"

#include "clip-model-private.h"
#include "hearth-devices-private.h"
#include "weight-upload.h"

#include <string.h>

struct _ClipModel {
  HvkDevice  *device;
  HvkOps     *ops;
  ClipConfig  config;
  ClipWeights weights;
  GPtrArray  *buffers;      /* HvkBuffer: the weights */
};

/* ---- config ----------------------------------------------------------------- */

/* A required positive integer key. */
static gboolean
read_u32 (GgufFile *file, const char *key, guint32 *out, GError **error)
{
  GError *local = NULL;
  if (gguf_file_get_u32 (file, key, out, &local) && *out > 0)
    return TRUE;
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                            "metadata key '%s' is missing or zero; the file is not a complete "
                            "vision projector (mmproj)", key);
}

/* image_mean / image_std: three floats, or the given default. */
static gboolean
read_rgb (GgufFile *file, const char *key, float fallback, float out[3], GError **error)
{
  const GgufValue *array = NULL;
  GError *local = NULL;
  out[0] = out[1] = out[2] = fallback;
  if (!gguf_file_get_array (file, key, GGUF_TYPE_FLOAT32, &array, &local))
    {
      if (local != NULL)
        g_propagate_error (error, local);
      return local == NULL;
    }
  if (array->arr.n != 3)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "'%s' has %" G_GUINT64_FORMAT " values, not 3 (R, G, B)", key, array->arr.n);
  for (guint c = 0; c < 3; c++)
    out[c] = gguf_array_get_float (array, c);
  return TRUE;
}

static gboolean
check_kind (GgufFile *file, GError **error)
{
  g_autofree char *arch = NULL, *projector = NULL;
  gboolean has_vision = FALSE, use_gelu = FALSE;
  GError *local = NULL;

  if (!gguf_file_get_string (file, "general.architecture", &arch, &local) && local != NULL)
    goto fail;
  if (g_strcmp0 (arch, "clip") != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "general.architecture is '%s', not 'clip': this is not a vision "
                              "projector (mmproj) file", arch != NULL ? arch : "(missing)");
  if (!gguf_file_get_bool (file, "clip.has_vision_encoder", &has_vision, &local) && local != NULL)
    goto fail;
  if (!has_vision)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "the projector has no vision encoder (clip.has_vision_encoder)");
  if (!gguf_file_get_string (file, "clip.projector_type", &projector, &local) && local != NULL)
    goto fail;
  if (g_strcmp0 (projector, "idefics3") != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "projector type '%s' is not supported; Hearth runs SmolVLM "
                              "('idefics3') projectors", projector != NULL ? projector : "(missing)");
  if (!gguf_file_get_bool (file, "clip.use_gelu", &use_gelu, &local) && local != NULL)
    goto fail;
  if (!use_gelu)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "clip.use_gelu is false (quick GELU), which Hearth does not run");
  return TRUE;

fail:
  g_propagate_error (error, local);
  return FALSE;
}

static gboolean
read_config (GgufFile *file, ClipConfig *c, GError **error)
{
  GError *local = NULL;

  if (!check_kind (file, error) ||
      !read_u32 (file, "clip.vision.image_size", &c->image_size, error) ||
      !read_u32 (file, "clip.vision.preproc_image_size", &c->preproc_image_size, error) ||
      !read_u32 (file, "clip.vision.patch_size", &c->patch_size, error) ||
      !read_u32 (file, "clip.vision.embedding_length", &c->n_embd, error) ||
      !read_u32 (file, "clip.vision.feed_forward_length", &c->n_ff, error) ||
      !read_u32 (file, "clip.vision.block_count", &c->n_layer, error) ||
      !read_u32 (file, "clip.vision.attention.head_count", &c->n_head, error) ||
      !clip_file_get_projection_dim (file, &c->projection_dim, error) ||
      !read_u32 (file, "clip.vision.projector.scale_factor", &c->scale_factor, error) ||
      !read_rgb (file, "clip.vision.image_mean", 0.5f, c->image_mean, error) ||
      !read_rgb (file, "clip.vision.image_std", 0.5f, c->image_std, error))
    return FALSE;

  c->eps = 1e-6f;
  if (!gguf_file_get_f32 (file, "clip.vision.attention.layer_norm_epsilon", &c->eps, &local) &&
      local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }

  /* The patch convolution has stride patch_size and no padding: trailing
   * pixel rows and columns that do not fill a patch are ignored (SigLIP
   * so400m cuts a 384-pixel tile into 27 x 27 patches of 14 pixels). */
  if (c->image_size > 4096)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "clip.vision.image_size %u is larger than 4096 pixels", c->image_size);
  if (c->patch_size > c->image_size)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "clip.vision.patch_size %u is larger than image_size %u: a tile has no patches",
                              c->patch_size, c->image_size);
  c->grid = c->image_size / c->patch_size;
  c->n_patches = c->grid * c->grid;
  if (c->grid % c->scale_factor != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%u patches per side cannot be merged by scale_factor %u",
                              c->grid, c->scale_factor);
  c->tokens_per_tile = c->n_patches / (c->scale_factor * c->scale_factor);
  if (c->n_embd % c->n_head != 0 || c->n_embd % 8 != 0 || c->n_embd > 8192 || c->n_ff > 65536)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "embedding_length %u with %u heads (feed_forward_length %u) is not a "
                              "usable vision encoder shape", c->n_embd, c->n_head, c->n_ff);
  for (guint i = 0; i < 3; i++)
    if (!(c->image_std[i] > 0.0f))
      return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                                "clip.vision.image_std[%u] is %g, not positive", i, c->image_std[i]);
  if (c->preproc_image_size < c->image_size)
    c->preproc_image_size = c->image_size;
  return TRUE;
}

/* ---- weight plan ------------------------------------------------------------- */

typedef struct {
  GgufFile     *file;
  WeightUpload *upload;
} WeightPlan;

/* Plans tensor name, which must have shape ne (unused dims 1); its view
 * is filled in on upload. */
static const GgufTensor *
plan_tensor (WeightPlan *plan, const char *name, const guint64 ne[4], HvkView *view, GError **error)
{
  const GgufTensor *t = gguf_file_find_tensor (plan->file, name);
  if (t == NULL)
    {
      weight_file_error (plan->file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                         "tensor '%s' is missing; the file is not a complete SmolVLM projector", name);
      return NULL;
    }
  if (memcmp (t->ne, ne, sizeof t->ne) != 0)
    {
      weight_file_error (plan->file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                         "tensor '%s' has shape [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %"
                         G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "], but the clip.vision metadata "
                         "requires [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                         ", %" G_GUINT64_FORMAT "]", name, t->ne[0], t->ne[1], t->ne[2], t->ne[3],
                         ne[0], ne[1], ne[2], ne[3]);
      return NULL;
    }
  weight_upload_add (plan->upload, t, view);
  return t;
}

static gboolean
plan_f32 (WeightPlan *plan, const char *name, guint64 ne0, guint64 ne1, HvkView *view, GError **error)
{
  const guint64 ne[4] = { ne0, ne1, 1, 1 };
  const GgufTensor *t = plan_tensor (plan, name, ne, view, error);
  if (t == NULL)
    return FALSE;
  if (t->type != GGML_TYPE_F32)
    return weight_file_error (plan->file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "tensor '%s' has type %s; Hearth expects biases, norms and embeddings "
                              "of a projector in F32", name, weight_type_name (t->type));
  return TRUE;
}

static gboolean
plan_matrix (WeightPlan *plan, const char *name, const guint64 ne[4], guint32 n_in, guint32 n_out,
             ClipMatrix *m, GError **error)
{
  const GgufTensor *t = plan_tensor (plan, name, ne, &m->view, error);
  if (t == NULL)
    return FALSE;
  if (!weight_matrix_type (plan->file, t, n_in, &m->type, error))
    return FALSE;
  m->n_in = n_in;
  m->n_out = n_out;
  return TRUE;
}

static gboolean
plan_linear (WeightPlan *plan, const char *prefix, guint32 n_in, guint32 n_out,
             ClipMatrix *m, HvkView *bias, GError **error)
{
  g_autofree char *w = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b = g_strconcat (prefix, ".bias", NULL);
  const guint64 ne[4] = { n_in, n_out, 1, 1 };
  return plan_matrix (plan, w, ne, n_in, n_out, m, error) &&
         (bias == NULL || plan_f32 (plan, b, n_out, 1, bias, error));
}

static gboolean
plan_norm (WeightPlan *plan, const char *prefix, guint32 n, HvkView *w, HvkView *b, GError **error)
{
  g_autofree char *wn = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *bn = g_strconcat (prefix, ".bias", NULL);
  return plan_f32 (plan, wn, n, 1, w, error) && plan_f32 (plan, bn, n, 1, b, error);
}

static gboolean
plan_layer (WeightPlan *plan, const ClipConfig *c, guint il, ClipLayerWeights *l, GError **error)
{
  char p[64];
#define BLK(suffix) (g_snprintf (p, sizeof p, "v.blk.%u." suffix, il), p)
  return plan_norm (plan, BLK ("ln1"), c->n_embd, &l->ln1_w, &l->ln1_b, error) &&
         plan_linear (plan, BLK ("attn_q"), c->n_embd, c->n_embd, &l->q, &l->q_b, error) &&
         plan_linear (plan, BLK ("attn_k"), c->n_embd, c->n_embd, &l->k, &l->k_b, error) &&
         plan_linear (plan, BLK ("attn_v"), c->n_embd, c->n_embd, &l->v, &l->v_b, error) &&
         plan_linear (plan, BLK ("attn_out"), c->n_embd, c->n_embd, &l->out, &l->out_b, error) &&
         plan_norm (plan, BLK ("ln2"), c->n_embd, &l->ln2_w, &l->ln2_b, error) &&
         plan_linear (plan, BLK ("ffn_up"), c->n_embd, c->n_ff, &l->up, &l->up_b, error) &&
         plan_linear (plan, BLK ("ffn_down"), c->n_ff, c->n_embd, &l->down, &l->down_b, error);
#undef BLK
}

static gboolean
plan_weights (WeightPlan *plan, const ClipConfig *c, ClipWeights *w, GError **error)
{
  guint32 ps = c->patch_size;
  const guint64 conv_ne[4] = { ps, ps, 3, c->n_embd };
  if (!plan_matrix (plan, "v.patch_embd.weight", conv_ne, 3 * ps * ps, c->n_embd, &w->patch_embd, error) ||
      !plan_f32 (plan, "v.patch_embd.bias", c->n_embd, 1, &w->patch_b, error) ||
      !plan_f32 (plan, "v.position_embd.weight", c->n_embd, c->n_patches, &w->position_embd, error))
    return FALSE;
  for (guint il = 0; il < c->n_layer; il++)
    if (!plan_layer (plan, c, il, &w->layers[il], error))
      return FALSE;
  guint32 s2 = c->scale_factor * c->scale_factor;
  return plan_norm (plan, "v.post_ln", c->n_embd, &w->post_ln_w, &w->post_ln_b, error) &&
         plan_linear (plan, "mm.model.fc", c->n_embd * s2, c->projection_dim, &w->proj, NULL, error);
}

ClipModel *
clip_model_load (HearthDevice *device, GgufFile *file, ClipProgressFunc progress,
                 gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (ClipModel) model = g_new0 (ClipModel, 1);
  g_autoptr (WeightUpload) upload = weight_upload_new ();
  model->device = _hearth_device_get_hvk (device);

  if (!read_config (file, &model->config, error))
    return NULL;
  model->weights.layers = g_new0 (ClipLayerWeights, model->config.n_layer);
  WeightPlan plan = { .file = file, .upload = upload };
  if (!plan_weights (&plan, &model->config, &model->weights, error))
    return NULL;

  model->buffers = weight_upload_run (upload, model->device, file, progress, user_data,
                                      cancellable, NULL, error);
  if (model->buffers == NULL)
    return NULL;
  model->ops = hvk_ops_new (model->device);
  return g_steal_pointer (&model);
}

void
clip_model_free (ClipModel *model)
{
  if (model == NULL)
    return;
  g_clear_pointer (&model->ops, hvk_ops_free);
  g_clear_pointer (&model->buffers, g_ptr_array_unref);
  g_free (model->weights.layers);
  g_free (model);
}

gboolean
clip_check_text_width (guint32 projection_dim, guint32 text_n_embd, GError **error)
{
  if (projection_dim == text_n_embd)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
               "The vision projector writes %u-wide embeddings (clip.vision.projection_dim) but "
               "the text model's embeddings are %u wide: the mmproj file does not belong to "
               "this model; pick the mmproj published with it",
               projection_dim, text_n_embd);
  return FALSE;
}

gboolean
clip_model_check_text_width (ClipModel *model, guint32 text_n_embd, GError **error)
{
  return clip_check_text_width (model->config.projection_dim, text_n_embd, error);
}

gboolean
clip_file_get_projection_dim (GgufFile *file, guint32 *projection_dim, GError **error)
{
  return read_u32 (file, "clip.vision.projection_dim", projection_dim, error);
}

const ClipConfig *
clip_model_get_config (ClipModel *model)
{
  return &model->config;
}

const ClipWeights *
_clip_model_get_weights (ClipModel *model)
{
  return &model->weights;
}

HvkDevice *
_clip_model_get_device (ClipModel *model)
{
  return model->device;
}

HvkOps *
_clip_model_get_ops (ClipModel *model)
{
  return model->ops;
}

void
clip_model_get_preprocess_config (ClipModel *model, ImagePreprocessConfig *out)
{
  out->tile_size = model->config.image_size;
  out->longest_edge = model->config.preproc_image_size;
  memcpy (out->mean, model->config.image_mean, sizeof out->mean);
  memcpy (out->std, model->config.image_std, sizeof out->std);
}
