#define G_LOG_DOMAIN "hearth-tokenizer"

/* Tokenizers, following llama.cpp's llama-vocab.cpp step for step so that
 * the ids agree exactly (see tests/test-tokenizer-conformance.c):
 *
 *   1. special-token partition: CONTROL/UNKNOWN (with parse_special) and
 *      USER_DEFINED (always) token texts are cut out of the input, longest
 *      token first over the whole text;
 *   2. each remaining text fragment is encoded:
 *      - SPM: spaces become "▁" (one is prefixed when add_space_prefix and the
 *        fragment starts the text or follows a special token), then adjacent
 *        symbols are merged by highest vocabulary score, symbols that are not
 *        tokens fall back to <0xXX> byte tokens;
 *      - BPE: the pre-tokenizer splits the fragment into words; each word's
 *        bytes are merged by lowest merge rank.
 * Both merge loops use a binary heap with lazy deletion: a popped pair whose
 * symbols changed since it was pushed is stale and skipped.
 *
 * Byte-level vocabularies store texts in GPT-2's byte -> code point mapping
 * ("Ġthe"). We decode every token text once at load, so encoding works on
 * raw bytes and never builds mapped strings. */

#include "tokenizer.h"
#include "pretokenize.h"
#include "unicode.h"

#include <string.h>

#define NO_ID    G_MAXUINT32
#define NO_KEY   G_MAXUINT32
#define NO_BYTE  (-1)

typedef struct {
  guint32 text_off, text_len;   /* as stored in the vocabulary */
  guint32 key_off, key_len;     /* the bytes encoding matches; key_len NO_KEY: none */
  guint32 piece_off, piece_len; /* the bytes decoding outputs */
  float   score;
  guint8  type;
  gboolean eog;
} Token;

/* Open addressing over token ids, keyed by either text or key bytes. */
typedef struct {
  guint32 *slots;
  guint32  mask;
  gboolean by_key;
} TextIndex;

typedef struct {
  guint64 pair; /* (left << 32 | right) + 1; 0 = empty slot */
  gint32  rank;
  gint32  result;
} Merge;

struct _HearthTokenizer {
  HearthTokenizerKind kind;
  HearthPreTokenizer  pre;
  gboolean            ignore_merges;
  gboolean            add_bos, add_eos, add_space_prefix;
  guint32             n_tokens;
  Token              *tokens;
  char               *pool;
  TextIndex           by_text, by_key;
  Merge              *merges;
  guint32             merges_mask;
  gint32              byte_token[256];
  gint32              bos, eos, eot, eom, unk, pad;
  GArray             *specials; /* gint32 ids, longest text first */
};

/* ---- hashing ------------------------------------------------------------ */

static inline guint32
hash_bytes (const char *s, gsize len)
{
  guint32 h = 2166136261u; /* FNV-1a */

  for (gsize i = 0; i < len; i++)
    h = (h ^ (guint8) s[i]) * 16777619u;
  /* FNV's low bits cluster on short keys; the table masks low bits. */
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  return h;
}

static inline void
token_bytes (const HearthTokenizer *tok, const TextIndex *index, guint32 id,
             const char **s, guint32 *len)
{
  const Token *t = &tok->tokens[id];

  if (index->by_key)
    *s = tok->pool + t->key_off, *len = t->key_len;
  else
    *s = tok->pool + t->text_off, *len = t->text_len;
}

static void
text_index_init (TextIndex *index, guint32 n_tokens, gboolean by_key)
{
  guint32 size = 16;

  while (size < n_tokens * 2u)
    size *= 2;
  index->slots = g_new (guint32, size);
  memset (index->slots, 0xFF, size * sizeof (guint32));
  index->mask = size - 1;
  index->by_key = by_key;
}

/* Later ids replace earlier ones with the same bytes, as in llama.cpp's map. */
static void
text_index_insert (const HearthTokenizer *tok, TextIndex *index, guint32 id)
{
  const char *s, *other;
  guint32 len, other_len;

  token_bytes (tok, index, id, &s, &len);
  for (guint32 h = hash_bytes (s, len) & index->mask;; h = (h + 1) & index->mask)
    {
      guint32 slot = index->slots[h];
      if (slot != NO_ID)
        {
          token_bytes (tok, index, slot, &other, &other_len);
          if (other_len != len || memcmp (other, s, len) != 0)
            continue;
        }
      index->slots[h] = id;
      return;
    }
}

static gint32
text_index_find (const HearthTokenizer *tok, const TextIndex *index, const char *s, gsize len)
{
  const char *other;
  guint32 other_len;

  for (guint32 h = hash_bytes (s, len) & index->mask;; h = (h + 1) & index->mask)
    {
      guint32 slot = index->slots[h];
      if (slot == NO_ID)
        return -1;
      token_bytes (tok, index, slot, &other, &other_len);
      if (other_len == len && memcmp (other, s, len) == 0)
        return (gint32) slot;
    }
}

