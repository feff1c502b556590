#define G_LOG_DOMAIN "hearth-test"

/* test-matmul: hvk_op_matmul (matvec, tiled and register-blocked matmul)
 * and hvk_op_get_rows for every weight type against the scalar reference in
 * ref-quant.c, including weights split over several bindings. Products run
 * twice: with the device's own kernels and with the GPU kernels, so a CPU
 * driver covers both. */

#include <math.h>
#include <string.h>

#include "ggml-types.h"
#include "hvk-ops.h"
#include "hvk-test-util.h"
#include "ops-matmul-private.h"
#include "ref-quant.h"

/* Dequantization is exact in f32 on both sides, so only the order of the
 * f32 (shader) versus double (reference) accumulation differs: observed
 * NMSE is around 1e-13 for every type. An output whose terms cancel out
 * keeps the absolute error of its terms' sizes, so each output is also
 * held to SUM_ERR_REL of Σ_k |W[r][k]·x[k]|, the scale of its rounding
 * (a single wrong weight is off by about 1/n_in of that sum). */
#define NMSE_MAX 1e-10
#define SUM_ERR_REL 1e-6
/* ... and no single output may be off by more than this, relative to the
 * largest reference output. */
#define MAX_ABS_REL 1e-4

/* Byte offsets of the views inside their buffers: nonzero, and multiples
 * of any device's min_storage_buffer_offset_alignment (the ops' contract). */
#define W_OFFSET 256
#define X_OFFSET 512
#define Y_OFFSET 768

typedef struct {
  HvkType     type;
  const char *name;
  guint       block;
} TypeCase;

/* One per line of hvk-types.def, filled in main(). */
static TypeCase types[HVK_TYPE_COUNT];

/* n_in values to test: one block and several; float types also a length
 * that is not a multiple of the shaders' 16-element unit. */
static void
n_in_cases (const TypeCase *tc, guint n_in[3], guint *n_cases)
{
  if (tc->block == 1)
    {
      n_in[0] = 16; n_in[1] = 40; n_in[2] = 200;
      *n_cases = 3;
    }
  else
    {
      n_in[0] = tc->block; n_in[1] = tc->block * (tc->block == 32 ? 7 : 3);
      *n_cases = 2;
    }
}

/* The bytes before an output view must stay as zeroed: no stray writes. */
static void
assert_prefix_untouched (const guint8 *raw, gsize prefix)
{
  for (gsize i = 0; i < prefix; i++)
    g_assert_cmpuint (raw[i], ==, 0);
}

static HvkBuffer *
buffer_with_prefix (const void *data, gsize n_bytes, gsize prefix)
{
  g_autofree guint8 *padded = g_malloc0 (prefix + n_bytes);

  memcpy (padded + prefix, data, n_bytes);
  return hvk_test_buffer_from (padded, prefix + n_bytes);
}

/* y = W·x on the device; y holds n_tokens × n_out floats. */
static void
device_matmul (HvkOps *ops, HvkType type, const guint8 *w, const float *x, float *y,
               guint n_in, guint n_out, guint n_tokens)
{
  g_autoptr (GError) error = NULL;
  gsize w_bytes = ref_row_bytes (type, n_in) * n_out;
  gsize y_bytes = (gsize) n_tokens * n_out * sizeof (float);
  g_autoptr (HvkBuffer) wb = buffer_with_prefix (w, w_bytes, W_OFFSET);
  g_autoptr (HvkBuffer) xb = buffer_with_prefix (x, (gsize) n_tokens * n_in * sizeof (float), X_OFFSET);
  g_autoptr (HvkBuffer) yb = hvk_test_buffer_zeroed (Y_OFFSET + y_bytes);
  g_autoptr (HvkRecorder) rec = hvk_recorder_new (hvk_ops_get_device (ops), &error);
  g_autofree guint8 *out = g_malloc (Y_OFFSET + y_bytes);

  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_matmul (ops, rec, type, (HvkView) { wb, W_OFFSET }, (HvkView) { xb, X_OFFSET },
                                (HvkView) { yb, Y_OFFSET }, n_in, n_out, n_tokens, &error));
  g_assert_no_error (error);
  g_assert_true (hvk_recorder_submit (rec, NULL, &error));
  g_assert_no_error (error);
  hvk_test_download (yb, out, Y_OFFSET + y_bytes);
  assert_prefix_untouched (out, Y_OFFSET);
  memcpy (y, out + Y_OFFSET, y_bytes);
}

