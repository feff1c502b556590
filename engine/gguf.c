#define G_LOG_DOMAIN "hearth-engine"

/* gguf.c: GGUF v2/v3 reader. The file is mapped read-only and parsed with a
 * bounds-checked cursor: every length and count is compared with the bytes
 * that remain before it is used or allocated for, so the memory we allocate
 * stays proportional to the file size whatever the header claims.
 *
 * Layout (all little-endian):
 *   "GGUF" u32 version, u64 n_tensors, u64 n_kv
 *   n_kv    x { string key, u32 type, value }
 *   n_tensors x { string name, u32 n_dims, u64 ne[n_dims], u32 type, u64 offset }
 *   padding to general.alignment, then the tensor data section. */

#include "gguf.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define GGUF_MAGIC              "GGUF"
#define GGUF_DEFAULT_ALIGNMENT  32
#define GGUF_MAX_DIMS           4
/* Arrays of arrays deeper than this exist in no real file; the bound keeps
 * a hostile file from recursing us off the stack. */
#define GGUF_MAX_ARRAY_DEPTH    8

/* Smallest encodings, used to bound counts by the bytes that remain. */
#define MIN_STRING_BYTES        8                   /* u64 length, no bytes */
#define MIN_KV_BYTES            (MIN_STRING_BYTES + 1 + 4 + 1)
#define MIN_NESTED_ARRAY_BYTES  (4 + 8)             /* u32 type + u64 n */
#define MIN_TENSOR_INFO_BYTES   (MIN_STRING_BYTES + 1 + 4 + 4 + 8)

struct _GgufFile {
  char         *path;
  char         *display_path; /* UTF-8, for messages: a file name may be in any encoding */
  GMappedFile  *mapping;
  const guint8 *bytes;
  guint64       size;
  guint32       version;

  guint64       n_keys;
  char        **keys;          /* n_keys NUL-terminated copies */
  GgufValue    *values;        /* n_keys */
  GHashTable   *key_index;     /* key -> index + 1 */
  GPtrArray    *item_arrays;   /* GgufValue[] of string and nested arrays */

  guint64       n_tensors;
  GgufTensor   *tensors;       /* n_tensors; names owned */
  GHashTable   *tensor_index;  /* name -> index + 1 */
  guint64       alignment;
  guint64       data_offset;
};

/* A read position in the mapping. Every read checks the remaining bytes. */
typedef struct {
  GgufFile *file;
  guint64   pos;
} Cursor;

static const char *
gguf_type_name (guint32 type)
{
  static const char *const names[] = {
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
    "bool", "string", "array", "uint64", "int64", "float64",
  };
  return type < G_N_ELEMENTS (names) ? names[type] : "unknown";
}

