#define G_LOG_DOMAIN "hearth-vulkan"

/* ops-binary.c: element-wise add, mul (binary.comp) and scale (scale.comp). */

#include "hvk-ops-private.h"

#define WORKGROUP_SIZE 128

/* Mirrors binary.comp's push constants. */
typedef struct {
  guint32 n;
  guint32 row_len;
  guint32 broadcast;
  guint32 first_col;
} BinaryPush;
G_STATIC_ASSERT (sizeof (BinaryPush) == 16);

/* Mirrors scale.comp's push constants. */
typedef struct {
  guint32 n;
  float   s;
} ScalePush;
G_STATIC_ASSERT (sizeof (ScalePush) == 8);

/* Elements per dispatch so that an f32 binding stays within
 * max_storage_buffer_range; a multiple of 1024 so that every chunk's byte
 * offset (a multiple of 4096) keeps the views' offset alignment. */
static guint64
max_chunk_elements (HvkOps *ops)
{
  guint64 n = hvk_device_get_info (ops->device)->max_storage_buffer_range / 4;
  return MIN (n, G_MAXUINT32) / 1024 * 1024;
}

static HvkView
view_at (HvkView view, guint64 first_element)
{
  return (HvkView) { view.buffer, view.offset + first_element * 4 };
}

static void
dispatch_1d (HvkOps *ops, HvkRecorder *rec, HvkPipeline *pipeline, const HvkBinding *bindings,
             guint n_bindings, const void *push, guint32 push_size, guint64 n)
{
  guint32 gx, gy;
  _hvk_groups_1d (ops, (n + WORKGROUP_SIZE - 1) / WORKGROUP_SIZE, &gx, &gy);
  hvk_recorder_dispatch (rec, pipeline, bindings, n_bindings, push, push_size, gx, gy, 1);
}

static gboolean
binary_op (HvkOps *ops, HvkRecorder *rec, const char *shader, HvkView a, HvkView b, HvkView y,
           guint n, guint rows, guint b_rows, GError **error)
{
  g_return_val_if_fail (n > 0 && rows > 0, FALSE);
  g_return_val_if_fail (b_rows == 1 || b_rows == rows, FALSE);

  const guint32 spec[] = { WORKGROUP_SIZE };
  HvkPipeline *pipeline = _hvk_ops_pipeline (ops, shader, 3, sizeof (BinaryPush),
                                             spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  gboolean broadcast = b_rows == 1 && rows > 1;
  guint64 total = (guint64) n * rows;
  guint64 chunk = max_chunk_elements (ops);
  for (guint64 first = 0; first < total; first += chunk)
    {
      guint64 count = MIN (chunk, total - first);
      BinaryPush push = {
        .n = (guint32) count,
        .row_len = n,
        .broadcast = broadcast,
        .first_col = (guint32) (first % n),
      };
      HvkBinding bindings[] = {
        _hvk_bind (view_at (a, first), count * 4, FALSE),
        broadcast ? _hvk_bind (b, (guint64) n * 4, FALSE) : _hvk_bind (view_at (b, first), count * 4, FALSE),
        _hvk_bind (view_at (y, first), count * 4, TRUE),
      };
      dispatch_1d (ops, rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push, count);
    }
  return TRUE;
}

gboolean
hvk_op_add (HvkOps *ops, HvkRecorder *rec, HvkView a, HvkView b, HvkView y,
            guint n, guint rows, guint b_rows, GError **error)
{
  return binary_op (ops, rec, "binary_add", a, b, y, n, rows, b_rows, error);
}

gboolean
hvk_op_mul (HvkOps *ops, HvkRecorder *rec, HvkView a, HvkView b, HvkView y,
            guint n, guint rows, guint b_rows, GError **error)
{
  return binary_op (ops, rec, "binary_mul", a, b, y, n, rows, b_rows, error);
}

gboolean
hvk_op_scale (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView y, guint64 n,
              float s, GError **error)
{
  g_return_val_if_fail (n > 0, FALSE);

  const guint32 spec[] = { WORKGROUP_SIZE };
  HvkPipeline *pipeline = _hvk_ops_pipeline (ops, "scale", 2, sizeof (ScalePush),
                                             spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  guint64 chunk = max_chunk_elements (ops);
  for (guint64 first = 0; first < n; first += chunk)
    {
      guint64 count = MIN (chunk, n - first);
      ScalePush push = { .n = (guint32) count, .s = s };
      HvkBinding bindings[] = {
        _hvk_bind (view_at (x, first), count * 4, FALSE),
        _hvk_bind (view_at (y, first), count * 4, TRUE),
      };
      dispatch_1d (ops, rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push, count);
    }
  return TRUE;
}
