#define G_LOG_DOMAIN "hearth-test"

/* test-gguf: the GGUF reader on every GGUF in ../shared, on a small file
 * written here byte by byte, on every truncation of it and on targeted
 * corruptions, each of which must fail with a message naming the field. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gguf.h"
#include "gguf-test-util.h"

/* ---- a tiny GGUF writer ------------------------------------------------ */

/* Where the fields that the corruption tests patch ended up. */
typedef struct {
  GByteArray *bytes;
  gsize pos_n_tensors, pos_n_kv;
  gsize pos_name_len;          /* u64 length of general.name's value */
  gsize pos_key_i8;            /* first byte of the key "test.i8" */
  gsize pos_strings_len;       /* u64 length of test.strings */
  gsize pos_alignment;         /* u32 value of general.alignment */
  gsize pos_tensor_b_name;     /* first byte of the name "blk.0.b" */
  gsize pos_tensor_a_ndims, pos_tensor_a_ne;
  gsize pos_tensor_b_type, pos_tensor_b_offset;
} TestFile;

#define TEST_ALIGNMENT 64
#define N_TEST_KEYS    17

static void
put_f32 (GByteArray *b, float f)
{
  guint32 bits;
  memcpy (&bits, &f, sizeof bits);
  gguf_put_u32 (b, bits);
}

static void
patch_u32 (GByteArray *b, gsize pos, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  memcpy (b->data + pos, &le, sizeof le);
}

static void
patch_u64 (GByteArray *b, gsize pos, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);
  memcpy (b->data + pos, &le, sizeof le);
}

static void
put_key_values (TestFile *f)
{
  GByteArray *b = f->bytes;
  guint8 u8 = 200, i8 = (guint8) -100;

  gguf_put_key (b, "general.architecture", GGUF_TYPE_STRING);
  gguf_put_string (b, "testarch");
  gguf_put_key (b, "general.name", GGUF_TYPE_STRING);
  f->pos_name_len = b->len;
  gguf_put_string (b, "Tiny Test");
  gguf_put_key (b, "general.alignment", GGUF_TYPE_UINT32);
  f->pos_alignment = b->len;
  gguf_put_u32 (b, TEST_ALIGNMENT);
  gguf_put_key (b, "test.u8", GGUF_TYPE_UINT8);
  g_byte_array_append (b, &u8, 1);
  f->pos_key_i8 = b->len + 8;
  gguf_put_key (b, "test.i8", GGUF_TYPE_INT8);
  g_byte_array_append (b, &i8, 1);
  gguf_put_key (b, "test.u16", GGUF_TYPE_UINT16);
  g_byte_array_append (b, (const guint8 *) "\x34\x12", 2);
  gguf_put_key (b, "test.i16", GGUF_TYPE_INT16);
  g_byte_array_append (b, (const guint8 *) "\xfe\xff", 2);
  gguf_put_key (b, "test.u32", GGUF_TYPE_UINT32);
  gguf_put_u32 (b, 4000000000u);
  gguf_put_key (b, "test.i32", GGUF_TYPE_INT32);
  gguf_put_u32 (b, (guint32) -123456);
  gguf_put_key (b, "test.f32", GGUF_TYPE_FLOAT32);
  put_f32 (b, 1e-5f);
  gguf_put_key (b, "test.bool", GGUF_TYPE_BOOL);
  g_byte_array_append (b, (const guint8 *) "\x01", 1);
  gguf_put_key (b, "test.u64", GGUF_TYPE_UINT64);
  gguf_put_u64 (b, G_GUINT64_CONSTANT (0x123456789abcdef0));
  gguf_put_key (b, "test.i64", GGUF_TYPE_INT64);
  gguf_put_u64 (b, (guint64) G_GINT64_CONSTANT (-5000000000));
  gguf_put_key (b, "test.f64", GGUF_TYPE_FLOAT64);
  {
    double d = 3.25;
    guint64 bits;
    memcpy (&bits, &d, sizeof bits);
    gguf_put_u64 (b, bits);
  }
  gguf_put_key (b, "test.strings", GGUF_TYPE_ARRAY);
  gguf_put_u32 (b, GGUF_TYPE_STRING);
  f->pos_strings_len = b->len;
  gguf_put_u64 (b, 3);
  gguf_put_string (b, "<s>");
  gguf_put_string (b, "");
  gguf_put_string (b, "héllo");
  gguf_put_key (b, "test.floats", GGUF_TYPE_ARRAY);
  gguf_put_u32 (b, GGUF_TYPE_FLOAT32);
  gguf_put_u64 (b, 2);
  put_f32 (b, 0.5f);
  put_f32 (b, -2.0f);
  /* [[1, -2], [], [3]] as int32 */
  gguf_put_key (b, "test.nested", GGUF_TYPE_ARRAY);
  gguf_put_u32 (b, GGUF_TYPE_ARRAY);
  gguf_put_u64 (b, 3);
  gguf_put_u32 (b, GGUF_TYPE_INT32); gguf_put_u64 (b, 2); gguf_put_u32 (b, 1); gguf_put_u32 (b, (guint32) -2);
  gguf_put_u32 (b, GGUF_TYPE_INT32); gguf_put_u64 (b, 0);
  gguf_put_u32 (b, GGUF_TYPE_INT32); gguf_put_u64 (b, 1); gguf_put_u32 (b, 3);
}