static inline guint64
merge_pair (gint32 left, gint32 right)
{
  return (((guint64) left << 32) | (guint32) right) + 1;
}

static inline guint32
hash_pair (guint64 pair)
{
  pair *= 0x9E3779B97F4A7C15ull;
  return (guint32) (pair >> 32);
}

static const Merge *
merge_find (const HearthTokenizer *tok, gint32 left, gint32 right)
{
  guint64 pair = merge_pair (left, right);

  if (tok->merges == NULL)
    return NULL;
  for (guint32 h = hash_pair (pair) & tok->merges_mask;; h = (h + 1) & tok->merges_mask)
    {
      if (tok->merges[h].pair == pair)
        return &tok->merges[h];
      if (tok->merges[h].pair == 0)
        return NULL;
    }
}

/* ---- loading ------------------------------------------------------------- */

static guint32
pool_append (GString *pool, const char *s, gsize len)
{
  guint32 off = (guint32) pool->len;

  g_string_append_len (pool, s, len);
  return off;
}

/* Byte-level text -> raw bytes; FALSE if some code point is no byte's image. */
static gboolean
byte_level_decode (const char *s, gsize len, GString *out)
{
  gsize pos = 0;

  while (pos < len)
    {
      gunichar c;
      int n = hearth_utf8_decode_one (s + pos, len - pos, &c);
      int b = n > 0 ? hearth_unicode_to_byte (c) : -1;
      if (b < 0)
        return FALSE;
      g_string_append_c (out, (char) b);
      pos += n;
    }
  return TRUE;
}

static int
spm_byte_value (const char *s, gsize len)
{
  char hex[3];

  /* "<0xXX>" */
  if (len != 6 || memcmp (s, "<0x", 3) != 0 || s[5] != '>'
      || !g_ascii_isxdigit (s[3]) || !g_ascii_isxdigit (s[4]))
    return NO_BYTE;
  hex[0] = s[3], hex[1] = s[4], hex[2] = 0;
  return (int) g_ascii_strtoull (hex, NULL, 16);
}

static void
spm_unescape (const char *s, gsize len, GString *out)
{
  for (gsize i = 0; i < len; i++)
    {
      if (i + 2 < len && memcmp (s + i, "\xE2\x96\x81", 3) == 0)
        {
          g_string_append_c (out, ' ');
          i += 2;
        }
      else
        g_string_append_c (out, s[i]);
    }
}

/* Fills key and piece of token id from its text; bytes is scratch. */
static void
set_key_and_piece (HearthTokenizer *tok, GString *pool, guint32 id, const char *text, gsize len,
                   GString *bytes)
{
  Token *t = &tok->tokens[id];
  gboolean special = t->type == HEARTH_TOKEN_CONTROL || t->type == HEARTH_TOKEN_UNKNOWN
                     || t->type == HEARTH_TOKEN_USER_DEFINED;
  int byte;

  g_string_truncate (bytes, 0);
  if (tok->kind == HEARTH_TOKENIZER_SPM)
    {
      t->key_off = t->text_off, t->key_len = t->text_len;
      if (special)
        g_string_append_len (bytes, text, len);
      else if (t->type == HEARTH_TOKEN_NORMAL)
        spm_unescape (text, len, bytes);
      else if (t->type == HEARTH_TOKEN_BYTE && (byte = spm_byte_value (text, len)) != NO_BYTE)
        g_string_append_c (bytes, (char) byte);
      t->piece_off = pool_append (pool, bytes->str, bytes->len);
      t->piece_len = (guint32) bytes->len;
      return;
    }

  if (byte_level_decode (text, len, bytes))
    {
      t->key_off = pool_append (pool, bytes->str, bytes->len);
      t->key_len = (guint32) bytes->len;
    }
  else
    t->key_len = NO_KEY;

  if (special)
    t->piece_off = t->text_off, t->piece_len = t->text_len;
  else if (t->type == HEARTH_TOKEN_NORMAL && t->key_len != NO_KEY)
    t->piece_off = t->key_off, t->piece_len = t->key_len;
  else if (t->type == HEARTH_TOKEN_NORMAL)
    t->piece_off = t->text_off, t->piece_len = t->text_len; /* not byte-level: as is */
  else
    t->piece_off = 0, t->piece_len = 0;
}

