#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli chat-template: renders a conversation through a chat template
 * and prints exactly the prompt bytes, nothing else. */

#include <stdio.h>

#include "chat-template.h"
#include "hearth-cli.h"

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

int
hearth_cli_chat_template (int argc, char **argv)
{
  g_autofree char *template_path = NULL;
  g_autofree char *messages_path = NULL;
  g_autofree char *bos = NULL;
  g_autofree char *eos = NULL;
  g_autofree char *date = NULL;
  gboolean add_generation_prompt = FALSE;
  GOptionEntry entries[] = {
    { "template", 't', 0, G_OPTION_ARG_FILENAME, &template_path, "Jinja2 chat template file", "FILE.jinja" },
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
  if (template_path == NULL || messages_path == NULL)
    {
      fprintf (stderr, "hearth-cli chat-template: --template and --messages are required\n");
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

  g_autofree char *source = NULL;
  g_autoptr (JsonArray) messages = NULL;
  g_autoptr (HearthChatTemplate) tpl = NULL;
  if (!g_file_get_contents (template_path, &source, NULL, &error)
      || (messages = load_messages (messages_path, &error)) == NULL
      || (tpl = hearth_chat_template_new (template_path, source, &error)) == NULL)
    {
      fprintf (stderr, "hearth-cli chat-template: %s\n", error->message);
      return 1;
    }
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