/* Tensors: "blk.0.a" F32 [4, 2] at 0 (32 bytes) and "blk.0.b" Q8_0 [64]
 * at 64 (68 bytes). The file ends exactly where b's data ends, so every
 * shorter prefix is truncated. */
static void
put_tensor_infos (TestFile *f)
{
  GByteArray *b = f->bytes;

  gguf_put_string (b, "blk.0.a");
  f->pos_tensor_a_ndims = b->len;
  gguf_put_u32 (b, 2);
  f->pos_tensor_a_ne = b->len;
  gguf_put_u64 (b, 4);
  gguf_put_u64 (b, 2);
  gguf_put_u32 (b, 0);   /* F32 */
  gguf_put_u64 (b, 0);

  f->pos_tensor_b_name = b->len + 8;
  gguf_put_string (b, "blk.0.b");
  gguf_put_u32 (b, 1);
  gguf_put_u64 (b, 64);
  f->pos_tensor_b_type = b->len;
  gguf_put_u32 (b, 8);   /* Q8_0 */
  f->pos_tensor_b_offset = b->len;
  gguf_put_u64 (b, 64);
}

static guint8
test_data_byte (gsize i)
{
  return (guint8) (i * 7 + 3);
}

static void
test_file_build (TestFile *f)
{
  GByteArray *b = f->bytes = g_byte_array_new ();
  gsize data_start;

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  gguf_put_u32 (b, 3);
  f->pos_n_tensors = b->len;
  gguf_put_u64 (b, 2);
  f->pos_n_kv = b->len;
  gguf_put_u64 (b, N_TEST_KEYS);
  put_key_values (f);
  put_tensor_infos (f);

  while (b->len % TEST_ALIGNMENT != 0)
    g_byte_array_append (b, (const guint8 *) "", 1);
  data_start = b->len;
  for (gsize i = 0; i < 64 + 68; i++)
    {
      guint8 v = test_data_byte (i);
      g_byte_array_append (b, &v, 1);
    }
  g_assert_cmpuint (b->len, ==, data_start + 64 + 68);
}

static void
test_file_clear (TestFile *f)
{
  g_clear_pointer (&f->bytes, g_byte_array_unref);
}

/* Writes bytes to a fresh file in a per-test temporary folder. */
static char *temp_dir;

static char *
write_temp (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  char *path;

  if (temp_dir == NULL)
    {
      temp_dir = g_dir_make_tmp ("test-gguf-XXXXXX", &error);
      g_assert_no_error (error);
    }
  path = g_build_filename (temp_dir, "test.gguf", NULL);
  g_file_set_contents (path, (const char *) data, len, &error);
  g_assert_no_error (error);
  return path;
}

static GgufFile *
open_bytes (const guint8 *data, gsize len, GError **error)
{
  g_autofree char *path = write_temp (data, len);
  GgufFile *file = gguf_file_open (path, error);
  g_unlink (path);
  return file;
}

/* ---- ggml types -------------------------------------------------------- */