static gboolean
load_tokens (HearthTokenizer *tok, const HearthVocabSpec *spec, GError **error)
{
  g_autoptr (GString) pool = g_string_sized_new (spec->n_tokens * 16);
  g_autoptr (GString) bytes = g_string_new (NULL);

  tok->tokens = g_new0 (Token, spec->n_tokens);
  for (guint32 i = 0; i < spec->n_tokens; i++)
    {
      Token *t = &tok->tokens[i];
      gint32 type = spec->types ? spec->types[i] : HEARTH_TOKEN_NORMAL;

      if (type < HEARTH_TOKEN_UNDEFINED || type > HEARTH_TOKEN_BYTE)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "Token %u has type %d in tokenizer.ggml.token_type; valid types are 0 to 6",
                       i, type);
          return FALSE;
        }
      if (pool->len + spec->token_lens[i] * 3 > G_MAXUINT32 / 2)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "The token texts of tokenizer.ggml.tokens exceed 2 GiB at token %u", i);
          return FALSE;
        }
      t->type = (guint8) type;
      t->score = spec->scores ? spec->scores[i] : 0.0f;
      t->text_off = pool_append (pool, spec->tokens[i], spec->token_lens[i]);
      t->text_len = (guint32) spec->token_lens[i];
      set_key_and_piece (tok, pool, i, spec->tokens[i], spec->token_lens[i], bytes);
    }
  tok->pool = g_string_free (g_steal_pointer (&pool), FALSE);

  text_index_init (&tok->by_text, spec->n_tokens, FALSE);
  text_index_init (&tok->by_key, spec->n_tokens, TRUE);
  for (guint32 i = 0; i < spec->n_tokens; i++)
    {
      text_index_insert (tok, &tok->by_text, i);
      if (tok->tokens[i].key_len != NO_KEY)
        text_index_insert (tok, &tok->by_key, i);
    }
  return TRUE;
}

static void
find_byte_tokens (HearthTokenizer *tok)
{
  for (guint b = 0; b < 256; b++)
    {
      char name[8];
      char raw = (char) b;

      if (tok->kind == HEARTH_TOKENIZER_BPE)
        {
          tok->byte_token[b] = text_index_find (tok, &tok->by_key, &raw, 1);
          continue;
        }
      g_snprintf (name, sizeof name, "<0x%02X>", b);
      tok->byte_token[b] = text_index_find (tok, &tok->by_text, name, 6);
      if (tok->byte_token[b] < 0)
        tok->byte_token[b] = text_index_find (tok, &tok->by_text, &raw, 1);
      if (tok->byte_token[b] < 0)
        tok->byte_token[b] = tok->unk;
    }
}

/* The key id of byte-level text s, or -1. */
static gint32
find_by_byte_level_text (HearthTokenizer *tok, const char *s, gsize len, GString *scratch)
{
  g_string_truncate (scratch, 0);
  if (!byte_level_decode (s, len, scratch))
    return -1;
  return text_index_find (tok, &tok->by_key, scratch->str, scratch->len);
}

static gboolean
load_merges (HearthTokenizer *tok, const HearthVocabSpec *spec, GError **error)
{
  g_autoptr (GString) scratch = g_string_new (NULL);
  guint32 size = 16;

  if (spec->n_merges == 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "A gpt2 vocabulary needs tokenizer.ggml.merges, and this one has none");
      return FALSE;
    }
  /* load factor at most 2/3: short probes, and 280k merges fit 512k slots */
  while (size < spec->n_merges + spec->n_merges / 2u)
    size *= 2;
  tok->merges = g_new0 (Merge, size);
  tok->merges_mask = size - 1;

  for (guint32 rank = 0; rank < spec->n_merges; rank++)
    {
      const char *m = spec->merges[rank];
      gsize len = spec->merge_lens[rank];
      const char *space = len > 1 ? memchr (m + 1, ' ', len - 1) : NULL;
      gint32 left, right, result;
      guint64 pair;
      guint32 h;

      if (space == NULL)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                       "Merge %u of tokenizer.ggml.merges has no space between its two parts", rank);
          return FALSE;
        }
      left = find_by_byte_level_text (tok, m, space - m, scratch);
      right = find_by_byte_level_text (tok, space + 1, m + len - space - 1, scratch);
      if (left < 0 || right < 0)
        continue; /* can never apply: one side is not a token */
      g_string_truncate (scratch, 0);
      g_string_append_len (scratch, tok->pool + tok->tokens[left].key_off, tok->tokens[left].key_len);
      g_string_append_len (scratch, tok->pool + tok->tokens[right].key_off, tok->tokens[right].key_len);
      result = text_index_find (tok, &tok->by_key, scratch->str, scratch->len);
      if (result < 0)
        continue; /* its result is no token: llama.cpp would emit nothing for it */

      pair = merge_pair (left, right);
      for (h = hash_pair (pair) & tok->merges_mask; tok->merges[h].pair != 0; h = (h + 1) & tok->merges_mask)
        if (tok->merges[h].pair == pair)
          break;
      if (tok->merges[h].pair == pair)
        continue; /* the first (lowest) rank of a duplicate wins */
      tok->merges[h] = (Merge) { pair, (gint32) rank, result };
    }
  return TRUE;
}

