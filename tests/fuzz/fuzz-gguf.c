#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-gguf: any bytes as a GGUF file, the way a downloaded model reaches
 * Hearth: the reader, every typed accessor on every key (right type or
 * wrong), every array element, the tensor table, the tokenizer and the
 * model catalog's description of the file (the names the UI shows). */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "gguf.h"
#include "model-catalog.h"
#include "tokenizer.h"

static char *gguf_path;

static void
remove_temp_file (void)
{
  unlink (gguf_path);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  gguf_path = fuzz_temp_file ("hearth-fuzz-XXXXXX.gguf");
  atexit (remove_temp_file);
  return 0;
}

static void
read_array (const GgufValue *v)
{
  for (guint64 i = 0; i < v->arr.n; i++)
    {
      if (v->arr.items != NULL)
        {
          const GgufValue *item = &v->arr.items[i];
          if (item->type == GGUF_TYPE_STRING)
            fuzz_touch (item->str.data, item->str.len);
          else if (item->type == GGUF_TYPE_ARRAY)
            read_array (item);
        }
      else if (v->arr.elem_type == GGUF_TYPE_FLOAT32 || v->arr.elem_type == GGUF_TYPE_FLOAT64)
        (void) gguf_array_get_float (v, i);
      else
        (void) gguf_array_get_int (v, i);
    }
}

/* Each getter either succeeds with a sane value or fails with a message. */
static void
read_key (GgufFile *file, const char *key)
{
  guint32 u32;
  guint64 u64;
  gint32 i32;
  float f32;
  gboolean b;
  const GgufValue *array;

#define TRY(call)                                               \
  do {                                                          \
    g_autoptr (GError) error_ = NULL;                           \
    if (!(call))                                                \
      fuzz_check_error (error_);                                \
  } while (0)
  TRY (gguf_file_get_u32 (file, key, &u32, &error_));
  TRY (gguf_file_get_u64 (file, key, &u64, &error_));
  TRY (gguf_file_get_i32 (file, key, &i32, &error_));
  TRY (gguf_file_get_f32 (file, key, &f32, &error_));
  TRY (gguf_file_get_bool (file, key, &b, &error_));
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *s = NULL;
    if (gguf_file_get_string (file, key, &s, &error))
      g_assert (g_utf8_validate (s, -1, NULL));
    else
      fuzz_check_error (error);
  }
  for (GgufType t = GGUF_TYPE_UINT8; t <= GGUF_TYPE_FLOAT64; t++)
    {
      g_autoptr (GError) error = NULL;
      if (gguf_file_get_array (file, key, t, &array, &error))
        read_array (array);
      else
        fuzz_check_error (error);
    }
#undef TRY
}

static void
use_tokenizer (GgufFile *file)
{
  g_autoptr (GError) error = NULL;
  HearthTokenizer *tok = hearth_tokenizer_new_from_gguf (file, &error);

  if (tok == NULL)
    {
      fuzz_check_error (error);
      return;
    }
  fuzz_round_trip (tok, "Hello, world! 123 ünïcödé <s> 你好\n\t", -1, TRUE, TRUE);
  hearth_tokenizer_free (tok);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (HearthModelInfo) info = NULL;

  fuzz_write_file (gguf_path, data, size);
  file = gguf_file_open (gguf_path, &error);
  if (file == NULL)
    {
      fuzz_check_error (error);
      return 0;
    }
  for (guint64 i = 0; i < gguf_file_n_keys (file); i++)
    {
      const char *key = gguf_file_key_at (file, i);
      g_assert (g_utf8_validate (key, -1, NULL));
      g_assert (gguf_file_lookup (file, key) == gguf_file_value_at (file, i));
      read_key (file, key);
    }
  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    {
      const GgufTensor *t = gguf_file_tensor_at (file, i);
      g_assert (gguf_file_find_tensor (file, t->name) == t);
      g_assert (t->n_bytes <= gguf_file_get_size (file));
      /* The first and the last byte are inside the mapping. */
      if (t->n_bytes > 0)
        {
          fuzz_touch ((const char *) t->data, 1);
          fuzz_touch ((const char *) t->data + t->n_bytes - 1, 1);
        }
    }
  use_tokenizer (file);

  info = hearth_model_catalog_inspect_file (gguf_path, HEARTH_MODEL_SOURCE_USER, NULL, 512);
  g_assert (info->name != NULL && g_utf8_validate (info->name, -1, NULL));
  g_assert (info->error == NULL || g_utf8_validate (info->error, -1, NULL));
  g_assert (info->architecture == NULL || g_utf8_validate (info->architecture, -1, NULL));
  g_assert (info->quantization == NULL || g_utf8_validate (info->quantization, -1, NULL));
  g_assert (info->unsupported_reason == NULL || g_utf8_validate (info->unsupported_reason, -1, NULL));
  g_assert (info->projector_type == NULL || g_utf8_validate (info->projector_type, -1, NULL));
  return 0;
}