static void
check_matmul (HvkOps *ops, HvkType type, guint n_in, guint n_out, guint n_tokens, guint32 seed)
{
  g_autofree guint8 *w = ref_random_weights (type, n_in, n_out, seed);
  g_autofree float *x = g_new (float, (gsize) n_tokens * n_in);
  g_autofree float *ref = g_new (float, (gsize) n_tokens * n_out);
  g_autofree float *got = g_new (float, (gsize) n_tokens * n_out);
  g_autofree float *magnitude = g_new (float, (gsize) n_tokens * n_out);
  gsize n = (gsize) n_tokens * n_out;
  double nmse, max_abs, max_ref = 1.0;

  hvk_test_fill_uniform (x, (gsize) n_tokens * n_in, -1.0f, 1.0f, seed + 1);
  ref_matmul (type, w, x, ref, magnitude, n_in, n_out, n_tokens);
  device_matmul (ops, type, w, x, got, n_in, n_out, n_tokens);

  for (gsize i = 0; i < n; i++)
    max_ref = MAX (max_ref, fabs (ref[i]));
  nmse = hvk_test_nmse (ref, got, n);
  max_abs = hvk_test_max_abs (ref, got, n);
  g_test_message ("type %s n_in %u n_out %u n_tokens %u: nmse %.3g max_abs %.3g",
                  hvk_type_name (type), n_in, n_out, n_tokens, nmse, max_abs);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (fabsf (got[i] - ref[i]), <=, SUM_ERR_REL * magnitude[i]);
  if (n >= 8)   /* with few outputs, one that cancels out decides the NMSE */
    g_assert_cmpfloat (nmse, <, NMSE_MAX);
  g_assert_cmpfloat (max_abs, <=, MAX_ABS_REL * max_ref);
}

static void
test_matvec (gconstpointer data)
{
  const TypeCase *tc = data;
  g_autoptr (HvkOps) ops = hvk_ops_new (hvk_test_device ());
  static const guint n_outs[] = { 1, 7, 33, 100, 257 };
  guint n_in[3], n_cases;

  n_in_cases (tc, n_in, &n_cases);
  for (int gpu = 0; gpu <= 1; gpu++)
    {
      _hvk_ops_set_gpu_kernels (ops, gpu);
      for (guint i = 0; i < n_cases; i++)
        for (guint j = 0; j < G_N_ELEMENTS (n_outs); j++)
          check_matmul (ops, tc->type, n_in[i], n_outs[j], 1, 100 * i + j);
    }
  _hvk_ops_set_gpu_kernels (ops, FALSE);
}

static void
test_matmul (gconstpointer data)
{
  const TypeCase *tc = data;
  g_autoptr (HvkOps) ops = hvk_ops_new (hvk_test_device ());
  static const struct { guint n_out, n_tokens; } shapes[] = {
    { 1, 2 }, { 7, 5 }, { 33, 17 }, { 100, 64 }, { 257, 5 }, { 65, 33 },
  };
  guint n_in[3], n_cases;

  n_in_cases (tc, n_in, &n_cases);
  for (int gpu = 0; gpu <= 1; gpu++)
    {
      _hvk_ops_set_gpu_kernels (ops, gpu);
      for (guint i = 0; i < n_cases; i++)
        for (guint j = 0; j < G_N_ELEMENTS (shapes); j++)
          check_matmul (ops, tc->type, n_in[i], shapes[j].n_out, shapes[j].n_tokens,
                        1000 + 100 * i + j);
    }
  _hvk_ops_set_gpu_kernels (ops, FALSE);
}

/* out = rows ids of the table on the device. */
static void
device_get_rows (HvkOps *ops, HvkType type, const guint8 *table, guint n_rows, guint n_cols,
                 const gint32 *ids, guint n_ids, float *out)
{
  g_autoptr (GError) error = NULL;
  gsize out_bytes = (gsize) n_ids * n_cols * sizeof (float);
  g_autoptr (HvkBuffer) tb = buffer_with_prefix (table, ref_row_bytes (type, n_cols) * n_rows, W_OFFSET);
  g_autoptr (HvkBuffer) ib = buffer_with_prefix (ids, n_ids * sizeof (gint32), X_OFFSET);
  g_autoptr (HvkBuffer) ob = hvk_test_buffer_zeroed (Y_OFFSET + out_bytes);
  g_autoptr (HvkRecorder) rec = hvk_recorder_new (hvk_ops_get_device (ops), &error);
  g_autofree guint8 *raw = g_malloc (Y_OFFSET + out_bytes);

  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  g_assert_true (hvk_op_get_rows (ops, rec, type, (HvkView) { tb, W_OFFSET }, n_rows, n_cols,
                                  (HvkView) { ib, X_OFFSET }, (HvkView) { ob, Y_OFFSET }, n_ids, &error));
  g_assert_no_error (error);
  g_assert_true (hvk_recorder_submit (rec, NULL, &error));
  g_assert_no_error (error);
  hvk_test_download (ob, raw, Y_OFFSET + out_bytes);
  assert_prefix_untouched (raw, Y_OFFSET);
  memcpy (out, raw + Y_OFFSET, out_bytes);
}