static gint32
special_id (HearthTokenizer *tok, gint64 value, gint32 fallback)
{
  if (value == HEARTH_VOCAB_DEFAULT)
    value = fallback;
  if (value < 0 || value >= tok->n_tokens)
    {
      /* llama.cpp, too, keeps going without the token. */
      if (value >= tok->n_tokens)
        g_debug ("special token id %" G_GINT64_FORMAT " is outside the vocabulary (%u tokens); ignored",
                 value, tok->n_tokens);
      return -1;
    }
  return (gint32) value;
}

static gint32
find_first_of (HearthTokenizer *tok, const char *const *texts)
{
  for (gsize i = 0; texts[i] != NULL; i++)
    {
      gint32 id = text_index_find (tok, &tok->by_text, texts[i], strlen (texts[i]));
      if (id >= 0)
        return id;
    }
  return -1;
}

static gint
compare_special_length (gconstpointer a, gconstpointer b, gpointer data)
{
  const HearthTokenizer *tok = data;
  gint32 ia = *(const gint32 *) a, ib = *(const gint32 *) b;
  guint32 la = tok->tokens[ia].text_len, lb = tok->tokens[ib].text_len;

  if (la != lb)
    return la > lb ? -1 : 1;
  return ia < ib ? -1 : 1;
}

static void
set_special_tokens (HearthTokenizer *tok, const HearthVocabSpec *spec)
{
  static const char *const eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
    "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>", "<|eot|>", "<|end_of_text|>", NULL,
  };
  static const char *const eom_texts[] = { "<|eom_id|>", "<|eom|>", NULL };
  gboolean spm = tok->kind == HEARTH_TOKENIZER_SPM;

  tok->unk = special_id (tok, spec->unk, spm ? 0 : -1);
  tok->bos = special_id (tok, spec->bos, spm ? 1 : 11);
  tok->eos = special_id (tok, spec->eos, spm ? 2 : 11);
  tok->pad = special_id (tok, spec->pad, -1);
  tok->eot = special_id (tok, spec->eot, find_first_of (tok, eot_texts));
  tok->eom = special_id (tok, spec->eom, find_first_of (tok, eom_texts));

  for (gsize i = 0; eot_texts[i] != NULL; i++)
    {
      gint32 id = text_index_find (tok, &tok->by_text, eot_texts[i], strlen (eot_texts[i]));
      if (id >= 0)
        tok->tokens[id].eog = TRUE;
    }
  for (gint32 id = 0; id < (gint32) tok->n_tokens; id++)
    if (id == tok->eos || id == tok->eot || id == tok->eom)
      tok->tokens[id].eog = TRUE;

  tok->specials = g_array_new (FALSE, FALSE, sizeof (gint32));
  for (gint32 id = 0; id < (gint32) tok->n_tokens; id++)
    {
      guint8 type = tok->tokens[id].type;
      if ((type == HEARTH_TOKEN_CONTROL || type == HEARTH_TOKEN_USER_DEFINED
           || type == HEARTH_TOKEN_UNKNOWN) && tok->tokens[id].text_len > 0)
        g_array_append_val (tok->specials, id);
    }
  g_array_sort_with_data (tok->specials, compare_special_length, tok);
}

HearthTokenizer *
hearth_tokenizer_new_from_spec (const HearthVocabSpec *spec, GError **error)
{
  g_autoptr (HearthTokenizer) tok = NULL;
  gboolean pre_add_bos = FALSE;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->n_tokens == 0 || (spec->tokens && spec->token_lens), NULL);
  g_return_val_if_fail (spec->n_merges == 0 || (spec->merges && spec->merge_lens), NULL);
  tok = g_new0 (HearthTokenizer, 1);

  if (g_strcmp0 (spec->model, "llama") == 0)
    tok->kind = HEARTH_TOKENIZER_SPM;
  else if (g_strcmp0 (spec->model, "gpt2") == 0)
    {
      tok->kind = HEARTH_TOKENIZER_BPE;
      if (!_hearth_pretokenizer_from_name (spec->pre, &tok->pre, &tok->ignore_merges, &pre_add_bos))
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                       "Pre-tokenizer '%s' (tokenizer.ggml.pre) is not supported; supported are "
                       "llama-bpe, qwen2, gpt-2, mpt, starcoder, refact, smollm, command-r, falcon, "
                       "deepseek-llm, deepseek-coder, poro-chat, bloom, viking and default", spec->pre);
          return NULL;
        }
    }
  else
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "Tokenizer model '%s' (tokenizer.ggml.model) is not supported; "
                   "only 'llama' (SentencePiece BPE) and 'gpt2' (byte-level BPE) are",
                   spec->model ? spec->model : "(none)");
      return NULL;
    }
  if (spec->n_tokens == 0 || spec->n_tokens > G_MAXINT32 / 2)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "tokenizer.ggml.tokens has %u entries; expected 1 to %d", spec->n_tokens, G_MAXINT32 / 2);
      return NULL;
    }
  tok->n_tokens = spec->n_tokens;
  if (!load_tokens (tok, spec, error))
    return NULL;
  if (tok->kind == HEARTH_TOKENIZER_BPE && !load_merges (tok, spec, error))
    return NULL;
  set_special_tokens (tok, spec);
  find_byte_tokens (tok);

  tok->add_bos = spec->add_bos == HEARTH_VOCAB_DEFAULT
                   ? (tok->kind == HEARTH_TOKENIZER_SPM || pre_add_bos) : spec->add_bos != 0;
  tok->add_eos = spec->add_eos == HEARTH_VOCAB_DEFAULT ? FALSE : spec->add_eos != 0;
  tok->add_space_prefix = spec->add_space_prefix == HEARTH_VOCAB_DEFAULT
                            ? tok->kind == HEARTH_TOKENIZER_SPM : spec->add_space_prefix != 0;
  return g_steal_pointer (&tok);
}

