#define G_LOG_DOMAIN "hearth-test"

/* Tokenizer properties on small vocabularies built here (no ../shared):
 * merge order, special tokens, decode(encode(x)) == x on random Unicode
 * text for byte-level and SentencePiece vocabularies, and a streaming
 * decoder that never emits invalid UTF-8. Plus the pre-tokenizers' split
 * rules on hand-checked strings. */

#include <string.h>

#include "pretokenize.h"
#include "tokenizer-test-util.h"
#include "tokenizer.h"
#include "unicode.h"

static void
assert_ids (HearthTokenizer *tok, const char *text, gboolean add_special, gboolean parse_special,
            const gint32 *want, guint n_want)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;

  g_assert_true (hearth_tokenizer_encode (tok, text, -1, add_special, parse_special, ids, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (ids->data, ids->len * sizeof (gint32), want, n_want * sizeof (gint32));
}

#define ASSERT_IDS(tok, text, add, parse, ...)                                         \
  do {                                                                                 \
    const gint32 want_[] = { __VA_ARGS__ };                                            \
    assert_ids (tok, text, add, parse, want_, G_N_ELEMENTS (want_));                    \
  } while (0)

static void
test_bpe_merges (void)
{
  g_autoptr (HearthTokenizer) tok = tokenizer_test_bpe ("gpt-2");

  ASSERT_IDS (tok, " the", FALSE, FALSE, 258);
  ASSERT_IDS (tok, "the", FALSE, FALSE, 't', 257);  /* h e ranks before t h */
  ASSERT_IDS (tok, "你", FALSE, FALSE, 262);
  ASSERT_IDS (tok, "x<|eot_id|>", FALSE, FALSE, 'x', '<', '|', 'e', 'o', 't', '_', 'i', 'd', '|', '>');
  ASSERT_IDS (tok, "x<|eot_id|>", FALSE, TRUE, 'x', 260);
  ASSERT_IDS (tok, "a<tag>b", FALSE, FALSE, 'a', 261, 'b'); /* user-defined: always */
  g_assert_cmpint (hearth_tokenizer_lookup (tok, "<|eot_id|>", -1), ==, 260);
  g_assert_true (hearth_tokenizer_is_eog (tok, 260));
  g_assert_false (hearth_tokenizer_is_eog (tok, 'a'));
  g_assert_false (hearth_tokenizer_adds_bos (tok)); /* gpt2 without the key: no BOS */
}

static void
test_bpe_ignore_merges (void)
{
  g_autoptr (HearthTokenizer) tok = tokenizer_test_bpe ("llama-bpe");

  /* "th" is a token: llama-bpe takes whole-word tokens before merging. */
  ASSERT_IDS (tok, "th", FALSE, FALSE, 259);
  g_assert_true (hearth_tokenizer_adds_bos (tok));
}

static void
test_spm_merges (void)
{
  g_autoptr (HearthTokenizer) tok = tokenizer_test_spm ();
  g_autofree char *text = NULL;
  gsize len;

  ASSERT_IDS (tok, "the", FALSE, FALSE, 264);
  ASSERT_IDS (tok, "the", TRUE, FALSE, 1, 264);
  /* unknown characters fall back to bytes: "€" = E2 82 AC */
  ASSERT_IDS (tok, "€", FALSE, FALSE, 259, 3 + 0xE2, 3 + 0x82, 3 + 0xAC);
  ASSERT_IDS (tok, "", FALSE, FALSE);
  text = hearth_tokenizer_decode (tok, (const gint32[]) { 1, 264, 259, 265 }, 4, FALSE, &len, NULL);
  g_assert_cmpstr (text, ==, "the t");
}

static void
test_unsupported (void)
{
  g_autoptr (GError) error = NULL;
  const char *text = "a";
  gsize len = 1;
  HearthVocabSpec spec = { .model = "bert", .n_tokens = 1, .tokens = &text, .token_lens = &len };

  g_assert_null (hearth_tokenizer_new_from_spec (&spec, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  spec = (HearthVocabSpec) { .model = "gpt2", .pre = "no-such-pre", .n_tokens = 1,
                             .tokens = &text, .token_lens = &len };
  g_assert_null (hearth_tokenizer_new_from_spec (&spec, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
}

/* Random text from several scripts, with spaces, newlines and emoji. */
static char *
random_text (GRand *rand)
{
  static const gunichar blocks[][2] = {
    { 'a', 'z' }, { 'A', 'Z' }, { '0', '9' }, { '!', '/' }, { 0xC0, 0x17F },
    { 0x400, 0x4FF }, { 0x600, 0x6FF }, { 0x900, 0x97F }, { 0x1780, 0x17FF },
    { 0x3040, 0x30FF }, { 0x4E00, 0x9FFF }, { 0xAC00, 0xD7A3 }, { 0x1F300, 0x1F6FF },
    { 0x1F900, 0x1F9FF }, { 0x300, 0x36F },
  };
  static const gunichar extras[] = { ' ', ' ', ' ', '\n', '\t', '\r', 0x200D, 0xFE0F, 0xA0, 0x3000, '\'' };
  GString *s = g_string_new (NULL);
  guint n = g_rand_int_range (rand, 0, 40);

  for (guint i = 0; i < n; i++)
    {
      gunichar c;
      if (g_rand_int_range (rand, 0, 4) == 0)
        c = extras[g_rand_int_range (rand, 0, G_N_ELEMENTS (extras))];
      else
        {
          guint k = g_rand_int_range (rand, 0, G_N_ELEMENTS (blocks));
          c = g_rand_int_range (rand, blocks[k][0], blocks[k][1] + 1);
        }
      g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
}

/* decode(encode(x)) == x, and streaming the ids gives x in valid pieces. */
static void
check_round_trip (HearthTokenizer *tok, const char *text)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (tok, FALSE);
  g_autoptr (GString) streamed = g_string_new (NULL);
  g_autofree char *decoded = NULL;
  gsize len;

  g_assert_true (hearth_tokenizer_encode (tok, text, -1, TRUE, FALSE, ids, &error));
  decoded = hearth_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, FALSE, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded, ==, text);

  /* a generation streams what follows the prompt's BOS */
  for (guint i = ids->len > 0 && g_array_index (ids, gint32, 0) == hearth_tokenizer_bos (tok); i < ids->len; i++)
    {
      gsize before = streamed->len;
      hearth_token_stream_push (stream, g_array_index (ids, gint32, i), streamed);
      g_assert_true (g_utf8_validate_len (streamed->str + before, streamed->len - before, NULL));
    }
  hearth_token_stream_flush (stream, streamed);
  /* the stream keeps the space SPM put in front */
  if (hearth_tokenizer_get_kind (tok) == HEARTH_TOKENIZER_SPM && streamed->len > 0)
    g_assert_cmpstr (streamed->str + 1, ==, text);
  else
    g_assert_cmpstr (streamed->str, ==, text);
}

/* A BPE tokenizer for each pre-tokenizer name in pres, then an SPM one. */
static GPtrArray *
make_tokenizers (const char *const *pres, gsize n_pres)
{
  GPtrArray *toks = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_tokenizer_free);

  for (gsize i = 0; i < n_pres; i++)
    g_ptr_array_add (toks, tokenizer_test_bpe (pres[i]));
  g_ptr_array_add (toks, tokenizer_test_spm ());
  return toks;
}

static void
test_round_trip (void)
{
  const char *const pres[] = { "llama-bpe", "qwen2", "gpt-2", "smollm", "falcon", "default",
                               "deepseek-llm", "deepseek-coder", "bloom", "viking" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr (GPtrArray) toks = make_tokenizers (pres, G_N_ELEMENTS (pres));

  for (guint iter = 0; iter < 300; iter++)
    {
      g_autofree char *text = random_text (rand);
      for (guint t = 0; t < toks->len; t++)
        check_round_trip (toks->pdata[t], text);
    }
}

/* Arbitrary bytes: every invalid byte is read as U+FFFD, so decoding gives
 * the repaired text back; nothing reads out of bounds (ASan run). */
static void
test_invalid_utf8 (void)
{
  const char *const pres[] = { "llama-bpe", "gpt-2", "smollm", "deepseek-llm", "falcon" };
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr (GPtrArray) toks = make_tokenizers (pres, G_N_ELEMENTS (pres));

  for (guint iter = 0; iter < 300; iter++)
    {
      guint8 bytes[24];
      gsize n = g_rand_int_range (rand, 1, sizeof bytes);
      g_autofree char *owned = NULL;
      gsize fixed_len = n;
      const char *fixed;

      for (gsize i = 0; i < n; i++)
        bytes[i] = (guint8) g_rand_int_range (rand, 1, 256);
      fixed = hearth_utf8_sanitize ((const char *) bytes, &fixed_len, &owned);
      for (guint t = 0; t < toks->len; t++)
        {
          g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
          g_autofree char *decoded = NULL;
          gsize len;

          g_assert_true (hearth_tokenizer_encode (toks->pdata[t], (const char *) bytes, n, FALSE, TRUE, ids, NULL));
          decoded = hearth_tokenizer_decode (toks->pdata[t], (const gint32 *) ids->data, ids->len, TRUE, &len, NULL);
          g_assert_cmpmem (decoded, len, fixed, fixed_len);
        }
    }
}

/* Byte tokens one at a time: output only ever holds whole characters. */
static void
test_stream_bytes (void)
{
  g_autoptr (HearthTokenizer) tok = tokenizer_test_bpe ("gpt-2");
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (HearthTokenStream) stream = NULL;

  for (guint iter = 0; iter < 200; iter++)
    {
      g_autofree char *text = random_text (rand);
      g_autoptr (HearthTokenStream) s = hearth_token_stream_new (tok, FALSE);

      g_string_truncate (out, 0);
      for (const char *p = text; *p; p++)
        {
          gsize before = out->len;
          hearth_token_stream_push (s, (guint8) *p, out); /* id == byte here */
          g_assert_true (g_utf8_validate_len (out->str + before, out->len - before, NULL));
        }
      hearth_token_stream_flush (s, out);
      g_assert_cmpstr (out->str, ==, text);
    }

  /* random bytes (not NUL, which GLib's validator refuses): still valid
   * UTF-8, invalid bytes become U+FFFD */
  stream = hearth_token_stream_new (tok, FALSE);
  g_string_truncate (out, 0);
  for (guint i = 0; i < 2000; i++)
    hearth_token_stream_push (stream, g_rand_int_range (rand, 1, 256), out);
  hearth_token_stream_flush (stream, out);
  g_assert_true (g_utf8_validate_len (out->str, out->len, NULL));

  /* an unfinished sequence at the end */
  g_clear_pointer (&stream, hearth_token_stream_free);
  stream = hearth_token_stream_new (tok, FALSE);
  g_string_truncate (out, 0);
  hearth_token_stream_push (stream, 'a', out);
  hearth_token_stream_push (stream, 0xE2, out);
  hearth_token_stream_push (stream, 0x82, out);
  g_assert_cmpstr (out->str, ==, "a");
  hearth_token_stream_flush (stream, out);
  g_assert_cmpstr (out->str, ==, "a\xEF\xBF\xBD");
}

/* Long runs of one class through every pre-tokenizer and SentencePiece: a
 * matcher that rescans the run from each position would take minutes here
 * (past the test's timeout), not a second. */
static void
test_long_runs (void)
{
  const char *const units[] = { " ", "\n", " \t", "a", "7", "!", "你", "\xF0\x9F\x98\x80" };
  const char *const pres[] = { "llama-bpe", "qwen2", "gpt-2", "smollm", "falcon", "default",
                               "deepseek-llm", "deepseek-coder", "bloom", "viking" };

  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      for (guint i = 0; i < 100000; i++)
        g_string_append (text, units[u]);
      g_string_append (text, "x");
      for (gsize p = 0; p <= G_N_ELEMENTS (pres); p++)
        {
          /* every pre-tokenizer, then SentencePiece */
          g_autoptr (HearthTokenizer) tok = p < G_N_ELEMENTS (pres) ? tokenizer_test_bpe (pres[p]) : tokenizer_test_spm ();
          g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
          g_assert_true (hearth_tokenizer_encode (tok, text->str, text->len, FALSE, FALSE, ids, NULL));
          g_assert_cmpuint (ids->len, >, 0);
        }
    }
}

static char *
split (HearthPreTokenizer pre, const char *text)
{
  g_autoptr (GArray) cps = g_array_new (FALSE, FALSE, sizeof (gunichar));
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (guint32));
  GString *s = g_string_new (NULL);
  guint32 start = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_array_append_val (cps, c);
    }
  _hearth_pretokenize (pre, (const gunichar *) cps->data, cps->len, ends);
  for (guint i = 0; i < ends->len; i++)
    {
      guint32 end = g_array_index (ends, guint32, i);
      g_string_append_c (s, '[');
      for (guint32 k = start; k < end; k++)
        g_string_append_unichar (s, g_array_index (cps, gunichar, k));
      g_string_append_c (s, ']');
      start = end;
    }
  return g_string_free (s, FALSE);
}

static void
test_pretokenize (void)
{
  const struct {
    HearthPreTokenizer pre;
    const char *text, *want;
  } cases[] = {
    { HEARTH_PRE_LLAMA3, "Hello world's 12345\n\n  x",
      "[Hello][ world]['s][ ][123][45][\n\n][ ][ x]" },
    { HEARTH_PRE_LLAMA3, "I'M ok?!\n", "[I]['M][ ok][?!\n]" },
    { HEARTH_PRE_QWEN2, "a 123", "[a][ ][1][2][3]" },
    { HEARTH_PRE_GPT2, "I'M  ok\tx ", "[I]['][M][ ][ ok][\t][x][ ]" },
    { HEARTH_PRE_DIGITS_GPT2, "ab 12", "[ab][ ][1][2]" },
    { HEARTH_PRE_DEEPSEEK_LLM, "Hi, 你好 42\n", "[Hi][,][ ][你好][ ][42][\n]" },
    { HEARTH_PRE_DEEPSEEK_LLM, "a   b  ", "[a][  ][ b][  ]" }, /* a gap is one piece */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = split (cases[i].pre, cases[i].text);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokenizer/bpe-merges", test_bpe_merges);
  g_test_add_func ("/tokenizer/bpe-ignore-merges", test_bpe_ignore_merges);
  g_test_add_func ("/tokenizer/spm-merges", test_spm_merges);
  g_test_add_func ("/tokenizer/unsupported", test_unsupported);
  g_test_add_func ("/tokenizer/round-trip", test_round_trip);
  g_test_add_func ("/tokenizer/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/tokenizer/stream-bytes", test_stream_bytes);
  g_test_add_func ("/tokenizer/pretokenize", test_pretokenize);
  g_test_add_func ("/tokenizer/long-runs", test_long_runs);
  return g_test_run ();
}
