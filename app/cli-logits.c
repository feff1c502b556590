#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli logits: the raw logits of a Llama model for a prompt, as
 * "pos id logit" lines, the top K of each position in descending order. */

#include <stdio.h>
#include <stdlib.h>

#include "cli-llama.h"
#include "hearth-cli.h"

typedef struct {
  gint32 id;
  float  logit;
} Ranked;

static int
compare_ranked (const void *a, const void *b)
{
  const Ranked *x = a, *y = b;

  if (x->logit != y->logit)
    return x->logit > y->logit ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static void
print_top (guint pos, const float *logits, guint n_vocab, guint k)
{
  g_autofree Ranked *r = g_new (Ranked, n_vocab);

  for (guint i = 0; i < n_vocab; i++)
    r[i] = (Ranked) { .id = i, .logit = logits[i] };
  qsort (r, n_vocab, sizeof (Ranked), compare_ranked);
  for (guint i = 0; i < MIN (k, n_vocab); i++)
    printf ("%u %d %.6f\n", pos, r[i].id, r[i].logit);
}

/* "1 403 407" (spaces or commas) → ids. */
static GArray *
parse_token_ids (const char *text, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_auto (GStrv) words = g_strsplit_set (text, " ,\t\n", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      gint64 id;

      if (*words[i] == '\0')
        continue;
      if (!g_ascii_string_to_signed (words[i], 10, 0, G_MAXINT32, &id, error))
        {
          g_prefix_error (error, "--tokens: ");
          return NULL;
        }
      g_array_append_vals (ids, &(gint32) { id }, 1);
    }
  if (ids->len == 0)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "--tokens: no token ids given");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

int
hearth_cli_logits (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *prompt = NULL, *token_text = NULL;
  gboolean raw = FALSE, all_positions = FALSE;
  gint top_k = 10;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "GGUF model file", "MODEL.gguf" },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, "Prompt text (with --raw)", "PROMPT" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "Tokenize the prompt as-is with the model's BOS rule", NULL },
    { "tokens", 0, 0, G_OPTION_ARG_STRING, &token_text, "Token ids to feed as given (no BOS)", "\"ID ID ...\"" },
    { "top", 0, 0, G_OPTION_ARG_INT, &top_k, "Logits to print per position (default 10)", "K" },
    { "all-positions", 0, 0, G_OPTION_ARG_NONE, &all_positions, "Print every position, not only the last", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- print a model's raw logits");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  CliLlama cl;
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) ||
      (model_path == NULL && (error = g_error_new_literal (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                                           "-m MODEL.gguf is required"))) ||
      ((prompt == NULL) == (token_text == NULL) &&
       (error = g_error_new_literal (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                     "give either -p PROMPT --raw or --tokens \"ID ...\""))) ||
      (top_k <= 0 && (error = g_error_new_literal (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                                                   "--top must be positive"))))
    {
      fprintf (stderr, "hearth-cli logits: %s\n", error->message);
      return 2;
    }

  if (!cli_llama_open (&cl, model_path, 0, &error) ||
      !(ids = token_text != NULL ? parse_token_ids (token_text, &error)
                                 : cli_llama_tokenize (&cl, prompt, FALSE, &error)) ||
      !llama_context_forward (cl.ctx, (const gint32 *) ids->data, ids->len, 0, all_positions,
                              NULL, &error))
    {
      fprintf (stderr, "hearth-cli logits: %s\n", error->message);
      goto out;
    }

  for (guint i = 0; i < llama_context_get_n_outputs (cl.ctx); i++)
    print_top (all_positions ? i : ids->len - 1, llama_context_get_logits (cl.ctx, i),
               llama_model_get_config (cl.model)->n_vocab, top_k);
  status = 0;
out:
  cli_llama_close (&cl);
  return status;
}
