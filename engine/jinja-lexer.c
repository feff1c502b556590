#define G_LOG_DOMAIN "hearth-jinja"

/* jinja-lexer.c: template text to tokens, with Jinja's whitespace rules as
 * transformers configures them: `{%-`/`-%}` (and the {{ }} and {# #}
 * forms) strip all whitespace on that side, trim_blocks drops the first
 * newline after a block or comment tag, lstrip_blocks removes spaces and
 * tabs between the start of a line and a block or comment tag (`{%+`
 * keeps them). Comments are dropped here. Newlines are normalised to \n
 * and one trailing newline of the source is removed, as Jinja does. */

#include <string.h>

#include "hearth-engine-error.h"
#include "jinja-private.h"

typedef struct {
  const char *name;
  const char *src;
  gsize       len;
  gsize       pos;
  int         line;
  gsize       line_start;
  GArray     *tokens;
} Lexer;

static void
token_clear (gpointer data)
{
  JToken *t = data;
  g_free (t->text);
}

void
jinja_tokens_free (GArray *tokens)
{
  if (tokens != NULL)
    g_array_unref (tokens);
}

static void
lex_error (Lexer *lx, gsize at, GError **error, const char *what)
{
  int line = 1;
  gsize line_start = 0;
  for (gsize i = 0; i < at && i < lx->len; i++)
    if (lx->src[i] == '\n')
      {
        line++;
        line_start = i + 1;
      }
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE,
               "chat template '%s' %d:%d: %s", lx->name, line, (int) (at - line_start) + 1, what);
}

/* Line and column of a byte offset; positions only grow, so scan forward. */
static void
position_of (Lexer *lx, gsize at, int *line, int *col)
{
  for (gsize i = lx->line_start; i < at; i++)
    if (lx->src[i] == '\n')
      {
        lx->line++;
        lx->line_start = i + 1;
      }
  *line = lx->line;
  *col = (int) (at - lx->line_start) + 1;
}

