#define G_LOG_DOMAIN "hearth-vision"

#include "vision-encoder.h"
#include "clip-model-private.h"

#include <math.h>
#include <string.h>

#include "hearth-engine-error.h"

/* Scratch for a batch of n_batch tiles; N = n_batch · n_patches tokens,
 * D = n_embd, F = n_ff, K = 3 · patch², S = scale_factor. */
struct _VisionEncoder {
  ClipModel *model;
  HvkDevice *device;
  HvkOps    *ops;
  guint      n_batch;     /* tiles per command buffer */
  HvkBuffer *patches;     /* f32 [N][K]: im2col of the tiles */
  HvkBuffer *h;           /* f32 [N][D]: the residual stream */
  HvkBuffer *t;           /* f32 [N][D]: normed input / sublayer output */
  HvkBuffer *q, *k, *v;   /* f32 [N][D] */
  HvkBuffer *k16, *v16;   /* f16 [N][D]: K, V as attention reads them */
  HvkBuffer *attn;        /* f32 [N][D] */
  HvkBuffer *ff;          /* f32 [N][F] */
  HvkBuffer *shuffled;    /* f32 [N / S²][D · S²] */
  HvkBuffer *out;         /* f32 [N / S²][projection_dim] */
  float     *host_patches;
};

#define MAX_BATCH 16
#define MAX_SCRATCH_BYTES (G_GUINT64_CONSTANT (64) << 20)

static HvkView
at (HvkBuffer *buffer, guint64 offset)
{
  return (HvkView) { buffer, offset };
}

static HvkView
base (HvkBuffer *buffer)
{
  return at (buffer, 0);
}

void
vision_encoder_free (VisionEncoder *enc)
{
  if (enc == NULL)
    return;
  HvkBuffer **buffers[] = { &enc->patches, &enc->h, &enc->t, &enc->q, &enc->k, &enc->v,
                            &enc->k16, &enc->v16, &enc->attn, &enc->ff, &enc->shuffled, &enc->out };
  for (gsize i = 0; i < G_N_ELEMENTS (buffers); i++)
    g_clear_pointer (buffers[i], hvk_buffer_free);
  g_free (enc->host_patches);
  g_free (enc);
}

