/* hvk-ops-private.h: what the ops-*.c files share: the pipeline cache of an
 * HvkOps, binding helpers and the split of long 1-D dispatches. */
#pragma once

#include "hvk-ops.h"

struct _HvkOps {
  HvkDevice  *device;
  GHashTable *pipelines;   /* "name/spec0/spec1…" → HvkPipeline */
};

/* The pipeline of shader_name with these specialization constants, created
 * on first use and kept until hvk_ops_free(). */
HvkPipeline *_hvk_ops_pipeline (HvkOps *ops, const char *shader_name, guint n_bindings,
                                guint32 push_size, const guint32 *spec, guint n_spec,
                                GError **error);

/* A binding of n_bytes at view (view.offset must be aligned, see hvk-ops.h). */
HvkBinding   _hvk_bind (HvkView view, guint64 n_bytes, gboolean writes);

/* Splits n_groups workgroups into gx × gy (each at most 65535, the minimum
 * every device supports) with gx · gy >= n_groups. Shaders rebuild the
 * linear group id as gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x
 * and return when it is >= n_groups. */
void         _hvk_groups_1d (HvkOps *ops, guint64 n_groups, guint32 *gx, guint32 *gy);
