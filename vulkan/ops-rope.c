#define G_LOG_DOMAIN "hearth-vulkan"

/* Rotary position embedding (rope.comp) and the f32 -> f16 KV-cache store
 * (kv_store.comp). */

#include <math.h>

#include "hvk-ops-private.h"

#define ROPE_BLOCK     64u
#define KV_STORE_BLOCK 128u

/* Mirrors rope.comp's push-constant block. */
typedef struct {
  guint32 n_heads;
  guint32 head_dim;
  guint32 n_rot;
  guint32 pos0;
  float   freq_scale;
  float   theta_scale;
  guint32 has_factors;
  guint32 pad;
} RopePush;
_Static_assert (sizeof (RopePush) == 32, "RopePush must match rope.comp");

/* Mirrors kv_store.comp's push-constant block. */
typedef struct {
  guint32 n;
  guint32 dst_offset;
} KvStorePush;
_Static_assert (sizeof (KvStorePush) == 8, "KvStorePush must match kv_store.comp");

gboolean
hvk_op_rope (HvkOps *ops, HvkRecorder *rec, HvkView x, guint n_tokens, guint n_heads,
             guint head_dim, guint n_rot, guint pos0, float freq_base, float freq_scale,
             HvkRopeMode mode, HvkView freq_factors, GError **error)
{
  static const guint32 spec[] = { ROPE_BLOCK };
  HvkPipeline *pipeline;
  gboolean has_factors = freq_factors.buffer != NULL;
  guint64 x_bytes = (guint64) n_tokens * n_heads * head_dim * sizeof (float);
  guint n_pairs = n_heads * (n_rot / 2);

  g_return_val_if_fail (n_tokens > 0 && n_tokens <= 65535 && n_heads > 0, FALSE);
  g_return_val_if_fail (n_rot > 0 && n_rot % 2 == 0 && n_rot <= head_dim, FALSE);

  pipeline = _hvk_ops_pipeline (ops, mode == HVK_ROPE_NEOX ? "rope_neox" : "rope_normal", 2,
                                sizeof (RopePush), spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  /* base^(-2/n_rot) once in f32 on the host, like ggml; the shader raises
   * it to the pair index. */
  RopePush push = {
    .n_heads = n_heads,
    .head_dim = head_dim,
    .n_rot = n_rot,
    .pos0 = pos0,
    .freq_scale = freq_scale,
    .theta_scale = powf (freq_base, -2.0f / (float) n_rot),
    .has_factors = has_factors,
  };
  /* Without factors x is bound in their place; the shader never reads it. */
  HvkBinding bindings[] = {
    _hvk_bind (x, x_bytes, TRUE),
    has_factors ? _hvk_bind (freq_factors, (n_rot / 2) * sizeof (float), FALSE)
                : _hvk_bind (x, x_bytes, FALSE),
  };
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         (n_pairs + ROPE_BLOCK - 1) / ROPE_BLOCK, n_tokens, 1);
  return TRUE;
}

gboolean
hvk_op_kv_store (HvkOps *ops, HvkRecorder *rec, HvkView src, HvkView cache, guint width,
                 guint pos0, guint n_tokens, GError **error)
{
  static const guint32 spec[] = { KV_STORE_BLOCK };
  HvkPipeline *pipeline;
  guint64 n = (guint64) width * n_tokens;
  guint32 gx, gy;
  KvStorePush push = { (guint32) n, pos0 * width };

  g_return_val_if_fail (width > 0 && n_tokens > 0, FALSE);
  g_return_val_if_fail ((guint64) (pos0 + n_tokens) * width <= G_MAXUINT32, FALSE);

  pipeline = _hvk_ops_pipeline (ops, "kv_store", 2, sizeof (KvStorePush),
                                spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  /* The cache is bound from its start and indexed from pos0 in the shader,
   * so the binding offset stays aligned whatever pos0 is. */
  HvkBinding bindings[] = {
    _hvk_bind (src, n * sizeof (float), FALSE),
    _hvk_bind (cache, (guint64) (pos0 + n_tokens) * width * sizeof (guint16), TRUE),
  };
  _hvk_groups_1d (ops, (n + KV_STORE_BLOCK - 1) / KV_STORE_BLOCK, &gx, &gy);
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         gx, gy, 1);
  return TRUE;
}
