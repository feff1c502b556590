#define G_LOG_DOMAIN "hearth-bench"

/* bench-matmul: matrix × vector (decode) and matrix × matrix (prefill)
 * throughput for weights shaped like SmolLM2-135M's FFN (576 ↔ 1536; n_in
 * 576 is not a multiple of 256, so that direction uses Q8_0) and a
 * 7B-class projection (4096 × 4096). Prints time per product, effective
 * weight bandwidth and GFLOP/s. Not a test: run with
 * `meson test -C build --benchmark bench-matmul`. */

#include "hvk-ops.h"
#include "hvk-test-util.h"
#include "ref-quant.h"

#define REPEATS 10

static void
bench (HvkOps *ops, HvkType type, guint n_in, guint n_out, guint n_tokens)
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
  double seconds;

  g_assert_no_error (error);
  hvk_test_fill_uniform (x, (gsize) n_tokens * n_in, -1.0f, 1.0f, 2);
  xb = hvk_test_buffer_from (x, (gsize) n_tokens * n_in * sizeof (float));

  /* The first submit compiles the pipeline; time the rest. */
  for (int pass = 0; pass < 2; pass++)
    {
      int repeats = pass == 0 ? 1 : REPEATS;

      start = g_get_monotonic_time ();
      hvk_recorder_begin (rec);
      for (int i = 0; i < repeats; i++)
        g_assert_true (hvk_op_matmul (ops, rec, type, (HvkView) { wb, 0 }, (HvkView) { xb, 0 },
                                      (HvkView) { yb, 0 }, n_in, n_out, n_tokens, &error));
      g_assert_true (hvk_recorder_submit (rec, NULL, &error));
      g_assert_no_error (error);
      seconds = (g_get_monotonic_time () - start) / 1e6 / repeats;
    }
  g_print ("type %2d %4u rows x %4u, %3u tokens: %8.3f ms, %5.2f GB/s of weights, %6.2f GFLOP/s\n",
           type, n_out, n_in, n_tokens, seconds * 1e3, w_bytes / seconds / 1e9,
           2.0 * n_in * n_out * n_tokens / seconds / 1e9);
}

int
main (int argc, char **argv)
{
  g_autoptr (HvkOps) ops = NULL;

  g_test_init (&argc, &argv, NULL);
  ops = hvk_ops_new (hvk_test_device ());
  g_print ("device: %s\n", hvk_device_get_info (hvk_test_device ())->name);
  bench (ops, HVK_TYPE_Q8_0, 576, 1536, 1);
  bench (ops, HVK_TYPE_Q4_K, 1536, 576, 1);
  bench (ops, HVK_TYPE_Q4_K, 4096, 4096, 1);
  bench (ops, HVK_TYPE_Q8_0, 4096, 4096, 1);
  bench (ops, HVK_TYPE_Q6_K, 4096, 4096, 1);
  bench (ops, HVK_TYPE_Q8_0, 576, 1536, 64);
  bench (ops, HVK_TYPE_Q4_K, 1536, 576, 64);
  bench (ops, HVK_TYPE_Q4_K, 4096, 4096, 32);
  return 0;
}
