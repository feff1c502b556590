/* hvk-shaders.h: the SPIR-V embedded in the binary, by shader name, and the
 * weight kernels' variants by kernel and weight type. */
#pragma once

#include <glib.h>

#include "hvk-types.h"

typedef struct {
  const char    *name;
  const guint32 *words;
  gsize          n_bytes;
} HvkShader;

/* The kernels compiled once per weight type (vulkan/shaders/meson.build's
 * weight_kernels, same order and names). */
typedef enum {
  HVK_KERNEL_MATVEC,
  HVK_KERNEL_MATVEC_ID,
  HVK_KERNEL_MATMUL,
  HVK_KERNEL_MATMUL_RB,
  HVK_KERNEL_GET_ROWS,
  HVK_KERNEL_COUNT
} HvkWeightKernel;

/* NULL if no shader of that name was built. */
const HvkShader *hvk_shader_lookup (const char *name);

/* The variant of kernel for weights of type; never NULL. */
const HvkShader *hvk_weight_shader (HvkWeightKernel kernel, HvkType type);