static void
test_get_rows (gconstpointer data)
{
  const TypeCase *tc = data;
  g_autoptr (HvkOps) ops = hvk_ops_new (hvk_test_device ());
  static const gint32 ids[] = { 3, 0, 36, 3, 17, 35 };
  guint n_rows = 37;
  guint n_cols = tc->block == 1 ? 40 : 2 * tc->block;
  gsize row_bytes = ref_row_bytes (tc->type, n_cols);
  g_autofree guint8 *table = ref_random_weights (tc->type, n_cols, n_rows, 7);
  g_autofree float *got = g_new (float, G_N_ELEMENTS (ids) * n_cols);
  g_autofree float *ref = g_new (float, n_cols);

  device_get_rows (ops, tc->type, table, n_rows, n_cols, ids, G_N_ELEMENTS (ids), got);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      ref_dequant_row (tc->type, table + ids[i] * row_bytes, n_cols, ref);
      /* Exact, up to one ulp where a compiler fuses scale·q - min. */
      for (guint c = 0; c < n_cols; c++)
        if (got[i * n_cols + c] != ref[c])
          g_assert_cmpfloat (fabsf (got[i * n_cols + c] - ref[c]), <=,
                             fabsf (nextafterf (ref[c], INFINITY) - ref[c]));
    }
}

/* With the binding range capped to a few rows, the ops split the weight /
 * table into many dispatches; results must equal the unsplit ones bit for
 * bit (each output is computed the same way) and the reference. */
static void
test_split (gconstpointer data)
{
  const TypeCase *tc = data;
  g_autoptr (HvkOps) ops = hvk_ops_new (hvk_test_device ());
  guint n_in = tc->block == 1 ? 48 : 2 * tc->block;
  guint n_out = 100;
  gsize row_bytes = ref_row_bytes (tc->type, n_in);
  g_autofree guint8 *w = ref_random_weights (tc->type, n_in, n_out, 11);
  static const gint32 ids[] = { 99, 0, 42, 8, 7, 64 };

  for (guint run = 0; run < 4; run++)
    {
      guint n_tokens = run % 2 ? 5 : 1;
      g_autofree float *x = g_new (float, n_tokens * n_in);
      g_autofree float *whole = g_new (float, n_tokens * n_out);
      g_autofree float *split = g_new (float, n_tokens * n_out);

      _hvk_ops_set_gpu_kernels (ops, run >= 2);
      hvk_test_fill_uniform (x, n_tokens * n_in, -1.0f, 1.0f, 12);
      device_matmul (ops, tc->type, w, x, whole, n_in, n_out, n_tokens);
      /* 8 rows per binding (a multiple of every alignment step) plus slack. */
      _hvk_ops_set_max_binding_range (ops, 8 * row_bytes + 5);
      device_matmul (ops, tc->type, w, x, split, n_in, n_out, n_tokens);
      _hvk_ops_set_max_binding_range (ops, 0);
      g_assert_cmpmem (whole, n_tokens * n_out * sizeof (float), split, n_tokens * n_out * sizeof (float));
    }
  _hvk_ops_set_gpu_kernels (ops, FALSE);
  check_matmul (ops, tc->type, n_in, n_out, 1, 13);

  {
    gsize n = G_N_ELEMENTS (ids) * n_in;
    g_autofree float *whole = g_new (float, n);
    g_autofree float *split = g_new (float, n);

    device_get_rows (ops, tc->type, w, n_out, n_in, ids, G_N_ELEMENTS (ids), whole);
    _hvk_ops_set_max_binding_range (ops, 8 * row_bytes + 5);
    device_get_rows (ops, tc->type, w, n_out, n_in, ids, G_N_ELEMENTS (ids), split);
    _hvk_ops_set_max_binding_range (ops, 0);
    g_assert_cmpmem (whole, n * sizeof (float), split, n * sizeof (float));
  }
}

/* A row larger than one binding may span cannot be split: the op says so
 * instead of recording an out-of-range binding. */
