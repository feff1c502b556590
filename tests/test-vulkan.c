#define G_LOG_DOMAIN "hearth-test"

/* The Vulkan runtime: device selection, memory, the staging ring, the
 * recorder's barriers, large dispatches, cancellation and the pipeline
 * cache. Runs with the validation layer, synchronization validation
 * included, so a missing barrier is a failure. */

#include <glib/gstdio.h>
#include <string.h>

#include "hvk-ops-private.h"
#include "hvk-private.h"
#include "hvk-test-util.h"

#define MiB (1024 * 1024)

static HvkView
view_at (HvkBuffer *b, guint64 offset)
{
  return (HvkView) { b, offset };
}

/* ---- devices ------------------------------------------------------------- */

static void
test_device_info (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const HvkDeviceInfo *info = hvk_device_get_info (device);

  g_assert_cmpstr (info->name, !=, "");
  g_assert_cmpuint (info->api_version, >=, VK_API_VERSION_1_2);
  g_assert_cmpuint (info->max_storage_buffer_range, >=, 1 << 27);
  g_assert_cmpuint (info->max_allocation_size, >=, info->max_storage_buffer_range);
  g_assert_cmpuint (info->min_storage_buffer_offset_alignment, >=, 1);
  g_assert_cmpuint (info->min_storage_buffer_offset_alignment & (info->min_storage_buffer_offset_alignment - 1), ==, 0);
  g_assert_cmpuint (info->max_push_constants_size, >=, 128);
  g_assert_cmpuint (info->max_workgroup_count[0], >=, 65535);
  g_assert_cmpuint (info->max_workgroup_count[1], >=, 65535);
  g_assert_cmpuint (info->subgroup_size, >=, 1);

  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = hvk_list_devices (&error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >=, 1);
  for (guint i = 1; i < list->len; i++)
    g_assert_cmpint (g_array_index (list, HvkDeviceInfo, i - 1).type, <=,
                     g_array_index (list, HvkDeviceInfo, i).type);
  if (g_getenv ("HEARTH_VULKAN_DEVICE") == NULL)
    g_assert_cmpstr (info->name, ==, g_array_index (list, HvkDeviceInfo, 0).name);
}

/* Opens a device with HEARTH_VULKAN_DEVICE=override, restoring the variable. */
static HvkDevice *
open_with_override (const char *override, GError **error)
{
  g_autofree char *saved = g_strdup (g_getenv ("HEARTH_VULKAN_DEVICE"));
  g_setenv ("HEARTH_VULKAN_DEVICE", override, TRUE);
  HvkDevice *device = hvk_device_new (error);
  if (saved != NULL)
    g_setenv ("HEARTH_VULKAN_DEVICE", saved, TRUE);
  else
    g_unsetenv ("HEARTH_VULKAN_DEVICE");
  return device;
}

static void
test_device_override (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) list = hvk_list_devices (&error);
  g_assert_no_error (error);
  guint last = list->len - 1;
  const char *last_name = g_array_index (list, HvkDeviceInfo, last).name;

  /* By index. */
  g_autofree char *index = g_strdup_printf ("%u", last);
  g_autoptr(HvkDevice) by_index = open_with_override (index, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hvk_device_get_info (by_index)->name, ==, last_name);

  /* By a part of the name, in another case: the first device containing it. */
  g_autofree char *part = g_ascii_strup (last_name, MIN (strlen (last_name), 4));
  g_autoptr(HvkDevice) by_name = open_with_override (part, &error);
  g_assert_no_error (error);
  g_autofree char *got = g_ascii_strup (hvk_device_get_info (by_name)->name, -1);
  g_assert_nonnull (strstr (got, part));

  /* Nothing matches: NO_DEVICE naming the override. */
  g_autoptr(HvkDevice) none = open_with_override ("no-such-gpu-xyzzy", &error);
  g_assert_null (none);
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_NO_DEVICE);
  g_assert_nonnull (strstr (error->message, "no-such-gpu-xyzzy"));
  g_clear_error (&error);

  g_autofree char *past_end = g_strdup_printf ("%u", list->len);
  g_autoptr(HvkDevice) out_of_range = open_with_override (past_end, &error);
  g_assert_null (out_of_range);
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_NO_DEVICE);
}

/* ---- memory ---------------------------------------------------------------- */

