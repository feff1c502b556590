#define G_LOG_DOMAIN "hearth-test"

/* Conformance: every template x case under fixtures/chat-templates renders
 * byte for byte what transformers' apply_chat_template produced (recorded
 * in expected/NAME__CASE.txt), and the cases recorded as .error raise the
 * same message. All mismatches are collected and reported together, each
 * with the template, the case and the first differing byte. Plus
 * conversations of our own through two real templates, checked against
 * renderings derived by hand. */

#include <glib.h>
#include <string.h>

#include "chat-template.h"

static char *
fixtures_dir (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    return NULL;
  char *dir = g_build_filename (shared, "fixtures", "chat-templates", NULL);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_free (dir);
      return NULL;
    }
  return dir;
}

static JsonNode *
load_json (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  if (!json_parser_load_from_file (parser, path, &error))
    g_error ("%s: %s", path, error->message);
  return json_node_copy (json_parser_get_root (parser));
}

static HearthChatTemplate *
load_template (const char *dir, const char *file, const char *name)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *source = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &source, NULL, &error))
    g_error ("%s", error->message);
  HearthChatTemplate *tpl = hearth_chat_template_new (name, source, &error);
  g_assert_no_error (error);
  g_autoptr (GDateTime) date = g_date_time_new_utc (2024, 7, 26, 0, 0, 0);
  hearth_chat_template_set_now (tpl, date);
  return tpl;
}

/* content_form "parts": string content becomes [{"type": "text", "text": s}]. */
static JsonArray *
messages_for (JsonArray *messages, gboolean as_parts)
{
  JsonArray *copy = json_array_new ();
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *m = json_object_ref (json_array_get_object_element (messages, i));
      JsonNode *content = json_object_get_member (m, "content");
      if (as_parts && content != NULL && JSON_NODE_HOLDS_VALUE (content))
        {
          JsonObject *part = json_object_new ();
          json_object_set_string_member (part, "type", "text");
          json_object_set_string_member (part, "text", json_node_get_string (content));
          JsonArray *parts = json_array_new ();
          json_array_add_object_element (parts, part);
          JsonObject *wrapped = json_object_new ();
          json_object_set_string_member (wrapped, "role", json_object_get_string_member (m, "role"));
          json_object_set_array_member (wrapped, "content", parts);
          json_object_unref (m);
          m = wrapped;
        }
      json_array_add_object_element (copy, m);
    }
  return copy;
}

static void
report_text_mismatch (GString *report, const char *tpl, const char *case_name,
                      const char *expected, gsize expected_len, const char *got)
{
  gsize got_len = strlen (got), i = 0;
  while (i < expected_len && i < got_len && expected[i] == got[i])
    i++;
  g_autofree char *want = g_strndup (expected + i, MIN (24, expected_len - i));
  g_autofree char *want_escaped = g_strescape (want, NULL);
  g_autofree char *have = g_strndup (got + i, MIN (24, got_len - i));
  g_autofree char *have_escaped = g_strescape (have, NULL);
  g_string_append_printf (report, "  %s / %s: first difference at byte %" G_GSIZE_FORMAT
                          " (expected \"%s\", got \"%s\"; lengths %" G_GSIZE_FORMAT " vs %" G_GSIZE_FORMAT ")\n",
                          tpl, case_name, i, want_escaped, have_escaped, expected_len, got_len);
}

/* Renders one case and appends to report what went wrong, if anything. */
static void
check_case (GString *report, const char *dir, HearthChatTemplate *tpl, JsonObject *entry,
            JsonObject *test_case, const char *kind, guint *n_checked)
{
  const char *name = json_object_get_string_member (entry, "name");
  const char *case_name = json_object_get_string_member (test_case, "name");
  gboolean as_parts = g_strcmp0 (json_object_get_string_member (entry, "content_form"), "parts") == 0;
  g_autoptr (JsonArray) messages = messages_for (json_object_get_array_member (test_case, "messages"), as_parts);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = hearth_chat_template_render (tpl, messages,
                                                      json_object_get_boolean_member (test_case, "add_generation_prompt"),
                                                      json_object_get_string_member (entry, "bos_token"),
                                                      json_object_get_string_member (entry, "eos_token"), &error);
  g_autofree char *base = g_strdup_printf ("%s__%s.%s", name, case_name, kind);
  g_autofree char *path = g_build_filename (dir, "expected", base, NULL);
  g_autofree char *expected = NULL;
  gsize expected_len = 0;
  g_autoptr (GError) read_error = NULL;
  if (!g_file_get_contents (path, &expected, &expected_len, &read_error))
    g_error ("%s", read_error->message);
  (*n_checked)++;

  if (strcmp (kind, "error") == 0)
    {
      g_strchomp (expected);
      g_autofree char *got = error != NULL ? g_strdup_printf ("TemplateError: %s", error->message) : NULL;
      if (g_strcmp0 (got, expected) != 0)
        g_string_append_printf (report, "  %s / %s: expected \"%s\", got %s\"%s\"\n", name, case_name, expected,
                                out != NULL ? "a prompt instead of an error: " : "", got != NULL ? got : out);
      return;
    }
  if (out == NULL)
    g_string_append_printf (report, "  %s / %s: failed: %s\n", name, case_name, error->message);
  else if (strlen (out) != expected_len || memcmp (out, expected, expected_len) != 0)
    report_text_mismatch (report, name, case_name, expected, expected_len, out);
}