/* Bytes per element of a fixed-size type, 0 for STRING/ARRAY/unknown. */
static guint
gguf_type_size (guint32 type)
{
  switch (type)
    {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL:   return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16:                      return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

static gboolean
gguf_type_is_valid (guint32 type)
{
  return type <= GGUF_TYPE_FLOAT64;
}

static guint64
cursor_remaining (const Cursor *c)
{
  return c->file->size - c->pos;
}

/* Fails unless n more bytes are there; `what` names the field. */
static gboolean
cursor_need (Cursor *c, guint64 n, const char *what, GError **error)
{
  if (n <= cursor_remaining (c))
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
               "%s: %s runs past the end of the file (needs %" G_GUINT64_FORMAT
               " bytes at byte %" G_GUINT64_FORMAT ", the file has %" G_GUINT64_FORMAT
               "); the file is truncated or damaged, download it again",
               c->file->display_path, what, n, c->pos, c->file->size);
  return FALSE;
}

static gboolean
cursor_read (Cursor *c, void *out, guint n, const char *what, GError **error)
{
  if (!cursor_need (c, n, what, error))
    return FALSE;
  memcpy (out, c->file->bytes + c->pos, n);
  c->pos += n;
  return TRUE;
}

static gboolean
cursor_u32 (Cursor *c, guint32 *out, const char *what, GError **error)
{
  guint32 le;
  if (!cursor_read (c, &le, sizeof le, what, error))
    return FALSE;
  *out = GUINT32_FROM_LE (le);
  return TRUE;
}

static gboolean
cursor_u64 (Cursor *c, guint64 *out, const char *what, GError **error)
{
  guint64 le;
  if (!cursor_read (c, &le, sizeof le, what, error))
    return FALSE;
  *out = GUINT64_FROM_LE (le);
  return TRUE;
}

static gboolean
cursor_string (Cursor *c, GgufString *out, const char *what, GError **error)
{
  guint64 len;

  if (!cursor_u64 (c, &len, what, error))
    return FALSE;
  if (len > cursor_remaining (c))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: string length %" G_GUINT64_FORMAT " of %s runs past the end "
                   "of the file (it starts at byte %" G_GUINT64_FORMAT ", the file has %"
                   G_GUINT64_FORMAT " bytes); the file is truncated or damaged",
                   c->file->display_path, len, what, c->pos, c->file->size);
      return FALSE;
    }
  out->data = (const char *) c->file->bytes + c->pos;
  out->len = len;
  c->pos += len;
  return TRUE;
}

/* Fails unless `count` items of at least `min_bytes` each could fit in the
 * remaining bytes: checked before anything is allocated for them. */
static gboolean
cursor_check_count (Cursor *c, guint64 count, guint64 min_bytes, const char *what, GError **error)
{
  if (count <= cursor_remaining (c) / min_bytes)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
               "%s: %s is %" G_GUINT64_FORMAT ", more than the %" G_GUINT64_FORMAT
               " bytes left after byte %" G_GUINT64_FORMAT " can hold; the file is damaged",
               c->file->display_path, what, count, cursor_remaining (c), c->pos);
  return FALSE;
}

/* Keys and tensor names become C strings and appear in messages. */
static char *
name_from_string (GgufFile *file, const GgufString *s, const char *what, guint64 index, GError **error)
{
  if (s->len == 0 || memchr (s->data, '\0', s->len) != NULL
      || !g_utf8_validate_len (s->data, s->len, NULL))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: %s #%" G_GUINT64_FORMAT " is empty, contains a NUL byte "
                   "or is not valid UTF-8; the file is damaged",
                   file->display_path, what, index);
      return NULL;
    }
  return g_strndup (s->data, s->len);
}

/* ---- metadata values --------------------------------------------------- */

/* `what` names the key in messages ("key 'general.name'"); it is built once
 * per key, not per element of a 150000-string vocabulary. */
static gboolean read_value (Cursor *c, guint32 type, GgufValue *out, const char *what,
                            guint depth, GError **error);

