#define G_LOG_DOMAIN "hearth-unicode"

#include "unicode.h"

#include <string.h>

/* Flags for the Basic Multilingual Plane, filled once: the pre-tokenizers
 * ask for every code point of every input, and GLib's type lookup plus the
 * category switch is the hot spot otherwise. */
static guint8 bmp_flags[0x10000];

static gboolean
is_white_space (gunichar c)
{
  /* Unicode's White_Space property (what \s means for Oniguruma and for
   * llama.cpp). GLib's g_unichar_isspace() misses U+000B and U+0085. */
  if ((c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85)
    return TRUE;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_SPACE_SEPARATOR:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
      return TRUE;
    default:
      return FALSE;
    }
}

static guint
compute_flags (gunichar c)
{
  guint flags = is_white_space (c) ? HEARTH_UNICODE_SPACE : 0;

  switch (g_unichar_type (c))
    {
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_UPPERCASE_LETTER:
      return flags | HEARTH_UNICODE_LETTER;
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return flags | HEARTH_UNICODE_NUMBER;
    case G_UNICODE_CONNECT_PUNCTUATION:
    case G_UNICODE_DASH_PUNCTUATION:
    case G_UNICODE_CLOSE_PUNCTUATION:
    case G_UNICODE_FINAL_PUNCTUATION:
    case G_UNICODE_INITIAL_PUNCTUATION:
    case G_UNICODE_OTHER_PUNCTUATION:
    case G_UNICODE_OPEN_PUNCTUATION:
      return flags | HEARTH_UNICODE_PUNCT;
    default:
      return flags;
    }
}

static gpointer
fill_bmp_flags (gpointer data)
{
  for (gunichar c = 0; c < 0x10000; c++)
    bmp_flags[c] = (guint8) compute_flags (c);
  return NULL;
}

guint
hearth_unicode_flags (gunichar c)
{
  static GOnce once = G_ONCE_INIT;

  if (c >= 0x10000)
    return compute_flags (c);
  g_once (&once, fill_bmp_flags, NULL);
  return bmp_flags[c];
}

int
hearth_utf8_decode_one (const char *s, gsize avail, gunichar *out)
{
  const guint8 *b = (const guint8 *) s;
  guint8 lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  int need;
  gunichar c;

  if (avail == 0)
    return 0;
  if (b[0] < 0x80)
    {
      *out = b[0];
      return 1;
    }
  if (b[0] >= 0xC2 && b[0] <= 0xDF)
    need = 2, c = b[0] & 0x1F;
  else if (b[0] >= 0xE0 && b[0] <= 0xEF)
    {
      need = 3, c = b[0] & 0x0F;
      if (b[0] == 0xE0)
        lo = 0xA0; /* overlong */
      else if (b[0] == 0xED)
        hi = 0x9F; /* surrogates */
    }
  else if (b[0] >= 0xF0 && b[0] <= 0xF4)
    {
      need = 4, c = b[0] & 0x07;
      if (b[0] == 0xF0)
        lo = 0x90; /* overlong */
      else if (b[0] == 0xF4)
        hi = 0x8F; /* beyond U+10FFFF */
    }
  else
    return -1;

  for (int i = 1; i < need; i++)
    {
      if ((gsize) i >= avail)
        return 0;
      if (b[i] < (i == 1 ? lo : 0x80) || b[i] > (i == 1 ? hi : 0xBF))
        return -1;
      c = (c << 6) | (b[i] & 0x3F);
    }
  *out = c;
  return need;
}

const char *
hearth_utf8_sanitize (const char *text, gsize *len, char **owned)
{
  GString *fixed = NULL;
  gsize pos = 0;

  *owned = NULL;
  while (pos < *len)
    {
      gunichar c;
      int n = hearth_utf8_decode_one (text + pos, *len - pos, &c);

      if (n > 0)
        {
          if (fixed != NULL)
            g_string_append_len (fixed, text + pos, n);
          pos += n;
          continue;
        }
      if (fixed == NULL)
        fixed = g_string_new_len (text, pos);
      g_string_append (fixed, "\xEF\xBF\xBD");
      pos++;
    }
  if (fixed == NULL)
    return text;
  *len = fixed->len;
  *owned = g_string_free (fixed, FALSE);
  return *owned;
}

static gboolean
byte_maps_to_itself (guint b)
{
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

gunichar
hearth_unicode_from_byte (guint8 byte)
{
  guint n = 0;

  if (byte_maps_to_itself (byte))
    return byte;
  /* The other bytes take 256, 257, ... in byte order. */
  for (guint b = 0; b < byte; b++)
    if (!byte_maps_to_itself (b))
      n++;
  return 256 + n;
}

int
hearth_unicode_to_byte (gunichar c)
{
  static gint16 table[256 + 68];
  static gsize filled = 0;

  if (g_once_init_enter (&filled))
    {
      for (guint i = 0; i < G_N_ELEMENTS (table); i++)
        table[i] = -1;
      for (guint b = 0; b < 256; b++)
        table[hearth_unicode_from_byte (b)] = (gint16) b;
      g_once_init_leave (&filled, 1);
    }
  return c < G_N_ELEMENTS (table) ? table[c] : -1;
}
