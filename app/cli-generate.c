#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli generate: text from a Llama model. The prompt is wrapped in
 * the model's chat template as a user turn (or, with --raw, tokenized
 * as-is); tokens are sampled until an end-of-generation token or -n, and
 * the text streams to stdout as it completes. */

#include <stdio.h>
#include <string.h>

#include "chat-template.h"
#include "cli-llama.h"
#include "hearth-cli.h"
#include "sampler.h"

typedef struct {
  char    *model_path;
  char    *prompt;
  char    *system;
  gint     n_predict;
  double   temp;
  gint     top_k;
  double   top_p;
  double   min_p;
  double   repeat_penalty;
  gint64   seed;
  gint     n_ctx;
  gboolean raw;
  gboolean ids_only;
} GenerateOptions;

static char *
token_text (HearthTokenizer *tok, gint32 id)
{
  gsize len = 0;
  const char *text = id >= 0 ? hearth_tokenizer_token_text (tok, id, &len) : NULL;

  return text != NULL ? g_strndup (text, len) : g_strdup ("");
}

static HearthChatTemplate *
load_template (GgufFile *file, GError **error)
{
  g_autofree char *source = NULL, *arch = NULL, *name = NULL;

  if (!gguf_file_get_string (file, "tokenizer.chat_template", &source, error) && *error != NULL)
    return NULL;
  if (source != NULL)
    return hearth_chat_template_new (gguf_file_get_path (file), source, error);
  gguf_file_get_string (file, "general.architecture", &arch, NULL);
  gguf_file_get_string (file, "general.name", &name, NULL);
  return hearth_chat_template_new_builtin (hearth_chat_format_guess (arch, name, NULL));
}

static void
add_message (JsonArray *messages, const char *role, const char *content)
{
  JsonObject *m = json_object_new ();

  json_object_set_string_member (m, "role", role);
  json_object_set_string_member (m, "content", content);
  json_array_add_object_element (messages, m);
}

/* The conversation rendered by the chat template, then tokenized with
 * special tokens parsed; BOS is added only if the template did not write
 * one already. */
