#define G_LOG_DOMAIN "hearth-tests"

/* RoPE (both pairings, with and without frequency factors, partial
 * rotation) and the f16 KV-cache store, against ref-ops.c. */

#include <math.h>
#include <string.h>

#include "ops-test-util.h"
#include "ref-ops.h"

/* theta reaches ~pos radians in f32. The reference computes it with the
 * same f32 formula, but the GPU's pow may differ by an ulp or two, which
 * moves the angle by ~pos · 2.4e-7: the absolute tolerance grows with the
 * largest position. */
#define ROPE_ABS_TOL         2e-5
#define ROPE_ABS_TOL_PER_POS 5e-7
#define ROPE_REL_TOL         1e-5

typedef struct {
  guint n_tokens, n_heads, head_dim, n_rot, pos0;
  float freq_base, freq_scale;
} RopeShape;

static const RopeShape rope_shapes[] = {
  { 1, 1, 8, 8, 0, 10000.0f, 1.0f },         /* tiny stories: one token at position 0 */
  { 5, 4, 64, 64, 17, 10000.0f, 1.0f },
  { 3, 3, 72, 72, 100, 10000.0f, 1.0f },
  { 7, 2, 128, 128, 1000, 500000.0f, 1.0f },  /* Llama 3 base, conversation under way */
  { 4, 3, 64, 32, 9, 10000.0f, 0.25f },       /* partial rotation, linear scaling */
  { 17, 2, 80, 40, 300, 1000000.0f, 1.0f },
};

static void
check_rope (const RopeShape *s, HvkRopeMode mode, gboolean with_factors)
{
  g_autoptr(GError) error = NULL;
  gsize len = (gsize) s->n_tokens * s->n_heads * s->head_dim;
  guint half = s->n_rot / 2;
  g_autofree float *x = g_new (float, len);
  g_autofree float *ref = g_new (float, len);
  g_autofree float *got = g_new (float, len);
  g_autofree float *factors = g_new (float, half);

  hvk_test_fill_uniform (x, len, -1.0f, 1.0f, s->head_dim + s->pos0);
  /* Llama 3 style: 1 for high frequencies, up to 8 for low ones. */
  hvk_test_fill_uniform (factors, half, 1.0f, 8.0f, s->n_rot);
  memcpy (ref, x, len * sizeof (float));

  g_autoptr(HvkBuffer) x_buf = hvk_test_buffer_from (x, len * sizeof (float));
  g_autoptr(HvkBuffer) f_buf = hvk_test_buffer_from (factors, half * sizeof (float));
  HvkView no_view = { NULL, 0 };

  HvkRecorder *rec = ops_test_begin ();
  hvk_op_rope (ops_test_ops (), rec, ops_test_view (x_buf), s->n_tokens, s->n_heads,
               s->head_dim, s->n_rot, s->pos0, s->freq_base, s->freq_scale, mode,
               with_factors ? ops_test_view (f_buf) : no_view, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (x_buf, got, len * sizeof (float));

  ref_rope (ref, s->n_tokens, s->n_heads, s->head_dim, s->n_rot, s->pos0, s->freq_base,
            s->freq_scale, mode == HVK_ROPE_NEOX, with_factors ? factors : NULL);
  g_autofree char *what = g_strdup_printf ("rope %s factors=%d tokens=%u heads=%u dim=%u "
                                           "n_rot=%u pos0=%u",
                                           mode == HVK_ROPE_NEOX ? "neox" : "normal",
                                           with_factors, s->n_tokens, s->n_heads, s->head_dim,
                                           s->n_rot, s->pos0);
  ops_test_check_close (what, ref, got, len,
                        ROPE_ABS_TOL + ROPE_ABS_TOL_PER_POS * (s->pos0 + s->n_tokens),
                        ROPE_REL_TOL);

  /* Dims past n_rot must come back bit for bit. */
  for (gsize row = 0; row < len / s->head_dim; row++)
    if (memcmp (x + row * s->head_dim + s->n_rot, got + row * s->head_dim + s->n_rot,
                (s->head_dim - s->n_rot) * sizeof (float)) != 0)
      {
        g_test_message ("%s: head row %" G_GSIZE_FORMAT " changed past n_rot", what, row);
        g_test_fail ();
        break;
      }
}

static void
test_rope (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rope_shapes); i++)
    {
      check_rope (&rope_shapes[i], HVK_ROPE_NORMAL, FALSE);
      check_rope (&rope_shapes[i], HVK_ROPE_NORMAL, TRUE);
      check_rope (&rope_shapes[i], HVK_ROPE_NEOX, FALSE);
      check_rope (&rope_shapes[i], HVK_ROPE_NEOX, TRUE);
    }
}