static JToken *
push (Lexer *lx, JTokenType type, gsize at)
{
  JToken t = { .type = type };
  position_of (lx, at, &t.line, &t.col);
  g_array_append_val (lx->tokens, t);
  return &g_array_index (lx->tokens, JToken, lx->tokens->len - 1);
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static gboolean
starts_with (Lexer *lx, gsize at, const char *s)
{
  gsize n = strlen (s);
  return at + n <= lx->len && memcmp (lx->src + at, s, n) == 0;
}

/* Python's unicode-escape decoding, which Jinja applies to string literals. */
static gboolean
decode_escape (const char **p, const char *end, GString *out)
{
  char c = **p;
  (*p)++;
  switch (c)
    {
    case 'n': g_string_append_c (out, '\n'); return TRUE;
    case 't': g_string_append_c (out, '\t'); return TRUE;
    case 'r': g_string_append_c (out, '\r'); return TRUE;
    case 'a': g_string_append_c (out, '\a'); return TRUE;
    case 'b': g_string_append_c (out, '\b'); return TRUE;
    case 'f': g_string_append_c (out, '\f'); return TRUE;
    case 'v': g_string_append_c (out, '\v'); return TRUE;
    case '\\': case '\'': case '"': g_string_append_c (out, c); return TRUE;
    case '\n': return TRUE;
    case 'x': case 'u': case 'U':
      {
        int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
        gunichar u = 0;
        for (int i = 0; i < digits; i++, (*p)++)
          {
            if (*p >= end || !g_ascii_isxdigit (**p))
              return FALSE;
            u = u * 16 + g_ascii_xdigit_value (**p);
          }
        if (!g_unichar_validate (u))
          return FALSE;
        g_string_append_unichar (out, u);
        return TRUE;
      }
    default:
      if (c >= '0' && c <= '7')
        {
          gunichar u = c - '0';
          for (int i = 0; i < 2 && *p < end && **p >= '0' && **p <= '7'; i++, (*p)++)
            u = u * 8 + (**p - '0');
          g_string_append_unichar (out, u);
          return TRUE;
        }
      g_string_append_c (out, '\\');
      g_string_append_c (out, c);
      return TRUE;
    }
}

static gboolean
lex_string (Lexer *lx, GError **error)
{
  gsize start = lx->pos;
  char quote = lx->src[lx->pos++];
  GString *value = g_string_new (NULL);
  while (lx->pos < lx->len && lx->src[lx->pos] != quote)
    {
      if (lx->src[lx->pos] == '\\' && lx->pos + 1 < lx->len)
        {
          const char *p = lx->src + lx->pos + 1;
          if (!decode_escape (&p, lx->src + lx->len, value))
            {
              g_string_free (value, TRUE);
              lex_error (lx, lx->pos, error, "invalid escape sequence in a string literal");
              return FALSE;
            }
          lx->pos = p - lx->src;
        }
      else
        g_string_append_c (value, lx->src[lx->pos++]);
    }
  if (lx->pos >= lx->len)
    {
      g_string_free (value, TRUE);
      lex_error (lx, start, error, "unterminated string literal");
      return FALSE;
    }
  lx->pos++;
  JToken *t = push (lx, JT_STRING, start);
  t->len = value->len;
  t->text = g_string_free (value, FALSE);
  return TRUE;
}

static void
lex_number (Lexer *lx)
{
  gsize start = lx->pos;
  gboolean is_float = FALSE;
  /* As in Jinja, no float right after a '.': x.0.1 is x[0][1]. */
  gboolean may_be_float = start == 0 || lx->src[start - 1] != '.';
  GString *digits = g_string_new (NULL);
  while (lx->pos < lx->len && (g_ascii_isdigit (lx->src[lx->pos]) || lx->src[lx->pos] == '_'))
    {
      if (lx->src[lx->pos] != '_')
        g_string_append_c (digits, lx->src[lx->pos]);
      lx->pos++;
    }
  if (may_be_float && lx->pos + 1 < lx->len && lx->src[lx->pos] == '.' && g_ascii_isdigit (lx->src[lx->pos + 1]))
    {
      is_float = TRUE;
      g_string_append_c (digits, lx->src[lx->pos++]);
      while (lx->pos < lx->len && (g_ascii_isdigit (lx->src[lx->pos]) || lx->src[lx->pos] == '_'))
        {
          if (lx->src[lx->pos] != '_')
            g_string_append_c (digits, lx->src[lx->pos]);
          lx->pos++;
        }
    }
  if (may_be_float && lx->pos < lx->len && (lx->src[lx->pos] == 'e' || lx->src[lx->pos] == 'E'))
    {
      gsize save = lx->pos;
      GString *exp = g_string_new ("e");
      lx->pos++;
      if (lx->pos < lx->len && (lx->src[lx->pos] == '+' || lx->src[lx->pos] == '-'))
        g_string_append_c (exp, lx->src[lx->pos++]);
      if (lx->pos < lx->len && g_ascii_isdigit (lx->src[lx->pos]))
        {
          while (lx->pos < lx->len && g_ascii_isdigit (lx->src[lx->pos]))
            g_string_append_c (exp, lx->src[lx->pos++]);
          g_string_append (digits, exp->str);
          is_float = TRUE;
        }
      else
        lx->pos = save;
      g_string_free (exp, TRUE);
    }
  JToken *t = push (lx, is_float ? JT_FLOAT : JT_INT, start);
  if (is_float)
    t->f = g_ascii_strtod (digits->str, NULL);
  else
    t->i = g_ascii_strtoll (digits->str, NULL, 10);
  g_string_free (digits, TRUE);
}

static const char *const operators[] = {
  "//", "**", "==", "!=", ">=", "<=",
  "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|",
};

/* Lexes the inside of a {{ }} or {% %} tag up to its end marker. Returns
 * the token type for the end and sets *strip_after for `-}}`/`-%}`. */
static gboolean
lex_tag (Lexer *lx, gboolean is_block, gboolean *strip_after, GError **error)
{
  const char *close = is_block ? "%}" : "}}";
  int depth = 0;
  gsize tag_start = lx->pos;
  while (lx->pos < lx->len)
    {
      char c = lx->src[lx->pos];
      if (is_space (c))
        {
          lx->pos++;
          continue;
        }
      if (depth == 0 && c == '-' && starts_with (lx, lx->pos + 1, close))
        {
          push (lx, is_block ? JT_BLOCK_END : JT_VAR_END, lx->pos);
          lx->pos += 3;
          *strip_after = TRUE;
          return TRUE;
        }
      if (depth == 0 && (starts_with (lx, lx->pos, close)
                         || (is_block && c == '+' && starts_with (lx, lx->pos + 1, close))))
        {
          push (lx, is_block ? JT_BLOCK_END : JT_VAR_END, lx->pos);
          lx->pos += c == '+' ? 3 : 2;
          *strip_after = FALSE;
          return TRUE;
        }
      if (c == '\'' || c == '"')
        {
          if (!lex_string (lx, error))
            return FALSE;
          continue;
        }
      if (g_ascii_isdigit (c))
        {
          lex_number (lx);
          continue;
        }
      if (g_ascii_isalpha (c) || c == '_')
        {
          gsize start = lx->pos;
          while (lx->pos < lx->len && (g_ascii_isalnum (lx->src[lx->pos]) || lx->src[lx->pos] == '_'))
            lx->pos++;
          JToken *t = push (lx, JT_NAME, start);
          t->text = g_strndup (lx->src + start, lx->pos - start);
          t->len = lx->pos - start;
          continue;
        }
      gboolean matched = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (operators) && !matched; i++)
        if (starts_with (lx, lx->pos, operators[i]))
          {
            const char *op = operators[i];
            if (strchr ("([{", op[0]) && op[1] == '\0')
              depth++;
            else if (strchr (")]}", op[0]) && op[1] == '\0')
              depth--;
            JToken *t = push (lx, JT_OP, lx->pos);
            t->text = g_strdup (op);
            t->len = strlen (op);
            lx->pos += strlen (op);
            matched = TRUE;
          }
      if (!matched)
        {
          /* The whole character: the source is UTF-8, the message must be too. */
          const char *at = lx->src + lx->pos;
          g_autofree char *what = g_strdup_printf ("unexpected character '%.*s' in a tag",
                                                   (int) (g_utf8_next_char (at) - at), at);
          lex_error (lx, lx->pos, error, what);
          return FALSE;
        }
    }
  lex_error (lx, tag_start, error, is_block ? "missing '%}' at the end of a block tag"
                                            : "missing '}}' at the end of an expression");
  return FALSE;
}

