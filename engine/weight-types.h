/* weight-types.h: which GGUF tensor types the engine runs, for callers that
 * do not see the kernels (the CLI, the catalog). Implemented in
 * weight-upload.c from vulkan/hvk-types.def. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether a kernel runs tensors of GGML type id. */
gboolean    weight_type_is_runnable (guint32 type);
/* "F32, F16, BF16, … or IQ4_XS": every type the engine runs, for messages. */
const char *weight_types_describe   (void);

G_END_DECLS
