#define G_LOG_DOMAIN "hearth-vulkan"

/* ops-pixel-shuffle.c: space-to-depth of vision patches (pixel_shuffle.comp),
 * the idefics3 connector that merges s×s neighbouring patches into one token. */

#include "hvk-ops-private.h"

#define WORKGROUP_SIZE 256

/* Mirrors pixel_shuffle.comp's push constants. */
typedef struct {
  guint32 n;
  guint32 d;
  guint32 grid;
  guint32 s;
} PixelShufflePush;
G_STATIC_ASSERT (sizeof (PixelShufflePush) == 16);

gboolean
hvk_op_pixel_shuffle (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView y, guint n_tiles,
                      guint grid, guint d, guint s, GError **error)
{
  g_return_val_if_fail (n_tiles > 0 && d > 0 && s > 0 && grid % s == 0, FALSE);
  guint64 n = (guint64) n_tiles * grid * grid * d;
  g_return_val_if_fail (n * 4 <= hvk_device_get_info (ops->device)->max_storage_buffer_range, FALSE);

  const guint32 spec[] = { WORKGROUP_SIZE };
  HvkPipeline *pipeline = _hvk_ops_pipeline (ops, "pixel_shuffle", 2, sizeof (PixelShufflePush),
                                             spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  PixelShufflePush push = { .n = (guint32) n, .d = d, .grid = grid, .s = s };
  HvkBinding bindings[] = {
    _hvk_bind (x, n * 4, FALSE),
    _hvk_bind (y, n * 4, TRUE),
  };
  guint32 gx, gy;
  _hvk_groups_1d (ops, (n + WORKGROUP_SIZE - 1) / WORKGROUP_SIZE, &gx, &gy);
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push, gx, gy, 1);
  return TRUE;
}
