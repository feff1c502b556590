#define G_LOG_DOMAIN "hearth-tests"

/* Softmax and argmax kernels against ref-ops.c. */

#include <math.h>

#include "ops-test-util.h"
#include "ref-ops.h"

static const guint lengths[] = { 1, 7, 64, 100, 576, 1000 };
static const guint row_counts[] = { 1, 3, 17 };

/* Probabilities are <= 1; f32 exp and sums against double. */
#define SOFTMAX_ABS_TOL 2e-6
#define SOFTMAX_REL_TOL 2e-5

static void
check_softmax (guint n, guint rows, float lo, float hi, float scale)
{
  g_autoptr(GError) error = NULL;
  gsize len = (gsize) n * rows;
  g_autofree float *x = g_new (float, len);
  g_autofree float *got = g_new (float, len);

  hvk_test_fill_uniform (x, len, lo, hi, n * 7 + rows);
  g_autoptr(HvkBuffer) x_buf = hvk_test_buffer_from (x, len * sizeof (float));

  HvkRecorder *rec = ops_test_begin ();
  hvk_op_softmax (ops_test_ops (), rec, ops_test_view (x_buf), n, rows, scale, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (x_buf, got, len * sizeof (float));

  ref_softmax (x, n, rows, scale);
  g_autofree char *what = g_strdup_printf ("softmax n=%u rows=%u range=[%g,%g] scale=%g",
                                           n, rows, lo, hi, scale);
  ops_test_check_close (what, x, got, len, SOFTMAX_ABS_TOL, SOFTMAX_REL_TOL);
}

static void
test_softmax (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    for (guint r = 0; r < G_N_ELEMENTS (row_counts); r++)
      check_softmax (lengths[i], row_counts[r], -4.0f, 4.0f, 1.0f);
  /* exp(300) overflows f32: only a max-subtracting softmax survives. */
  check_softmax (100, 3, 100.0f, 300.0f, 1.0f);
  check_softmax (576, 3, -10.0f, 10.0f, 0.125f);
  check_softmax (1000, 1, -10.0f, 10.0f, 8.0f);
}

/* Rows of random values, some with the maximum planted several times. */
static void
check_argmax (guint n, guint rows)
{
  g_autoptr(GError) error = NULL;
  gsize len = (gsize) n * rows;
  g_autofree float *x = g_new (float, len);
  g_autofree guint32 *got = g_new (guint32, rows);
  g_autoptr(GRand) rand = g_rand_new_with_seed (n * 13 + rows);

  hvk_test_fill_uniform (x, len, -5.0f, 5.0f, n * 13 + rows);
  for (guint r = 0; r < rows; r++)
    {
      float *row = x + (gsize) r * n;
      switch (r % 3)
        {
        case 1:   /* ties: the same maximum at up to 4 random places */
          for (guint c = 0; c < 4; c++)
            row[g_rand_int_range (rand, 0, n)] = 7.0f;
          break;
        case 2:   /* a constant row: index 0 */
          for (guint i = 0; i < n; i++)
            row[i] = -INFINITY;
          break;
        default:
          break;
        }
    }

  g_autoptr(HvkBuffer) x_buf = hvk_test_buffer_from (x, len * sizeof (float));
  g_autoptr(HvkBuffer) out_buf = hvk_test_buffer_zeroed (rows * sizeof (guint32));

  HvkRecorder *rec = ops_test_begin ();
  hvk_op_argmax (ops_test_ops (), rec, ops_test_view (x_buf), ops_test_view (out_buf), n, rows,
                 &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (out_buf, got, rows * sizeof (guint32));

  for (guint r = 0; r < rows; r++)
    {
      guint want = ref_argmax (x + (gsize) r * n, n);
      if (got[r] != want)
        {
          g_test_message ("argmax n=%u rows=%u: row %u: expected %u, got %u",
                          n, rows, r, want, got[r]);
          g_test_fail ();
        }
    }
}

static void
test_argmax (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    for (guint r = 0; r < G_N_ELEMENTS (row_counts); r++)
      check_argmax (lengths[i], row_counts[r]);
  /* A vocabulary-sized row. */
  check_argmax (32000, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/reduce/softmax", test_softmax);
  g_test_add_func ("/ops/reduce/argmax", test_argmax);
  return g_test_run ();
}