static gboolean
read_scalar (Cursor *c, guint32 type, GgufValue *out, const char *what, GError **error)
{
  guint8 raw[8] = { 0 };
  guint size = gguf_type_size (type);
  guint64 u;

  if (!cursor_read (c, raw, size, what, error))
    return FALSE;
  memcpy (&u, raw, sizeof u);
  u = GUINT64_FROM_LE (u);

  switch (type)
    {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
      out->u64 = u;
      break;
    case GGUF_TYPE_BOOL:
      if (u > 1)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "%s: bool value of %s is %" G_GUINT64_FORMAT ", not 0 or 1",
                       c->file->display_path, what, u);
          return FALSE;
        }
      out->u64 = u;
      break;
    case GGUF_TYPE_INT8:  out->i64 = (gint8) u;  break;
    case GGUF_TYPE_INT16: out->i64 = (gint16) u; break;
    case GGUF_TYPE_INT32: out->i64 = (gint32) u; break;
    case GGUF_TYPE_INT64: out->i64 = (gint64) u; break;
    case GGUF_TYPE_FLOAT32:
      {
        guint32 bits = (guint32) u;
        float f;
        memcpy (&f, &bits, sizeof f);
        out->f64 = f;
      }
      break;
    case GGUF_TYPE_FLOAT64:
      memcpy (&out->f64, &u, sizeof out->f64);
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static gboolean
read_array (Cursor *c, GgufValue *out, const char *what, guint depth, GError **error)
{
  g_autofree char *type_what = g_strdup_printf ("array element type of %s", what);
  g_autofree char *len_what = g_strdup_printf ("array length of %s", what);
  guint32 elem_type;
  guint64 n;
  guint elem_size;

  if (depth >= GGUF_MAX_ARRAY_DEPTH)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: arrays of %s are nested more than %d deep at byte %"
                   G_GUINT64_FORMAT "; the file is damaged or hostile",
                   c->file->display_path, what, GGUF_MAX_ARRAY_DEPTH, c->pos);
      return FALSE;
    }
  if (!cursor_u32 (c, &elem_type, type_what, error) || !cursor_u64 (c, &n, len_what, error))
    return FALSE;
  if (!gguf_type_is_valid (elem_type))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: array of %s has unknown element type %u",
                   c->file->display_path, what, elem_type);
      return FALSE;
    }

  out->arr.elem_type = elem_type;
  out->arr.n = n;
  out->arr.raw = NULL;
  out->arr.items = NULL;

  elem_size = gguf_type_size (elem_type);
  if (elem_size != 0)
    {
      if (!cursor_check_count (c, n, elem_size, len_what, error))
        return FALSE;
      out->arr.raw = c->file->bytes + c->pos;
      c->pos += n * elem_size;
      return TRUE;
    }

  if (!cursor_check_count (c, n, elem_type == GGUF_TYPE_STRING ? MIN_STRING_BYTES
                                                               : MIN_NESTED_ARRAY_BYTES,
                          len_what, error))
    return FALSE;
  GgufValue *items = g_new0 (GgufValue, MAX (n, 1));
  g_ptr_array_add (c->file->item_arrays, items);
  out->arr.items = items;
  for (guint64 i = 0; i < n; i++)
    if (!read_value (c, elem_type, &items[i], what, depth + 1, error))
      return FALSE;
  return TRUE;
}

static gboolean
read_value (Cursor *c, guint32 type, GgufValue *out, const char *what, guint depth, GError **error)
{
  out->type = type;
  if (type == GGUF_TYPE_STRING)
    return cursor_string (c, &out->str, what, error);
  if (type == GGUF_TYPE_ARRAY)
    return read_array (c, out, what, depth, error);
  return read_scalar (c, type, out, what, error);
}