void
hearth_tokenizer_free (HearthTokenizer *tok)
{
  if (tok == NULL)
    return;
  g_free (tok->tokens);
  g_free (tok->pool);
  g_free (tok->by_text.slots);
  g_free (tok->by_key.slots);
  g_free (tok->merges);
  if (tok->specials)
    g_array_unref (tok->specials);
  g_free (tok);
}

/* ---- encoding ------------------------------------------------------------ */

typedef struct {
  guint32 start, len;
  gint32  id; /* -1: raw text */
} Fragment;

/* Cuts the special tokens' texts out of the raw fragments. */
static void
partition_special (HearthTokenizer *tok, const char *text, gsize len, gboolean parse_special,
                   GArray *fragments)
{
  g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (Fragment));
  Fragment whole = { 0, (guint32) len, -1 };

  g_array_append_val (fragments, whole);
  for (guint s = 0; s < tok->specials->len; s++)
    {
      gint32 id = g_array_index (tok->specials, gint32, s);
      const Token *t = &tok->tokens[id];
      const char *needle = tok->pool + t->text_off;

      if (t->type != HEARTH_TOKEN_USER_DEFINED && !parse_special)
        continue;
      if (t->text_len > len || memmem (text, len, needle, t->text_len) == NULL)
        continue;

      g_array_set_size (next, 0);
      for (guint f = 0; f < fragments->len; f++)
        {
          Fragment frag = g_array_index (fragments, Fragment, f);
          guint32 pos = frag.start, end = frag.start + frag.len;
          const char *hit;

          if (frag.id >= 0)
            {
              g_array_append_val (next, frag);
              continue;
            }
          while (pos < end && (hit = memmem (text + pos, end - pos, needle, t->text_len)) != NULL)
            {
              guint32 at = (guint32) (hit - text);
              Fragment before = { pos, at - pos, -1 }, token = { at, t->text_len, id };
              if (before.len > 0)
                g_array_append_val (next, before);
              g_array_append_val (next, token);
              pos = at + t->text_len;
            }
          if (pos < end)
            {
              Fragment rest = { pos, end - pos, -1 };
              g_array_append_val (next, rest);
            }
        }
      g_array_set_size (fragments, 0);
      g_array_append_vals (fragments, next->data, next->len);
    }
}

typedef struct {
  guint32 start, len;
  gint32  prev, next;
  gint32  id; /* BPE: the token of this symbol's bytes, -1 if none */
} Symbol;

typedef struct {
  float   score; /* SPM: higher first */
  gint32  rank;  /* BPE: lower first */
  gint32  left, right;
  guint32 size;  /* SPM: bytes of the pair when pushed */
  gint32  left_id, right_id, result;
} Pair;

/* Max-heap order: TRUE if a must pop before b; ties go to the leftmost pair. */
static inline gboolean
pair_before (const Pair *a, const Pair *b, gboolean by_score)
{
  if (by_score && a->score != b->score)
    return a->score > b->score;
  if (!by_score && a->rank != b->rank)
    return a->rank < b->rank;
  return a->left < b->left;
}

static void
heap_push (GArray *heap, const Pair *p, gboolean by_score)
{
  Pair *h;
  guint i;

  g_array_append_vals (heap, p, 1);
  h = (Pair *) heap->data;
  for (i = heap->len - 1; i > 0 && pair_before (&h[i], &h[(i - 1) / 2], by_score); i = (i - 1) / 2)
    {
      Pair tmp = h[i];
      h[i] = h[(i - 1) / 2], h[(i - 1) / 2] = tmp;
    }
}