static void
test_row_too_large (void)
{
  g_autoptr (HvkOps) ops = hvk_ops_new (hvk_test_device ());
  g_autoptr (GError) error = NULL;
  g_autoptr (HvkBuffer) wb = hvk_test_buffer_zeroed (ref_row_bytes (HVK_TYPE_Q8_0, 256) * 4);
  g_autoptr (HvkBuffer) xb = hvk_test_buffer_zeroed (256 * sizeof (float));
  g_autoptr (HvkBuffer) yb = hvk_test_buffer_zeroed (4 * sizeof (float));
  g_autoptr (HvkRecorder) rec = hvk_recorder_new (hvk_ops_get_device (ops), &error);

  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  _hvk_ops_set_max_binding_range (ops, ref_row_bytes (HVK_TYPE_Q8_0, 256) - 2);
  g_assert_false (hvk_op_matmul (ops, rec, HVK_TYPE_Q8_0, (HvkView) { wb, 0 }, (HvkView) { xb, 0 },
                                 (HvkView) { yb, 0 }, 256, 4, 1, &error));
  _hvk_ops_set_max_binding_range (ops, 0);
  g_assert_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED);
  g_assert_true (hvk_recorder_submit (rec, NULL, NULL));
}

/* The reference itself, on hand-made blocks whose values are known. */
static void
test_reference (void)
{
  guint8 q4_0[18] = { 0 };
  guint8 q6_k[210] = { 0 };
  float y[256];

  /* d = 0.5; qs[0] = 0x9f: element 0 is (15-8)·d, element 16 is (9-8)·d. */
  q4_0[0] = 0x00; q4_0[1] = 0x38;
  q4_0[2] = 0x9f;
  ref_dequant_row (HVK_TYPE_Q4_0, q4_0, 32, y);
  g_assert_cmpfloat (y[0], ==, 3.5f);
  g_assert_cmpfloat (y[16], ==, 0.5f);
  g_assert_cmpfloat (y[1], ==, -4.0f);

  /* d = 1; element 200 is half 1, quarter 2, l 8: the high nibble of
   * ql[64 + 8], bits 4..5 of qh[32 + 8] and scales[8 + 4]. */
  q6_k[208] = 0x00; q6_k[209] = 0x3c;
  q6_k[64 + 8] = 0x50;
  q6_k[128 + 32 + 8] = 0x2 << 4;
  q6_k[192 + 12] = (guint8) -3;
  ref_dequant_row (HVK_TYPE_Q6_K, q6_k, 256, y);
  g_assert_cmpfloat (y[200], ==, -3.0f * ((5 | (2 << 4)) - 32));
  g_assert_cmpfloat (y[201], ==, -3.0f * -32);
}

/* hvk-types.def's block sizes and ggml ids agree with the file format's
 * (ggml-types.c, written independently). */
static void
test_types_match_ggml (void)
{
  for (guint t = 0; t < HVK_TYPE_COUNT; t++)
    {
      const GgmlTypeTraits *traits = ggml_type_traits (hvk_type_ggml_id (t));
      g_autofree char *lower = NULL;
      HvkType back;

      g_assert_nonnull (traits);
      g_assert_cmpstr (traits->name, ==, hvk_type_name (t));
      g_assert_cmpuint (traits->block_size, ==, hvk_type_block_size (t));
      g_assert_cmpuint (traits->type_size, ==, hvk_type_block_bytes (t));
      g_assert_true (hvk_type_from_ggml (traits->id, &back));
      g_assert_cmpuint (back, ==, t);
      lower = g_ascii_strdown (traits->name, -1);
      g_assert_cmpstr (lower, ==, hvk_type_suffix (t));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/matmul/reference", test_reference);
  g_test_add_func ("/matmul/types-match-ggml", test_types_match_ggml);
  g_test_add_func ("/matmul/row-too-large", test_row_too_large);
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const TypeCase *tc = &types[i];
      g_autofree char *mv = NULL, *mm = NULL, *gr = NULL, *sp = NULL;

      types[i] = (TypeCase) { i, hvk_type_suffix (i), hvk_type_block_size (i) };
      mv = g_strdup_printf ("/matmul/matvec/%s", tc->name);
      mm = g_strdup_printf ("/matmul/matmul/%s", tc->name);
      gr = g_strdup_printf ("/matmul/get-rows/%s", tc->name);
      sp = g_strdup_printf ("/matmul/split/%s", tc->name);
      g_test_add_data_func (mv, tc, test_matvec);
      g_test_add_data_func (mm, tc, test_matmul);
      g_test_add_data_func (gr, tc, test_get_rows);
      g_test_add_data_func (sp, tc, test_split);
    }
  return g_test_run ();
}