static gboolean
read_key_values (Cursor *c, GError **error)
{
  GgufFile *file = c->file;

  if (!cursor_check_count (c, file->n_keys, MIN_KV_BYTES, "key count", error))
    return FALSE;
  file->keys = g_new0 (char *, file->n_keys + 1);
  file->values = g_new0 (GgufValue, MAX (file->n_keys, 1));

  for (guint64 i = 0; i < file->n_keys; i++)
    {
      g_autofree char *key_what = g_strdup_printf ("key #%" G_GUINT64_FORMAT, i);
      GgufString key;
      guint32 type;

      if (!cursor_string (c, &key, key_what, error))
        return FALSE;
      file->keys[i] = name_from_string (file, &key, "key", i, error);
      if (file->keys[i] == NULL)
        return FALSE;
      if (g_hash_table_contains (file->key_index, file->keys[i]))
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "%s: key '%s' appears twice; the file is damaged",
                       file->display_path, file->keys[i]);
          return FALSE;
        }
      g_hash_table_insert (file->key_index, file->keys[i], GSIZE_TO_POINTER (i + 1));

      g_autofree char *value_what = g_strdup_printf ("key '%s'", file->keys[i]);
      if (!cursor_u32 (c, &type, value_what, error))
        return FALSE;
      if (!gguf_type_is_valid (type))
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "%s: key '%s' has unknown value type %u",
                       file->display_path, file->keys[i], type);
          return FALSE;
        }
      if (!read_value (c, type, &file->values[i], value_what, 0, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- tensor infos ------------------------------------------------------ */

static gboolean
read_tensor_shape (Cursor *c, GgufTensor *t, GError **error)
{
  g_autofree char *what = g_strdup_printf ("dimensions of tensor '%s'", t->name);
  guint64 n_elements = 1;
  gboolean overflow = FALSE;

  if (!cursor_u32 (c, &t->n_dims, what, error))
    return FALSE;
  if (t->n_dims > GGUF_MAX_DIMS)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: tensor '%s' has %u dimensions, at most %d are allowed",
                   c->file->display_path, t->name, t->n_dims, GGUF_MAX_DIMS);
      return FALSE;
    }
  for (guint d = 0; d < GGUF_MAX_DIMS; d++)
    t->ne[d] = 1;
  for (guint d = 0; d < t->n_dims; d++)
    if (!cursor_u64 (c, &t->ne[d], what, error))
      return FALSE;

  /* A zero dimension makes an empty tensor, but the other dimensions must
   * still multiply without overflow: ggml computes strides from them. */
  for (guint d = 0; d < GGUF_MAX_DIMS; d++)
    if (t->ne[d] != 0)
      overflow |= !g_uint64_checked_mul (&n_elements, n_elements, t->ne[d]);
  if (overflow || n_elements > G_MAXINT64)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: element count of tensor '%s' [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   ", %" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] overflows 63 bits",
                   c->file->display_path, t->name, t->ne[0], t->ne[1], t->ne[2], t->ne[3]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
compute_tensor_size (GgufFile *file, GgufTensor *t, GError **error)
{
  const GgmlTypeTraits *traits = ggml_type_traits (t->type);
  guint64 n_elements = t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]; /* checked in read_tensor_shape */

  if (traits == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: tensor '%s' has ggml type %u, which Hearth does not know "
                   "(a newer or removed quantization); convert the model to a common "
                   "type such as Q4_K_M or Q8_0",
                   file->display_path, t->name, t->type);
      return FALSE;
    }
  if (t->ne[0] % traits->block_size != 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: tensor '%s' of type %s has rows of %" G_GUINT64_FORMAT
                   " elements, not a multiple of the block size %u",
                   file->display_path, t->name, traits->name, t->ne[0], traits->block_size);
      return FALSE;
    }
  if (!ggml_type_bytes (t->type, n_elements, &t->n_bytes))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: byte size of tensor '%s' (%" G_GUINT64_FORMAT " elements of %s) "
                   "overflows 64 bits", file->display_path, t->name, n_elements, traits->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_tensor_info (Cursor *c, guint64 index, GError **error)
{
  GgufFile *file = c->file;
  GgufTensor *t = &file->tensors[index];
  g_autofree char *name_what = g_strdup_printf ("name of tensor #%" G_GUINT64_FORMAT, index);
  GgufString name;

  if (!cursor_string (c, &name, name_what, error))
    return FALSE;
  t->name = name_from_string (file, &name, "tensor name", index, error);
  if (t->name == NULL)
    return FALSE;
  if (g_hash_table_contains (file->tensor_index, t->name))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: tensor '%s' appears twice; the file is damaged", file->display_path, t->name);
      return FALSE;
    }
  g_hash_table_insert (file->tensor_index, (char *) t->name, GSIZE_TO_POINTER (index + 1));

  g_autofree char *type_what = g_strdup_printf ("type of tensor '%s'", t->name);
  g_autofree char *offset_what = g_strdup_printf ("offset of tensor '%s'", t->name);
  return read_tensor_shape (c, t, error)
         && cursor_u32 (c, &t->type, type_what, error)
         && cursor_u64 (c, &t->offset, offset_what, error)
         && compute_tensor_size (file, t, error);
}

