#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli tokenize / detokenize: the model's tokenizer on its own, for
 * scripts and for comparing with llama-tokenize. tokenize prints the ids on
 * one line separated by single spaces, and nothing else on stdout. */

#include <stdio.h>
#include <string.h>

#include "gguf.h"
#include "hearth-cli.h"
#include "tokenizer.h"

static HearthTokenizer *
open_tokenizer (const char *model_path, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (model_path, error);

  if (file == NULL)
    return NULL;
  return hearth_tokenizer_new_from_gguf (file, error);
}

static int
usage_error (const char *command, const char *message)
{
  fprintf (stderr, "hearth-cli %s: %s (see 'hearth-cli %s --help')\n", command, message, command);
  return 2;
}

int
hearth_cli_tokenize (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autofree char *text_file = NULL;
  gboolean no_bos = FALSE, special = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "GGUF file with the vocabulary", "FILE" },
    { "file", 'f', 0, G_OPTION_ARG_FILENAME, &text_file, "Read the text from FILE (exact bytes)", "FILE" },
    { "no-bos", 0, 0, G_OPTION_ARG_NONE, &no_bos, "Add no BOS/EOS even if the vocabulary asks for them", NULL },
    { "special", 0, 0, G_OPTION_ARG_NONE, &special, "Turn special-token text such as <|eot_id|> into that token", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[TEXT] - print the token ids of a text");
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree char *contents = NULL;
  g_autoptr (GString) line = g_string_new (NULL);
  const char *text;
  gsize len;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("tokenize", error->message);
  if (model == NULL)
    return usage_error ("tokenize", "-m MODEL.gguf is required");
  if ((text_file != NULL) == (argc == 2) || argc > 2)
    return usage_error ("tokenize", "give either one TEXT argument or -f FILE");

  if (text_file != NULL)
    {
      if (!g_file_get_contents (text_file, &contents, &len, &error))
        {
          fprintf (stderr, "hearth-cli tokenize: %s\n", error->message);
          return 1;
        }
      text = contents;
    }
  else
    text = argv[1], len = strlen (argv[1]);

  tok = open_tokenizer (model, &error);
  if (tok == NULL || !hearth_tokenizer_encode (tok, text, (gssize) len, !no_bos, special, ids, &error))
    {
      fprintf (stderr, "hearth-cli tokenize: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (line, i > 0 ? " %d" : "%d", g_array_index (ids, gint32, i));
  printf ("%s\n", line->str);
  return 0;
}

int
hearth_cli_detokenize (int argc, char **argv)
{
  g_autofree char *model = NULL;
  gboolean skip_special = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "GGUF file with the vocabulary", "FILE" },
    { "skip-special", 0, 0, G_OPTION_ARG_NONE, &skip_special, "Leave out control tokens such as <|eot_id|>", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("ID... - print the text of token ids");
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree char *text = NULL;
  gsize len;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("detokenize", error->message);
  if (model == NULL)
    return usage_error ("detokenize", "-m MODEL.gguf is required");
  for (int i = 1; i < argc; i++)
    {
      gint64 id;
      gint32 id32;
      if (!g_ascii_string_to_signed (argv[i], 10, 0, G_MAXINT32, &id, NULL))
        {
          g_autofree char *message = g_strdup_printf ("'%s' is not a token id", argv[i]);
          return usage_error ("detokenize", message);
        }
      id32 = (gint32) id;
      g_array_append_val (ids, id32);
    }

  tok = open_tokenizer (model, &error);
  if (tok != NULL)
    text = hearth_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, !skip_special, &len, &error);
  if (text == NULL)
    {
      fprintf (stderr, "hearth-cli detokenize: %s\n", error->message);
      return 1;
    }
  fwrite (text, 1, len, stdout);
  putchar ('\n');
  return 0;
}
