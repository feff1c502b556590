/* gguf.h: a reader for GGUF v2/v3 files. The file is memory-mapped; tensor
 * data and strings are never copied. Every count, length and offset is
 * checked before use, so a truncated or hostile file yields a
 * HEARTH_ENGINE_ERROR_CORRUPT_FILE error naming the file, the field and the
 * problem, never a crash or a huge allocation. */
#pragma once

#include <glib.h>
#include "hearth-engine-error.h"
#include "ggml-types.h"

G_BEGIN_DECLS

typedef enum {
  GGUF_TYPE_UINT8   = 0,
  GGUF_TYPE_INT8    = 1,
  GGUF_TYPE_UINT16  = 2,
  GGUF_TYPE_INT16   = 3,
  GGUF_TYPE_UINT32  = 4,
  GGUF_TYPE_INT32   = 5,
  GGUF_TYPE_FLOAT32 = 6,
  GGUF_TYPE_BOOL    = 7,
  GGUF_TYPE_STRING  = 8,
  GGUF_TYPE_ARRAY   = 9,
  GGUF_TYPE_UINT64  = 10,
  GGUF_TYPE_INT64   = 11,
  GGUF_TYPE_FLOAT64 = 12,
} GgufType;

/* Bytes per element of a fixed-size type, 0 for STRING/ARRAY/unknown. */
guint gguf_type_size (guint32 type);

/* A string inside the mapping: not NUL-terminated. */
typedef struct {
  const char *data;
  guint64     len;
} GgufString;

typedef struct _GgufValue GgufValue;
struct _GgufValue {
  GgufType type;
  union {
    guint64    u64;   /* UINT8/16/32/64 and BOOL (0/1) */
    gint64     i64;   /* INT8/16/32/64 */
    double     f64;   /* FLOAT32/64 */
    GgufString str;
    struct {
      GgufType         elem_type;
      guint64          n;
      const guint8    *raw;   /* numeric/bool elements, little-endian, unaligned, in the mapping */
      const GgufValue *items; /* STRING and ARRAY elements (n of them); NULL otherwise */
    } arr;
  };
};

typedef struct {
  const char   *name;      /* NUL-terminated copy */
  guint32       n_dims;
  guint64       ne[4];     /* ne[0] is the contiguous dimension; unused dims are 1 */
  guint32       type;      /* ggml type id, see ggml-types.h */
  guint64       offset;    /* from the start of the data section */
  guint64       n_bytes;
  const guint8 *data;      /* inside the mapping */
} GgufTensor;

typedef struct _GgufFile GgufFile;

GgufFile         *gguf_file_open        (const char *path, GError **error);
void              gguf_file_free        (GgufFile *file);
const char       *gguf_file_get_path    (GgufFile *file);
guint32           gguf_file_get_version (GgufFile *file);
guint64           gguf_file_get_size    (GgufFile *file);

/* Metadata. Keys are looked up in a hash table built at open. */
guint64           gguf_file_n_keys      (GgufFile *file);
const char       *gguf_file_key_at      (GgufFile *file, guint64 index);
const GgufValue  *gguf_file_value_at    (GgufFile *file, guint64 index);
const GgufValue  *gguf_file_lookup      (GgufFile *file, const char *key); /* NULL if absent */

/* Typed getters: FALSE + CORRUPT_FILE error (naming the key and the type
 * found) if present with a type that cannot convert losslessly; when the key
 * is absent they return FALSE without setting an error, so callers can
 * apply defaults. Integer getters accept any integer type whose value fits. */
gboolean gguf_file_get_u32    (GgufFile *file, const char *key, guint32 *out, GError **error);
gboolean gguf_file_get_u64    (GgufFile *file, const char *key, guint64 *out, GError **error);
gboolean gguf_file_get_i32    (GgufFile *file, const char *key, gint32 *out, GError **error);
gboolean gguf_file_get_f32    (GgufFile *file, const char *key, float *out, GError **error);
gboolean gguf_file_get_bool   (GgufFile *file, const char *key, gboolean *out, GError **error);
/* Returns a newly allocated NUL-terminated copy. */
gboolean gguf_file_get_string (GgufFile *file, const char *key, char **out, GError **error);
/* An array value with the given element type (STRING arrays give items[]). */
gboolean gguf_file_get_array  (GgufFile *file, const char *key, GgufType elem_type,
                               const GgufValue **out, GError **error);

/* Element access for numeric arrays (memcpy from the unaligned mapping). */
gint64   gguf_array_get_int   (const GgufValue *array, guint64 index);
double   gguf_array_get_float (const GgufValue *array, guint64 index);

/* Tensors. */
guint64           gguf_file_n_tensors   (GgufFile *file);
const GgufTensor *gguf_file_tensor_at   (GgufFile *file, guint64 index);
const GgufTensor *gguf_file_find_tensor (GgufFile *file, const char *name); /* NULL if absent */
guint64           gguf_file_get_alignment (GgufFile *file);
/* Byte offset of the data section in the file; tensor offsets count from here. */
guint64           gguf_file_get_data_offset (GgufFile *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GgufFile, gguf_file_free)

G_END_DECLS