static gboolean
place_tensor_data (GgufFile *file, GgufTensor *t, GError **error)
{
  guint64 start, end;

  if (t->offset % file->alignment != 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: offset %" G_GUINT64_FORMAT " of tensor '%s' is not a multiple "
                   "of the alignment %" G_GUINT64_FORMAT "; the file is damaged",
                   file->display_path, t->offset, t->name, file->alignment);
      return FALSE;
    }
  if (!g_uint64_checked_add (&start, file->data_offset, t->offset)
      || !g_uint64_checked_add (&end, start, t->n_bytes)
      || end > file->size)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: data of tensor '%s' (%" G_GUINT64_FORMAT " bytes at offset %"
                   G_GUINT64_FORMAT " of the data section, which starts at byte %"
                   G_GUINT64_FORMAT ") runs past the end of the file (%" G_GUINT64_FORMAT
                   " bytes); the file is truncated, download it again",
                   file->display_path, t->name, t->n_bytes, t->offset, file->data_offset, file->size);
      return FALSE;
    }
  t->data = file->bytes + start;
  return TRUE;
}

static gboolean
read_tensor_infos (Cursor *c, GError **error)
{
  GgufFile *file = c->file;

  if (!cursor_check_count (c, file->n_tensors, MIN_TENSOR_INFO_BYTES, "tensor count", error))
    return FALSE;
  file->tensors = g_new0 (GgufTensor, MAX (file->n_tensors, 1));
  for (guint64 i = 0; i < file->n_tensors; i++)
    if (!read_tensor_info (c, i, error))
      return FALSE;
  return TRUE;
}

/* ---- header ------------------------------------------------------------ */

static gboolean
read_header (Cursor *c, GError **error)
{
  GgufFile *file = c->file;
  char magic[4];

  if (!cursor_read (c, magic, sizeof magic, "magic", error)
      || !cursor_u32 (c, &file->version, "version", error))
    return FALSE;
  if (memcmp (magic, GGUF_MAGIC, sizeof magic) != 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: not a GGUF file (magic bytes %02x %02x %02x %02x, expected \"GGUF\")",
                   file->display_path, (guint8) magic[0], (guint8) magic[1], (guint8) magic[2],
                   (guint8) magic[3]);
      return FALSE;
    }
  if (file->version == 1)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: GGUF version 1 (from 2023) is not supported; convert the model "
                   "again with a current llama.cpp", file->display_path);
      return FALSE;
    }
  if (file->version != 2 && file->version != 3)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: GGUF version %u is not supported (only 2 and 3%s)", file->display_path,
                   file->version,
                   GUINT32_SWAP_LE_BE (file->version) - 1 < 3 ? "; this looks like a big-endian file" : "");
      return FALSE;
    }
  return cursor_u64 (c, &file->n_tensors, "tensor count", error)
         && cursor_u64 (c, &file->n_keys, "key count", error);
}

static gboolean
read_alignment (GgufFile *file, GError **error)
{
  guint32 alignment = GGUF_DEFAULT_ALIGNMENT;
  GError *local_error = NULL;

  if (!gguf_file_get_u32 (file, "general.alignment", &alignment, &local_error)
      && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (alignment == 0 || (alignment & (alignment - 1)) != 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: general.alignment is %u, not a power of two", file->display_path, alignment);
      return FALSE;
    }
  file->alignment = alignment;
  return TRUE;
}

static gboolean
parse (GgufFile *file, GError **error)
{
  Cursor c = { file, 0 };

  if (!read_header (&c, error) || !read_key_values (&c, error) || !read_alignment (file, error)
      || !read_tensor_infos (&c, error))
    return FALSE;

  /* Vocab-only files may end right after the infos, without padding; the
   * data offset then lies past the end and no tensor can point there. */
  file->data_offset = c.pos + (file->alignment - c.pos % file->alignment) % file->alignment;
  for (guint64 i = 0; i < file->n_tensors; i++)
    if (!place_tensor_data (file, &file->tensors[i], error))
      return FALSE;
  return TRUE;
}

GgufFile *
gguf_file_open (const char *path, GError **error)
{
  g_autoptr(GgufFile) file = g_new0 (GgufFile, 1);
  g_autoptr(GError) map_error = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  file->path = g_strdup (path);
  file->display_path = g_filename_display_name (path);
  file->key_index = g_hash_table_new (g_str_hash, g_str_equal);
  file->tensor_index = g_hash_table_new (g_str_hash, g_str_equal);
  file->item_arrays = g_ptr_array_new_with_free_func (g_free);

  file->mapping = g_mapped_file_new (path, FALSE, &map_error);
  if (file->mapping == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "%s; check the path and that the file is readable", map_error->message);
      return NULL;
    }
  file->bytes = (const guint8 *) g_mapped_file_get_contents (file->mapping);
  file->size = g_mapped_file_get_length (file->mapping);

  if (!parse (file, error))
    return NULL;
  return g_steal_pointer (&file);
}

