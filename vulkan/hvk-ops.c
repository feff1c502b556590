#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-ops.c: the pipelines and helpers every op shares. */

#include "hvk-ops-private.h"

HvkOps *
hvk_ops_new (HvkDevice *device)
{
  g_return_val_if_fail (device != NULL, NULL);
  HvkOps *self = g_new0 (HvkOps, 1);
  self->device = device;
  self->pipelines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) hvk_pipeline_free);
  return self;
}

void
hvk_ops_free (HvkOps *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->pipelines);
  g_free (self);
}

HvkDevice *
hvk_ops_get_device (HvkOps *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->device;
}

HvkPipeline *
_hvk_ops_pipeline (HvkOps *self, const char *shader_name, guint n_bindings, guint32 push_size,
                   const guint32 *spec, guint n_spec, GError **error)
{
  g_autoptr(GString) key = g_string_new (shader_name);
  for (guint i = 0; i < n_spec; i++)
    g_string_append_printf (key, "/%u", spec[i]);

  HvkPipeline *pipeline = g_hash_table_lookup (self->pipelines, key->str);
  if (pipeline != NULL)
    return pipeline;
  pipeline = hvk_pipeline_new (self->device, shader_name, n_bindings, push_size, spec, n_spec, error);
  if (pipeline != NULL)
    g_hash_table_insert (self->pipelines, g_strdup (key->str), pipeline);
  return pipeline;
}

HvkBinding
_hvk_bind (HvkView view, guint64 n_bytes, gboolean writes)
{
  return (HvkBinding) { view.buffer, view.offset, n_bytes, writes };
}

void
_hvk_groups_1d (HvkOps *self, guint64 n_groups, guint32 *gx, guint32 *gy)
{
  const guint64 max_x = 65535;
  *gx = *gy = 0;   /* a dispatch of 0 groups is refused if the guard below fails */
  guint64 y = (n_groups + max_x - 1) / max_x;
  g_return_if_fail (n_groups > 0 && y <= hvk_device_get_info (self->device)->max_workgroup_count[1]);
  *gy = (guint32) y;
  *gx = (guint32) ((n_groups + y - 1) / y);
}