VisionEncoder *
vision_encoder_new (ClipModel *model, GError **error)
{
  const ClipConfig *c = clip_model_get_config (model);
  g_autoptr (VisionEncoder) enc = g_new0 (VisionEncoder, 1);
  enc->model = model;
  enc->device = _clip_model_get_device (model);
  enc->ops = _clip_model_get_ops (model);

  /* As many tiles per batch as keep the widest activation within one
   * binding range (and a modest amount of memory). */
  guint64 k = 3ull * c->patch_size * c->patch_size;
  guint64 widest = (guint64) c->n_patches * 4 * MAX (MAX (c->n_ff, k), MAX (c->n_embd, c->projection_dim));
  guint64 limit = MIN (hvk_device_get_info (enc->device)->max_storage_buffer_range, MAX_SCRATCH_BYTES);
  enc->n_batch = CLAMP (limit / widest, 1, MAX_BATCH);

  guint64 n = (guint64) enc->n_batch * c->n_patches;
  guint64 tokens = (guint64) enc->n_batch * c->tokens_per_tile;
  struct { HvkBuffer **buffer; guint64 bytes; } plan[] = {
    { &enc->patches, n * k * 4 },
    { &enc->h, n * c->n_embd * 4 },
    { &enc->t, n * c->n_embd * 4 },
    { &enc->q, n * c->n_embd * 4 },
    { &enc->k, n * c->n_embd * 4 },
    { &enc->v, n * c->n_embd * 4 },
    { &enc->k16, n * c->n_embd * 2 },
    { &enc->v16, n * c->n_embd * 2 },
    { &enc->attn, n * c->n_embd * 4 },
    { &enc->ff, n * c->n_ff * 4 },
    { &enc->shuffled, n * c->n_embd * 4 },
    { &enc->out, tokens * c->projection_dim * 4 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (plan); i++)
    if ((*plan[i].buffer = hvk_buffer_new (enc->device, plan[i].bytes, HVK_BUFFER_DEVICE, error)) == NULL)
      {
        g_prefix_error (error, "Allocating the vision encoder's activations: ");
        return NULL;
      }
  enc->host_patches = g_new (float, n * k);
  return g_steal_pointer (&enc);
}

guint
vision_encoder_tokens_per_chunk (VisionEncoder *enc)
{
  return clip_model_get_config (enc->model)->tokens_per_tile;
}

/* The patch convolution (stride = patch size, trailing pixels ignored) as a
 * matrix product: row p = y·grid + x
 * of the patch matrix holds the patch's pixels in the weight's (c, ky, kx)
 * order. pixels: one chunk, planar [3][T][T]. */
static void
im2col (const ClipConfig *c, const float *pixels, float *rows)
{
  guint T = c->image_size, ps = c->patch_size;
  for (guint py = 0; py < c->grid; py++)
    for (guint px = 0; px < c->grid; px++)
      {
        float *row = rows + ((gsize) py * c->grid + px) * 3 * ps * ps;
        for (guint ch = 0; ch < 3; ch++)
          for (guint ky = 0; ky < ps; ky++)
            memcpy (row + ((gsize) ch * ps + ky) * ps,
                    pixels + ((gsize) ch * T + py * ps + ky) * T + px * ps, ps * sizeof (float));
      }
}

/* y = W·x + b over n rows (b may be a NULL view). */
static gboolean
linear (VisionEncoder *enc, HvkRecorder *rec, const ClipMatrix *w, HvkView bias, HvkView x,
        HvkView y, guint n, GError **error)
{
  return hvk_op_matmul (enc->ops, rec, w->type, w->view, x, y, w->n_in, w->n_out, n, error) &&
         (bias.buffer == NULL ||
          hvk_op_add (enc->ops, rec, y, bias, y, w->n_out, n, 1, error));
}

/* h += out(MHA(LN1(h))), full (bidirectional) attention within each tile. */
static gboolean
record_attention (VisionEncoder *enc, HvkRecorder *rec, const ClipLayerWeights *l, guint nt,
                  GError **error)
{
  const ClipConfig *c = clip_model_get_config (enc->model);
  HvkOps *ops = enc->ops;
  guint n = nt * c->n_patches, d = c->n_embd, head_dim = d / c->n_head;
  guint64 tile_f32 = (guint64) c->n_patches * d * 4;

  if (!hvk_op_layer_norm (ops, rec, base (enc->h), l->ln1_w, l->ln1_b, base (enc->t), d, n, c->eps, error) ||
      !linear (enc, rec, &l->q, l->q_b, base (enc->t), base (enc->q), n, error) ||
      !linear (enc, rec, &l->k, l->k_b, base (enc->t), base (enc->k), n, error) ||
      !linear (enc, rec, &l->v, l->v_b, base (enc->t), base (enc->v), n, error) ||
      !hvk_op_kv_store (ops, rec, base (enc->k), base (enc->k16), d, 0, n, error) ||
      !hvk_op_kv_store (ops, rec, base (enc->v), base (enc->v16), d, 0, n, error))
    return FALSE;
  for (guint i = 0; i < nt; i++)
    if (!hvk_op_attention (ops, rec, at (enc->q, i * tile_f32), at (enc->k16, i * tile_f32 / 2),
                           at (enc->v16, i * tile_f32 / 2), at (enc->attn, i * tile_f32),
                           c->n_patches, c->n_patches, 0, c->n_head, c->n_head, head_dim,
                           1.0f / sqrtf ((float) head_dim), FALSE, error))
      return FALSE;
  return linear (enc, rec, &l->out, l->out_b, base (enc->attn), base (enc->t), n, error) &&
         hvk_op_add (ops, rec, base (enc->h), base (enc->t), base (enc->h), d, n, n, error);
}

/* h += down(GELU_tanh(up(LN2(h)))). */
static gboolean
record_mlp (VisionEncoder *enc, HvkRecorder *rec, const ClipLayerWeights *l, guint nt, GError **error)
{
  const ClipConfig *c = clip_model_get_config (enc->model);
  HvkOps *ops = enc->ops;
  guint n = nt * c->n_patches, d = c->n_embd;

  return hvk_op_layer_norm (ops, rec, base (enc->h), l->ln2_w, l->ln2_b, base (enc->t), d, n, c->eps, error) &&
         linear (enc, rec, &l->up, l->up_b, base (enc->t), base (enc->ff), n, error) &&
         hvk_op_unary (ops, rec, HVK_UNARY_GELU_TANH, base (enc->ff), base (enc->ff),
                       (guint64) n * c->n_ff, error) &&
         linear (enc, rec, &l->down, l->down_b, base (enc->ff), base (enc->t), n, error) &&
         hvk_op_add (ops, rec, base (enc->h), base (enc->t), base (enc->h), d, n, n, error);
}

/* The whole encoder for nt tiles whose patches are uploaded. */
static gboolean
record_batch (VisionEncoder *enc, HvkRecorder *rec, guint nt, GError **error)
{
  const ClipConfig *c = clip_model_get_config (enc->model);
  const ClipWeights *w = _clip_model_get_weights (enc->model);
  HvkOps *ops = enc->ops;
  guint n = nt * c->n_patches, d = c->n_embd;
  guint64 tile_f32 = (guint64) c->n_patches * d * 4;

  /* Patch embedding + bias, then the learned position of each patch. */
  if (!linear (enc, rec, &w->patch_embd, w->patch_b, base (enc->patches), base (enc->h), n, error))
    return FALSE;
  for (guint i = 0; i < nt; i++)
    if (!hvk_op_add (ops, rec, at (enc->h, i * tile_f32), w->position_embd, at (enc->h, i * tile_f32),
                     d, c->n_patches, c->n_patches, error))
      return FALSE;

  for (guint il = 0; il < c->n_layer; il++)
    if (!record_attention (enc, rec, &w->layers[il], nt, error) ||
        !record_mlp (enc, rec, &w->layers[il], nt, error))
      return FALSE;

  /* post-LN, merge S×S patches into one token, project to the text width. */
  return hvk_op_layer_norm (ops, rec, base (enc->h), w->post_ln_w, w->post_ln_b, base (enc->t),
                            d, n, c->eps, error) &&
         hvk_op_pixel_shuffle (ops, rec, base (enc->t), base (enc->shuffled), nt, c->grid, d,
                               c->scale_factor, error) &&
         linear (enc, rec, &w->proj, (HvkView) { NULL, 0 }, base (enc->shuffled), base (enc->out),
                 nt * c->tokens_per_tile, error);
}

static gboolean
set_cancelled (GError **error)
{
  g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                       "Encoding the image was cancelled");
  return FALSE;
}

