/* hvk-types.h: the weight types the kernels read (hvk-types.def). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The weight types the kernels read, with ggml's block layouts: one per
 * line of hvk-types.def (HVK_TYPE_F32, HVK_TYPE_Q4_K, ...). */
typedef enum {
#define HVK_TYPE(NAME, suffix, ggml_id, block, bytes) HVK_TYPE_##NAME,
#include "hvk-types.def"
#undef HVK_TYPE
  HVK_TYPE_COUNT
} HvkType;

/* Bytes of one row of n elements (n must be a multiple of the block size). */
guint64  hvk_type_row_size     (HvkType type, guint64 n);
guint32  hvk_type_block_size   (HvkType type);
guint32  hvk_type_block_bytes  (HvkType type);
/* ggml's name of the type ("Q4_K") and the shader suffix ("q4_k"). */
const char *hvk_type_name      (HvkType type);
const char *hvk_type_suffix    (HvkType type);
/* ggml's (and GGUF's) id of the type. */
guint32  hvk_type_ggml_id      (HvkType type);
/* The HvkType of a GGUF tensor type id; FALSE if no kernel reads it. */
gboolean hvk_type_from_ggml    (guint32 ggml_id, HvkType *out);
/* "F32, F16, Q4_0, … or Q6_K": every type the kernels read, for messages. */
const char *hvk_types_describe (void);

G_END_DECLS
