#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-tokenizer: arbitrary bytes through encode, decode and the streaming
 * decoder, on a byte-level BPE vocabulary for each pre-tokenizer and on a
 * SentencePiece one. The first byte picks the vocabulary and the flags;
 * the rest is the text, then read again as token ids (some out of range)
 * for the decoders, which must turn any id sequence into something safe. */

#include <string.h>

#include "fuzz-util.h"
#include "tokenizer-test-util.h"

/* One name per HearthPreTokenizer; NULL is the default rule. */
static const char *const pre_names[] = {
  NULL, "llama-bpe", "qwen2", "gpt-2", "smollm", "falcon",
  "deepseek-llm", "deepseek-coder", "poro-chat", "viking",
};

#define N_VOCABS (G_N_ELEMENTS (pre_names) + 1)
static HearthTokenizer *vocabs[N_VOCABS];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  for (guint i = 0; i < G_N_ELEMENTS (pre_names); i++)
    vocabs[i] = tokenizer_test_bpe (pre_names[i]);
  vocabs[N_VOCABS - 1] = tokenizer_test_spm ();
  return 0;
}

/* Valid UTF-8, where U+0000 counts as a character (the byte token 0x00). */
static gboolean
is_utf8_with_nuls (const char *text, gsize len)
{
  const char *end = text + len, *stop;

  while (!g_utf8_validate (text, end - text, &stop))
    {
      if (*stop != '\0')
        return FALSE;
      text = stop + 1;
    }
  return TRUE;
}

static void
decode_ids (HearthTokenizer *tok, const guint8 *data, gsize size, gboolean render_special)
{
  guint32 n_vocab = hearth_tokenizer_n_vocab (tok);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (tok, render_special);
  g_autoptr (GString) streamed = g_string_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = NULL;
  gsize decoded_len = 0;

  /* Two bytes per id: ids up to 64 past the vocabulary and a few negative. */
  for (gsize i = 0; i + 1 < size; i += 2)
    {
      gint32 id = (gint32) ((data[i] << 8 | data[i + 1]) % (n_vocab + 64)) - 2;
      g_array_append_val (ids, id);
      hearth_token_stream_push (stream, id, streamed);
    }
  hearth_token_stream_flush (stream, streamed);
  g_assert (is_utf8_with_nuls (streamed->str, streamed->len));

  decoded = hearth_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, render_special,
                                     &decoded_len, &error);
  if (decoded == NULL)
    fuzz_check_error (error);
  else
    fuzz_touch (decoded, decoded_len);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  if (size < 1)
    return 0;
  HearthTokenizer *tok = vocabs[(data[0] & 0x0f) % N_VOCABS];
  gboolean add_special = (data[0] & 0x10) != 0;
  gboolean parse_special = (data[0] & 0x20) != 0;
  gboolean render_special = (data[0] & 0x40) != 0;
  /* Copies of exactly the text's size (with its NUL for the second), so
   * that ASan sees a read past the end. */
  g_autofree char *exact = g_malloc (MAX (size - 1, 1));
  g_autofree char *terminated = g_strndup ((const char *) data + 1, size - 1);

  memcpy (exact, data + 1, size - 1);
  fuzz_round_trip (tok, exact, (gssize) size - 1, add_special, parse_special);
  fuzz_round_trip (tok, terminated, -1, add_special, parse_special);
  decode_ids (tok, data + 1, size - 1, render_special);
  return 0;
}