static void
test_ggml_types (void)
{
  static const struct { guint32 id; const char *name; guint32 block, bytes; } known[] = {
    { 0, "F32", 1, 4 }, { 1, "F16", 1, 2 }, { 2, "Q4_0", 32, 18 }, { 3, "Q4_1", 32, 20 },
    { 6, "Q5_0", 32, 22 }, { 7, "Q5_1", 32, 24 }, { 8, "Q8_0", 32, 34 }, { 9, "Q8_1", 32, 36 },
    { 10, "Q2_K", 256, 84 }, { 11, "Q3_K", 256, 110 }, { 12, "Q4_K", 256, 144 },
    { 13, "Q5_K", 256, 176 }, { 14, "Q6_K", 256, 210 }, { 15, "Q8_K", 256, 292 },
    { 23, "IQ4_XS", 256, 136 }, { 30, "BF16", 1, 2 }, { 34, "TQ1_0", 256, 54 },
    { 35, "TQ2_0", 256, 66 }, { 39, "MXFP4", 32, 17 },
  };
  static const guint32 valid[] = { 0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                   19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 34, 35, 39 };
  guint64 bytes;

  for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
    {
      const GgmlTypeTraits *t = ggml_type_traits (known[i].id);
      g_assert_nonnull (t);
      g_assert_cmpstr (t->name, ==, known[i].name);
      g_assert_cmpuint (t->block_size, ==, known[i].block);
      g_assert_cmpuint (t->type_size, ==, known[i].bytes);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_nonnull (ggml_type_traits (valid[i]));
  g_assert_null (ggml_type_traits (4));
  g_assert_null (ggml_type_traits (5));
  g_assert_null (ggml_type_traits (31));
  g_assert_null (ggml_type_traits (40));
  g_assert_null (ggml_type_traits (G_MAXUINT32));

  g_assert_true (ggml_type_bytes (12, 512, &bytes));
  g_assert_cmpuint (bytes, ==, 288);
  g_assert_true (ggml_type_bytes (0, 0, &bytes));
  g_assert_cmpuint (bytes, ==, 0);
  g_assert_false (ggml_type_bytes (12, 100, &bytes));          /* not whole blocks */
  g_assert_false (ggml_type_bytes (4, 32, &bytes));            /* removed type */
  g_assert_false (ggml_type_bytes (0, G_GUINT64_CONSTANT (1) << 62, &bytes)); /* overflow */
  g_assert_true (ggml_type_bytes (28, (G_GUINT64_CONSTANT (1) << 61) - 1, &bytes));
  g_assert_false (ggml_type_bytes (28, G_GUINT64_CONSTANT (1) << 61, &bytes));
}

/* ---- the written file -------------------------------------------------- */

static void
check_test_values (GgufFile *file)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  const GgufValue *v, *strings, *floats;
  guint32 u32;
  guint64 u64;
  gint32 i32;
  float f32;
  gboolean flag;

  g_assert_cmpuint (gguf_file_get_version (file), ==, 3);
  g_assert_cmpuint (gguf_file_n_keys (file), ==, N_TEST_KEYS);
  g_assert_cmpuint (gguf_file_get_alignment (file), ==, TEST_ALIGNMENT);
  g_assert_cmpstr (gguf_file_key_at (file, 0), ==, "general.architecture");
  g_assert_cmpint (gguf_file_value_at (file, 3)->type, ==, GGUF_TYPE_UINT8);

  g_assert_true (gguf_file_get_string (file, "general.name", &name, &error));
  g_assert_cmpstr (name, ==, "Tiny Test");
  g_assert_true (gguf_file_get_u32 (file, "test.u8", &u32, &error));
  g_assert_cmpuint (u32, ==, 200);
  g_assert_true (gguf_file_get_i32 (file, "test.i8", &i32, &error));
  g_assert_cmpint (i32, ==, -100);
  g_assert_true (gguf_file_get_u32 (file, "test.u16", &u32, &error));
  g_assert_cmpuint (u32, ==, 0x1234);
  g_assert_true (gguf_file_get_i32 (file, "test.i16", &i32, &error));
  g_assert_cmpint (i32, ==, -2);
  g_assert_true (gguf_file_get_u32 (file, "test.u32", &u32, &error));
  g_assert_cmpuint (u32, ==, 4000000000u);
  g_assert_true (gguf_file_get_i32 (file, "test.i32", &i32, &error));
  g_assert_cmpint (i32, ==, -123456);
  g_assert_true (gguf_file_get_f32 (file, "test.f32", &f32, &error));
  g_assert_cmpfloat (f32, ==, 1e-5f);
  g_assert_true (gguf_file_get_bool (file, "test.bool", &flag, &error));
  g_assert_true (flag);
  g_assert_true (gguf_file_get_u64 (file, "test.u64", &u64, &error));
  g_assert_cmpuint (u64, ==, G_GUINT64_CONSTANT (0x123456789abcdef0));
  g_assert_cmpint (gguf_file_lookup (file, "test.i64")->i64, ==, G_GINT64_CONSTANT (-5000000000));
  g_assert_true (gguf_file_get_f32 (file, "test.f64", &f32, &error));
  g_assert_cmpfloat (f32, ==, 3.25f);
  g_assert_no_error (error);

  /* Absent keys: FALSE without an error, so callers can apply defaults. */
  g_assert_false (gguf_file_get_u32 (file, "test.absent", &u32, &error));
  g_assert_no_error (error);
  g_assert_null (gguf_file_lookup (file, "test.absent"));

  /* Conversions that lose information fail and name the key. */
  g_assert_false (gguf_file_get_i32 (file, "test.u32", &i32, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_assert_nonnull (strstr (error->message, "test.u32"));
  g_clear_error (&error);
  g_assert_false (gguf_file_get_u32 (file, "test.i8", &u32, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_clear_error (&error);
  g_assert_false (gguf_file_get_u32 (file, "general.name", &u32, &error));
  g_assert_nonnull (strstr (error->message, "general.name"));
  g_assert_nonnull (strstr (error->message, "string"));
  g_clear_error (&error);
  g_assert_false (gguf_file_get_array (file, "test.strings", GGUF_TYPE_INT32, &v, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_clear_error (&error);

  g_assert_true (gguf_file_get_array (file, "test.strings", GGUF_TYPE_STRING, &strings, &error));
  g_assert_cmpuint (strings->arr.n, ==, 3);
  g_assert_cmpmem (strings->arr.items[0].str.data, strings->arr.items[0].str.len, "<s>", 3);
  g_assert_cmpuint (strings->arr.items[1].str.len, ==, 0);
  g_assert_cmpmem (strings->arr.items[2].str.data, strings->arr.items[2].str.len, "héllo", strlen ("héllo"));

  g_assert_true (gguf_file_get_array (file, "test.floats", GGUF_TYPE_FLOAT32, &floats, &error));
  g_assert_cmpuint (floats->arr.n, ==, 2);
  g_assert_cmpfloat (gguf_array_get_float (floats, 0), ==, 0.5);
  g_assert_cmpfloat (gguf_array_get_float (floats, 1), ==, -2.0);

  g_assert_true (gguf_file_get_array (file, "test.nested", GGUF_TYPE_ARRAY, &v, &error));
  g_assert_cmpuint (v->arr.n, ==, 3);
  g_assert_cmpint (v->arr.items[0].arr.elem_type, ==, GGUF_TYPE_INT32);
  g_assert_cmpuint (v->arr.items[0].arr.n, ==, 2);
  g_assert_cmpint (gguf_array_get_int (&v->arr.items[0], 0), ==, 1);
  g_assert_cmpint (gguf_array_get_int (&v->arr.items[0], 1), ==, -2);
  g_assert_cmpuint (v->arr.items[1].arr.n, ==, 0);
  g_assert_cmpint (gguf_array_get_int (&v->arr.items[2], 0), ==, 3);
  g_assert_no_error (error);
}

static void
check_test_tensors (GgufFile *file)
{
  const GgufTensor *a, *b;

  g_assert_cmpuint (gguf_file_n_tensors (file), ==, 2);
  a = gguf_file_find_tensor (file, "blk.0.a");
  b = gguf_file_find_tensor (file, "blk.0.b");
  g_assert_true (a == gguf_file_tensor_at (file, 0));
  g_assert_true (b == gguf_file_tensor_at (file, 1));
  g_assert_null (gguf_file_find_tensor (file, "blk.0.c"));

  g_assert_cmpuint (a->n_dims, ==, 2);
  g_assert_cmpuint (a->ne[0], ==, 4);
  g_assert_cmpuint (a->ne[1], ==, 2);
  g_assert_cmpuint (a->ne[2], ==, 1);
  g_assert_cmpuint (a->ne[3], ==, 1);
  g_assert_cmpuint (a->type, ==, 0);
  g_assert_cmpuint (a->offset, ==, 0);
  g_assert_cmpuint (a->n_bytes, ==, 32);
  g_assert_cmpuint (b->n_dims, ==, 1);
  g_assert_cmpuint (b->ne[0], ==, 64);
  g_assert_cmpuint (b->type, ==, 8);
  g_assert_cmpuint (b->offset, ==, 64);
  g_assert_cmpuint (b->n_bytes, ==, 68);

  g_assert_cmpuint (gguf_file_get_data_offset (file) % TEST_ALIGNMENT, ==, 0);
  g_assert_cmpuint (gguf_file_get_data_offset (file) + 64 + 68, ==, gguf_file_get_size (file));
  for (gsize i = 0; i < 32; i++)
    g_assert_cmpuint (a->data[i], ==, test_data_byte (i));
  for (gsize i = 0; i < 68; i++)
    g_assert_cmpuint (b->data[i], ==, test_data_byte (64 + i));
}

static void
test_written_file (void)
{
  TestFile f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GgufFile) file = NULL;

  test_file_build (&f);
  file = open_bytes (f.bytes->data, f.bytes->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (file);
  check_test_values (file);
  check_test_tensors (file);
  test_file_clear (&f);
}

static void
test_every_prefix (void)
{
  TestFile f = { 0 };

  test_file_build (&f);
  for (gsize len = 0; len < f.bytes->len; len++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GgufFile) file = open_bytes (f.bytes->data, len, &error);

      if (file != NULL)
        g_error ("a prefix of %" G_GSIZE_FORMAT " of %u bytes parsed", len, f.bytes->len);
      g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
      g_assert_nonnull (strstr (error->message, "test.gguf"));
    }
  test_file_clear (&f);
}

/* ---- targeted corruptions ---------------------------------------------- */

typedef void (*Corruption) (TestFile *f);

/* Builds the test file, applies a corruption and expects open to fail with
 * `code` and a message containing every needle. */
static void
expect_failure (Corruption corrupt, int code, const char *const *needles)
{
  TestFile f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GgufFile) file = NULL;

  test_file_build (&f);
  corrupt (&f);
  file = open_bytes (f.bytes->data, f.bytes->len, &error);
  g_assert_null (file);
  g_assert_error (error, HEARTH_ENGINE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "test.gguf"));
  for (; *needles != NULL; needles++)
    if (strstr (error->message, *needles) == NULL)
      g_error ("message \"%s\" does not mention \"%s\"", error->message, *needles);
  test_file_clear (&f);
}

#define EXPECT_FAILURE(corrupt, code, ...) \
  expect_failure (corrupt, code, (const char *const[]) { __VA_ARGS__, NULL })

static void huge_kv_count (TestFile *f)     { patch_u64 (f->bytes, f->pos_n_kv, G_GUINT64_CONSTANT (1) << 60); }
static void huge_tensor_count (TestFile *f) { patch_u64 (f->bytes, f->pos_n_tensors, G_GUINT64_CONSTANT (1) << 60); }
static void long_string (TestFile *f)       { patch_u64 (f->bytes, f->pos_name_len, G_GUINT64_CONSTANT (1) << 32); }
static void huge_array (TestFile *f)        { patch_u64 (f->bytes, f->pos_strings_len, G_GUINT64_CONSTANT (1) << 60); }
static void offset_past_end (TestFile *f)   { patch_u64 (f->bytes, f->pos_tensor_b_offset, 128 * TEST_ALIGNMENT); }
static void offset_misaligned (TestFile *f) { patch_u64 (f->bytes, f->pos_tensor_b_offset, 32); }
static void unknown_type (TestFile *f)      { patch_u32 (f->bytes, f->pos_tensor_b_type, 31); }
static void five_dims (TestFile *f)         { patch_u32 (f->bytes, f->pos_tensor_a_ndims, 5); }
static void bad_magic (TestFile *f)         { f->bytes->data[0] = 'X'; }
static void version_1 (TestFile *f)         { patch_u32 (f->bytes, 4, 1); }
static void version_99 (TestFile *f)        { patch_u32 (f->bytes, 4, 99); }
static void alignment_0 (TestFile *f)       { patch_u32 (f->bytes, f->pos_alignment, 0); }
static void alignment_3 (TestFile *f)       { patch_u32 (f->bytes, f->pos_alignment, 3); }
static void duplicate_key (TestFile *f)     { f->bytes->data[f->pos_key_i8 + 5] = 'u'; }      /* test.i8 -> test.u8 */
static void duplicate_tensor (TestFile *f)  { f->bytes->data[f->pos_tensor_b_name + 6] = 'a'; } /* blk.0.b -> blk.0.a */

static void
element_overflow (TestFile *f)
{
  patch_u64 (f->bytes, f->pos_tensor_a_ne, G_GUINT64_CONSTANT (1) << 32);
  patch_u64 (f->bytes, f->pos_tensor_a_ne + 8, G_GUINT64_CONSTANT (1) << 32);
}

static void
test_corruptions (void)
{
  const int corrupt = HEARTH_ENGINE_ERROR_CORRUPT_FILE, unsupported = HEARTH_ENGINE_ERROR_UNSUPPORTED;

  EXPECT_FAILURE (huge_kv_count, corrupt, "key count", "1152921504606846976");
  EXPECT_FAILURE (huge_tensor_count, corrupt, "tensor count", "1152921504606846976");
  EXPECT_FAILURE (long_string, corrupt, "general.name", "4294967296");
  EXPECT_FAILURE (huge_array, corrupt, "test.strings", "array length");
  EXPECT_FAILURE (offset_past_end, corrupt, "blk.0.b", "past the end");
  EXPECT_FAILURE (offset_misaligned, corrupt, "blk.0.b", "alignment");
  EXPECT_FAILURE (unknown_type, unsupported, "blk.0.b", "31");
  EXPECT_FAILURE (five_dims, corrupt, "blk.0.a", "5 dimensions");
  EXPECT_FAILURE (element_overflow, corrupt, "blk.0.a", "element count");
  EXPECT_FAILURE (bad_magic, corrupt, "not a GGUF file");
  EXPECT_FAILURE (version_1, unsupported, "version 1");
  EXPECT_FAILURE (version_99, unsupported, "version 99");
  EXPECT_FAILURE (alignment_0, corrupt, "general.alignment", "0");
  EXPECT_FAILURE (alignment_3, corrupt, "general.alignment", "3");
  EXPECT_FAILURE (duplicate_key, corrupt, "test.u8", "twice");
  EXPECT_FAILURE (duplicate_tensor, corrupt, "blk.0.a", "twice");
}

/* Random byte changes (seeded by the GTest seed, so a failure can be
 * replayed with --seed): each file either parses with every tensor inside
 * it or fails with an engine error, never crashes or reads out of bounds. */
static void
test_random_corruptions (void)
{
  TestFile f = { 0 };
  guint n_parsed = 0;

  test_file_build (&f);
  for (int round = 0; round < 2000; round++)
    {
      g_autoptr(GByteArray) copy = g_byte_array_sized_new (f.bytes->len);
      g_autoptr(GError) error = NULL;
      g_autoptr(GgufFile) file = NULL;
      int n_changes = g_test_rand_int_range (1, 5);

      g_byte_array_append (copy, f.bytes->data, f.bytes->len);
      for (int i = 0; i < n_changes; i++)
        copy->data[g_test_rand_int_range (0, copy->len)] = (guint8) g_test_rand_int_range (0, 256);

      file = open_bytes (copy->data, copy->len, &error);
      if (file == NULL)
        {
          g_assert_true (error->domain == HEARTH_ENGINE_ERROR);
          continue;
        }
      n_parsed++;
      for (guint64 t = 0; t < gguf_file_n_tensors (file); t++)
        {
          const GgufTensor *tensor = gguf_file_tensor_at (file, t);
          g_assert_cmpuint (gguf_file_get_data_offset (file) + tensor->offset + tensor->n_bytes, <=,
                            gguf_file_get_size (file));
        }
    }
  g_test_message ("%u of 2000 corrupted files still parsed", n_parsed);
  test_file_clear (&f);
}

/* A key whose value is an array of an array of ... 100 deep. */
static void
test_depth_bomb (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GgufFile) file = NULL;

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  gguf_put_u32 (b, 3);
  gguf_put_u64 (b, 0);
  gguf_put_u64 (b, 1);
  gguf_put_key (b, "bomb", GGUF_TYPE_ARRAY);
  for (int i = 0; i < 100; i++)
    {
      gguf_put_u32 (b, GGUF_TYPE_ARRAY);
      gguf_put_u64 (b, 1);
    }
  gguf_put_u32 (b, GGUF_TYPE_INT32);
  gguf_put_u64 (b, 0);

  file = open_bytes (b->data, b->len, &error);
  g_assert_null (file);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_assert_nonnull (strstr (error->message, "bomb"));
  g_assert_nonnull (strstr (error->message, "nested"));
}

/* A vocabulary-only file (no tensors) may end without data-section padding. */
static void
test_no_tensors (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GgufFile) file = NULL;

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  gguf_put_u32 (b, 2);
  gguf_put_u64 (b, 0);
  gguf_put_u64 (b, 1);
  gguf_put_key (b, "tokenizer.ggml.model", GGUF_TYPE_STRING);
  gguf_put_string (b, "gpt2");

  file = open_bytes (b->data, b->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (gguf_file_get_version (file), ==, 2);
  g_assert_cmpuint (gguf_file_n_tensors (file), ==, 0);
  g_assert_cmpuint (gguf_file_get_alignment (file), ==, 32);
}

static void
test_missing_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GgufFile) file = gguf_file_open ("/nonexistent/model.gguf", &error);

  g_assert_null (file);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/model.gguf"));
}

