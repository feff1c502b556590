#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-bandwidth.c: the device's memory bandwidth, measured by the copy
 * kernel, and the work counters every recorder adds to. A benchmark
 * divides the bytes a decoded token reads by the bandwidth to know how far
 * from the bound it runs, and the counters by the tokens to know the
 * overhead per token. */

#include "hvk-private.h"

#define COPIES_PER_SUBMIT 8
#define TIMED_SUBMITS     3

void
hvk_device_get_work_counts (HvkDevice *device, HvkWorkCounts *out)
{
  g_return_if_fail (device != NULL && out != NULL);
  *out = device->work;
}

/* Each buffer: as large as one binding may be, at most 256 MiB and an
 * eighth of the device's memory, in whole 4 KiB workgroups. */
static guint64
copy_buffer_size (const HvkDeviceInfo *info)
{
  guint64 size = MIN (256ull << 20, info->max_storage_buffer_range);
  if (info->device_local_bytes > 0)
    size = MIN (size, info->device_local_bytes / 8);
  return size & ~(guint64) 4095;
}

static void
record_copies (HvkRecorder *rec, HvkPipeline *copy, HvkBuffer *a, HvkBuffer *b, guint64 size)
{
  guint32 n = (guint32) (size / 16);
  guint32 groups = n / 256, groups_x = MIN (groups, 32768u);
  guint32 groups_y = (groups + groups_x - 1) / groups_x;

  for (guint i = 0; i < COPIES_PER_SUBMIT; i++)
    {
      HvkBinding bindings[2] = {
        { .buffer = i % 2 == 0 ? a : b, .range = size },
        { .buffer = i % 2 == 0 ? b : a, .range = size, .writes = TRUE },
      };
      hvk_recorder_dispatch (rec, copy, bindings, 2, &n, sizeof n, groups_x, groups_y, 1);
    }
}

gboolean
hvk_device_measure_bandwidth (HvkDevice *device, double *bytes_per_second, GError **error)
{
  g_return_val_if_fail (device != NULL && bytes_per_second != NULL, FALSE);

  guint64 size = copy_buffer_size (&device->info);
  if (size < 4096)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
                   "the device's storage buffers are too small to measure its bandwidth");
      return FALSE;
    }
  const guint32 spec[] = { 256 };
  g_autoptr (HvkPipeline) copy = hvk_pipeline_new (device, "copy", 2, sizeof (guint32), spec, 1, error);
  g_autoptr (HvkBuffer) a = copy ? hvk_buffer_new (device, size, HVK_BUFFER_DEVICE, error) : NULL;
  g_autoptr (HvkBuffer) b = a ? hvk_buffer_new (device, size, HVK_BUFFER_DEVICE, error) : NULL;
  g_autoptr (HvkRecorder) rec = b ? hvk_recorder_new (device, error) : NULL;
  if (rec == NULL || !hvk_buffer_clear (a, error))
    return FALSE;

  double best = G_MAXDOUBLE;
  /* The first submit warms caches and clocks up and is not counted. */
  for (guint i = 0; i <= TIMED_SUBMITS; i++)
    {
      hvk_recorder_begin (rec);
      record_copies (rec, copy, a, b, size);
      gint64 start = g_get_monotonic_time ();
      if (!hvk_recorder_submit (rec, NULL, error))
        return FALSE;
      double seconds = (g_get_monotonic_time () - start) / 1e6;
      if (i > 0)
        best = MIN (best, seconds);
    }
  /* Each copy reads and writes size bytes. */
  *bytes_per_second = 2.0 * size * COPIES_PER_SUBMIT / MAX (best, 1e-9);
  return TRUE;
}