void
gguf_file_free (GgufFile *file)
{
  if (file == NULL)
    return;
  if (file->tensors != NULL)
    for (guint64 i = 0; i < file->n_tensors; i++)
      g_free ((char *) file->tensors[i].name);
  g_free (file->tensors);
  g_strfreev (file->keys);
  g_free (file->values);
  g_clear_pointer (&file->key_index, g_hash_table_unref);
  g_clear_pointer (&file->tensor_index, g_hash_table_unref);
  g_clear_pointer (&file->item_arrays, g_ptr_array_unref);
  g_clear_pointer (&file->mapping, g_mapped_file_unref);
  g_free (file->path);
  g_free (file->display_path);
  g_free (file);
}

/* ---- accessors --------------------------------------------------------- */

const char *
gguf_file_get_path (GgufFile *file)
{
  return file->path;
}

guint32
gguf_file_get_version (GgufFile *file)
{
  return file->version;
}

guint64
gguf_file_get_size (GgufFile *file)
{
  return file->size;
}

guint64
gguf_file_get_alignment (GgufFile *file)
{
  return file->alignment;
}

guint64
gguf_file_get_data_offset (GgufFile *file)
{
  return file->data_offset;
}

guint64
gguf_file_n_keys (GgufFile *file)
{
  return file->n_keys;
}

const char *
gguf_file_key_at (GgufFile *file, guint64 index)
{
  g_return_val_if_fail (index < file->n_keys, NULL);
  return file->keys[index];
}

const GgufValue *
gguf_file_value_at (GgufFile *file, guint64 index)
{
  g_return_val_if_fail (index < file->n_keys, NULL);
  return &file->values[index];
}

const GgufValue *
gguf_file_lookup (GgufFile *file, const char *key)
{
  gsize index = GPOINTER_TO_SIZE (g_hash_table_lookup (file->key_index, key));
  return index == 0 ? NULL : &file->values[index - 1];
}

guint64
gguf_file_n_tensors (GgufFile *file)
{
  return file->n_tensors;
}

const GgufTensor *
gguf_file_tensor_at (GgufFile *file, guint64 index)
{
  g_return_val_if_fail (index < file->n_tensors, NULL);
  return &file->tensors[index];
}

const GgufTensor *
gguf_file_find_tensor (GgufFile *file, const char *name)
{
  gsize index = GPOINTER_TO_SIZE (g_hash_table_lookup (file->tensor_index, name));
  return index == 0 ? NULL : &file->tensors[index - 1];
}

/* ---- typed getters ----------------------------------------------------- */

static gboolean
type_is_unsigned (GgufType type)
{
  return type == GGUF_TYPE_UINT8 || type == GGUF_TYPE_UINT16
         || type == GGUF_TYPE_UINT32 || type == GGUF_TYPE_UINT64;
}

static gboolean
type_is_signed (GgufType type)
{
  return type == GGUF_TYPE_INT8 || type == GGUF_TYPE_INT16
         || type == GGUF_TYPE_INT32 || type == GGUF_TYPE_INT64;
}

