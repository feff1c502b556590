#define G_LOG_DOMAIN "hearth-tokenizer"

/* A tokenizer from a GGUF file's tokenizer.* keys: the vocabulary spec
 * read and checked, then built by hearth_tokenizer_new_from_spec(). */

#include "tokenizer.h"

#include <string.h>

static gboolean
get_string_array (GgufFile *file, const char *key, gboolean required, const char ***texts,
                  gsize **lens, guint32 *n, GError **error)
{
  const GgufValue *array = NULL;
  GError *local = NULL;

  if (!gguf_file_get_array (file, key, GGUF_TYPE_STRING, &array, &local))
    {
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      if (!required)
        return TRUE;
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: the key %s is missing, so this file has no usable vocabulary",
                   gguf_file_get_path (file), key);
      return FALSE;
    }
  if (array->arr.n > G_MAXINT32)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: %s has %" G_GUINT64_FORMAT " entries, more than a vocabulary can hold",
                   gguf_file_get_path (file), key, array->arr.n);
      return FALSE;
    }
  *n = (guint32) array->arr.n;
  *texts = g_new (const char *, *n + 1);
  *lens = g_new (gsize, *n + 1);
  for (guint32 i = 0; i < *n; i++)
    {
      (*texts)[i] = array->arr.items[i].str.data;
      (*lens)[i] = array->arr.items[i].str.len;
    }
  return TRUE;
}

/* A numeric per-token array, or NULL if absent; its length must match. */
static gboolean
get_token_array (GgufFile *file, const char *key, GgufType type, guint32 n_tokens,
                 const GgufValue **out, GError **error)
{
  GError *local = NULL;

  *out = NULL;
  if (!gguf_file_get_array (file, key, type, out, &local))
    {
      *out = NULL;
      if (local == NULL)
        return TRUE;
      g_propagate_error (error, local);
      return FALSE;
    }
  if ((*out)->arr.n != n_tokens)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: %s has %" G_GUINT64_FORMAT " entries but tokenizer.ggml.tokens has %u",
                   gguf_file_get_path (file), key, (*out)->arr.n, n_tokens);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_id (GgufFile *file, const char *key, gint64 *out, GError **error)
{
  GError *local = NULL;
  guint32 value;

  *out = HEARTH_VOCAB_DEFAULT;
  if (gguf_file_get_u32 (file, key, &value, &local))
    *out = value == G_MAXUINT32 ? -1 : (gint64) value; /* llama.cpp writes -1 as UINT32_MAX */
  else if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_flag (GgufFile *file, const char *key, int *out, GError **error)
{
  GError *local = NULL;
  gboolean value;

  *out = HEARTH_VOCAB_DEFAULT;
  if (gguf_file_get_bool (file, key, &value, &local))
    *out = value ? 1 : 0;
  else if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return TRUE;
}

/* Errors about the vocabulary name the file it came from. */
static HearthTokenizer *
new_from_spec_in_file (GgufFile *file, const HearthVocabSpec *spec, GError **error)
{
  GError *local = NULL;
  HearthTokenizer *tok = hearth_tokenizer_new_from_spec (spec, &local);

  if (tok == NULL)
    g_propagate_prefixed_error (error, local, "%s: ", gguf_file_get_path (file));
  return tok;
}

HearthTokenizer *
hearth_tokenizer_new_from_gguf (GgufFile *file, GError **error)
{
  g_autofree char *model = NULL;
  g_autofree char *pre = NULL;
  g_autofree const char **tokens = NULL, **merges = NULL;
  g_autofree gsize *token_lens = NULL, *merge_lens = NULL;
  g_autofree float *scores = NULL;
  g_autofree gint32 *types = NULL;
  const GgufValue *score_array, *type_array;
  HearthVocabSpec spec = { 0 };
  GError *local = NULL;

  if (!gguf_file_get_string (file, "tokenizer.ggml.model", &model, &local))
    {
      if (local == NULL)
        g_set_error (&local, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                     "%s: the key tokenizer.ggml.model is missing, so this file has no vocabulary",
                     gguf_file_get_path (file));
      g_propagate_error (error, local);
      return NULL;
    }
  if (!gguf_file_get_string (file, "tokenizer.ggml.pre", &pre, &local) && local != NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  spec.model = model;
  spec.pre = pre;
  if (g_strcmp0 (model, "llama") != 0 && g_strcmp0 (model, "gpt2") != 0)
    return new_from_spec_in_file (file, &spec, error); /* the UNSUPPORTED message */

  if (!get_string_array (file, "tokenizer.ggml.tokens", TRUE, &tokens, &token_lens, &spec.n_tokens, error)
      || !get_string_array (file, "tokenizer.ggml.merges", FALSE, &merges, &merge_lens, &spec.n_merges, error)
      || !get_token_array (file, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, spec.n_tokens, &score_array, error)
      || !get_token_array (file, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, spec.n_tokens, &type_array, error))
    return NULL;
  if (score_array != NULL)
    {
      scores = g_new (float, spec.n_tokens);
      for (guint32 i = 0; i < spec.n_tokens; i++)
        scores[i] = (float) gguf_array_get_float (score_array, i);
    }
  if (type_array != NULL)
    {
      types = g_new (gint32, spec.n_tokens);
      for (guint32 i = 0; i < spec.n_tokens; i++)
        types[i] = (gint32) gguf_array_get_int (type_array, i);
    }
  spec.tokens = tokens, spec.token_lens = token_lens;
  spec.merges = merges, spec.merge_lens = merge_lens;
  spec.scores = scores, spec.types = types;

  if (!get_id (file, "tokenizer.ggml.bos_token_id", &spec.bos, error)
      || !get_id (file, "tokenizer.ggml.eos_token_id", &spec.eos, error)
      || !get_id (file, "tokenizer.ggml.eot_token_id", &spec.eot, error)
      || !get_id (file, "tokenizer.ggml.eom_token_id", &spec.eom, error)
      || !get_id (file, "tokenizer.ggml.unknown_token_id", &spec.unk, error)
      || !get_id (file, "tokenizer.ggml.padding_token_id", &spec.pad, error)
      || !get_flag (file, "tokenizer.ggml.add_bos_token", &spec.add_bos, error)
      || !get_flag (file, "tokenizer.ggml.add_eos_token", &spec.add_eos, error)
      || !get_flag (file, "tokenizer.ggml.add_space_prefix", &spec.add_space_prefix, error))
    return NULL;

  return new_from_spec_in_file (file, &spec, error);
}
