/* ops-matmul-private.h: test hooks of ops-matmul.c. */
#pragma once

#include "hvk-ops.h"

G_BEGIN_DECLS

/* Caps the bytes one weight/table binding may span below the device's
 * max_storage_buffer_range (0 restores the device limit), so tests can
 * exercise the multi-dispatch split with small tensors. */
void _hvk_ops_set_max_binding_range (HvkOps *ops, guint64 max_range);

/* With TRUE, a CPU driver gets the kernels and workgroup shapes chosen for
 * GPUs (tiled matmul.comp instead of matmul_rb.comp for batches,
 * multi-subgroup matvec), so tests on lavapipe cover both choices. */
void _hvk_ops_set_gpu_kernels (HvkOps *ops, gboolean gpu);

G_END_DECLS