static GArray *
chat_prompt_ids (CliLlama *cl, const GenerateOptions *o, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  g_autoptr (HearthChatTemplate) tpl = NULL;
  g_autoptr (JsonArray) messages = json_array_new ();
  g_autofree char *bos = NULL, *eos = NULL, *text = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gboolean add_bos;

  if (tok == NULL || !(tpl = load_template (cl->file, error)))
    return NULL;
  if (o->system != NULL)
    add_message (messages, "system", o->system);
  add_message (messages, "user", o->prompt);
  bos = token_text (tok, hearth_tokenizer_bos (tok));
  eos = token_text (tok, hearth_tokenizer_eos (tok));
  if (!(text = hearth_chat_template_render (tpl, messages, TRUE, bos, eos, error)))
    return NULL;

  add_bos = hearth_tokenizer_adds_bos (tok) && !(*bos != '\0' && g_str_has_prefix (text, bos));
  if (add_bos)
    g_array_append_vals (ids, &(gint32) { hearth_tokenizer_bos (tok) }, 1);
  if (!hearth_tokenizer_encode (tok, text, -1, FALSE, TRUE, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

static void
sampler_params_from (const GenerateOptions *o, HearthSamplerParams *p)
{
  hearth_sampler_params_init (p);
  p->temperature = o->temp;
  p->top_k = o->top_k;
  p->top_p = o->top_p;
  p->min_p = o->min_p;
  p->repeat_penalty = o->repeat_penalty;
  p->seed = o->seed >= 0 ? (guint32) o->seed : g_random_int ();
}

/* Prompt, then one token per forward until EOG, -n or a full context. */
static gboolean
generate (CliLlama *cl, const GenerateOptions *o, GArray *prompt, GError **error)
{
  HearthSamplerParams params;
  g_autoptr (HearthSampler) sampler = NULL;
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (cl->tok, FALSE);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) ids = g_string_new (NULL);
  guint n_vocab = llama_model_get_config (cl->model)->n_vocab;
  guint pos = prompt->len;

  sampler_params_from (o, &params);
  sampler = hearth_sampler_new (&params);
  for (guint i = 0; i < prompt->len; i++)
    hearth_sampler_accept (sampler, g_array_index (prompt, gint32, i));

  if (!llama_context_forward (cl->ctx, (const gint32 *) prompt->data, prompt->len, 0, FALSE,
                              NULL, error))
    return FALSE;

  for (gint n = 0; n < o->n_predict; n++)
    {
      gint32 id = hearth_sampler_sample (sampler, llama_context_get_logits (cl->ctx, 0), n_vocab);

      if (hearth_tokenizer_is_eog (cl->tok, id))
        break;
      hearth_sampler_accept (sampler, id);
      if (o->ids_only)
        g_string_append_printf (ids, "%s%d", ids->len > 0 ? " " : "", id);
      else
        {
          g_string_truncate (text, 0);
          hearth_token_stream_push (stream, id, text);
          fwrite (text->str, 1, text->len, stdout);
          fflush (stdout);
        }
      if (n + 1 == o->n_predict)
        break;
      if (pos >= llama_context_get_n_ctx (cl->ctx))
        {
          fprintf (stderr, "\nhearth-cli generate: the context of %u tokens is full; "
                   "stopping (use --ctx to enlarge it)\n", llama_context_get_n_ctx (cl->ctx));
          break;
        }
      if (!llama_context_forward (cl->ctx, &id, 1, pos++, FALSE, NULL, error))
        return FALSE;
    }

  g_string_truncate (text, 0);
  hearth_token_stream_flush (stream, text);
  if (o->ids_only)
    printf ("%s\n", ids->str);
  else
    printf ("%s\n", text->str);
  return TRUE;
}

static gboolean
check_options (const GenerateOptions *o, GError **error)
{
  const char *problem = NULL;

  if (o->model_path == NULL || o->prompt == NULL)
    problem = "-m MODEL.gguf and -p PROMPT are required";
  else if (o->n_predict < 0 || o->top_k < 0 || o->n_ctx < 0)
    problem = "-n, --top-k and --ctx must not be negative";
  else if (o->top_p <= 0 || o->top_p > 1 || o->min_p < 0 || o->min_p > 1)
    problem = "--top-p must be in (0, 1] and --min-p in [0, 1]";
  else if (o->repeat_penalty <= 0)
    problem = "--repeat-penalty must be positive";
  if (problem != NULL)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, problem);
  return problem == NULL;
}

int
hearth_cli_generate (int argc, char **argv)
{
  GenerateOptions o = {
    .n_predict = 128, .temp = 0.8, .top_k = 40, .top_p = 0.95, .min_p = 0.05,
    .repeat_penalty = 1.0, .seed = -1,
  };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model_path, "GGUF model file", "MODEL.gguf" },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &o.prompt, "The user's message (the raw prompt with --raw)", "PROMPT" },
    { "system", 0, 0, G_OPTION_ARG_STRING, &o.system, "A system message before it", "TEXT" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &o.raw, "No chat template: tokenize PROMPT as-is", NULL },
    { "n-predict", 'n', 0, G_OPTION_ARG_INT, &o.n_predict, "Most tokens to generate (default 128)", "N" },
    { "temp", 0, 0, G_OPTION_ARG_DOUBLE, &o.temp, "Temperature, 0 = greedy (default 0.8)", "T" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &o.top_k, "Top-k, 0 = off (default 40)", "K" },
    { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &o.top_p, "Top-p, 1 = off (default 0.95)", "P" },
    { "min-p", 0, 0, G_OPTION_ARG_DOUBLE, &o.min_p, "Min-p, 0 = off (default 0.05)", "P" },
    { "repeat-penalty", 0, 0, G_OPTION_ARG_DOUBLE, &o.repeat_penalty, "Repetition penalty over the last 64 tokens (default 1 = off)", "R" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Random seed (default: random)", "S" },
    { "ctx", 0, 0, G_OPTION_ARG_INT, &o.n_ctx, "Context size in tokens (default: the model's, at most 4096)", "N" },
    { "ids", 0, 0, G_OPTION_ARG_NONE, &o.ids_only, "Print only the generated token ids, on one line", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- generate text with a Llama model");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prompt = NULL;
  CliLlama cl = { 0 };
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || !check_options (&o, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      status = 2;
      goto out;
    }

  if (!cli_llama_open (&cl, o.model_path, o.n_ctx, &error) ||
      !(prompt = o.raw ? cli_llama_tokenize (&cl, o.prompt, FALSE, &error)
                       : chat_prompt_ids (&cl, &o, &error)) ||
      !generate (&cl, &o, prompt, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      goto out;
    }
  status = 0;
out:
  cli_llama_close (&cl);
  g_free (o.model_path);
  g_free (o.prompt);
  g_free (o.system);
  return status;
}
