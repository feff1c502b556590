#define G_LOG_DOMAIN "hearth-tests"

/* bench-ops: wall time of the attention, norm and activation kernels at
 * model-like shapes on the current device (median of 5 submits after one
 * warm-up). Run with `meson test --benchmark`; prints a table, asserts
 * nothing about speed. */

#include <stdio.h>

#include "ops-test-util.h"

#define RUNS 5

typedef struct {
  const char *name;
  guint n_head, n_head_kv, head_dim, n_tokens, n_kv;
  gboolean causal;
} AttentionShape;

static const AttentionShape attention_shapes[] = {
  { "decode 32/8x128, 1k keys", 32, 8, 128, 1, 1024, TRUE },
  { "decode 9/3x64, 500 keys", 9, 3, 64, 1, 500, TRUE },
  { "prefill 32/8x128, 128 tokens", 32, 8, 128, 128, 128, TRUE },
  { "vision 12x64, 256 patches", 12, 12, 64, 256, 256, FALSE },
  { "vision 12x64, 1024 patches", 12, 12, 64, 1024, 1024, FALSE },   /* SmolVLM2-256M tile */
  { "vision 16x72, 729 patches", 16, 16, 72, 729, 729, FALSE },      /* SmolVLM2-2.2B tile */
};

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

typedef gboolean (*RecordFunc) (HvkRecorder *rec, gpointer data, GError **error);

/* Median milliseconds of one recorded op, submitted on its own. */
static double
time_op (RecordFunc record, gpointer data)
{
  double ms[RUNS];

  for (int run = -1; run < RUNS; run++)
    {
      g_autoptr(GError) error = NULL;
      HvkRecorder *rec = ops_test_begin ();
      gint64 start = g_get_monotonic_time ();
      record (rec, data, &error);
      g_assert_no_error (error);
      ops_test_submit (rec);
      if (run >= 0)
        ms[run] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (ms, RUNS, sizeof ms[0], compare_double);
  return ms[RUNS / 2];
}

typedef struct {
  const AttentionShape *shape;
  HvkBuffer *q, *k, *v, *out;
} AttentionRun;

static gboolean
record_attention (HvkRecorder *rec, gpointer data, GError **error)
{
  AttentionRun *r = data;
  const AttentionShape *s = r->shape;

  return hvk_op_attention (ops_test_ops (), rec, ops_test_view (r->q), ops_test_view (r->k),
                           ops_test_view (r->v), ops_test_view (r->out), s->n_tokens, s->n_kv,
                           s->causal ? s->n_kv - s->n_tokens : 0, s->n_head, s->n_head_kv,
                           s->head_dim, 0.125f, s->causal, error);
}

static void
bench_attention (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (attention_shapes); i++)
    {
      const AttentionShape *s = &attention_shapes[i];
      gsize q_bytes = (gsize) s->n_tokens * s->n_head * s->head_dim * sizeof (float);
      gsize kv_bytes = (gsize) s->n_kv * s->n_head_kv * s->head_dim * sizeof (guint16);
      g_autoptr(HvkBuffer) q = hvk_test_buffer_zeroed (q_bytes);
      g_autoptr(HvkBuffer) k = hvk_test_buffer_zeroed (kv_bytes);
      g_autoptr(HvkBuffer) v = hvk_test_buffer_zeroed (kv_bytes);
      g_autoptr(HvkBuffer) out = hvk_test_buffer_zeroed (q_bytes);
      AttentionRun run = { s, q, k, v, out };

      printf ("attention  %-32s %9.3f ms\n", s->name, time_op (record_attention, &run));
    }
}

typedef struct {
  HvkBuffer *x, *w, *y;
  guint n, rows;
} RowsRun;

static gboolean
record_rms_norm (HvkRecorder *rec, gpointer data, GError **error)
{
  RowsRun *r = data;

  return hvk_op_rms_norm (ops_test_ops (), rec, ops_test_view (r->x), ops_test_view (r->w),
                          ops_test_view (r->y), r->n, r->rows, 1e-5f, error);
}

static gboolean
record_gated_silu (HvkRecorder *rec, gpointer data, GError **error)
{
  RowsRun *r = data;

  return hvk_op_gated (ops_test_ops (), rec, HVK_UNARY_SILU, ops_test_view (r->x),
                       ops_test_view (r->w), ops_test_view (r->y), (guint64) r->n * r->rows,
                       error);
}

static void
bench_rows (void)
{
  RowsRun norm = { NULL, NULL, NULL, 4096, 128 };
  g_autoptr(HvkBuffer) x = hvk_test_buffer_zeroed ((gsize) 4096 * 128 * sizeof (float));
  g_autoptr(HvkBuffer) w = hvk_test_buffer_zeroed ((gsize) 4096 * 128 * sizeof (float));
  g_autoptr(HvkBuffer) y = hvk_test_buffer_zeroed ((gsize) 4096 * 128 * sizeof (float));

  norm.x = x;
  norm.w = w;
  norm.y = y;
  printf ("rms_norm   %-32s %9.3f ms\n", "4096 x 128 rows", time_op (record_rms_norm, &norm));
  printf ("gated_silu %-32s %9.3f ms\n", "4096 x 128", time_op (record_gated_silu, &norm));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  printf ("device: %s\n", hvk_device_get_info (hvk_test_device ())->name);
  g_test_add_func ("/bench/ops/attention", bench_attention);
  g_test_add_func ("/bench/ops/rows", bench_rows);
  return g_test_run ();
}