static void
test_upload_roundtrip (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  /* More than the staging ring (2 × 8 MiB), at offsets that are not chunk multiples. */
  const gsize size = 20 * MiB + 12, offset = 3 * MiB + 4;
  g_autofree guint8 *data = g_malloc (size);
  g_autofree guint8 *back = g_malloc0 (size);
  hvk_test_fill_uniform ((float *) data, size / 4, -1e6f, 1e6f, 99);

  g_autoptr(HvkBuffer) buffer = hvk_test_buffer_zeroed (offset + size + 64);
  g_autoptr(GError) error = NULL;
  hvk_buffer_upload (buffer, offset, data, size, &error);
  g_assert_no_error (error);
  hvk_buffer_download (buffer, offset, back, size, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (data, size, back, size);

  /* A piece from the middle, and the untouched zero bytes around the data. */
  guint8 piece[100];
  hvk_buffer_download (buffer, offset + 9 * MiB + 1, piece, sizeof piece, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (piece, sizeof piece, data + 9 * MiB + 1, sizeof piece);
  guint8 edges[8], zeros[8] = { 0 };
  hvk_buffer_download (buffer, offset - 4, edges, 4, &error);
  g_assert_no_error (error);
  hvk_buffer_download (buffer, offset + size, edges + 4, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (edges, 8, zeros, 8);

  /* Out of range is an error, not a crash. */
  g_assert_false (hvk_buffer_upload (buffer, offset + size + 60, data, 8, &error));
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_FAILED);
}

static void
test_host_buffer (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) host = hvk_buffer_new (device, 4096, HVK_BUFFER_HOST, &error);
  g_assert_no_error (error);
  guint32 *map = hvk_buffer_map (host);
  g_assert_nonnull (map);
  for (guint i = 0; i < 1024; i++)
    map[i] = i * 7;
  guint32 back[1024];
  hvk_buffer_download (host, 0, back, sizeof back, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (back, sizeof back, map, sizeof back);
  hvk_buffer_clear (host, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (map[1023], ==, 0);
}

static void
test_too_big (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  guint64 size = hvk_device_get_info (device)->max_allocation_size + 1 * MiB;
  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) buffer = hvk_buffer_new (device, size, HVK_BUFFER_DEVICE, &error);
  g_assert_null (buffer);
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY);
  g_assert_nonnull (strstr (error->message, "MiB"));
  g_test_message ("%s", error->message);
}

/* A buffer larger than one binding may span, used through two ranges. */
static void
test_large_buffer (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint64 half = 80 * MiB, size = 2 * half;
  const guint n = 1 << 20;
  g_autofree float *a = g_new (float, n);
  g_autofree float *b = g_new (float, n);
  g_autofree float *y = g_new (float, n);
  hvk_test_fill_uniform (a, n, -1, 1, 5);
  hvk_test_fill_uniform (b, n, -1, 1, 6);

  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) big = hvk_buffer_new (device, size, HVK_BUFFER_DEVICE, &error);
  g_assert_no_error (error);
  hvk_buffer_upload (big, 0, a, n * 4, &error);
  g_assert_no_error (error);
  hvk_buffer_upload (big, half, b, n * 4, &error);
  g_assert_no_error (error);

  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  /* The result goes to the last n floats, past max_storage_buffer_range on lavapipe. */
  hvk_op_add (ops, rec, view_at (big, 0), view_at (big, half), view_at (big, size - n * 4),
              n, 1, 1, &error);
  g_assert_no_error (error);
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  hvk_buffer_download (big, size - n * 4, y, n * 4, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    if (y[i] != a[i] + b[i])
      {
        g_test_fail_printf ("element %u: %g + %g gave %g", i, a[i], b[i], y[i]);
        return;
      }
}

/* ---- recorder -------------------------------------------------------------- */

/* Dependent dispatches and copies in one submit: every read-after-write,
 * write-after-write and write-after-read needs its barrier. */
static void
test_barrier_chain (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint n = 50000;
  const gsize bytes = n * 4;
  g_autofree float *x = g_new (float, n);
  for (guint i = 0; i < n; i++)
    x[i] = (float) (i % 1000);   /* small integers: every sum is exact */

  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) gx = hvk_test_buffer_from (x, bytes);
  g_autoptr(HvkBuffer) gy = hvk_test_buffer_zeroed (bytes);
  g_autoptr(HvkBuffer) gz = hvk_test_buffer_zeroed (bytes);
  g_autoptr(HvkBuffer) gw = hvk_test_buffer_zeroed (bytes);
  g_autoptr(HvkBuffer) host = hvk_buffer_new (device, 2 * bytes, HVK_BUFFER_HOST, &error);
  g_assert_no_error (error);
  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  HvkView vx = view_at (gx, 0), vy = view_at (gy, 0), vz = view_at (gz, 0), vw = view_at (gw, 0);
  HvkWorkCounts before, after;

  hvk_device_get_work_counts (device, &before);
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_add (ops, rec, vx, vx, vy, n, 1, 1, NULL));  /* y = 2x   RAW on nothing */
  g_assert_true (hvk_op_add (ops, rec, vy, vx, vz, n, 1, 1, NULL));  /* z = 3x   RAW on y */
  g_assert_true (hvk_op_add (ops, rec, vz, vz, vy, n, 1, 1, NULL));  /* y = 6x   WAR + WAW on y */
  g_assert_true (hvk_op_add (ops, rec, vy, vz, vw, n, 1, 1, NULL));  /* w = 9x */
  hvk_recorder_copy (rec, gw, 0, host, 0, bytes);                     /* transfer reads w */
  g_assert_true (hvk_op_add (ops, rec, vw, vw, vw, n, 1, 1, NULL));  /* w = 18x  WAR after the copy */
  hvk_recorder_copy (rec, gw, 0, host, bytes, bytes);
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);

  /* Counted: 5 dispatches; a barrier before every step but the first, and
   * the one that makes the results visible to the host. */
  hvk_device_get_work_counts (device, &after);
  g_assert_cmpuint (after.dispatches - before.dispatches, ==, 5);
  g_assert_cmpuint (after.barriers - before.barriers, ==, 7);
  g_assert_cmpuint (after.submits - before.submits, ==, 1);

  const float *out = hvk_buffer_map (host);
  for (guint i = 0; i < n; i++)
    if (out[i] != 9 * x[i] || out[n + i] != 18 * x[i])
      {
        g_test_fail_printf ("element %u: got %g and %g, expected %g and %g",
                            i, out[i], out[n + i], 9 * x[i], 18 * x[i]);
        return;
      }

  /* The recorder is reusable after a submit. */
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_scale (ops, rec, vw, vw, n, 0.5f, NULL));
  hvk_recorder_copy (rec, gw, 0, host, 0, bytes);
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (out[n - 1], ==, 9 * x[n - 1]);
}

