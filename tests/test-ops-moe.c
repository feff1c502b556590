#define G_LOG_DOMAIN "hearth-test"

/* test-ops-moe: the mixture-of-experts kernels against scalar references.
 *   hvk_op_matmul_id: every weight type, each input row with its own expert
 *     (ids on the device), the experts in one binding and one expert per
 *     binding, float rows whose length is not a multiple of 4;
 *   hvk_op_moe_route: Llama 4's routing (top-k on the raw logits, ties to
 *     the lowest index, sigmoid weight on the expert's input). */

#include <math.h>
#include <string.h>

#include "hvk-ops.h"
#include "hvk-test-util.h"
#include "ops-matmul-private.h"
#include "ops-test-util.h"
#include "ref-quant.h"

#define N_EXPERT 4
#define N_OUT    32
#define N_ROWS   7
/* f32 (shader) against double (reference) accumulation over at most a
 * few hundred products of numbers below 1. */
#define MATMUL_ID_TOL 1e-4

static void
check_matmul_id (HvkType type, guint n_in, guint64 max_binding)
{
  g_autoptr (GError) error = NULL;
  gsize expert_bytes = ref_row_bytes (type, n_in) * N_OUT;
  g_autofree guint8 *w = ref_random_weights (type, n_in, N_OUT * N_EXPERT, 7 + n_in + type);
  g_autofree float *x = g_new (float, N_ROWS * n_in);
  g_autofree float *ref = g_new (float, N_ROWS * N_OUT);
  g_autofree float *got = g_new (float, N_ROWS * N_OUT);
  gint32 ids[N_ROWS] = { 3, 0, 0, 2, 1, 3, 2 };

  hvk_test_fill_uniform (x, N_ROWS * n_in, -1.0f, 1.0f, 11 + n_in);
  for (guint r = 0; r < N_ROWS; r++)
    ref_matmul (type, w + ids[r] * expert_bytes, x + r * n_in, ref + r * N_OUT, NULL, n_in, N_OUT, 1);

  g_autoptr (HvkBuffer) w_buf = hvk_test_buffer_from (w, expert_bytes * N_EXPERT);
  g_autoptr (HvkBuffer) ids_buf = hvk_test_buffer_from (ids, sizeof ids);
  g_autoptr (HvkBuffer) x_buf = hvk_test_buffer_from (x, N_ROWS * n_in * sizeof (float));
  g_autoptr (HvkBuffer) y_buf = hvk_test_buffer_zeroed (N_ROWS * N_OUT * sizeof (float));

  _hvk_ops_set_max_binding_range (ops_test_ops (), max_binding);
  HvkRecorder *rec = ops_test_begin ();
  hvk_op_matmul_id (ops_test_ops (), rec, type, ops_test_view (w_buf), N_EXPERT,
                    ops_test_view (ids_buf), ops_test_view (x_buf), ops_test_view (y_buf),
                    n_in, N_OUT, N_ROWS, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  _hvk_ops_set_max_binding_range (ops_test_ops (), 0);
  hvk_test_download (y_buf, got, N_ROWS * N_OUT * sizeof (float));

  g_autofree char *what = g_strdup_printf ("matmul_id %s n_in=%u binding=%" G_GUINT64_FORMAT,
                                           hvk_type_name (type), n_in, max_binding);
  ops_test_check_close (what, ref, got, N_ROWS * N_OUT, MATMUL_ID_TOL, MATMUL_ID_TOL);
}

static void
test_matmul_id (void)
{
  for (guint t = 0; t < HVK_TYPE_COUNT; t++)
    {
      guint block = hvk_type_block_size (t);
      guint n_in = block == 1 ? 40 : block * 2;
      gsize expert_bytes = ref_row_bytes (t, n_in) * N_OUT;

      check_matmul_id (t, n_in, 0);
      /* One expert per binding: four dispatches, each skipping the rows
       * routed elsewhere. */
      check_matmul_id (t, n_in, expert_bytes);
      if (block == 1)
        check_matmul_id (t, 18, 0);   /* rows of x not 16-byte aligned */
    }
}

/* Llama 4's routing in double: top n_used of the raw logits, lowest index
 * first on ties, each slot's input scaled by the sigmoid of its logit. */
static void
ref_moe_route (const float *logits, const float *x, gint32 *ids, float *xs, guint n_tokens,
               guint n_expert, guint n_used, guint n_embd)
{
  for (guint t = 0; t < n_tokens; t++)
    for (guint j = 0; j < n_used; j++)
      {
        gint32 best = -1;
        double w;

        for (guint e = 0; e < n_expert; e++)
          {
            gboolean taken = FALSE;

            for (guint i = 0; i < j; i++)
              taken = taken || ids[i * n_tokens + t] == (gint32) e;
            if (!taken && (best < 0 || logits[t * n_expert + e] > logits[t * n_expert + best]))
              best = e;
          }
        ids[j * n_tokens + t] = best;
        w = 1.0 / (1.0 + exp (-(double) logits[t * n_expert + best]));
        for (guint i = 0; i < n_embd; i++)
          xs[((gsize) j * n_tokens + t) * n_embd + i] = (float) (w * x[t * n_embd + i]);
      }
}

static void
check_moe_route (guint n_tokens, guint n_expert, guint n_used, guint n_embd)
{
  g_autoptr (GError) error = NULL;
  gsize n_x = (gsize) n_tokens * n_embd, n_xs = n_x * n_used;
  g_autofree float *logits = g_new (float, n_tokens * n_expert);
  g_autofree float *x = g_new (float, n_x);
  g_autofree gint32 *ref_ids = g_new (gint32, n_used * n_tokens);
  g_autofree gint32 *got_ids = g_new (gint32, n_used * n_tokens);
  g_autofree float *ref_xs = g_new (float, n_xs);
  g_autofree float *got_xs = g_new (float, n_xs);

  hvk_test_fill_uniform (logits, n_tokens * n_expert, -3.0f, 3.0f, n_expert + n_used);
  hvk_test_fill_uniform (x, n_x, -1.0f, 1.0f, n_embd);
  /* A tie: the lower expert wins. */
  logits[1] = logits[0] = 5.0f;
  ref_moe_route (logits, x, ref_ids, ref_xs, n_tokens, n_expert, n_used, n_embd);

  g_autoptr (HvkBuffer) l_buf = hvk_test_buffer_from (logits, n_tokens * n_expert * sizeof (float));
  g_autoptr (HvkBuffer) x_buf = hvk_test_buffer_from (x, n_x * sizeof (float));
  g_autoptr (HvkBuffer) ids_buf = hvk_test_buffer_zeroed (n_used * n_tokens * sizeof (gint32));
  g_autoptr (HvkBuffer) xs_buf = hvk_test_buffer_zeroed (n_xs * sizeof (float));
  HvkRecorder *rec = ops_test_begin ();
  hvk_op_moe_route (ops_test_ops (), rec, ops_test_view (l_buf), ops_test_view (x_buf),
                    ops_test_view (ids_buf), ops_test_view (xs_buf), n_tokens, n_expert, n_used,
                    n_embd, &error);
  g_assert_no_error (error);
  ops_test_submit (rec);
  hvk_test_download (ids_buf, got_ids, n_used * n_tokens * sizeof (gint32));
  hvk_test_download (xs_buf, got_xs, n_xs * sizeof (float));

  g_assert_cmpmem (got_ids, n_used * n_tokens * sizeof (gint32), ref_ids, n_used * n_tokens * sizeof (gint32));
  g_autofree char *what = g_strdup_printf ("moe_route tokens=%u experts=%u used=%u n_embd=%u",
                                           n_tokens, n_expert, n_used, n_embd);
  ops_test_check_close (what, ref_xs, got_xs, n_xs, 1e-6, 1e-6);
}

static void
test_moe_route (void)
{
  check_moe_route (1, 4, 1, 64);
  check_moe_route (9, 16, 1, 200);
  check_moe_route (5, 6, 2, 40);
  check_moe_route (3, 128, 4, 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/moe/matmul-id", test_matmul_id);
  g_test_add_func ("/ops/moe/route", test_moe_route);
  return g_test_run ();
}
