#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli chat-template: renders a conversation through a chat template
 * and prints exactly the prompt bytes, nothing else. */

#include <stdio.h>

#include "chat-template.h"
#include "gguf.h"
#include "hearth-cli.h"

/* What -m takes from a model: its template and special-token texts. */
typedef struct {
  char *name;
  char *source;      /* NULL when the model has no tokenizer.chat_template */
  char *architecture;
  char *model_name;
  char *bos;
  char *eos;
} ModelTemplate;

static void
model_template_clear (ModelTemplate *m)
{
  g_free (m->name);
  g_free (m->source);
  g_free (m->architecture);
  g_free (m->model_name);
  g_free (m->bos);
  g_free (m->eos);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ModelTemplate, model_template_clear)

/* FALSE only for a key present with the wrong type; absent leaves *out NULL. */
static gboolean
optional_string (GgufFile *file, const char *key, char **out, GError **error)
{
  GError *local = NULL;
  if (gguf_file_get_string (file, key, out, &local) || local == NULL)
    return TRUE;
  g_propagate_error (error, local);
  return FALSE;
}

/* tokenizer.ggml.tokens[<id_key>] as text; *out NULL when the model has no such token. */
static gboolean
special_token (GgufFile *file, const char *id_key, char **out, GError **error)
{
  GError *local = NULL;
  guint32 id;
  const GgufValue *tokens;
  if (!gguf_file_get_u32 (file, id_key, &id, &local)
      || !gguf_file_get_array (file, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, &local))
    {
      if (local == NULL)
        return TRUE;
      g_propagate_error (error, local);
      return FALSE;
    }
  if (id >= tokens->arr.n)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "%s: %s = %u is outside the vocabulary of %" G_GUINT64_FORMAT " tokens",
                   gguf_file_get_path (file), id_key, id, tokens->arr.n);
      return FALSE;
    }
  *out = g_strndup (tokens->arr.items[id].str.data, tokens->arr.items[id].str.len);
  return TRUE;
}

static gboolean
load_model_template (const char *path, ModelTemplate *m, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (path, error);
  if (file == NULL)
    return FALSE;
  m->name = g_strdup (path);
  return optional_string (file, "tokenizer.chat_template", &m->source, error)
         && optional_string (file, "general.architecture", &m->architecture, error)
         && optional_string (file, "general.name", &m->model_name, error)
         && special_token (file, "tokenizer.ggml.bos_token_id", &m->bos, error)
         && special_token (file, "tokenizer.ggml.eos_token_id", &m->eos, error);
}

static JsonArray *
load_messages (const char *path, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected a JSON array of {\"role\", \"content\"} messages", path);
      return NULL;
    }
  return json_array_ref (json_node_get_array (root));
}

/* From --template FILE, or from -m MODEL (filling model with its BOS/EOS). */
static HearthChatTemplate *
open_template (const char *template_path, const char *model_path, ModelTemplate *model, GError **error)
{
  if (model_path == NULL)
    {
      g_autofree char *source = NULL;
      if (!g_file_get_contents (template_path, &source, NULL, error))
        return NULL;
      return hearth_chat_template_new (template_path, source, error);
    }
  if (!load_model_template (model_path, model, error))
    return NULL;
  g_autofree char *note = NULL;
  HearthChatTemplate *tpl = hearth_chat_template_new_for_model (model->name, model->source, model->architecture,
                                                                model->model_name, &note);
  if (note != NULL)
    fprintf (stderr, "hearth-cli chat-template: %s\n", note);
  return tpl;
}

int
hearth_cli_chat_template (int argc, char **argv)
{
  g_autofree char *template_path = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *messages_path = NULL;
  g_autofree char *bos = NULL;
  g_autofree char *eos = NULL;
  g_autofree char *date = NULL;
  gboolean add_generation_prompt = FALSE;
  GOptionEntry entries[] = {
    { "template", 't', 0, G_OPTION_ARG_FILENAME, &template_path, "Jinja2 chat template file", "FILE.jinja" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path,
      "Use the template and BOS/EOS tokens of this GGUF model instead", "MODEL.gguf" },
    { "messages", 'j', 0, G_OPTION_ARG_FILENAME, &messages_path, "JSON array of messages", "FILE.json" },
    { "add-generation-prompt", 'g', 0, G_OPTION_ARG_NONE, &add_generation_prompt,
      "End with the assistant's turn header", NULL },
    { "bos", 0, 0, G_OPTION_ARG_STRING, &bos, "bos_token text", "TEXT" },
    { "eos", 0, 0, G_OPTION_ARG_STRING, &eos, "eos_token text", "TEXT" },
    { "date", 0, 0, G_OPTION_ARG_STRING, &date, "Date strftime_now() sees (default: today)", "YYYY-MM-DD" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- render a chat template");
  g_option_context_add_main_entries (context, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "hearth-cli chat-template: %s\n", error->message);
      return 2;
    }
  if ((template_path == NULL) == (model_path == NULL) || messages_path == NULL)
    {
      fprintf (stderr, "hearth-cli chat-template: give --messages and one of --template or -m\n");
      return 2;
    }

  g_autoptr (GDateTime) now = NULL;
  if (date != NULL)
    {
      g_autofree char *iso = g_strdup_printf ("%sT00:00:00Z", date);
      now = g_date_time_new_from_iso8601 (iso, NULL);
      if (now == NULL)
        {
          fprintf (stderr, "hearth-cli chat-template: --date '%s' is not a YYYY-MM-DD date\n", date);
          return 2;
        }
    }

  g_auto (ModelTemplate) model = { NULL };
  g_autoptr (JsonArray) messages = load_messages (messages_path, &error);
  g_autoptr (HearthChatTemplate) tpl = messages != NULL ? open_template (template_path, model_path, &model, &error)
                                                        : NULL;
  if (tpl == NULL)
    {
      fprintf (stderr, "hearth-cli chat-template: %s\n", error->message);
      return 1;
    }
  if (bos == NULL)
    bos = g_strdup (model.bos);
  if (eos == NULL)
    eos = g_strdup (model.eos);
  hearth_chat_template_set_now (tpl, now);
  g_autofree char *prompt = hearth_chat_template_render (tpl, messages, add_generation_prompt, bos, eos, &error);
  if (prompt == NULL)
    {
      /* A raise_exception() message is the template's own words: print it as is. */
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  fputs (prompt, stdout);
  return fflush (stdout) == 0 ? 0 : 1;
}