/* The bandwidth kernel copies every byte; the measurement is positive and
 * counted as the submits it made. */
static void
test_copy_bandwidth (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint n = 1 << 16;   /* uvec4 elements: 256 workgroups */
  const gsize bytes = (gsize) n * 16;
  g_autofree guint32 *x = g_new (guint32, 4 * n);
  for (guint i = 0; i < 4 * n; i++)
    x[i] = i * 2654435761u;

  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) src = hvk_test_buffer_from (x, bytes);
  g_autoptr(HvkBuffer) host = hvk_buffer_new (device, bytes, HVK_BUFFER_HOST, &error);
  g_assert_no_error (error);
  const guint32 spec[] = { 256 };
  g_autoptr(HvkPipeline) copy = hvk_pipeline_new (device, "copy", 2, 4, spec, 1, &error);
  g_assert_no_error (error);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  HvkBinding bindings[2] = { { .buffer = src }, { .buffer = host, .writes = TRUE } };
  hvk_recorder_begin (rec);
  hvk_recorder_dispatch (rec, copy, bindings, 2, &n, sizeof n, n / 256, 1, 1);
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (hvk_buffer_map (host), bytes, x, bytes);

  HvkWorkCounts before, after;
  double bandwidth = 0;
  hvk_device_get_work_counts (device, &before);
  g_assert_true (hvk_device_measure_bandwidth (device, &bandwidth, &error));
  g_assert_no_error (error);
  hvk_device_get_work_counts (device, &after);
  g_test_message ("copy bandwidth %.2f GB/s", bandwidth / 1e9);
  g_assert_cmpfloat (bandwidth, >, 0);
  g_assert_cmpuint (after.submits - before.submits, ==, 4);
}

/* More than 65535 workgroups: the dispatch is split over x and y. */
static void
test_dispatch_2d (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint64 n = 65536 * 256 + 77;
  g_autofree float *x = g_new (float, n);
  g_autofree float *y = g_new (float, n);
  for (guint64 i = 0; i < n; i++)
    x[i] = (float) (i % 4099);

  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) gx = hvk_test_buffer_from (x, n * 4);
  g_autoptr(HvkBuffer) gy = hvk_test_buffer_zeroed (n * 4);
  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_scale (ops, rec, view_at (gx, 0), view_at (gy, 0), n, 2.0f, NULL));
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  hvk_test_download (gy, y, n * 4);
  for (guint64 i = 0; i < n; i++)
    if (y[i] != 2 * x[i])
      {
        g_test_fail_printf ("element %" G_GUINT64_FORMAT ": expected %g, got %g", i, 2 * x[i], y[i]);
        return;
      }

  guint32 gx_count, gy_count;
  _hvk_groups_1d (ops, 70000, &gx_count, &gy_count);
  g_assert_cmpuint (gy_count, ==, 2);
  g_assert_cmpuint ((guint64) gx_count * gy_count, >=, 70000);
  g_assert_cmpuint (gx_count, <=, 65535);
}