static Pair
heap_pop (GArray *heap, gboolean by_score)
{
  Pair *h = (Pair *) heap->data;
  Pair top = h[0];
  guint n = heap->len - 1, i = 0;

  h[0] = h[n];
  g_array_set_size (heap, n);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, best = i;
      Pair tmp;
      if (l < n && pair_before (&h[l], &h[best], by_score))
        best = l;
      if (r < n && pair_before (&h[r], &h[best], by_score))
        best = r;
      if (best == i)
        break;
      tmp = h[i], h[i] = h[best], h[best] = tmp;
      i = best;
    }
  return top;
}

typedef struct {
  GArray *symbols; /* Symbol */
  GArray *heap;    /* Pair */
  GString *buf;
  GArray *cps;     /* gunichar */
  GArray *offsets; /* guint32: byte offset of each code point, plus the end */
  GArray *ends;    /* guint32: word ends from the pre-tokenizer */
} Scratch;

static void
symbols_split_utf8 (GArray *symbols, const char *s, gsize len)
{
  static const guint8 lengths[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4 };
  guint32 pos = 0;

  g_array_set_size (symbols, 0);
  while (pos < len)
    {
      Symbol sym = { pos, MIN (lengths[(guint8) s[pos] >> 4], (guint32) (len - pos)), 0, 0, -1 };
      sym.prev = (gint32) symbols->len - 1;
      pos += sym.len;
      sym.next = pos == len ? -1 : (gint32) symbols->len + 1;
      g_array_append_val (symbols, sym);
    }
}

static void
spm_try_pair (HearthTokenizer *tok, Scratch *sc, const char *s, gint32 left, gint32 right)
{
  const Symbol *sym = (const Symbol *) sc->symbols->data;
  guint32 size;
  gint32 id;
  Pair p = { 0 };

  if (left < 0 || right < 0)
    return;
  size = sym[left].len + sym[right].len;
  id = text_index_find (tok, &tok->by_key, s + sym[left].start, size);
  if (id < 0)
    return;
  p.score = tok->tokens[id].score;
  p.left = left, p.right = right, p.size = size;
  heap_push (sc->heap, &p, TRUE);
}

static void
encode_spm (HearthTokenizer *tok, Scratch *sc, const char *text, gsize len, gboolean space_prefix,
            GArray *out)
{
  GString *s = sc->buf;
  Symbol *sym;

  g_string_truncate (s, 0);
  if (space_prefix)
    g_string_append (s, "\xE2\x96\x81");
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == ' ')
        g_string_append (s, "\xE2\x96\x81");
      else
        g_string_append_c (s, text[i]);
    }

  symbols_split_utf8 (sc->symbols, s->str, s->len);
  g_array_set_size (sc->heap, 0);
  for (gint32 i = 1; i < (gint32) sc->symbols->len; i++)
    spm_try_pair (tok, sc, s->str, i - 1, i);

  while (sc->heap->len > 0)
    {
      Pair p = heap_pop (sc->heap, TRUE);
      Symbol *left, *right;

      sym = (Symbol *) sc->symbols->data;
      left = &sym[p.left], right = &sym[p.right];
      if (left->len == 0 || right->len == 0 || left->len + right->len != p.size)
        continue; /* stale: one side was merged elsewhere since */
      left->len += right->len;
      right->len = 0;
      left->next = right->next;
      if (right->next >= 0)
        sym[right->next].prev = p.left;
      spm_try_pair (tok, sc, s->str, left->prev, p.left);
      spm_try_pair (tok, sc, s->str, p.left, left->next);
    }

  sym = (Symbol *) sc->symbols->data;
  for (gint32 i = sc->symbols->len > 0 ? 0 : -1; i != -1; i = sym[i].next)
    {
      gint32 id = text_index_find (tok, &tok->by_key, s->str + sym[i].start, sym[i].len);
      if (id >= 0)
        {
          g_array_append_val (out, id);
          continue;
        }
      for (guint32 b = 0; b < sym[i].len; b++)
        {
          id = tok->byte_token[(guint8) s->str[sym[i].start + b]];
          if (id >= 0)
            g_array_append_val (out, id);
        }
    }
}

static void
bpe_try_pair (HearthTokenizer *tok, Scratch *sc, gint32 left, gint32 right)
{
  const Symbol *sym = (const Symbol *) sc->symbols->data;
  const Merge *m;
  Pair p = { 0 };

  if (left < 0 || right < 0 || sym[left].id < 0 || sym[right].id < 0)
    return;
  m = merge_find (tok, sym[left].id, sym[right].id);
  if (m == NULL)
    return;
  p.rank = m->rank, p.result = m->result;
  p.left = left, p.right = right;
  p.left_id = sym[left].id, p.right_id = sym[right].id;
  heap_push (sc->heap, &p, FALSE);
}

