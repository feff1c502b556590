/* hvk-shaders.h: the SPIR-V embedded in the binary, by shader name. */
#pragma once

#include <glib.h>

typedef struct {
  const char    *name;
  const guint32 *words;
  gsize          n_bytes;
} HvkShader;

/* NULL if no shader of that name was built. */
const HvkShader *hvk_shader_lookup (const char *name);
