/* unicode.h: the few Unicode facts the tokenizers need: strict UTF-8
 * decoding, the regex classes \p{L} \p{N} \p{P} \s as code point flags, and
 * GPT-2's byte <-> code point mapping used by byte-level BPE vocabularies. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum {
  HEARTH_UNICODE_LETTER = 1 << 0, /* \p{L}: Lu Ll Lt Lm Lo */
  HEARTH_UNICODE_NUMBER = 1 << 1, /* \p{N}: Nd Nl No */
  HEARTH_UNICODE_PUNCT  = 1 << 2, /* \p{P}: Pc Pd Ps Pe Pi Pf Po */
  HEARTH_UNICODE_SPACE  = 1 << 3, /* \s: the White_Space property */
};

guint    hearth_unicode_flags (gunichar c);

/* Decodes one sequence at s (avail bytes). Returns its length (1-4) and
 * sets *out; 0 when s holds a valid but incomplete start of a sequence;
 * -1 when the first byte cannot start a valid sequence here (overlong,
 * surrogate, beyond U+10FFFF, stray continuation byte). */
int      hearth_utf8_decode_one (const char *s, gsize avail, gunichar *out);

/* Returns text itself when it is valid UTF-8, else a new string (stored in
 * *owned, length in *len) with every invalid byte replaced by U+FFFD. NUL
 * bytes are valid here. */
const char *hearth_utf8_sanitize (const char *text, gsize *len, char **owned);

/* GPT-2 byte-level mapping: every byte has a printable code point. */
gunichar hearth_unicode_from_byte (guint8 byte);
int      hearth_unicode_to_byte   (gunichar c); /* -1 if c is no byte's image */

G_END_DECLS