static void
encode_bpe_word (HearthTokenizer *tok, Scratch *sc, const char *word, gsize len, GArray *out)
{
  Symbol *sym;

  if (tok->ignore_merges || len == 1)
    {
      gint32 id = text_index_find (tok, &tok->by_key, word, len);
      if (id >= 0)
        {
          g_array_append_val (out, id);
          return;
        }
    }

  g_array_set_size (sc->symbols, len);
  sym = (Symbol *) sc->symbols->data;
  for (gsize i = 0; i < len; i++)
    sym[i] = (Symbol) { (guint32) i, 1, (gint32) i - 1, i + 1 == len ? -1 : (gint32) i + 1,
                        tok->byte_token[(guint8) word[i]] };
  g_array_set_size (sc->heap, 0);
  for (gint32 i = 1; i < (gint32) len; i++)
    bpe_try_pair (tok, sc, i - 1, i);

  while (sc->heap->len > 0)
    {
      Pair p = heap_pop (sc->heap, FALSE);
      Symbol *left = &sym[p.left], *right = &sym[p.right];

      if (left->len == 0 || right->len == 0 || left->id != p.left_id || right->id != p.right_id)
        continue; /* stale: a side changed since the pair was pushed */
      left->len += right->len;
      left->id = p.result;
      right->len = 0;
      left->next = right->next;
      if (right->next >= 0)
        sym[right->next].prev = p.left;
      bpe_try_pair (tok, sc, left->prev, p.left);
      bpe_try_pair (tok, sc, p.left, left->next);
    }

  for (gint32 i = 0; i != -1; i = sym[i].next)
    if (sym[i].id >= 0)
      g_array_append_val (out, sym[i].id); /* a byte with no token is dropped, as in llama.cpp */
}

static void
encode_bpe (HearthTokenizer *tok, Scratch *sc, const char *text, gsize len, GArray *out)
{
  const gunichar *cps;
  const guint32 *offs, *ends;
  guint32 start = 0, pos = 0;

  g_array_set_size (sc->cps, 0);
  g_array_set_size (sc->offsets, 0);
  while (pos < len)
    {
      gunichar c = 0xFFFD;
      int n = hearth_utf8_decode_one (text + pos, len - pos, &c);
      g_array_append_val (sc->cps, c);
      g_array_append_val (sc->offsets, pos);
      pos += n > 0 ? (guint32) n : 1; /* the text is sanitized: n > 0 */
    }
  g_array_append_val (sc->offsets, pos);

  g_array_set_size (sc->ends, 0);
  cps = (const gunichar *) sc->cps->data;
  _hearth_pretokenize (tok->pre, cps, sc->cps->len, sc->ends);
  offs = (const guint32 *) sc->offsets->data;
  ends = (const guint32 *) sc->ends->data;
  for (guint w = 0; w < sc->ends->len; w++)
    {
      encode_bpe_word (tok, sc, text + offs[start], offs[ends[w]] - offs[start], out);
      start = ends[w];
    }
}

gboolean
hearth_tokenizer_encode (HearthTokenizer  *tok,
                         const char       *text,
                         gssize            len,
                         gboolean          add_special,
                         gboolean          parse_special,
                         GArray           *out_ids,
                         GError          **error)
{
  g_autofree char *owned = NULL;
  g_autoptr (GArray) fragments = g_array_new (FALSE, FALSE, sizeof (Fragment));
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  gboolean prev_special = TRUE;
  Scratch sc;

  g_return_val_if_fail (tok != NULL && (text != NULL || n == 0) && out_ids != NULL, FALSE);
  g_return_val_if_fail (g_array_get_element_size (out_ids) == sizeof (gint32), FALSE);

  if (n > G_MAXUINT32 / 4)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The text to tokenize is %" G_GSIZE_FORMAT " bytes; the limit is 1 GiB", n);
      return FALSE;
    }
  text = hearth_utf8_sanitize (text, &n, &owned);

  if (add_special && tok->add_bos && tok->bos >= 0)
    g_array_append_val (out_ids, tok->bos);
  if (n > 0)
    partition_special (tok, text, n, parse_special, fragments);

  sc.symbols = g_array_new (FALSE, FALSE, sizeof (Symbol));
  sc.heap = g_array_new (FALSE, FALSE, sizeof (Pair));
  sc.buf = g_string_new (NULL);
  sc.cps = g_array_new (FALSE, FALSE, sizeof (gunichar));
  sc.offsets = g_array_new (FALSE, FALSE, sizeof (guint32));
  sc.ends = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint f = 0; f < fragments->len; f++)
    {
      const Fragment *frag = &g_array_index (fragments, Fragment, f);

      if (frag->id >= 0)
        g_array_append_val (out_ids, frag->id);
      else if (tok->kind == HEARTH_TOKENIZER_SPM)
        encode_spm (tok, &sc, text + frag->start, frag->len, tok->add_space_prefix && prev_special, out_ids);
      else
        encode_bpe (tok, &sc, text + frag->start, frag->len, out_ids);
      prev_special = frag->id >= 0;
    }
  g_array_unref (sc.symbols);
  g_array_unref (sc.heap);
  g_string_free (sc.buf, TRUE);
  g_array_unref (sc.cps);
  g_array_unref (sc.offsets);
  g_array_unref (sc.ends);

  if (add_special && tok->add_eos && tok->eos >= 0)
    g_array_append_val (out_ids, tok->eos);
  return TRUE;
}