/* ---- the shared GGUFs -------------------------------------------------- */

static void
collect_ggufs (const char *dir_path, GPtrArray *out)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *entry;

  if (dir == NULL)
    return;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, entry, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect_ggufs (path, out);
      else if (g_str_has_suffix (entry, ".gguf"))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static void
check_tensor_ranges (GgufFile *file)
{
  guint64 data_offset = gguf_file_get_data_offset (file);
  const guint8 *data_base = NULL;

  g_assert_cmpuint (data_offset % gguf_file_get_alignment (file), ==, 0);
  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    {
      const GgufTensor *t = gguf_file_tensor_at (file, i);
      guint64 n_bytes;

      g_assert_true (ggml_type_bytes (t->type, t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3], &n_bytes));
      g_assert_cmpuint (n_bytes, ==, t->n_bytes);
      g_assert_cmpuint (t->offset % gguf_file_get_alignment (file), ==, 0);
      g_assert_cmpuint (data_offset + t->offset + t->n_bytes, <=, gguf_file_get_size (file));
      /* Every tensor's data pointer must agree on where the section starts. */
      if (data_base == NULL)
        data_base = t->data - t->offset;
      g_assert_true (t->data - t->offset == data_base);
      g_assert_true (gguf_file_find_tensor (file, t->name) == t);
    }
}

