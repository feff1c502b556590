#define G_LOG_DOMAIN "hearth-test"

#include <math.h>

#include "hvk-test-util.h"

HvkDevice *
hvk_test_device (void)
{
  static HvkDevice *device;
  static gboolean tried;

  if (!tried)
    {
      g_autoptr(GError) error = NULL;
      tried = TRUE;
      g_setenv ("HEARTH_VULKAN_VALIDATION", "1", FALSE);
      device = hvk_device_new (&error);
      if (device == NULL)
        g_test_fail_printf ("Cannot open a Vulkan device: %s", error->message);
    }
  else if (device == NULL)
    g_test_fail_printf ("No Vulkan device (see the first failure)");
  return device;
}

HvkBuffer *
hvk_test_buffer_from (const void *data, gsize n_bytes)
{
  g_autoptr(GError) error = NULL;
  HvkBuffer *b = hvk_buffer_new (hvk_test_device (), n_bytes, HVK_BUFFER_DEVICE, &error);
  g_assert_no_error (error);
  hvk_buffer_upload (b, 0, data, n_bytes, &error);
  g_assert_no_error (error);
  return b;
}

HvkBuffer *
hvk_test_buffer_zeroed (gsize n_bytes)
{
  g_autoptr(GError) error = NULL;
  HvkBuffer *b = hvk_buffer_new (hvk_test_device (), n_bytes, HVK_BUFFER_DEVICE, &error);
  g_assert_no_error (error);
  hvk_buffer_clear (b, &error);
  g_assert_no_error (error);
  return b;
}

void
hvk_test_download (HvkBuffer *b, void *out, gsize n_bytes)
{
  g_autoptr(GError) error = NULL;
  hvk_buffer_download (b, 0, out, n_bytes, &error);
  g_assert_no_error (error);
}

void
hvk_test_fill_uniform (float *x, gsize n, float lo, float hi, guint32 seed)
{
  /* xorshift32: tiny, deterministic everywhere, never 0 with a non-zero state. */
  guint32 state = seed != 0 ? seed : 0x9e3779b9u;
  for (gsize i = 0; i < n; i++)
    {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      x[i] = lo + (hi - lo) * (float) ((state >> 8) * (1.0 / 16777216.0));
    }
}

double
hvk_test_nmse (const float *ref, const float *got, gsize n)
{
  double err = 0, norm = 0;
  for (gsize i = 0; i < n; i++)
    {
      double d = (double) ref[i] - (double) got[i];
      err += d * d;
      norm += (double) ref[i] * (double) ref[i];
    }
  if (isnan (err))
    return INFINITY;
  return norm > 0 ? err / norm : err;
}

double
hvk_test_max_abs (const float *ref, const float *got, gsize n)
{
  double max = 0;
  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) ref[i] - (double) got[i]);
      if (isnan (d))
        return INFINITY;
      max = MAX (max, d);
    }
  return max;
}
