#define G_LOG_DOMAIN "hearth-bench"

/* bench-matmul: matrix × vector (decode) and matrix × matrix (prefill)
 * throughput for weights shaped like SmolLM2-135M's FFN (576 ↔ 1536; n_in
 * 576 is not a multiple of 256, so that direction uses Q8_0) and a
 * 7B-class projection (4096 × 4096). Prints time per product, effective
 * weight bandwidth and GFLOP/s. Not a test: run with
 * `meson test -C build --benchmark bench-matmul`. */

#include <sys/resource.h>

#include "hvk-ops.h"
#include "hvk-test-util.h"
#include "ops-matmul-private.h"
#include "ref-quant.h"

#define REPEATS 10

/* CPU seconds of this process, all threads: on a CPU driver this is the
 * work done, which a machine shared with other jobs disturbs less than the
 * wall time. */
static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench (HvkOps *ops, HvkType type, guint n_in, guint n_out, guint n_tokens, gboolean gpu_kernels)
{
  g_autoptr (GError) error = NULL;
  gsize w_bytes = ref_row_bytes (type, n_in) * n_out;
  g_autofree guint8 *w = ref_random_weights (type, n_in, n_out, 1);
  g_autofree float *x = g_new (float, (gsize) n_tokens * n_in);
  g_autoptr (HvkBuffer) wb = hvk_test_buffer_from (w, w_bytes);
  g_autoptr (HvkBuffer) xb = NULL;
  g_autoptr (HvkBuffer) yb = hvk_test_buffer_zeroed ((gsize) n_tokens * n_out * sizeof (float));
  g_autoptr (HvkRecorder) rec = hvk_recorder_new (hvk_ops_get_device (ops), &error);
  gint64 start;
  double seconds, first = 0, cpu0, cpu = 0;

  g_assert_no_error (error);
  _hvk_ops_set_gpu_kernels (ops, gpu_kernels);
  hvk_test_fill_uniform (x, (gsize) n_tokens * n_in, -1.0f, 1.0f, 2);
  xb = hvk_test_buffer_from (x, (gsize) n_tokens * n_in * sizeof (float));

  /* The first submit compiles the pipeline; time it, then the rest. */
  for (int pass = 0; pass < 2; pass++)
    {
      int repeats = pass == 0 ? 1 : REPEATS;

      start = g_get_monotonic_time ();
      cpu0 = cpu_seconds ();
      hvk_recorder_begin (rec);
      for (int i = 0; i < repeats; i++)
        g_assert_true (hvk_op_matmul (ops, rec, type, (HvkView) { wb, 0 }, (HvkView) { xb, 0 },
                                      (HvkView) { yb, 0 }, n_in, n_out, n_tokens, &error));
      g_assert_true (hvk_recorder_submit (rec, NULL, &error));
      g_assert_no_error (error);
      seconds = (g_get_monotonic_time () - start) / 1e6 / repeats;
      cpu = (cpu_seconds () - cpu0) / repeats;
      if (pass == 0)
        first = seconds;
    }
  _hvk_ops_set_gpu_kernels (ops, FALSE);
  g_print ("%-6s %4u rows x %4u, %3u tokens%s: %8.3f ms, %5.2f GB/s of weights, "
           "%6.2f GFLOP/s, %8.3f ms CPU (first call %.0f ms)\n",
           hvk_type_name (type), n_out, n_in, n_tokens, gpu_kernels ? " (GPU kernels)" : "", seconds * 1e3,
           w_bytes / seconds / 1e9, 2.0 * n_in * n_out * n_tokens / seconds / 1e9, cpu * 1e3,
           first * 1e3);
}

int
main (int argc, char **argv)
{
  g_autoptr (HvkOps) ops = NULL;
  const HvkDeviceInfo *info;

  g_test_init (&argc, &argv, NULL);
  ops = hvk_ops_new (hvk_test_device ());
  info = hvk_device_get_info (hvk_test_device ());
  g_print ("device: %s\n", info->name);
  bench (ops, HVK_TYPE_Q4_0, 576, 1536, 1, FALSE);
  bench (ops, HVK_TYPE_Q8_0, 576, 1536, 1, FALSE);
  bench (ops, HVK_TYPE_Q4_K, 1536, 576, 1, FALSE);
  bench (ops, HVK_TYPE_Q5_K, 1536, 576, 1, FALSE);
  bench (ops, HVK_TYPE_Q6_K, 1536, 576, 1, FALSE);
  /* Decode of a 7B-class projection, every weight type. */
  for (guint t = 0; t < HVK_TYPE_COUNT; t++)
    bench (ops, t, 4096, 4096, 1, FALSE);
  /* Batches: the device's kernel, and on a CPU driver the GPU one too. */
  for (int gpu = 0; gpu <= (info->type == HVK_DEVICE_CPU); gpu++)
    {
      bench (ops, HVK_TYPE_Q4_0, 576, 1536, 64, gpu);
      bench (ops, HVK_TYPE_Q8_0, 576, 1536, 64, gpu);
      bench (ops, HVK_TYPE_Q4_K, 1536, 576, 64, gpu);
      bench (ops, HVK_TYPE_Q6_K, 1536, 576, 64, gpu);
    }
  if (g_getenv ("BENCH_BIG")) bench (ops, HVK_TYPE_Q4_K, 4096, 4096, 32, FALSE);
  return 0;
}
