#define G_LOG_DOMAIN "hearth-vulkan"

/* Attention over an f16 KV cache (attention.comp): one workgroup per KV
 * head and tile of four query rows sharing it (the grouped-query heads of
 * a token, then the next tokens), keys streamed in blocks with an online
 * softmax. */

#include "hvk-ops-private.h"

#define ATTENTION_BLOCK 128u
/* Query rows per workgroup, one per vec4 lane in attention.comp. */
#define ATTENTION_TILE 4u
/* attention.comp keeps q in a shared array of MAX_HEAD_DIM vec4s. */
#define ATTENTION_MAX_HEAD_DIM 256u

/* Mirrors attention.comp's push-constant block. */
typedef struct {
  guint32 n_tokens;
  guint32 n_kv;
  guint32 q_pos0;
  guint32 n_head;
  guint32 n_head_kv;
  guint32 head_dim;
  float   scale;
  guint32 causal;
  guint32 chunk;
  guint32 temp_floor;
  float   temp_scale;
  guint32 pad0;
} AttentionPush;
_Static_assert (sizeof (AttentionPush) == 48, "AttentionPush must match attention.comp");

gboolean
hvk_op_attention (HvkOps *ops, HvkRecorder *rec, HvkView q, HvkView k, HvkView v,
                  HvkView out, guint n_tokens, guint n_kv, guint q_pos0,
                  guint n_head, guint n_head_kv, guint head_dim, float scale,
                  gboolean causal, GError **error)
{
  HvkAttentionMask mask = { .causal = causal };

  return hvk_op_attention_masked (ops, rec, q, k, v, out, n_tokens, n_kv, q_pos0, n_head,
                                  n_head_kv, head_dim, scale, &mask, error);
}

gboolean
hvk_op_attention_masked (HvkOps *ops, HvkRecorder *rec, HvkView q, HvkView k, HvkView v,
                         HvkView out, guint n_tokens, guint n_kv, guint q_pos0,
                         guint n_head, guint n_head_kv, guint head_dim, float scale,
                         const HvkAttentionMask *mask, GError **error)
{
  static const guint32 spec[] = { ATTENTION_BLOCK };
  HvkPipeline *pipeline;
  guint64 q_bytes = (guint64) n_tokens * n_head * head_dim * sizeof (float);
  guint64 kv_bytes = (guint64) n_kv * n_head_kv * head_dim * sizeof (guint16);

  g_return_val_if_fail (n_tokens > 0 && n_kv > 0, FALSE);
  g_return_val_if_fail ((guint64) n_tokens * n_head <= 65535 * ATTENTION_TILE, FALSE);
  g_return_val_if_fail (n_head_kv > 0 && n_head % n_head_kv == 0, FALSE);
  g_return_val_if_fail (head_dim > 0 && head_dim <= ATTENTION_MAX_HEAD_DIM, FALSE);
  g_return_val_if_fail (mask->temp_scale == 0.0f || mask->temp_floor > 0, FALSE);

  /* Views are aligned (hvk-ops.h) and every key row starts at a multiple
   * of head_dim, so with head_dim % 8 == 0 rows are 16-byte aligned. */
  pipeline = _hvk_ops_pipeline (ops, head_dim % 8 == 0 ? "attention_x8" : "attention", 4,
                                sizeof (AttentionPush), spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  AttentionPush push = {
    .n_tokens = n_tokens,
    .n_kv = n_kv,
    .q_pos0 = q_pos0,
    .n_head = n_head,
    .n_head_kv = n_head_kv,
    .head_dim = head_dim,
    .scale = scale,
    .causal = mask->causal ? 1 : 0,
    .chunk = mask->chunk,
    .temp_floor = mask->temp_floor,
    .temp_scale = mask->temp_scale,
  };
  HvkBinding bindings[] = {
    _hvk_bind (q, q_bytes, FALSE),
    _hvk_bind (k, kv_bytes, FALSE),
    _hvk_bind (v, kv_bytes, FALSE),
    _hvk_bind (out, q_bytes, TRUE),
  };
  guint64 n_rows = (guint64) n_tokens * (n_head / n_head_kv);
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         n_head_kv, (n_rows + ATTENTION_TILE - 1) / ATTENTION_TILE, 1);
  return TRUE;
}
