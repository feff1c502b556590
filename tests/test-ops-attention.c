#define G_LOG_DOMAIN "hearth-tests"

/* Attention over an f16 KV cache against ref-ops.c: causal (prefill from
 * position 0 and continuing a conversation at q_pos0 > 0) and non-causal
 * (vision encoder), grouped-query head ratios from 1 to 4, decode
 * (n_tokens == 1) and blocks of queries, query-row counts (n_tokens · g)
 * that do and do not fill the kernel's tiles of 4, key counts below and
 * above its key block (128), head_dim with and without the 8-aligned fast
 * path, and Llama 4's chunk mask and NoPE query temperature (at positions
 * on both sides of 8,192 and past 16,384, where the temperature steps).
 * The reference reads the same f16 K/V values. */

#include <math.h>

#include "ops-test-util.h"
#include "ref-ops.h"

/* f32 accumulation over up to ~300 keys against double. */
#define ATTENTION_ABS_TOL 1e-4
#define ATTENTION_REL_TOL 1e-4

typedef struct {
  guint    n_head, n_head_kv, head_dim;
  guint    n_tokens, q_pos0;
  guint    n_kv;          /* 0: q_pos0 + n_tokens, the causal cache length */
  gboolean causal;
  float    q_range;       /* q ~ U(-q_range, q_range): larger makes softmax peakier */
  guint    chunk;         /* HvkAttentionMask */
  guint    temp_floor;
  float    temp_scale;
} AttentionCase;

static const AttentionCase cases[] = {
  /* decode */
  { 4, 2, 64, 1, 0, 0, TRUE, 1.0f },
  { 8, 8, 8, 1, 40, 0, TRUE, 1.0f },
  { 9, 3, 72, 1, 299, 0, TRUE, 1.0f },
  { 8, 4, 128, 1, 257, 0, TRUE, 4.0f },
  /* prefill from the start and continuing a conversation */
  { 4, 2, 64, 5, 0, 0, TRUE, 1.0f },
  { 8, 4, 80, 33, 0, 0, TRUE, 1.0f },
  { 9, 3, 72, 5, 130, 0, TRUE, 1.0f },
  { 8, 8, 8, 33, 100, 0, TRUE, 1.0f },
  { 8, 4, 128, 33, 250, 0, TRUE, 4.0f },
  /* more cache than positions: keys past the query's position stay hidden */
  { 4, 2, 64, 5, 20, 60, TRUE, 1.0f },
  /* non-causal (vision encoder) */
  { 4, 4, 72, 33, 0, 33, FALSE, 1.0f },
  { 8, 4, 64, 5, 0, 300, FALSE, 1.0f },
  { 9, 3, 80, 1, 0, 129, FALSE, 4.0f },
  { 8, 8, 8, 33, 0, 7, FALSE, 1.0f },
  /* head_dim not a multiple of 8: the kernel's scalar-load variant */
  { 4, 2, 20, 5, 30, 0, TRUE, 1.0f },
  { 3, 1, 36, 1, 140, 0, TRUE, 1.0f },
  { 4, 4, 6, 17, 0, 150, FALSE, 1.0f },
  /* chunked: a query sees only its own chunk of keys (decode, prefill,
   * chunks smaller and larger than the key block, Llama 4's 8192) */
  { 4, 2, 64, 1, 17, 0, TRUE, 1.0f, 8 },
  { 4, 2, 64, 33, 0, 0, TRUE, 1.0f, 8 },
  { 8, 4, 72, 20, 120, 0, TRUE, 4.0f, 128 },
  { 8, 2, 64, 6, 8189, 0, TRUE, 4.0f, 8192 },
  /* NoPE temperature: 1 below position 8191, then steps at 8191 and 16383 */
  { 4, 2, 64, 5, 8188, 0, TRUE, 4.0f, 0, 8192, 0.1f },
  { 4, 2, 64, 1, 16400, 0, TRUE, 4.0f, 0, 8192, 0.1f },
  { 4, 1, 16, 9, 0, 0, TRUE, 4.0f, 0, 2, 0.5f },
};