static void
test_shared_files (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *models = NULL, *fixtures = NULL;

  if (shared == NULL || !g_file_test (shared, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set or missing: no shared GGUFs to read");
      return;
    }
  models = g_build_filename (shared, "models", NULL);
  fixtures = g_build_filename (shared, "fixtures", NULL);
  collect_ggufs (models, paths);
  collect_ggufs (fixtures, paths);
  g_assert_cmpuint (paths->len, >, 0);

  for (guint i = 0; i < paths->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GgufFile) file = gguf_file_open (paths->pdata[i], &error);

      g_assert_no_error (error);
      check_tensor_ranges (file);
      g_test_message ("%s: v%u, %" G_GUINT64_FORMAT " keys, %" G_GUINT64_FORMAT " tensors",
                      (char *) paths->pdata[i], gguf_file_get_version (file),
                      gguf_file_n_keys (file), gguf_file_n_tensors (file));
    }
}

static GgufFile *
open_shared_model (const char *name)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  GgufFile *file;

  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no stories260K.gguf");
      return NULL;
    }
  path = g_build_filename (shared, "models", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip_printf ("%s is missing", path);
      return NULL;
    }
  file = gguf_file_open (path, &error);
  g_assert_no_error (error);
  return file;
}

static void
test_stories260k (void)
{
  g_autoptr(GgufFile) file = open_shared_model ("stories260K.gguf");
  g_autoptr(GError) error = NULL;
  g_autofree char *arch = NULL, *tokenizer = NULL;
  const GgufValue *tokens, *scores;
  const GgufTensor *t;
  guint32 u32;
  float eps;

  if (file == NULL)
    return;
  g_assert_cmpuint (gguf_file_get_version (file), ==, 3);
  g_assert_cmpuint (gguf_file_get_size (file), ==, 1185376);
  g_assert_cmpuint (gguf_file_n_keys (file), ==, 19);
  g_assert_cmpuint (gguf_file_n_tensors (file), ==, 48);
  g_assert_cmpuint (gguf_file_get_alignment (file), ==, 32);
  g_assert_cmpuint (gguf_file_get_data_offset (file), ==, 14176);

  g_assert_true (gguf_file_get_string (file, "general.architecture", &arch, &error));
  g_assert_cmpstr (arch, ==, "llama");
  g_assert_true (gguf_file_get_u32 (file, "llama.embedding_length", &u32, &error));
  g_assert_cmpuint (u32, ==, 64);
  g_assert_true (gguf_file_get_u32 (file, "llama.feed_forward_length", &u32, &error));
  g_assert_cmpuint (u32, ==, 172);
  g_assert_true (gguf_file_get_u32 (file, "llama.block_count", &u32, &error));
  g_assert_cmpuint (u32, ==, 5);
  g_assert_true (gguf_file_get_u32 (file, "llama.attention.head_count", &u32, &error));
  g_assert_cmpuint (u32, ==, 8);
  g_assert_true (gguf_file_get_u32 (file, "llama.attention.head_count_kv", &u32, &error));
  g_assert_cmpuint (u32, ==, 4);
  g_assert_true (gguf_file_get_u32 (file, "llama.context_length", &u32, &error));
  g_assert_cmpuint (u32, ==, 2048);
  g_assert_true (gguf_file_get_f32 (file, "llama.attention.layer_norm_rms_epsilon", &eps, &error));
  g_assert_cmpfloat (eps, ==, 1e-5f);
  g_assert_false (gguf_file_get_f32 (file, "llama.rope.freq_base", &eps, &error));
  g_assert_true (gguf_file_get_string (file, "tokenizer.ggml.model", &tokenizer, &error));
  g_assert_cmpstr (tokenizer, ==, "llama");

  g_assert_true (gguf_file_get_array (file, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, &error));
  g_assert_cmpuint (tokens->arr.n, ==, 512);
  g_assert_cmpmem (tokens->arr.items[0].str.data, tokens->arr.items[0].str.len, "<unk>", 5);
  g_assert_cmpmem (tokens->arr.items[1].str.data, tokens->arr.items[1].str.len, "<s>", 3);
  g_assert_cmpmem (tokens->arr.items[2].str.data, tokens->arr.items[2].str.len, "</s>", 4);
  g_assert_cmpmem (tokens->arr.items[3].str.data, tokens->arr.items[3].str.len, "<0x00>", 6);
  g_assert_true (gguf_file_get_array (file, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, &scores, &error));
  g_assert_cmpuint (scores->arr.n, ==, 512);
  g_assert_no_error (error);

  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    g_assert_cmpuint (gguf_file_tensor_at (file, i)->type, ==, 0);
  t = gguf_file_find_tensor (file, "token_embd.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->n_dims, ==, 2);
  g_assert_cmpuint (t->ne[0], ==, 64);
  g_assert_cmpuint (t->ne[1], ==, 512);
  g_assert_cmpuint (t->n_bytes, ==, 64 * 512 * 4);
  t = gguf_file_find_tensor (file, "blk.4.ffn_down.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->ne[0], ==, 172);
  g_assert_cmpuint (t->ne[1], ==, 64);
  t = gguf_file_find_tensor (file, "output_norm.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->n_dims, ==, 1);
  g_assert_cmpuint (t->ne[0], ==, 64);
}

/* The quantized copy: 32-element blocks where rows allow, ffn_down stays F32. */
static void
test_stories260k_q4_0 (void)
{
  g_autoptr(GgufFile) file = open_shared_model ("stories260K-q4_0.gguf");
  const GgufTensor *t;

  if (file == NULL)
    return;
  g_assert_cmpuint (gguf_file_n_tensors (file), ==, 48);
  t = gguf_file_find_tensor (file, "blk.0.attn_q.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->type, ==, 2);
  g_assert_cmpuint (t->n_bytes, ==, 64 * 64 / 32 * 18);
  t = gguf_file_find_tensor (file, "blk.0.ffn_down.weight");
  g_assert_nonnull (t);
  g_assert_cmpuint (t->type, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ggml/types", test_ggml_types);
  g_test_add_func ("/gguf/written-file", test_written_file);
  g_test_add_func ("/gguf/every-prefix", test_every_prefix);
  g_test_add_func ("/gguf/corruptions", test_corruptions);
  g_test_add_func ("/gguf/random-corruptions", test_random_corruptions);
  g_test_add_func ("/gguf/depth-bomb", test_depth_bomb);
  g_test_add_func ("/gguf/no-tensors", test_no_tensors);
  g_test_add_func ("/gguf/missing-file", test_missing_file);
  g_test_add_func ("/gguf/shared-files", test_shared_files);
  g_test_add_func ("/gguf/stories260k", test_stories260k);
  g_test_add_func ("/gguf/stories260k-q4_0", test_stories260k_q4_0);
  int status = g_test_run ();
  if (temp_dir != NULL)
    g_rmdir (temp_dir);
  g_free (temp_dir);
  return status;
}
