#define G_LOG_DOMAIN "hearth-tests"

#include <math.h>

#include "ops-test-util.h"

HvkOps *
ops_test_ops (void)
{
  static HvkOps *ops;

  /* Lives until the process exits, like hvk_test_device(). */
  if (ops == NULL)
    ops = hvk_ops_new (hvk_test_device ());
  return ops;
}

HvkRecorder *
ops_test_begin (void)
{
  g_autoptr(GError) error = NULL;
  HvkRecorder *rec = hvk_recorder_new (hvk_test_device (), &error);

  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  return rec;
}

void
ops_test_submit (HvkRecorder *rec)
{
  g_autoptr(GError) error = NULL;

  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  hvk_recorder_free (rec);
}

void
ops_test_check_close (const char *what, const float *ref, const float *got, gsize n,
                      double abs_tol, double rel_tol)
{
  gsize worst = 0;
  double worst_excess = -INFINITY, max_err = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double err = fabs ((double) ref[i] - got[i]);
      max_err = fmax (max_err, err);
      double excess = isnan (got[i]) ? INFINITY : err - (abs_tol + rel_tol * fabs (ref[i]));
      if (excess > worst_excess)
        {
          worst_excess = excess;
          worst = i;
        }
    }
  g_test_message ("%s: max abs error %.3g", what, max_err);
  if (worst_excess > 0)
    {
      g_test_message ("%s: element %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                      ": expected %.8g, got %.8g (tolerance %g + %g·|ref|)",
                      what, worst, n, ref[worst], got[worst], abs_tol, rel_tol);
      g_test_fail ();
    }
}