gboolean
vision_encoder_encode (VisionEncoder *enc, const ImageTiles *tiles, float *out,
                       VisionProgressFunc progress, gpointer user_data,
                       GCancellable *cancellable, GError **error)
{
  const ClipConfig *c = clip_model_get_config (enc->model);
  if (tiles->tile_size != c->image_size)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "Tiles of %u pixels given to a vision encoder for %u-pixel tiles",
                   tiles->tile_size, c->image_size);
      return FALSE;
    }

  g_autoptr (HvkRecorder) rec = hvk_recorder_new (enc->device, error);
  if (rec == NULL)
    return FALSE;
  gsize chunk_pixels = (gsize) 3 * c->image_size * c->image_size;
  gsize patch_floats = (gsize) c->n_patches * 3 * c->patch_size * c->patch_size;
  gsize out_floats = (gsize) c->tokens_per_tile * c->projection_dim;

  for (guint first = 0; first < tiles->n_chunks; first += enc->n_batch)
    {
      guint nt = MIN (enc->n_batch, tiles->n_chunks - first);
      if (g_cancellable_is_cancelled (cancellable))
        return set_cancelled (error);
      for (guint i = 0; i < nt; i++)
        im2col (c, tiles->pixels + (first + i) * chunk_pixels, enc->host_patches + i * patch_floats);
      if (!hvk_buffer_upload (enc->patches, 0, enc->host_patches, nt * patch_floats * 4, error))
        return FALSE;

      GError *local = NULL;
      hvk_recorder_begin (rec);
      if (!record_batch (enc, rec, nt, error))
        return FALSE;
      if (!hvk_recorder_submit (rec, cancellable, &local))
        {
          if (!g_error_matches (local, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          g_error_free (local);
          return set_cancelled (error);
        }
      if (!hvk_buffer_download (enc->out, 0, out + first * out_floats, nt * out_floats * 4, error))
        return FALSE;
      if (progress != NULL)
        progress (first + nt, tiles->n_chunks, user_data);
    }
  return TRUE;
}

float *
vision_encoder_encode_image (VisionEncoder *enc, const HearthImage *image, ImageTiles **tiles_out,
                             VisionProgressFunc progress, gpointer user_data,
                             GCancellable *cancellable, GError **error)
{
  ImagePreprocessConfig config;
  clip_model_get_preprocess_config (enc->model, &config);
  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &config);

  const ClipConfig *c = clip_model_get_config (enc->model);
  g_autofree float *embd = g_new (float, (gsize) tiles->n_chunks * c->tokens_per_tile * c->projection_dim);
  if (!vision_encoder_encode (enc, tiles, embd, progress, user_data, cancellable, error))
    return NULL;
  *tiles_out = g_steal_pointer (&tiles);
  return g_steal_pointer (&embd);
}

float *
vision_encoder_encode_file (VisionEncoder *enc, const char *path, ImageTiles **tiles_out,
                            VisionProgressFunc progress, gpointer user_data,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr (HearthImage) image = hearth_image_load (path, 0, error);
  if (image == NULL)
    return NULL;
  return vision_encoder_encode_image (enc, image, tiles_out, progress, user_data, cancellable,
                                      error);
}