/* Finds the next tag opener at or after pos: '{{', '{%' or '{#'. */
static gsize
find_tag (Lexer *lx, gsize pos)
{
  for (gsize i = pos; i + 1 < lx->len; i++)
    if (lx->src[i] == '{' && (lx->src[i + 1] == '{' || lx->src[i + 1] == '%' || lx->src[i + 1] == '#'))
      return i;
  return lx->len;
}

static void
emit_data (Lexer *lx, gsize start, gsize end, char tag_kind, char sign, gboolean line_starting)
{
  if (sign == '-')
    while (end > start && is_space (lx->src[end - 1]))
      end--;
  else if (sign != '+' && (tag_kind == '%' || tag_kind == '#'))
    {
      gsize l_pos = end;
      while (l_pos > start && lx->src[l_pos - 1] != '\n')
        l_pos--;
      gboolean only_blank = TRUE;
      for (gsize i = l_pos; i < end; i++)
        if (lx->src[i] != ' ' && lx->src[i] != '\t' && lx->src[i] != '\v' && lx->src[i] != '\f')
          only_blank = FALSE;
      if ((l_pos > start || line_starting) && only_blank)
        end = l_pos;
    }
  if (end > start)
    {
      JToken *t = push (lx, JT_DATA, start);
      t->text = g_strndup (lx->src + start, end - start);
      t->len = end - start;
    }
}

static gboolean
lex_comment (Lexer *lx, gboolean *strip_after, GError **error)
{
  gsize start = lx->pos;
  const char *end = g_strstr_len (lx->src + lx->pos, lx->len - lx->pos, "#}");
  if (end == NULL)
    {
      lex_error (lx, start, error, "missing '#}' at the end of a comment");
      return FALSE;
    }
  gsize at = end - lx->src;
  *strip_after = at > start && lx->src[at - 1] == '-';
  lx->pos = at + 2;
  return TRUE;
}

GArray *
jinja_lex (const char *name, const char *source, GError **error)
{
  g_autoptr (GString) text = g_string_new (source);
  g_string_replace (text, "\r\n", "\n", 0);
  g_string_replace (text, "\r", "\n", 0);
  if (text->len > 0 && text->str[text->len - 1] == '\n')
    g_string_truncate (text, text->len - 1);

  Lexer lx = { .name = name, .src = text->str, .len = text->len, .line = 1 };
  /* Text between tags is copied to the prompt as it is, and literals become
   * string values, which must be UTF-8 (see jv_string_len()). */
  const char *invalid;
  if (!g_utf8_validate_len (text->str, text->len, &invalid))
    {
      lex_error (&lx, invalid - text->str, error,
                 "not valid UTF-8 here: the template is damaged or in another encoding "
                 "(save it as UTF-8)");
      return NULL;
    }
  lx.tokens = g_array_new (FALSE, TRUE, sizeof (JToken));
  g_array_set_clear_func (lx.tokens, token_clear);

  gboolean line_starting = TRUE;
  while (lx.pos < lx.len)
    {
      gsize tag = find_tag (&lx, lx.pos);
      char kind = tag < lx.len ? lx.src[tag + 1] : '\0';
      char sign = tag + 2 < lx.len ? lx.src[tag + 2] : '\0';
      if (sign != '-' && sign != '+')
        sign = '\0';
      emit_data (&lx, lx.pos, tag, kind, sign, line_starting);
      if (tag >= lx.len)
        break;
      lx.pos = tag + 2 + (sign != '\0');
      gboolean strip_after = FALSE;
      gboolean ok;
      if (kind == '#')
        ok = lex_comment (&lx, &strip_after, error);
      else
        {
          push (&lx, kind == '%' ? JT_BLOCK_BEGIN : JT_VAR_BEGIN, tag);
          ok = lex_tag (&lx, kind == '%', &strip_after, error);
        }
      if (!ok)
        {
          g_array_unref (lx.tokens);
          return NULL;
        }
      /* trim_blocks: the first newline after a block or comment tag goes. */
      gboolean plus_end = kind == '%' && lx.src[lx.pos - 3] == '+';
      if (kind != '{' && !strip_after && !plus_end && lx.pos < lx.len && lx.src[lx.pos] == '\n')
        lx.pos++;
      /* `-%}`: the whitespace after the tag goes. */
      if (strip_after)
        while (lx.pos < lx.len && is_space (lx.src[lx.pos]))
          lx.pos++;
      line_starting = lx.src[lx.pos - 1] == '\n';
    }
  push (&lx, JT_EOF, lx.len);
  return lx.tokens;
}
