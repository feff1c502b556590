#define G_LOG_DOMAIN "hearth-pretokenize"

#include "pretokenize.h"
#include "unicode.h"

#include <string.h>

/* A matcher returns the length of the match starting at pos within the
 * piece [pos, end), or 0; then it may raise *retry (preset to pos + 1) to
 * the first position where a match could start, which keeps a search over
 * long runs linear. "Tiling" matchers (the GPT-2 and Llama 3 rules) never
 * return 0, like llama.cpp's hand-written versions of those regexes, which
 * emit an unmatched code point on its own. */
typedef gsize (*Matcher) (const gunichar *cps, gsize pos, gsize end, gsize *retry);

#define MAX_PASSES 6

typedef struct {
  const char *names[8];
  HearthPreTokenizer pre;
  gboolean ignore_merges;
  gboolean add_bos;
} PreName;

static const PreName pre_names[] = {
  { { "default" }, HEARTH_PRE_DEFAULT, FALSE, FALSE },
  { { "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "pixtral" },
    HEARTH_PRE_LLAMA3, TRUE, TRUE },
  { { "qwen2", "deepseek-r1-qwen", "stablelm2", "megrez", "hunyuan" }, HEARTH_PRE_QWEN2, FALSE, FALSE },
  { { "gpt-2", "phi-2", "mpt", "olmo", "jais", "roberta-bpe", "gigachat", "trillion" },
    HEARTH_PRE_GPT2, FALSE, FALSE },
  { { "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" },
    HEARTH_PRE_DIGITS_GPT2, FALSE, FALSE },
  { { "falcon" }, HEARTH_PRE_FALCON, FALSE, FALSE },
  { { "deepseek-llm" }, HEARTH_PRE_DEEPSEEK_LLM, FALSE, FALSE },
  { { "deepseek-coder" }, HEARTH_PRE_DEEPSEEK_CODER, FALSE, FALSE },
  { { "poro-chat", "bloom", "gpt3-finnish" }, HEARTH_PRE_PORO, FALSE, FALSE },
  { { "viking" }, HEARTH_PRE_VIKING, FALSE, FALSE },
  { { "llama4", "gpt-4o" }, HEARTH_PRE_GPT4O, FALSE, FALSE },
};

gboolean
_hearth_pretokenizer_from_name (const char         *name,
                                HearthPreTokenizer *out,
                                gboolean           *ignore_merges,
                                gboolean           *add_bos)
{
  if (name == NULL || *name == '\0')
    name = "default";
  for (gsize i = 0; i < G_N_ELEMENTS (pre_names); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (pre_names[i].names) && pre_names[i].names[j]; j++)
      if (strcmp (name, pre_names[i].names[j]) == 0)
        {
          *out = pre_names[i].pre;
          *ignore_merges = pre_names[i].ignore_merges;
          *add_bos = pre_names[i].add_bos;
          return TRUE;
        }
  return FALSE;
}

static inline guint
flags_at (const gunichar *cps, gsize pos, gsize end)
{
  return pos < end ? hearth_unicode_flags (cps[pos]) : 0;
}

#define IS(f, what) (((f) & HEARTH_UNICODE_##what) != 0)
#define IS_OTHER(f) (((f) & (HEARTH_UNICODE_SPACE | HEARTH_UNICODE_LETTER | HEARTH_UNICODE_NUMBER)) == 0)

static gsize
run_of (const gunichar *cps, gsize pos, gsize end, guint flag)
{
  gsize i = pos;

  while (i < end && (hearth_unicode_flags (cps[i]) & flag))
    i++;
  return i - pos;
}

/* 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive. */
static gsize
match_contraction (const gunichar *cps, gsize pos, gsize end, gboolean any_case)
{
  gunichar a, b;

  if (cps[pos] != '\'' || pos + 1 >= end)
    return 0;
  a = any_case ? g_unichar_tolower (cps[pos + 1]) : cps[pos + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (pos + 2 >= end)
    return 0;
  b = any_case ? g_unichar_tolower (cps[pos + 2]) : cps[pos + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/* \s+(?!\S) then \s+, and a lone unmatched code point otherwise. */
static gsize
match_trailing_space (const gunichar *cps, gsize pos, gsize end)
{
  gsize n = run_of (cps, pos, end, HEARTH_UNICODE_SPACE);

  if (n > 1 && pos + n < end)
    return n - 1; /* leave the last space to prefix the next word */
  return n > 0 ? n : 1;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static gsize
match_gpt2 (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  gsize n = match_contraction (cps, pos, end, FALSE);
  gsize sp = cps[pos] == ' ';
  guint f2 = flags_at (cps, pos + sp, end);

  if (n > 0)
    return n;
  if (IS (f2, LETTER))
    return sp + run_of (cps, pos + sp, end, HEARTH_UNICODE_LETTER);
  if (IS (f2, NUMBER))
    return sp + run_of (cps, pos + sp, end, HEARTH_UNICODE_NUMBER);
  if (pos + sp < end && IS_OTHER (f2))
    {
      gsize i = pos + sp;
      while (i < end && IS_OTHER (hearth_unicode_flags (cps[i])))
        i++;
      return i - pos;
    }
  return match_trailing_space (cps, pos, end);
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,MAX}|
 *  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static gsize
match_llama3_digits (const gunichar *cps, gsize pos, gsize end, gsize max_digits)
{
  gsize n = match_contraction (cps, pos, end, TRUE);
  gunichar c = cps[pos];
  guint f = hearth_unicode_flags (c);
  gsize sp, i, last_newline_end;

  if (n > 0)
    return n;
  if (c != '\r' && c != '\n' && !IS (f, NUMBER)
      && (IS (f, LETTER) || IS (flags_at (cps, pos + 1, end), LETTER)))
    return 1 + run_of (cps, pos + 1, end, HEARTH_UNICODE_LETTER);
  if (IS (f, NUMBER))
    return run_of (cps, pos, MIN (end, pos + max_digits), HEARTH_UNICODE_NUMBER);

  sp = c == ' ';
  /* A space at the very end also lands here, as in llama.cpp. */
  if (IS_OTHER (flags_at (cps, pos + sp, end)))
    {
      i = pos + sp;
      while (i < end && IS_OTHER (hearth_unicode_flags (cps[i])))
        i++;
      while (i < end && (cps[i] == '\r' || cps[i] == '\n'))
        i++;
      return i - pos;
    }

  last_newline_end = 0;
  n = run_of (cps, pos, end, HEARTH_UNICODE_SPACE);
  for (i = pos; i < pos + n; i++)
    if (cps[i] == '\r' || cps[i] == '\n')
      last_newline_end = i + 1;
  if (last_newline_end > 0)
    return last_newline_end - pos;
  return match_trailing_space (cps, pos, end);
}

static gsize
match_llama3 (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return match_llama3_digits (cps, pos, end, 3);
}

static gsize
match_qwen2 (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return match_llama3_digits (cps, pos, end, 1);
}

/* GPT-4o's cased letter classes: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (a word's
 * capitals) and [\p{Ll}\p{Lm}\p{Lo}\p{M}] (its lower case); uncased letters
 * and marks are in both. */
static gboolean
is_upper_class (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_UPPERCASE_LETTER: case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER: case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_SPACING_MARK: case G_UNICODE_ENCLOSING_MARK: case G_UNICODE_NON_SPACING_MARK:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_lower_class (gunichar c)
{
  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER: case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_SPACING_MARK: case G_UNICODE_ENCLOSING_MARK: case G_UNICODE_NON_SPACING_MARK:
      return TRUE;
    default:
      return FALSE;
    }
}

static gsize
class_run (const gunichar *cps, gsize pos, gsize end, gboolean (*in_class) (gunichar))
{
  gsize i = pos;

  while (i < end && in_class (cps[i]))
    i++;
  return i - pos;
}

/* [UPPER]*[LOWER]+ with backtracking: the capitals give back code points
 * (those in both classes) until a lower-case run can start. */
static gsize
cased_word_lower (const gunichar *cps, gsize pos, gsize end)
{
  gsize u = class_run (cps, pos, end, is_upper_class);

  for (gsize k = pos + u + 1; k-- > pos; )
    if (k < end && is_lower_class (cps[k]))
      return k - pos + class_run (cps, k, end, is_lower_class);
  return 0;
}

/* [UPPER]+[LOWER]* */
static gsize
cased_word_upper (const gunichar *cps, gsize pos, gsize end)
{
  gsize u = class_run (cps, pos, end, is_upper_class);

  return u == 0 ? 0 : u + class_run (cps, pos + u, end, is_lower_class);
}

/* [^\r\n\p{L}\p{N}]?WORD(?i:'s|'t|'re|'ve|'m|'ll|'d)? for one of the two
 * word shapes, the optional lead taken when the word follows it. */
static gsize
cased_word (const gunichar *cps, gsize pos, gsize end,
            gsize (*word) (const gunichar *, gsize, gsize))
{
  gunichar c = cps[pos];
  guint f = hearth_unicode_flags (c);
  gsize lead = c != '\r' && c != '\n' && !IS (f, LETTER) && !IS (f, NUMBER) ? 1 : 0;
  gsize n = lead > 0 && pos + 1 < end ? word (cps, pos + 1, end) : 0;

  if (n > 0)
    n += lead;
  else
    n = word (cps, pos, end);
  return n > 0 ? n + match_contraction (cps, pos + n, end, TRUE) : 0;
}

/* GPT-4o, llama.cpp's split for tokenizer.ggml.pre = "llama4":
 *   [^\r\n\p{L}\p{N}]?[UPPER]*[LOWER]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  |[^\r\n\p{L}\p{N}]?[UPPER]+[LOWER]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
 *  |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static gsize
match_gpt4o (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  gsize n, sp, i, last_newline_end = 0;

  if ((n = cased_word (cps, pos, end, cased_word_lower)) > 0 ||
      (n = cased_word (cps, pos, end, cased_word_upper)) > 0)
    return n;
  if (IS (hearth_unicode_flags (cps[pos]), NUMBER))
    return run_of (cps, pos, MIN (end, pos + 3), HEARTH_UNICODE_NUMBER);

  sp = cps[pos] == ' ';
  if (IS_OTHER (flags_at (cps, pos + sp, end)))
    {
      i = pos + sp;
      while (i < end && IS_OTHER (hearth_unicode_flags (cps[i])))
        i++;
      while (i < end && (cps[i] == '\r' || cps[i] == '\n' || cps[i] == '/'))
        i++;
      return i - pos;
    }

  n = run_of (cps, pos, end, HEARTH_UNICODE_SPACE);
  for (i = pos; i < pos + n; i++)
    if (cps[i] == '\r' || cps[i] == '\n')
      last_newline_end = i + 1;
  if (last_newline_end > 0)
    return last_newline_end - pos;
  return match_trailing_space (cps, pos, end);
}

/* \p{N} */
static gsize
match_digit (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return IS (hearth_unicode_flags (cps[pos]), NUMBER) ? 1 : 0;
}

/* \p{N}+ */
static gsize
match_digits (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return run_of (cps, pos, end, HEARTH_UNICODE_NUMBER);
}

/* [0-9][0-9][0-9] */
static gsize
match_three_ascii_digits (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  if (pos + 3 > end)
    return 0;
  for (gsize i = pos; i < pos + 3; i++)
    if (cps[i] < '0' || cps[i] > '9')
      return 0;
  return 3;
}

/* [\p{P}\$\+<=>\^~\|]+ and, for Falcon, with ` too. */
static gsize
punct_run (const gunichar *cps, gsize pos, gsize end, gboolean backtick)
{
  gsize i = pos;

  for (; i < end; i++)
    {
      gunichar c = cps[i];
      gboolean symbol = c != 0 && c < 0x80 && strchr (backtick ? "$+<=>^~|`" : "$+<=>^~|", (int) c);
      if (!symbol && !IS (hearth_unicode_flags (c), PUNCT))
        break;
    }
  return i - pos;
}

static gsize
match_punct (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return punct_run (cps, pos, end, FALSE);
}

static gsize
match_punct_falcon (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return punct_run (cps, pos, end, TRUE);
}

/* [\r\n] */
static gsize
match_newline (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return cps[pos] == '\r' || cps[pos] == '\n';
}

typedef gboolean (*ClassFn) (gunichar c);

/* \s?[class]+ with ECMAScript backtracking: the optional space is taken
 * only when the class run follows it. */
static gsize
space_then_class (const gunichar *cps, gsize pos, gsize end, ClassFn in_class)
{
  gsize sp = IS (hearth_unicode_flags (cps[pos]), SPACE) ? 1 : 0;
  gsize i = pos + sp;

  while (i < end && in_class (cps[i]))
    i++;
  if (i > pos + sp)
    return i - pos;
  return 0; /* a space is never in these classes, so no shorter match */
}

typedef struct {
  gunichar lo, hi;
} Range;

static gboolean
in_ranges (gunichar c, const Range *r, gsize n)
{
  gsize lo = 0, hi = n;

  while (lo < hi)
    {
      gsize mid = (lo + hi) / 2;
      if (c < r[mid].lo)
        hi = mid;
      else if (c > r[mid].hi)
        lo = mid + 1;
      else
        return TRUE;
    }
  return FALSE;
}

/* The cased-letter class spelled out in DeepSeek LLM's tokenizer.json. */
static const Range deepseek_letters[] = {
  { 0x41, 0x5A }, { 0x61, 0x7A }, { 0xB5, 0xB5 }, { 0xC0, 0xD6 }, { 0xD8, 0xF6 },
  { 0xF8, 0x1BA }, { 0x1BC, 0x1BF }, { 0x1C4, 0x293 }, { 0x295, 0x2AF }, { 0x370, 0x373 },
  { 0x376, 0x377 }, { 0x37B, 0x37D }, { 0x37F, 0x37F }, { 0x386, 0x386 }, { 0x388, 0x38A },
  { 0x38C, 0x38C }, { 0x38E, 0x3A1 }, { 0x3A3, 0x3F5 }, { 0x3F7, 0x481 }, { 0x48A, 0x52F },
  { 0x531, 0x556 }, { 0x10A0, 0x10C5 }, { 0x13A0, 0x13F5 }, { 0x13F8, 0x13FD }, { 0x1C90, 0x1CBA },
  { 0x1CBD, 0x1CBF }, { 0x1D00, 0x1D2B }, { 0x1D6B, 0x1D77 }, { 0x1D79, 0x1D9A }, { 0x1E00, 0x1F15 },
  { 0x1F18, 0x1F1D }, { 0x1F20, 0x1F45 }, { 0x1F48, 0x1F4D }, { 0x1F50, 0x1F57 }, { 0x1F59, 0x1F59 },
  { 0x1F5B, 0x1F5B }, { 0x1F5D, 0x1F5D }, { 0x1F5F, 0x1F7D }, { 0x1F80, 0x1FB4 }, { 0x1FB6, 0x1FBC },
  { 0x1FBE, 0x1FBE }, { 0x1FC2, 0x1FC4 }, { 0x1FC6, 0x1FCC }, { 0x1FD0, 0x1FD3 }, { 0x1FD6, 0x1FDB },
  { 0x1FE0, 0x1FEC }, { 0x1FF2, 0x1FF4 }, { 0x1FF6, 0x1FFC }, { 0x2102, 0x2102 }, { 0x2107, 0x2107 },
  { 0x210A, 0x2113 }, { 0x2115, 0x2115 }, { 0x2119, 0x211D }, { 0x2124, 0x2124 }, { 0x2126, 0x2126 },
  { 0x2128, 0x2128 }, { 0x212A, 0x212D }, { 0x212F, 0x2134 }, { 0x2139, 0x2139 }, { 0x213C, 0x213F },
  { 0x2145, 0x2149 }, { 0x214E, 0x214E }, { 0x2183, 0x2184 }, { 0x2C00, 0x2C7B }, { 0x2C7E, 0x2CE4 },
  { 0x2CEB, 0x2CEE }, { 0x2CF2, 0x2CF3 }, { 0xA640, 0xA66D }, { 0xA680, 0xA69B }, { 0xA722, 0xA76F },
  { 0xA771, 0xA787 }, { 0xA78B, 0xA78E }, { 0xAB70, 0xABBF }, { 0xFB00, 0xFB06 }, { 0xFB13, 0xFB17 },
  { 0xFF21, 0xFF3A }, { 0xFF41, 0xFF5A }, { 0x10400, 0x1044F }, { 0x104B0, 0x104D3 },
  { 0x104D8, 0x104FB }, { 0x10C80, 0x10CB2 }, { 0x10CC0, 0x10CF2 }, { 0x118A0, 0x118DF },
  { 0x1E900, 0x1E943 },
};

/* [!-/:-~！-／：-～‘-‟　-。] */
static const Range deepseek_punct[] = {
  { 0x21, 0x2F }, { 0x3A, 0x7E }, { 0x2018, 0x201F }, { 0x3000, 0x3002 },
  { 0xFF01, 0xFF0F }, { 0xFF1A, 0xFF5E },
};

/* [一-龥ࠀ-一가-퟿]: note that U+0800..U+4E00 takes in most scripts. */
static const Range deepseek_cjk[] = {
  { 0x0800, 0x9FA5 }, { 0xAC00, 0xD7FF },
};

static gboolean
is_deepseek_letter (gunichar c)
{
  return in_ranges (c, deepseek_letters, G_N_ELEMENTS (deepseek_letters));
}

static gboolean
is_deepseek_punct (gunichar c)
{
  return in_ranges (c, deepseek_punct, G_N_ELEMENTS (deepseek_punct));
}

static gboolean
is_letter (gunichar c)
{
  return IS (hearth_unicode_flags (c), LETTER);
}

static gboolean
is_punct (gunichar c)
{
  return IS (hearth_unicode_flags (c), PUNCT);
}

static gsize
match_deepseek_llm_letters (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return space_then_class (cps, pos, end, is_deepseek_letter);
}

static gsize
match_deepseek_llm_punct (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return space_then_class (cps, pos, end, is_deepseek_punct);
}

/* \s+$: the whitespace that ends the piece. */
static gsize
match_final_space (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  gsize n = run_of (cps, pos, end, HEARTH_UNICODE_SPACE);

  if (pos + n == end)
    return n;
  *retry = pos + MAX (n, 1); /* no later start inside this run can reach the end */
  return 0;
}

static gsize
match_cjk (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  gsize i = pos;

  while (i < end && in_ranges (cps[i], deepseek_cjk, G_N_ELEMENTS (deepseek_cjk)))
    i++;
  return i - pos;
}

static gsize
match_space_letters (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return space_then_class (cps, pos, end, is_letter);
}

static gsize
match_space_punct (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  return space_then_class (cps, pos, end, is_punct);
}

/* ` ?[^(\s|.,!?…。，、।۔،)]+` */
static gboolean
is_poro_word_char (gunichar c)
{
  static const gunichar excluded[] = { '(', ')', '|', '.', ',', '!', '?', 0x2026,
                                       0x3002, 0xFF0C, 0x3001, 0x0964, 0x06D4, 0x060C };

  if (IS (hearth_unicode_flags (c), SPACE))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (excluded); i++)
    if (c == excluded[i])
      return FALSE;
  return TRUE;
}

static gsize
match_poro (const gunichar *cps, gsize pos, gsize end, gsize *retry)
{
  gsize sp = cps[pos] == ' ';
  gsize i = pos + sp;

  while (i < end && is_poro_word_char (cps[i]))
    i++;
  if (i > pos + sp)
    return i - pos;
  return 0;
}

static const Matcher passes[][MAX_PASSES] = {
  [HEARTH_PRE_DEFAULT] = { match_punct, match_gpt2, match_digits, match_three_ascii_digits },
  [HEARTH_PRE_LLAMA3] = { match_llama3 },
  [HEARTH_PRE_QWEN2] = { match_qwen2 },
  [HEARTH_PRE_GPT2] = { match_gpt2 },
  [HEARTH_PRE_DIGITS_GPT2] = { match_digit, match_gpt2 },
  [HEARTH_PRE_FALCON] = { match_punct_falcon, match_gpt2, match_three_ascii_digits },
  [HEARTH_PRE_DEEPSEEK_LLM] = { match_newline, match_deepseek_llm_letters, match_deepseek_llm_punct,
                                match_final_space, match_cjk, match_digits },
  [HEARTH_PRE_DEEPSEEK_CODER] = { match_newline, match_space_letters, match_space_punct,
                                  match_cjk, match_digit },
  [HEARTH_PRE_PORO] = { match_poro },
  [HEARTH_PRE_VIKING] = { match_poro, match_digit },
  [HEARTH_PRE_GPT4O] = { match_gpt4o },
};

/* Re-splits each piece of in (end offsets) into matches and gaps. */
static void
apply_pass (Matcher match, const gunichar *cps, const GArray *in, GArray *out)
{
  guint32 start = 0;

  g_array_set_size (out, 0);
  for (guint k = 0; k < in->len; k++)
    {
      guint32 end = g_array_index (in, guint32, k);
      guint32 pos = start, gap = start;

      while (pos < end)
        {
          gsize retry = pos + 1;
          gsize n = match (cps, pos, end, &retry);
          if (n == 0)
            {
              pos = (guint32) retry;
              continue;
            }
          if (gap < pos)
            g_array_append_val (out, pos);
          pos += (guint32) n;
          g_array_append_val (out, pos);
          gap = pos;
        }
      if (gap < end)
        g_array_append_val (out, end);
      start = end;
    }
}

void
_hearth_pretokenize (HearthPreTokenizer  pre,
                     const gunichar     *cps,
                     gsize               n,
                     GArray             *ends)
{
  g_autoptr (GArray) cur = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GArray) next = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint32 whole = (guint32) n;

  if (n == 0)
    return;
  g_array_append_val (cur, whole);
  for (gsize p = 0; p < MAX_PASSES && passes[pre][p] != NULL; p++)
    {
      GArray *tmp;
      apply_pass (passes[pre][p], cps, cur, next);
      tmp = cur, cur = next, next = tmp;
    }
  g_array_append_vals (ends, cur->data, cur->len);
}