static gboolean
wrong_type (GgufFile *file, const char *key, const GgufValue *v, const char *expected, GError **error)
{
  if (v->type == GGUF_TYPE_ARRAY)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "%s: key '%s' is an array of %s, expected %s",
                 file->display_path, key, gguf_type_name (v->arr.elem_type), expected);
  else
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "%s: key '%s' has type %s, expected %s",
                 file->display_path, key, gguf_type_name (v->type), expected);
  return FALSE;
}

/* Any integer-typed value that lies within [min, max], given as u64 and i64. */
static gboolean
get_integer (GgufFile *file, const char *key, gint64 min, guint64 max,
             guint64 *out_u, gint64 *out_i, GError **error)
{
  const GgufValue *v = gguf_file_lookup (file, key);
  gboolean fits;

  if (v == NULL)
    return FALSE;
  if (type_is_unsigned (v->type))
    fits = v->u64 <= max;
  else if (type_is_signed (v->type))
    fits = v->i64 >= min && (v->i64 < 0 || (guint64) v->i64 <= max);
  else
    return wrong_type (file, key, v, "an integer", error);

  if (!fits)
    {
      if (type_is_unsigned (v->type))
        g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                     "%s: value %" G_GUINT64_FORMAT " of key '%s' is out of range "
                     "(%" G_GINT64_FORMAT " to %" G_GUINT64_FORMAT ")",
                     file->display_path, v->u64, key, min, max);
      else
        g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                     "%s: value %" G_GINT64_FORMAT " of key '%s' is out of range "
                     "(%" G_GINT64_FORMAT " to %" G_GUINT64_FORMAT ")",
                     file->display_path, v->i64, key, min, max);
      return FALSE;
    }
  if (out_u != NULL)
    *out_u = type_is_unsigned (v->type) ? v->u64 : (guint64) v->i64;
  if (out_i != NULL)
    *out_i = type_is_unsigned (v->type) ? (gint64) v->u64 : v->i64;
  return TRUE;
}

gboolean
gguf_file_get_u32 (GgufFile *file, const char *key, guint32 *out, GError **error)
{
  guint64 u;
  if (!get_integer (file, key, 0, G_MAXUINT32, &u, NULL, error))
    return FALSE;
  *out = (guint32) u;
  return TRUE;
}

gboolean
gguf_file_get_u64 (GgufFile *file, const char *key, guint64 *out, GError **error)
{
  return get_integer (file, key, 0, G_MAXUINT64, out, NULL, error);
}

gboolean
gguf_file_get_i32 (GgufFile *file, const char *key, gint32 *out, GError **error)
{
  gint64 i;
  if (!get_integer (file, key, G_MININT32, G_MAXINT32, NULL, &i, error))
    return FALSE;
  *out = (gint32) i;
  return TRUE;
}

gboolean
gguf_file_get_f32 (GgufFile *file, const char *key, float *out, GError **error)
{
  const GgufValue *v = gguf_file_lookup (file, key);

  if (v == NULL)
    return FALSE;
  if (v->type == GGUF_TYPE_FLOAT32)
    {
      *out = (float) v->f64;
      return TRUE;
    }
  /* float64 narrows with rounding (1e-5 has no exact float), but only
   * within float's range. */
  if (v->type == GGUF_TYPE_FLOAT64 && !(isfinite (v->f64) && fabs (v->f64) > FLT_MAX))
    {
      *out = (float) v->f64;
      return TRUE;
    }
  /* Integers up to 2^24 are exact in a float. */
  if ((type_is_unsigned (v->type) && v->u64 <= (1u << 24))
      || (type_is_signed (v->type) && v->i64 >= -(1 << 24) && v->i64 <= (1 << 24)))
    {
      *out = type_is_unsigned (v->type) ? (float) v->u64 : (float) v->i64;
      return TRUE;
    }
  return wrong_type (file, key, v, "a float32", error);
}

