#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-chat-template: a chat template as a downloaded GGUF's
 * tokenizer.chat_template brings it, rendered over messages that may hold
 * any bytes. The input is the template, then up to four message texts, each
 * after a NUL byte. The messages also go through every built-in format.
 * Whatever the input: a UTF-8 prompt or a TEMPLATE error, nothing else. */

#include <string.h>

#include "chat-template.h"
#include "fuzz-util.h"

#define MAX_MESSAGES 4

static GDateTime *now;
static HearthChatTemplate *builtins[HEARTH_CHAT_FORMAT_SMOLVLM + 1];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  now = g_date_time_new_utc (2024, 7, 26, 12, 0, 0);
  for (HearthChatFormat format = 0; format < G_N_ELEMENTS (builtins); format++)
    builtins[format] = hearth_chat_template_new_builtin (format);
  return 0;
}

/* Roles cycle system, user, assistant, user; the last message is a list
 * of parts (text, image) as an image prompt sends it. */
static JsonArray *
make_messages (char **texts, guint n)
{
  static const char *const roles[] = { "system", "user", "assistant", "user" };
  JsonArray *messages = json_array_new ();

  for (guint i = 0; i < n; i++)
    {
      JsonObject *message = json_object_new ();
      json_object_set_string_member (message, "role", roles[i % G_N_ELEMENTS (roles)]);
      if (i == n - 1 && n > 1)
        {
          JsonArray *parts = json_array_new ();
          JsonObject *image = json_object_new ();
          JsonObject *text = json_object_new ();
          json_object_set_string_member (image, "type", "image");
          json_object_set_string_member (text, "type", "text");
          json_object_set_string_member (text, "text", texts[i]);
          json_array_add_object_element (parts, image);
          json_array_add_object_element (parts, text);
          json_object_set_array_member (message, "content", parts);
        }
      else
        json_object_set_string_member (message, "content", texts[i]);
      json_array_add_object_element (messages, message);
    }
  return messages;
}

static void
render (HearthChatTemplate *tpl, JsonArray *messages, gboolean add_generation_prompt)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *prompt = NULL;

  hearth_chat_template_set_now (tpl, now);
  prompt = hearth_chat_template_render (tpl, messages, add_generation_prompt, "<s>", "</s>", &error);
  if (prompt == NULL)
    {
      g_assert (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE));
      fuzz_check_error (error);
      return;
    }
  g_assert (g_utf8_validate (prompt, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* NUL-separated: the first part is the template. */
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  g_autoptr (JsonArray) messages = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthChatTemplate) tpl = NULL;
  const char *end = (const char *) data + size;

  for (const char *p = (const char *) data; parts->len < 1 + MAX_MESSAGES && p <= end;)
    {
      const char *nul = memchr (p, '\0', end - p);
      g_ptr_array_add (parts, g_strndup (p, (nul != NULL ? nul : end) - p));
      if (nul == NULL)
        break;
      p = nul + 1;
    }
  g_ptr_array_set_free_func (parts, g_free);
  messages = make_messages ((char **) parts->pdata + 1, parts->len - 1);

  tpl = hearth_chat_template_new ("fuzz", g_ptr_array_index (parts, 0), &error);
  if (tpl == NULL)
    {
      g_assert (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE));
      fuzz_check_error (error);
    }
  else
    render (tpl, messages, size % 2 == 0);

  for (HearthChatFormat format = 0; format < G_N_ELEMENTS (builtins); format++)
    render (builtins[format], messages, TRUE);
  return 0;
}
