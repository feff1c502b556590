#define G_LOG_DOMAIN "hearth-test"

/* Element-wise add, mul (with and without row broadcast) and scale against
 * a scalar C reference. f32 add/mul/scale are single IEEE operations, so
 * the bound is 1e-6 relative (exact in practice). */

#include <math.h>

#include "hvk-ops.h"
#include "hvk-test-util.h"

#define REL_TOLERANCE 1e-6

typedef struct {
  guint n;
  guint rows;
} Shape;

/* Includes sizes that are not multiples of the 256-wide workgroup. */
static const Shape shapes[] = {
  { 1, 1 }, { 7, 3 }, { 256, 4 }, { 1000, 5 }, { 4096, 33 }, { 100003, 1 },
};

static void
assert_close (const float *ref, const float *got, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!(fabs ((double) ref[i] - got[i]) <= REL_TOLERANCE * MAX (1.0, fabs (ref[i]))))
      {
        g_test_fail_printf ("element %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                            ": expected %.9g, got %.9g", i, n, ref[i], got[i]);
        return;
      }
}

static HvkView
view (HvkBuffer *b)
{
  return (HvkView) { b, 0 };
}

static void
submit (HvkRecorder *rec)
{
  g_autoptr(GError) error = NULL;
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
}

typedef enum { OP_ADD, OP_MUL } BinaryOp;

static void
check_binary (BinaryOp op, const Shape *shape, gboolean broadcast, gboolean in_place)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  guint n = shape->n, rows = shape->rows, b_rows = broadcast ? 1 : rows;
  gsize count = (gsize) n * rows, b_count = (gsize) n * b_rows;
  g_autofree float *a = g_new (float, count);
  g_autofree float *b = g_new (float, b_count);
  g_autofree float *ref = g_new (float, count);
  g_autofree float *got = g_new (float, count);
  hvk_test_fill_uniform (a, count, -4, 4, 1 + n);
  hvk_test_fill_uniform (b, b_count, -2, 2, 7 + rows);
  for (gsize i = 0; i < count; i++)
    ref[i] = op == OP_ADD ? a[i] + b[i % b_count] : a[i] * b[i % b_count];

  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, NULL);
  g_autoptr(HvkBuffer) ga = hvk_test_buffer_from (a, count * 4);
  g_autoptr(HvkBuffer) gb = hvk_test_buffer_from (b, b_count * 4);
  g_autoptr(HvkBuffer) gy = in_place ? NULL : hvk_test_buffer_zeroed (count * 4);
  HvkView out = view (in_place ? ga : gy);
  g_autoptr(GError) error = NULL;

  hvk_recorder_begin (rec);
  if (op == OP_ADD)
    hvk_op_add (ops, rec, view (ga), view (gb), out, n, rows, b_rows, &error);
  else
    hvk_op_mul (ops, rec, view (ga), view (gb), out, n, rows, b_rows, &error);
  g_assert_no_error (error);
  submit (rec);
  hvk_test_download (out.buffer, got, count * 4);
  assert_close (ref, got, count);
}

static void
test_binary (gconstpointer data)
{
  BinaryOp op = GPOINTER_TO_INT (data);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      check_binary (op, &shapes[i], FALSE, FALSE);
      check_binary (op, &shapes[i], TRUE, FALSE);
    }
  /* The residual connection: x = x + y. */
  check_binary (op, &shapes[3], FALSE, TRUE);
}

static void
test_scale (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  static const guint64 sizes[] = { 1, 255, 257, 100001 };
  const float s = 0.125f * 3;

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      guint64 n = sizes[k];
      g_autofree float *x = g_new (float, n);
      g_autofree float *ref = g_new (float, n);
      g_autofree float *got = g_new (float, n);
      hvk_test_fill_uniform (x, n, -10, 10, 42 + k);
      for (guint64 i = 0; i < n; i++)
        ref[i] = x[i] * s;

      g_autoptr(HvkOps) ops = hvk_ops_new (device);
      g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, NULL);
      g_autoptr(HvkBuffer) gx = hvk_test_buffer_from (x, n * 4);
      g_autoptr(HvkBuffer) gy = hvk_test_buffer_zeroed (n * 4);
      g_autoptr(GError) error = NULL;
      hvk_recorder_begin (rec);
      hvk_op_scale (ops, rec, view (gx), view (gy), n, s, &error);
      g_assert_no_error (error);
      submit (rec);
      hvk_test_download (gy, got, n * 4);
      assert_close (ref, got, n);
    }
}

/* More elements than one binding may span on lavapipe (128 MiB): the op
 * splits the work, and the broadcast row must continue at the right column
 * in each piece (3000 does not divide the piece size). In place, as the
 * residual add uses it. */
static void
test_add_chunked (void)
{
  HvkDevice *device = hvk_test_device ();
  if (device == NULL)
    return;
  const guint n = 3000;
  guint rows = (guint) (hvk_device_get_info (device)->max_storage_buffer_range / (n * 4)) + 7;
  gsize count = (gsize) n * rows;
  if (count * 4 > 512u * 1024 * 1024)
    {
      g_test_skip ("the device binds more than 512 MiB at once; not worth a test this big");
      return;
    }
  g_autofree float *a = g_new (float, count);
  g_autofree float *b = g_new (float, n);
  g_autofree float *got = g_new (float, count);
  for (gsize i = 0; i < count; i++)
    a[i] = (float) (i % 1024);
  for (guint i = 0; i < n; i++)
    b[i] = (float) i;

  g_autoptr(HvkOps) ops = hvk_ops_new (device);
  g_autoptr(HvkRecorder) rec = hvk_recorder_new (device, NULL);
  g_autoptr(HvkBuffer) ga = hvk_test_buffer_from (a, count * 4);
  g_autoptr(HvkBuffer) gb = hvk_test_buffer_from (b, n * 4);
  g_autoptr(GError) error = NULL;
  hvk_recorder_begin (rec);
  hvk_op_add (ops, rec, view (ga), view (gb), view (ga), n, rows, 1, &error);
  g_assert_no_error (error);
  submit (rec);
  hvk_test_download (ga, got, count * 4);
  for (gsize i = 0; i < count; i++)
    if (got[i] != a[i] + b[i % n])
      {
        g_test_fail_printf ("element %" G_GSIZE_FORMAT ": expected %g, got %g", i, a[i] + b[i % n], got[i]);
        return;
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/ops/add", GINT_TO_POINTER (OP_ADD), test_binary);
  g_test_add_data_func ("/ops/mul", GINT_TO_POINTER (OP_MUL), test_binary);
  g_test_add_func ("/ops/scale", test_scale);
  g_test_add_func ("/ops/add-chunked", test_add_chunked);
  return g_test_run ();
}
