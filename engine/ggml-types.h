/* ggml-types.h: sizes and block layouts of every tensor type a published
 * GGUF may hold (ids as in ggml), whether or not the engine runs it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint32     id;
  const char *name;        /* "Q4_K", "F16", ... */
  guint32     block_size;  /* elements per block */
  guint32     type_size;   /* bytes per block */
} GgmlTypeTraits;

/* NULL for an id that no ggml version defines (or that was removed). */
const GgmlTypeTraits *ggml_type_traits (guint32 id);
/* Bytes for n elements, FALSE on overflow or n not a multiple of the block. */
gboolean ggml_type_bytes (guint32 id, guint64 n, guint64 *out_bytes);

G_END_DECLS