static void
check_attention (const AttentionCase *c)
{
  g_autoptr(GError) error = NULL;
  guint n_kv = c->n_kv != 0 ? c->n_kv : c->q_pos0 + c->n_tokens;
  gsize n_q = (gsize) c->n_tokens * c->n_head * c->head_dim;
  gsize n_kv_elems = (gsize) n_kv * c->n_head_kv * c->head_dim;
  g_autofree float *q = g_new (float, n_q);
  g_autofree float *kf = g_new (float, n_kv_elems);
  g_autofree float *vf = g_new (float, n_kv_elems);
  g_autofree guint16 *k = g_new (guint16, n_kv_elems);
  g_autofree guint16 *v = g_new (guint16, n_kv_elems);
  g_autofree float *ref = g_new (float, n_q);
  g_autofree float *got = g_new (float, n_q);
  float scale = 1.0f / sqrtf ((float) c->head_dim);
  guint32 seed = c->n_head * 1000 + c->head_dim * 10 + c->n_tokens + n_kv;

  hvk_test_fill_uniform (q, n_q, -c->q_range, c->q_range, seed);
  hvk_test_fill_uniform (kf, n_kv_elems, -1.0f, 1.0f, seed + 1);
  hvk_test_fill_uniform (vf, n_kv_elems, -1.0f, 1.0f, seed + 2);
  for (gsize i = 0; i < n_kv_elems; i++)
    {
      k[i] = ref_f32_to_f16 (kf[i]);
      v[i] = ref_f32_to_f16 (vf[i]);
    }

  g_autoptr(HvkBuffer) q_buf = hvk_test_buffer_from (q, n_q * sizeof (float));
  g_autoptr(HvkBuffer) k_buf = hvk_test_buffer_from (k, n_kv_elems * sizeof (guint16));
  g_autoptr(HvkBuffer) v_buf = hvk_test_buffer_from (v, n_kv_elems * sizeof (guint16));
  g_autoptr(HvkBuffer) out_buf = hvk_test_buffer_zeroed (n_q * sizeof (float));

  HvkRecorder *rec = ops_test_begin ();
  HvkAttentionMask mask = {
    .causal = c->causal, .chunk = c->chunk, .temp_floor = c->temp_floor, .temp_scale = c->temp_scale,
  };
  hvk_op_attention_masked (ops_test_ops (), rec, ops_test_view (q_buf), ops_test_view (k_buf),
                           ops_test_view (v_buf), ops_test_view (out_buf), c->n_tokens, n_kv,
                           c->q_pos0, c->n_head, c->n_head_kv, c->head_dim, scale, &mask, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (out_buf, got, n_q * sizeof (float));

  ref_attention_masked (q, k, v, ref, c->n_tokens, n_kv, c->q_pos0, c->n_head, c->n_head_kv,
                        c->head_dim, scale, c->causal, c->chunk, c->temp_floor, c->temp_scale);
  g_autofree char *what = g_strdup_printf ("attention %s heads=%u/%u dim=%u tokens=%u "
                                           "q_pos0=%u n_kv=%u chunk=%u temperature=%g/%u",
                                           c->causal ? "causal" : "non-causal", c->n_head,
                                           c->n_head_kv, c->head_dim, c->n_tokens, c->q_pos0,
                                           n_kv, c->chunk, c->temp_scale, c->temp_floor);
  ops_test_check_close (what, ref, got, n_q, ATTENTION_ABS_TOL, ATTENTION_REL_TOL);
}

static void
test_attention (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_attention (&cases[i]);
}

/* One step of generation as the engine records it: store the step's K and
 * V rows into the f16 caches at pos0, then attend over everything cached,
 * in one recorder (so the recorder's barrier between the store and the
 * attention is exercised). The reference reads the cache back, so it sees
 * the GPU's own f16 rounding. */
static void
run_cache_step (HvkBuffer *k_cache, HvkBuffer *v_cache, guint n_ctx, guint pos0, guint n_tokens,
                guint n_head, guint n_head_kv, guint head_dim)
{
  g_autoptr(GError) error = NULL;
  guint width = n_head_kv * head_dim;
  guint n_kv = pos0 + n_tokens;
  gsize n_q = (gsize) n_tokens * n_head * head_dim;
  gsize n_new = (gsize) n_tokens * width;
  g_autofree float *q = g_new (float, n_q);
  g_autofree float *k_new = g_new (float, n_new);
  g_autofree float *v_new = g_new (float, n_new);
  g_autofree guint16 *k = g_new (guint16, (gsize) n_ctx * width);
  g_autofree guint16 *v = g_new (guint16, (gsize) n_ctx * width);
  g_autofree float *ref = g_new (float, n_q);
  g_autofree float *got = g_new (float, n_q);
  float scale = 1.0f / sqrtf ((float) head_dim);

  hvk_test_fill_uniform (q, n_q, -2.0f, 2.0f, pos0 + 1);
  hvk_test_fill_uniform (k_new, n_new, -1.0f, 1.0f, pos0 + 2);
  hvk_test_fill_uniform (v_new, n_new, -1.0f, 1.0f, pos0 + 3);
  g_autoptr(HvkBuffer) q_buf = hvk_test_buffer_from (q, n_q * sizeof (float));
  g_autoptr(HvkBuffer) k_buf = hvk_test_buffer_from (k_new, n_new * sizeof (float));
  g_autoptr(HvkBuffer) v_buf = hvk_test_buffer_from (v_new, n_new * sizeof (float));
  g_autoptr(HvkBuffer) out_buf = hvk_test_buffer_zeroed (n_q * sizeof (float));

  HvkRecorder *rec = ops_test_begin ();
  hvk_op_kv_store (ops_test_ops (), rec, ops_test_view (k_buf), ops_test_view (k_cache), width,
                   pos0, n_tokens, &error);
  g_assert_no_error (error);
  hvk_op_kv_store (ops_test_ops (), rec, ops_test_view (v_buf), ops_test_view (v_cache), width,
                   pos0, n_tokens, &error);
  g_assert_no_error (error);
  hvk_op_attention (ops_test_ops (), rec, ops_test_view (q_buf), ops_test_view (k_cache),
                    ops_test_view (v_cache), ops_test_view (out_buf), n_tokens, n_kv, pos0,
                    n_head, n_head_kv, head_dim, scale, TRUE, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (out_buf, got, n_q * sizeof (float));
  hvk_test_download (k_cache, k, (gsize) n_ctx * width * sizeof (guint16));
  hvk_test_download (v_cache, v, (gsize) n_ctx * width * sizeof (guint16));

  ref_attention (q, k, v, ref, n_tokens, n_kv, pos0, n_head, n_head_kv, head_dim, scale, TRUE);
  g_autofree char *what = g_strdup_printf ("cache step pos0=%u tokens=%u", pos0, n_tokens);
  ops_test_check_close (what, ref, got, n_q, ATTENTION_ABS_TOL, ATTENTION_REL_TOL);
}

static void
test_attention_cache_steps (void)
{
  const guint n_ctx = 48, n_head = 8, n_head_kv = 2, head_dim = 64;
  gsize cache_bytes = (gsize) n_ctx * n_head_kv * head_dim * sizeof (guint16);
  g_autoptr(HvkBuffer) k_cache = hvk_test_buffer_zeroed (cache_bytes);
  g_autoptr(HvkBuffer) v_cache = hvk_test_buffer_zeroed (cache_bytes);

  /* A 7-token prompt, three decoded tokens, then a 20-token follow-up. */
  run_cache_step (k_cache, v_cache, n_ctx, 0, 7, n_head, n_head_kv, head_dim);
  for (guint pos = 7; pos < 10; pos++)
    run_cache_step (k_cache, v_cache, n_ctx, pos, 1, n_head, n_head_kv, head_dim);
  run_cache_step (k_cache, v_cache, n_ctx, 10, 20, n_head, n_head_kv, head_dim);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/attention", test_attention);
  g_test_add_func ("/ops/attention/cache-steps", test_attention_cache_steps);
  return g_test_run ();
}
