#define G_LOG_DOMAIN "hearth-test"

/* Small vocabularies built in code (no ../shared), shared by the tokenizer
 * unit tests and the tokenizer fuzzer. */

#include <string.h>

#include "tokenizer-test-util.h"
#include "unicode.h"

typedef struct {
  GPtrArray *texts;  /* char* */
  GArray    *lens;   /* gsize */
  GArray    *scores; /* float */
  GArray    *types;  /* gint32 */
  GPtrArray *merges;
  GArray    *merge_lens;
} VocabBuilder;

static VocabBuilder *
builder_new (void)
{
  VocabBuilder *b = g_new0 (VocabBuilder, 1);

  b->texts = g_ptr_array_new_with_free_func (g_free);
  b->lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  b->scores = g_array_new (FALSE, FALSE, sizeof (float));
  b->types = g_array_new (FALSE, FALSE, sizeof (gint32));
  b->merges = g_ptr_array_new_with_free_func (g_free);
  b->merge_lens = g_array_new (FALSE, FALSE, sizeof (gsize));
  return b;
}

static void
builder_free (VocabBuilder *b)
{
  g_ptr_array_unref (b->texts);
  g_array_unref (b->lens);
  g_array_unref (b->scores);
  g_array_unref (b->types);
  g_ptr_array_unref (b->merges);
  g_array_unref (b->merge_lens);
  g_free (b);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VocabBuilder, builder_free)

static gint32
add_token (VocabBuilder *b, const char *text, float score, gint32 type)
{
  gsize len = strlen (text);

  g_ptr_array_add (b->texts, g_strdup (text));
  g_array_append_val (b->lens, len);
  g_array_append_val (b->scores, score);
  g_array_append_val (b->types, type);
  return (gint32) b->texts->len - 1;
}

static void
add_merge (VocabBuilder *b, const char *left, const char *right)
{
  char *m = g_strconcat (left, " ", right, NULL);
  gsize len = strlen (m);

  g_ptr_array_add (b->merges, m);
  g_array_append_val (b->merge_lens, len);
}

static HearthTokenizer *
builder_finish (VocabBuilder *b, const char *model, const char *pre)
{
  g_autoptr (GError) error = NULL;
  HearthVocabSpec spec = {
    .model = model, .pre = pre, .n_tokens = b->texts->len,
    .tokens = (const char *const *) b->texts->pdata, .token_lens = (const gsize *) b->lens->data,
    .scores = (const float *) b->scores->data, .types = (const gint32 *) b->types->data,
    .n_merges = b->merges->len, .merges = (const char *const *) b->merges->pdata,
    .merge_lens = (const gsize *) b->merge_lens->data,
    .bos = HEARTH_VOCAB_DEFAULT, .eos = HEARTH_VOCAB_DEFAULT, .eot = HEARTH_VOCAB_DEFAULT,
    .eom = HEARTH_VOCAB_DEFAULT, .unk = HEARTH_VOCAB_DEFAULT, .pad = HEARTH_VOCAB_DEFAULT,
    .add_bos = HEARTH_VOCAB_DEFAULT, .add_eos = HEARTH_VOCAB_DEFAULT,
    .add_space_prefix = HEARTH_VOCAB_DEFAULT,
  };
  HearthTokenizer *tok = hearth_tokenizer_new_from_spec (&spec, &error);

  g_assert_no_error (error);
  return tok;
}

/* Byte-level vocabulary: ids 0-255 are the bytes, then a few merges, a
 * control token and a user-defined one. */
HearthTokenizer *
tokenizer_test_bpe (const char *pre)
{
  g_autoptr (VocabBuilder) b = builder_new ();

  for (guint byte = 0; byte < 256; byte++)
    {
      char text[8];
      text[g_unichar_to_utf8 (hearth_unicode_from_byte (byte), text)] = 0;
      add_token (b, text, 0, HEARTH_TOKEN_NORMAL);
    }
  add_token (b, "Ġt", 0, HEARTH_TOKEN_NORMAL);    /* 256 */
  add_token (b, "he", 0, HEARTH_TOKEN_NORMAL);    /* 257 */
  add_token (b, "Ġthe", 0, HEARTH_TOKEN_NORMAL);  /* 258 */
  add_token (b, "th", 0, HEARTH_TOKEN_NORMAL);    /* 259 */
  add_token (b, "<|eot_id|>", 0, HEARTH_TOKEN_CONTROL);    /* 260 */
  add_token (b, "<tag>", 0, HEARTH_TOKEN_USER_DEFINED);    /* 261 */
  add_token (b, "ä½ł", 0, HEARTH_TOKEN_NORMAL);   /* 262: "你" */
  add_token (b, "ä½", 0, HEARTH_TOKEN_NORMAL);    /* 263 */
  add_merge (b, "Ġ", "t");
  add_merge (b, "h", "e");
  add_merge (b, "Ġt", "he");
  add_merge (b, "t", "h"); /* ranks after h e: "the" -> t + he */
  add_merge (b, "ä", "½");
  add_merge (b, "ä½", "ł");
  return builder_finish (b, "gpt2", pre);
}

/* SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, pieces. */
HearthTokenizer *
tokenizer_test_spm (void)
{
  g_autoptr (VocabBuilder) b = builder_new ();

  add_token (b, "<unk>", 0, HEARTH_TOKEN_UNKNOWN);
  add_token (b, "<s>", 0, HEARTH_TOKEN_CONTROL);
  add_token (b, "</s>", 0, HEARTH_TOKEN_CONTROL);
  for (guint byte = 0; byte < 256; byte++)
    {
      g_autofree char *text = g_strdup_printf ("<0x%02X>", byte);
      add_token (b, text, 0, HEARTH_TOKEN_BYTE);
    }
  add_token (b, "▁", -1, HEARTH_TOKEN_NORMAL);      /* 259 */
  add_token (b, "▁t", -2, HEARTH_TOKEN_NORMAL);     /* 260 */
  add_token (b, "h", -3, HEARTH_TOKEN_NORMAL);      /* 261 */
  add_token (b, "e", -3, HEARTH_TOKEN_NORMAL);      /* 262 */
  add_token (b, "he", -2.5, HEARTH_TOKEN_NORMAL);   /* 263 */
  add_token (b, "▁the", -1.5, HEARTH_TOKEN_NORMAL); /* 264 */
  add_token (b, "t", -4, HEARTH_TOKEN_NORMAL);      /* 265 */
  add_token (b, "th", -2.2, HEARTH_TOKEN_NORMAL);   /* 266 */
  add_token (b, "é", -3, HEARTH_TOKEN_NORMAL);      /* 267 */
  return builder_finish (b, "llama", NULL);
}