gboolean
gguf_file_get_bool (GgufFile *file, const char *key, gboolean *out, GError **error)
{
  const GgufValue *v = gguf_file_lookup (file, key);

  if (v == NULL)
    return FALSE;
  if (v->type != GGUF_TYPE_BOOL)
    return wrong_type (file, key, v, "a bool", error);
  *out = v->u64 != 0;
  return TRUE;
}

gboolean
gguf_file_get_string (GgufFile *file, const char *key, char **out, GError **error)
{
  const GgufValue *v = gguf_file_lookup (file, key);

  if (v == NULL)
    return FALSE;
  if (v->type != GGUF_TYPE_STRING)
    return wrong_type (file, key, v, "a string", error);
  /* GGUF strings are UTF-8, and these go on into labels, prompts and logs. */
  const char *invalid;
  if (!g_utf8_validate_len (v->str.data, v->str.len, &invalid))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: string value of key '%s' %s at byte %" G_GSIZE_FORMAT "; the file is damaged",
                   file->display_path, key, *invalid == '\0' ? "contains a NUL byte" : "is not valid UTF-8",
                   (gsize) (invalid - v->str.data));
      return FALSE;
    }
  *out = g_strndup (v->str.data, v->str.len);
  return TRUE;
}

gboolean
gguf_file_get_array (GgufFile *file, const char *key, GgufType elem_type,
                     const GgufValue **out, GError **error)
{
  const GgufValue *v = gguf_file_lookup (file, key);

  if (v == NULL)
    return FALSE;
  if (v->type != GGUF_TYPE_ARRAY || v->arr.elem_type != elem_type)
    {
      g_autofree char *expected = g_strdup_printf ("an array of %s", gguf_type_name (elem_type));
      return wrong_type (file, key, v, expected, error);
    }
  *out = v;
  return TRUE;
}

/* ---- array elements ---------------------------------------------------- */

static guint64
array_read_bits (const GgufValue *array, guint64 index)
{
  guint size = gguf_type_size (array->arr.elem_type);
  guint8 raw[8] = { 0 };
  guint64 u;

  memcpy (raw, array->arr.raw + index * size, size);
  memcpy (&u, raw, sizeof u);
  return GUINT64_FROM_LE (u);
}

gint64
gguf_array_get_int (const GgufValue *array, guint64 index)
{
  guint64 u;

  g_return_val_if_fail (array->type == GGUF_TYPE_ARRAY && array->arr.raw != NULL, 0);
  g_return_val_if_fail (index < array->arr.n, 0);

  u = array_read_bits (array, index);
  switch (array->arr.elem_type)
    {
    case GGUF_TYPE_INT8:  return (gint8) u;
    case GGUF_TYPE_INT16: return (gint16) u;
    case GGUF_TYPE_INT32: return (gint32) u;
    case GGUF_TYPE_FLOAT32: case GGUF_TYPE_FLOAT64:
      return (gint64) gguf_array_get_float (array, index);
    default: return (gint64) u;  /* unsigned, bool, int64 */
    }
}

double
gguf_array_get_float (const GgufValue *array, guint64 index)
{
  guint64 u;

  g_return_val_if_fail (array->type == GGUF_TYPE_ARRAY && array->arr.raw != NULL, 0.0);
  g_return_val_if_fail (index < array->arr.n, 0.0);

  u = array_read_bits (array, index);
  switch (array->arr.elem_type)
    {
    case GGUF_TYPE_FLOAT32:
      {
        guint32 bits = (guint32) u;
        float f;
        memcpy (&f, &bits, sizeof f);
        return f;
      }
    case GGUF_TYPE_FLOAT64:
      {
        double d;
        memcpy (&d, &u, sizeof d);
        return d;
      }
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32:
    case GGUF_TYPE_UINT64: case GGUF_TYPE_BOOL:
      return (double) u;
    default:
      return (double) gguf_array_get_int (array, index);
    }
}
