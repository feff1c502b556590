#define G_LOG_DOMAIN "hearth-tests"

/* RMS norm and layer norm kernels against ref-ops.c, with and without the
 * fused weight and bias, at row lengths that are and are not multiples of
 * the workgroup size. */

#include "ops-test-util.h"
#include "ref-ops.h"

static const guint lengths[] = { 1, 7, 64, 100, 576, 1000 };
static const guint row_counts[] = { 1, 3, 17 };

/* f32 row sums of up to 1000 terms against double: a few 1e-6 relative. */
#define NORM_ABS_TOL 1e-5
#define NORM_REL_TOL 1e-5

typedef enum {
  NORM_RMS,
  NORM_LAYER,
} NormKind;

static void
check_norm (NormKind kind, guint n, guint rows, gboolean with_weight, gboolean with_bias)
{
  g_autoptr(GError) error = NULL;
  gsize len = (gsize) n * rows;
  g_autofree float *x = g_new (float, len);
  g_autofree float *weight = g_new (float, n);
  g_autofree float *bias = g_new (float, n);
  g_autofree float *ref = g_new (float, len);
  g_autofree float *got = g_new (float, len);
  const float eps = 1e-5f;
  guint32 seed = n * 31 + rows;

  /* An offset mean checks that layer norm centres before squaring. */
  hvk_test_fill_uniform (x, len, -2.0f, 3.0f, seed);
  hvk_test_fill_uniform (weight, n, -1.5f, 1.5f, seed + 1);
  hvk_test_fill_uniform (bias, n, -0.5f, 0.5f, seed + 2);

  g_autoptr(HvkBuffer) x_buf = hvk_test_buffer_from (x, len * sizeof (float));
  g_autoptr(HvkBuffer) w_buf = hvk_test_buffer_from (weight, n * sizeof (float));
  g_autoptr(HvkBuffer) b_buf = hvk_test_buffer_from (bias, n * sizeof (float));
  g_autoptr(HvkBuffer) y_buf = hvk_test_buffer_zeroed (len * sizeof (float));
  HvkView no_view = { NULL, 0 };
  HvkView w_view = with_weight ? ops_test_view (w_buf) : no_view;
  HvkView b_view = with_bias ? ops_test_view (b_buf) : no_view;

  HvkRecorder *rec = ops_test_begin ();
  if (kind == NORM_RMS)
    {
      hvk_op_rms_norm (ops_test_ops (), rec, ops_test_view (x_buf), w_view,
                       ops_test_view (y_buf), n, rows, eps, &error);
      ref_rms_norm (x, with_weight ? weight : NULL, ref, n, rows, eps);
    }
  else
    {
      hvk_op_layer_norm (ops_test_ops (), rec, ops_test_view (x_buf), w_view, b_view,
                         ops_test_view (y_buf), n, rows, eps, &error);
      ref_layer_norm (x, with_weight ? weight : NULL, with_bias ? bias : NULL, ref, n, rows, eps);
    }
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (y_buf, got, len * sizeof (float));

  g_autofree char *what = g_strdup_printf ("%s n=%u rows=%u weight=%d bias=%d",
                                           kind == NORM_RMS ? "rms_norm" : "layer_norm",
                                           n, rows, with_weight, with_bias);
  ops_test_check_close (what, ref, got, len, NORM_ABS_TOL, NORM_REL_TOL);
}

static void
test_rms_norm (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    for (guint r = 0; r < G_N_ELEMENTS (row_counts); r++)
      {
        check_norm (NORM_RMS, lengths[i], row_counts[r], FALSE, FALSE);
        check_norm (NORM_RMS, lengths[i], row_counts[r], TRUE, FALSE);
      }
  /* Llama 4's q/k norm: weightless, one row per head of 128 (5 tokens, 40 heads). */
  check_norm (NORM_RMS, 128, 5 * 40, FALSE, FALSE);
}

static void
test_layer_norm (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    for (guint r = 0; r < G_N_ELEMENTS (row_counts); r++)
      {
        check_norm (NORM_LAYER, lengths[i], row_counts[r], FALSE, FALSE);
        check_norm (NORM_LAYER, lengths[i], row_counts[r], TRUE, TRUE);
      }
  /* Each of weight and bias alone once. */
  check_norm (NORM_LAYER, 100, 3, TRUE, FALSE);
  check_norm (NORM_LAYER, 100, 3, FALSE, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/norm/rms", test_rms_norm);
  g_test_add_func ("/ops/norm/layer", test_layer_norm);
  return g_test_run ();
}