/* The cache starts filled with a marker; rows outside pos0..pos0+n_tokens-1
 * must keep it, rows inside must hold the f16 rounding of src (the shader's
 * conversion may round either way: one f16 ulp). */
static void
check_kv_store (guint width, guint pos0, guint n_tokens, guint n_ctx)
{
  g_autoptr(GError) error = NULL;
  const guint16 marker = 0x7bffu;   /* 65504, never a rounding of |src| <= 4 */
  gsize n_src = (gsize) width * n_tokens;
  gsize n_cache = (gsize) width * n_ctx;
  g_autofree float *src = g_new (float, n_src);
  g_autofree guint16 *cache = g_new (guint16, n_cache);

  hvk_test_fill_uniform (src, n_src, -4.0f, 4.0f, width + pos0);
  for (gsize i = 0; i < n_cache; i++)
    cache[i] = marker;

  g_autoptr(HvkBuffer) src_buf = hvk_test_buffer_from (src, n_src * sizeof (float));
  g_autoptr(HvkBuffer) cache_buf = hvk_test_buffer_from (cache, n_cache * sizeof (guint16));

  HvkRecorder *rec = ops_test_begin ();
  hvk_op_kv_store (ops_test_ops (), rec, ops_test_view (src_buf), ops_test_view (cache_buf),
                   width, pos0, n_tokens, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (cache_buf, cache, n_cache * sizeof (guint16));

  for (gsize i = 0; i < n_cache; i++)
    {
      gsize row = i / width;
      gboolean stored = row >= pos0 && row < pos0 + n_tokens;
      if (!stored && cache[i] != marker)
        {
          g_test_message ("kv_store width=%u pos0=%u: row %" G_GSIZE_FORMAT " overwritten",
                          width, pos0, row);
          g_test_fail ();
          return;
        }
      if (stored)
        {
          float want = src[i - (gsize) pos0 * width];
          float got = ref_f16_to_f32 (cache[i]);
          if (fabsf (got - want) > ldexpf (fabsf (want), -10) + 6e-8f)
            {
              g_test_message ("kv_store width=%u pos0=%u: element %" G_GSIZE_FORMAT
                              ": expected %.8g, got %.8g", width, pos0, i, want, got);
              g_test_fail ();
              return;
            }
        }
    }
}

static void
test_kv_store (void)
{
  check_kv_store (16, 0, 1, 4);
  check_kv_store (7, 3, 5, 10);
  check_kv_store (256, 33, 17, 64);
  check_kv_store (1000, 5, 3, 9);
}

static void
test_f16_reference (void)
{
  /* The reference conversions themselves, on values with known encodings. */
  g_assert_cmphex (ref_f32_to_f16 (1.0f), ==, 0x3c00);
  g_assert_cmphex (ref_f32_to_f16 (-2.5f), ==, 0xc100);
  g_assert_cmphex (ref_f32_to_f16 (65504.0f), ==, 0x7bff);
  g_assert_cmphex (ref_f32_to_f16 (1e6f), ==, 0x7c00);
  g_assert_cmphex (ref_f32_to_f16 (ldexpf (1.0f, -24)), ==, 0x0001);
  g_assert_cmphex (ref_f32_to_f16 (1.0f + ldexpf (1.0f, -11)), ==, 0x3c00);   /* tie to even */
  g_assert_cmphex (ref_f32_to_f16 (1.0f + 3 * ldexpf (1.0f, -11)), ==, 0x3c02);
  g_assert_cmpfloat (ref_f16_to_f32 (0x3555), ==, 0.333251953125f);
  g_assert_cmpfloat (ref_f16_to_f32 (0x0001), ==, ldexpf (1.0f, -24));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/rope/f16-reference", test_f16_reference);
  g_test_add_func ("/ops/rope/rope", test_rope);
  g_test_add_func ("/ops/rope/kv-store", test_kv_store);
  return g_test_run ();
}
