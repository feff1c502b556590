#define G_LOG_DOMAIN "hearth-tokenizer"

/* Token ids to text as they come, never split inside a UTF-8 character. */

#include "tokenizer.h"
#include "unicode.h"

struct _HearthTokenStream {
  HearthTokenizer *tok;
  gboolean         render_special;
  GString         *pending; /* bytes of an unfinished UTF-8 sequence */
};

HearthTokenStream *
hearth_token_stream_new (HearthTokenizer *tok, gboolean render_special)
{
  HearthTokenStream *stream = g_new0 (HearthTokenStream, 1);

  stream->tok = tok;
  stream->render_special = render_special;
  stream->pending = g_string_new (NULL);
  return stream;
}

/* Moves the complete sequences of pending to out; at the end (final) an
 * unfinished one becomes U+FFFD. */
static void
stream_emit (HearthTokenStream *stream, GString *out, gboolean final)
{
  GString *p = stream->pending;
  gsize pos = 0;

  while (pos < p->len)
    {
      gunichar c;
      int n = hearth_utf8_decode_one (p->str + pos, p->len - pos, &c);

      if (n > 0)
        {
          g_string_append_len (out, p->str + pos, n);
          pos += n;
        }
      else if (n < 0)
        {
          g_string_append (out, "\xEF\xBF\xBD");
          pos++;
        }
      else
        {
          if (final)
            {
              g_string_append (out, "\xEF\xBF\xBD");
              pos = p->len;
            }
          break;
        }
    }
  g_string_erase (p, 0, pos);
}

void
hearth_token_stream_push (HearthTokenStream *stream, gint32 id, GString *out)
{
  gsize len;
  const char *piece = hearth_tokenizer_token_to_piece (stream->tok, id, stream->render_special, &len);

  g_string_append_len (stream->pending, piece, len);
  stream_emit (stream, out, FALSE);
}

void
hearth_token_stream_flush (HearthTokenStream *stream, GString *out)
{
  stream_emit (stream, out, TRUE);
}

void
hearth_token_stream_free (HearthTokenStream *stream)
{
  if (stream == NULL)
    return;
  g_string_free (stream->pending, TRUE);
  g_free (stream);
}