/* ---- decoding ------------------------------------------------------------ */

const char *
hearth_tokenizer_token_to_piece (HearthTokenizer *tok,
                                 gint32           id,
                                 gboolean         render_special,
                                 gsize           *len)
{
  const Token *t;

  *len = 0;
  if (id < 0 || (guint32) id >= tok->n_tokens)
    return "";
  t = &tok->tokens[id];
  if (!render_special && (t->type == HEARTH_TOKEN_CONTROL || t->type == HEARTH_TOKEN_UNKNOWN))
    return "";
  *len = t->piece_len;
  return tok->pool + t->piece_off;
}

char *
hearth_tokenizer_decode (HearthTokenizer  *tok,
                         const gint32     *ids,
                         gsize             n_ids,
                         gboolean          render_special,
                         gsize            *out_len,
                         GError          **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gsize first = n_ids > 0 && tok->bos >= 0 && ids[0] == tok->bos ? 1 : 0;

  for (gsize i = render_special ? 0 : first; i < n_ids; i++)
    {
      gsize len;
      const char *piece;

      if (ids[i] < 0 || (guint32) ids[i] >= tok->n_tokens)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                       "Token id %d at position %" G_GSIZE_FORMAT " is outside the vocabulary (0 to %u)",
                       ids[i], i, tok->n_tokens - 1);
          return NULL;
        }
      piece = hearth_tokenizer_token_to_piece (tok, ids[i], render_special, &len);
      /* Undo the space encode() put in front of the text. */
      if (i == first && tok->kind == HEARTH_TOKENIZER_SPM && tok->add_space_prefix
          && len > 0 && piece[0] == ' ')
        piece++, len--;
      g_string_append_len (text, piece, len);
    }
  if (out_len != NULL)
    *out_len = text->len;
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- accessors ----------------------------------------------------------- */

HearthTokenizerKind hearth_tokenizer_get_kind (HearthTokenizer *tok) { return tok->kind; }
guint32  hearth_tokenizer_n_vocab  (HearthTokenizer *tok) { return tok->n_tokens; }
gint32   hearth_tokenizer_bos      (HearthTokenizer *tok) { return tok->bos; }
gint32   hearth_tokenizer_eos      (HearthTokenizer *tok) { return tok->eos; }
gint32   hearth_tokenizer_eot      (HearthTokenizer *tok) { return tok->eot; }
gint32   hearth_tokenizer_eom      (HearthTokenizer *tok) { return tok->eom; }
gint32   hearth_tokenizer_pad      (HearthTokenizer *tok) { return tok->pad; }
gint32   hearth_tokenizer_unk      (HearthTokenizer *tok) { return tok->unk; }
gboolean hearth_tokenizer_adds_bos (HearthTokenizer *tok) { return tok->add_bos; }
gboolean hearth_tokenizer_adds_eos (HearthTokenizer *tok) { return tok->add_eos; }

gboolean
hearth_tokenizer_is_eog (HearthTokenizer *tok, gint32 id)
{
  return id >= 0 && (guint32) id < tok->n_tokens && tok->tokens[id].eog;
}

HearthTokenType
hearth_tokenizer_token_type (HearthTokenizer *tok, gint32 id)
{
  if (id < 0 || (guint32) id >= tok->n_tokens)
    return HEARTH_TOKEN_UNDEFINED;
  return (HearthTokenType) tok->tokens[id].type;
}

gint32
hearth_tokenizer_lookup (HearthTokenizer *tok, const char *text, gssize len)
{
  return text_index_find (tok, &tok->by_text, text, len < 0 ? strlen (text) : (gsize) len);
}

const char *
hearth_tokenizer_token_text (HearthTokenizer *tok, gint32 id, gsize *len)
{
  if (id < 0 || (guint32) id >= tok->n_tokens)
    return NULL;
  *len = tok->tokens[id].text_len;
  return tok->pool + tok->tokens[id].text_off;
}