static void
test_group_limit (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  const guint32 spec[] = { 256 };
  HvkPipeline *scale = _hvk_ops_pipeline (ops, "scale", 2, 8, spec, 1, &error);
  g_assert_no_error (error);
  g_autoptr(HvkBuffer) buffer = hvk_test_buffer_zeroed (1024);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  HvkBinding bindings[] = { { buffer, 0, 0, FALSE }, { buffer, 0, 0, TRUE } };
  struct { guint32 n; float s; } push = { 256, 1.0f };

  hvk_recorder_begin (rec);
  g_test_expect_message ("hearth-vulkan", G_LOG_LEVEL_CRITICAL, "*groups_x <= max*");
  hvk_recorder_dispatch (rec, scale, bindings, 2, &push, sizeof push,
                         hvk_device_get_info (device)->max_workgroup_count[0] + 1, 1, 1);
  g_test_assert_expected_messages ();
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
}

static void
test_cancel (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint n = 4096;
  g_autofree float *x = g_new0 (float, n);
  g_autoptr(GError) error = NULL;
  g_autoptr(HvkBuffer) gx = hvk_test_buffer_from (x, n * 4);
  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_cancellable_cancel (cancellable);
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_scale (ops, rec, view_at (gx, 0), view_at (gx, 0), n, 2, NULL));
  g_assert_false (hvk_recorder_submit (rec, cancellable, &error));
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Still usable afterwards. */
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_scale (ops, rec, view_at (gx, 0), view_at (gx, 0), n, 2, NULL));
  g_assert_true (hvk_recorder_submit (rec, NULL, &error));
  g_assert_no_error (error);
}

/* ---- pipeline cache -------------------------------------------------------------- */

static HvkDevice *
open_and_build_pipeline (void)
{
  g_autoptr(GError) error = NULL;
  HvkDevice *device = hvk_device_new (&error);
  g_assert_no_error (error);
  const guint32 spec[] = { 128 };
  g_autoptr(HvkPipeline) pipeline = hvk_pipeline_new (device, "scale", 2, 8, spec, 1, &error);
  g_assert_no_error (error);
  return device;
}

static void
test_pipeline_cache (void)
{
  HvkDevice *device = open_and_build_pipeline ();
  g_autofree char *path = g_strdup (device->pipeline_cache_path);
  g_assert_true (g_str_has_prefix (path, g_get_user_cache_dir ()));
  hvk_device_free (device);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  /* The second open finds and uses the file. */
  device = open_and_build_pipeline ();
  g_assert_true (device->pipeline_cache_loaded);
  hvk_device_free (device);

  /* A damaged file is ignored, then replaced by a good one. */
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, "not a pipeline cache", -1, &error);
  g_assert_no_error (error);
  device = open_and_build_pipeline ();
  g_assert_false (device->pipeline_cache_loaded);
  hvk_device_free (device);
  device = open_and_build_pipeline ();
  g_assert_true (device->pipeline_cache_loaded);
  hvk_device_free (device);
}

static void
test_unknown_shader (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(HvkPipeline) pipeline = hvk_pipeline_new (device, "no_such_shader", 1, 0, NULL, 0, &error);
  g_assert_null (pipeline);
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_SHADER);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int argc, char **argv)
{
  /* Also check the recorder's barriers with synchronization validation. */
  g_setenv ("VK_LAYER_ENABLES", "VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT", FALSE);
  /* A private XDG_CACHE_HOME: no other test process can touch the pipeline
   * cache file under test. (G_TEST_OPTION_ISOLATE_DIRS would also hide the
   * Vulkan drivers and layers in XDG_DATA_DIRS.) */
  g_autofree char *cache_home = g_dir_make_tmp ("hearth-test-vulkan-XXXXXX", NULL);
  g_assert_nonnull (cache_home);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vulkan/device-info", test_device_info);
  g_test_add_func ("/vulkan/device-override", test_device_override);
  g_test_add_func ("/vulkan/upload-roundtrip", test_upload_roundtrip);
  g_test_add_func ("/vulkan/host-buffer", test_host_buffer);
  g_test_add_func ("/vulkan/too-big", test_too_big);
  g_test_add_func ("/vulkan/large-buffer", test_large_buffer);
  g_test_add_func ("/vulkan/barrier-chain", test_barrier_chain);
  g_test_add_func ("/vulkan/dispatch-2d", test_dispatch_2d);
  g_test_add_func ("/vulkan/copy-bandwidth", test_copy_bandwidth);
  g_test_add_func ("/vulkan/group-limit", test_group_limit);
  g_test_add_func ("/vulkan/cancel", test_cancel);
  g_test_add_func ("/vulkan/pipeline-cache", test_pipeline_cache);
  g_test_add_func ("/vulkan/unknown-shader", test_unknown_shader);
  int status = g_test_run ();
  remove_tree (cache_home);
  return status;
}
