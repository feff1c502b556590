#define G_LOG_DOMAIN "hearth-fuzz"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-util.h"

static const char *tolerated_domain, *tolerated_function;

/* abort(), not GLib's breakpoint trap: libFuzzer catches SIGABRT, writes
 * the input out and prints the stack. */
static void
abort_on_critical (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (tolerated_domain != NULL && g_strcmp0 (domain, tolerated_domain) == 0 &&
      (level & G_LOG_LEVEL_CRITICAL) && g_str_has_prefix (message, tolerated_function))
    return;
  if (!(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
    {
      g_log_default_handler (domain, level, message, data);
      return;
    }
  /* The default handler would trap itself on a fatal message. */
  g_printerr ("%s: %s\n", domain != NULL ? domain : "(no domain)", message);
  abort ();
}

void
fuzz_init (void)
{
  g_log_set_default_handler (abort_on_critical, NULL);
}

void
fuzz_tolerate_critical (const char *domain, const char *function)
{
  tolerated_domain = domain;
  tolerated_function = function;
}

char *
fuzz_temp_file (const char *pattern)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp (pattern, &path, &error);

  g_assert_no_error (error);
  close (fd);
  return path;
}

/* Not g_file_set_contents(): it would fsync a file that exists, every run. */
void
fuzz_write_file (const char *path, const guint8 *data, gsize size)
{
  FILE *f = fopen (path, "wb");

  g_assert (f != NULL);
  g_assert (size == 0 || fwrite (data, 1, size, f) == size);
  g_assert (fclose (f) == 0);
}

void
fuzz_check_error (const GError *error)
{
  g_assert (error != NULL);
  g_assert (error->message != NULL && error->message[0] != '\0');
  g_assert (g_utf8_validate (error->message, -1, NULL));
}

void
fuzz_touch (const char *data, gsize size)
{
  volatile char sink = 0;

  for (gsize i = 0; i < size; i++)
    sink ^= data[i];
  (void) sink;
}

void
fuzz_round_trip (HearthTokenizer *tok, const char *text, gssize len,
                 gboolean add_special, gboolean parse_special)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;
  g_autofree char *decoded = NULL;
  guint32 n_vocab = hearth_tokenizer_n_vocab (tok);
  gsize decoded_len = 0;

  if (!hearth_tokenizer_encode (tok, text, len, add_special, parse_special, ids, &error))
    {
      fuzz_check_error (error);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    {
      gint32 id = g_array_index (ids, gint32, i);
      gsize piece_len = 0;
      const char *piece;

      g_assert (id >= 0 && (guint32) id < n_vocab);
      piece = hearth_tokenizer_token_to_piece (tok, id, TRUE, &piece_len);
      if (piece != NULL)
        fuzz_touch (piece, piece_len);
    }
  decoded = hearth_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, TRUE, &decoded_len, &error);
  if (decoded == NULL)
    fuzz_check_error (error);
  else
    fuzz_touch (decoded, decoded_len);
}
