#define G_LOG_DOMAIN "hearth-tests"

/* Activation kernels, plain and gated, against ref-ops.c (libm in double). */

#include "ops-test-util.h"
#include "ref-ops.h"

static const guint64 lengths[] = { 1, 7, 64, 100, 576, 1000, 70001 };

/* Includes the erf approximation's 1.5e-7 and f32 rounding. */
#define UNARY_ABS_TOL 1e-6
#define UNARY_REL_TOL 1e-5

typedef struct {
  HvkUnary    act;
  const char *name;
  float     (*ref) (float x);
} Activation;

static const Activation activations[] = {
  { HVK_UNARY_SILU, "silu", ref_silu },
  { HVK_UNARY_GELU_TANH, "gelu_tanh", ref_gelu_tanh },
  { HVK_UNARY_GELU_ERF, "gelu_erf", ref_gelu_erf },
};

/* Mostly [-8, 8], where the curves bend, plus far-out values that make a
 * careless exp or tanh overflow. */
static void
fill_inputs (float *x, gsize n, guint32 seed)
{
  static const float extremes[] = { -100.0f, -30.0f, -0.0f, 30.0f, 100.0f, 1e-7f };

  hvk_test_fill_uniform (x, n, -8.0f, 8.0f, seed);
  for (gsize i = 0; i < n && i < G_N_ELEMENTS (extremes); i++)
    x[n - 1 - i] = extremes[i];
}

static void
check_activation (const Activation *a, guint64 n, gboolean gated, gboolean in_place)
{
  g_autoptr(GError) error = NULL;
  gsize bytes = n * sizeof (float);
  g_autofree float *x = g_new (float, n);
  g_autofree float *up = g_new (float, n);
  g_autofree float *ref = g_new (float, n);
  g_autofree float *got = g_new (float, n);

  fill_inputs (x, n, (guint32) n);
  hvk_test_fill_uniform (up, n, -2.0f, 2.0f, (guint32) n + 1);
  for (guint64 i = 0; i < n; i++)
    ref[i] = a->ref (x[i]) * (gated ? up[i] : 1.0f);

  g_autoptr(HvkBuffer) x_buf = hvk_test_buffer_from (x, bytes);
  g_autoptr(HvkBuffer) up_buf = hvk_test_buffer_from (up, bytes);
  g_autoptr(HvkBuffer) y_buf = hvk_test_buffer_zeroed (bytes);
  HvkBuffer *out = in_place ? x_buf : y_buf;

  HvkRecorder *rec = ops_test_begin ();
  if (gated)
    hvk_op_gated (ops_test_ops (), rec, a->act, ops_test_view (x_buf), ops_test_view (up_buf),
                  ops_test_view (out), n, &error);
  else
    hvk_op_unary (ops_test_ops (), rec, a->act, ops_test_view (x_buf), ops_test_view (out), n,
                  &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (out, got, bytes);

  g_autofree char *what = g_strdup_printf ("%s%s n=%" G_GUINT64_FORMAT "%s", gated ? "gated_" : "",
                                           a->name, n, in_place ? " in place" : "");
  ops_test_check_close (what, ref, got, n, UNARY_ABS_TOL, UNARY_REL_TOL);
}

static void
test_unary (void)
{
  for (guint a = 0; a < G_N_ELEMENTS (activations); a++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
        check_activation (&activations[a], lengths[i], FALSE, FALSE);
      check_activation (&activations[a], 1000, FALSE, TRUE);
    }
}

static void
test_gated (void)
{
  for (guint a = 0; a < G_N_ELEMENTS (activations); a++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
        check_activation (&activations[a], lengths[i], TRUE, FALSE);
      check_activation (&activations[a], 1000, TRUE, TRUE);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/unary/plain", test_unary);
  g_test_add_func ("/ops/unary/gated", test_gated);
  return g_test_run ();
}
