/* ggml-types.h: sizes and block layouts of every tensor type a published
 * GGUF may hold (ids as in ggml), whether or not the engine runs it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ggml's type ids, which GGUF stores verbatim as a tensor's type: a
 * file-format fact. The kernels have their own HvkType; weight-upload.h maps
 * one onto the other. */
typedef enum {
  GGML_TYPE_F32     = 0,
  GGML_TYPE_F16     = 1,
  GGML_TYPE_Q4_0    = 2,
  GGML_TYPE_Q4_1    = 3,
  GGML_TYPE_Q5_0    = 6,
  GGML_TYPE_Q5_1    = 7,
  GGML_TYPE_Q8_0    = 8,
  GGML_TYPE_Q8_1    = 9,
  GGML_TYPE_Q2_K    = 10,
  GGML_TYPE_Q3_K    = 11,
  GGML_TYPE_Q4_K    = 12,
  GGML_TYPE_Q5_K    = 13,
  GGML_TYPE_Q6_K    = 14,
  GGML_TYPE_Q8_K    = 15,
  GGML_TYPE_IQ2_XXS = 16,
  GGML_TYPE_IQ2_XS  = 17,
  GGML_TYPE_IQ3_XXS = 18,
  GGML_TYPE_IQ1_S   = 19,
  GGML_TYPE_IQ4_NL  = 20,
  GGML_TYPE_IQ3_S   = 21,
  GGML_TYPE_IQ2_S   = 22,
  GGML_TYPE_IQ4_XS  = 23,
  GGML_TYPE_I8      = 24,
  GGML_TYPE_I16     = 25,
  GGML_TYPE_I32     = 26,
  GGML_TYPE_I64     = 27,
  GGML_TYPE_F64     = 28,
  GGML_TYPE_IQ1_M   = 29,
  GGML_TYPE_BF16    = 30,
  GGML_TYPE_TQ1_0   = 34,
  GGML_TYPE_TQ2_0   = 35,
  GGML_TYPE_MXFP4   = 39,
} GgmlType;

typedef struct {
  GgmlType    id;
  const char *name;        /* "Q4_K", "F16", ... */
  guint32     block_size;  /* elements per block */
  guint32     type_size;   /* bytes per block */
  gint16      f16_scales[2]; /* byte offsets of the block's f16 scales (d, dmin / m), -1: none */
} GgmlTypeTraits;

/* NULL for an id that no ggml version defines (or that was removed). Ids
 * are guint32 because a file may hold any number. */
const GgmlTypeTraits *ggml_type_traits (guint32 id);
/* Bytes for n elements, FALSE on overflow or n not a multiple of the block. */
gboolean ggml_type_bytes (guint32 id, guint64 n, guint64 *out_bytes);

/* llama.cpp's name of a general.file_type value ("Q4_K - Medium", "BF16"),
 * the name users know a download by; NULL for a value it does not define. */
char *ggml_file_type_name (guint32 file_type);

G_END_DECLS