static void
test_fixtures (void)
{
  g_autofree char *dir = fixtures_dir ();
  if (dir == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/fixtures/chat-templates not found; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  g_autoptr (JsonNode) index = load_json (dir, "index.json");
  g_autoptr (JsonNode) cases = load_json (dir, "cases.json");
  JsonArray *templates = json_object_get_array_member (json_node_get_object (index), "templates");
  JsonArray *case_list = json_node_get_array (cases);
  g_autoptr (GString) report = g_string_new (NULL);
  guint n_checked = 0;

  for (guint t = 0; t < json_array_get_length (templates); t++)
    {
      JsonObject *entry = json_array_get_object_element (templates, t);
      const char *name = json_object_get_string_member (entry, "name");
      g_autoptr (HearthChatTemplate) tpl = load_template (dir, json_object_get_string_member (entry, "file"), name);
      JsonObject *expected_kinds = json_object_get_object_member (entry, "cases");
      for (guint c = 0; c < json_array_get_length (case_list); c++)
        {
          JsonObject *test_case = json_array_get_object_element (case_list, c);
          const char *case_name = json_object_get_string_member (test_case, "name");
          if (json_object_has_member (expected_kinds, case_name))
            check_case (report, dir, tpl, entry, test_case,
                        json_object_get_string_member (expected_kinds, case_name), &n_checked);
        }
    }
  g_test_message ("%u template x case renderings checked", n_checked);
  g_assert_cmpuint (n_checked, >=, 314);
  if (report->len > 0)
    g_error ("chat-template mismatches:\n%s", report->str);
}

/* Conversations that are not in the fixtures: system + three turns with
 * Cyrillic, emoji with a skin-tone modifier, CJK, blank padding that trim
 * removes, and assistant text that looks like template syntax. */
static const char *const held_out =
  "[{\"role\": \"system\", \"content\": \"Tu es un assistant. \"},"
  " {\"role\": \"user\", \"content\": \"Привет! 👋🏽\\n\\nКак дела?\"},"
  " {\"role\": \"assistant\", \"content\": \"Template text: {{ x }} and {% if %}\"},"
  " {\"role\": \"user\", \"content\": \"  再见  \"}]";

static char *
render_held_out (const char *dir, const char *file, const char *messages_json, gboolean add_generation_prompt,
                 const char *bos, const char *eos)
{
  g_autoptr (HearthChatTemplate) tpl = load_template (dir, file, file);
  g_autoptr (JsonNode) node = json_from_string (messages_json, NULL);
  g_autoptr (GError) error = NULL;
  char *out = hearth_chat_template_render (tpl, json_node_get_array (node), add_generation_prompt, bos, eos, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_held_out (void)
{
  g_autofree char *dir = fixtures_dir ();
  if (dir == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/fixtures/chat-templates not found; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  g_autofree char *qwen = render_held_out (dir, "Qwen-Qwen2.5-7B-Instruct.jinja", held_out, TRUE,
                                           "<|im_start|>", "<|im_end|>");
  g_assert_cmpstr (qwen, ==,
                   "<|im_start|>system\nTu es un assistant. <|im_end|>\n"
                   "<|im_start|>user\nПривет! 👋🏽\n\nКак дела?<|im_end|>\n"
                   "<|im_start|>assistant\nTemplate text: {{ x }} and {% if %}<|im_end|>\n"
                   "<|im_start|>user\n  再见  <|im_end|>\n"
                   "<|im_start|>assistant\n");
  g_autofree char *llama3 = render_held_out (dir, "meta-llama-Meta-Llama-3-8B-Instruct.jinja", held_out, TRUE,
                                             "<|begin_of_text|>", "<|eot_id|>");
  g_assert_cmpstr (llama3, ==,
                   "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nTu es un assistant.<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\nПривет! 👋🏽\n\nКак дела?<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\nTemplate text: {{ x }} and {% if %}<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\n再见<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\n");
  /* Llama 3.1: no system message, a tool-free conversation, fixed date. */
  g_autofree char *llama31 = render_held_out (dir, "meta-llama-Llama-3.1-8B-Instruct.jinja",
                                              "[{\"role\": \"user\", \"content\": \" ½ + ¼ ? \"}]", FALSE,
                                              "<|begin_of_text|>", "<|eot_id|>");
  g_assert_cmpstr (llama31, ==,
                   "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                   "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\n½ + ¼ ?<|eot_id|>");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chat-template/conformance/fixtures", test_fixtures);
  g_test_add_func ("/chat-template/conformance/held-out", test_held_out);
  return g_test_run ();
}
