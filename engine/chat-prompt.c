#define G_LOG_DOMAIN "hearth-engine"

/* The conversation → template JSON → ids pipeline (see chat-prompt.h). */

#include "chat-prompt.h"

#include <string.h>

#include "chat-template.h"

struct _ChatPrompt {
  HearthTokenizer    *tokenizer;      /* the caller's */
  HearthChatTemplate *template;       /* NULL: a plain text model */
  gboolean            typed_content;  /* the template wants content as typed parts */
  char               *bos_text;       /* for the template; NULL if none */
  char               *eos_text;
  char               *model_name;
};

static char *
token_text_dup (HearthTokenizer *tok, gint32 id)
{
  gsize len = 0;
  const char *text = id >= 0 ? hearth_tokenizer_token_text (tok, id, &len) : NULL;

  return text != NULL ? g_strndup (text, len) : NULL;
}

static void
add_typed_part (JsonArray *parts, const char *type, const char *text)
{
  JsonObject *part = json_object_new ();

  json_object_set_string_member (part, "type", type);
  if (text != NULL)
    json_object_set_string_member (part, "text", text);
  json_array_add_object_element (parts, part);
}

/* A content with n_images images, of which the first n_shown are written:
 * at its markers when it holds one per image, else all before the text. */
static JsonArray *
content_parts (const char *content, guint n_images, guint n_shown)
{
  JsonArray *parts = json_array_new ();
  g_auto (GStrv) pieces = n_images > 0 ? g_strsplit (content, VISION_MEDIA_MARKER, -1) : NULL;

  if (pieces == NULL || g_strv_length (pieces) != n_images + 1)
    {
      for (guint k = 0; k < n_shown; k++)
        add_typed_part (parts, "image", NULL);
      add_typed_part (parts, "text", content);
      return parts;
    }
  for (guint k = 0; pieces[k] != NULL; k++)
    {
      if (pieces[k][0] != '\0')
        add_typed_part (parts, "text", pieces[k]);
      if (pieces[k + 1] != NULL && k < n_shown)
        add_typed_part (parts, "image", NULL);
    }
  /* Templates index the first part: never an empty list. */
  if (json_array_get_length (parts) == 0)
    add_typed_part (parts, "text", "");
  return parts;
}

/* The messages as chat templates see them, with only the first n_shown
 * images. typed: each content as a list of one {"type": "text", "text":
 * ...} part; a message with images always is such a list (as multimodal
 * templates expect them). */
static JsonArray *
messages_to_json (const ChatConversation *c, gboolean typed, guint n_shown)
{
  JsonArray *messages = json_array_new ();

  for (guint i = 0; i < c->n; i++)
    {
      JsonObject *msg = json_object_new ();
      guint n_images = c->n_images != NULL ? c->n_images[i] : 0;
      guint shown = MIN (n_images, n_shown);

      n_shown -= shown;
      json_object_set_string_member (msg, "role", c->roles[i]);
      if (typed || n_images > 0)
        json_object_set_array_member (msg, "content",
                                      content_parts (c->contents[i], n_images, shown));
      else
        json_object_set_string_member (msg, "content", c->contents[i]);
      json_array_add_object_element (messages, msg);
    }
  return messages;
}

static gboolean
template_shows (ChatPrompt *cp, gboolean typed)
{
  static const char *const role = "user", *const probe = "hearth-probe-4f1d";
  const ChatConversation c = { &role, &probe, NULL, 1 };
  g_autoptr (JsonArray) messages = messages_to_json (&c, typed, 0);
  g_autofree char *text = hearth_chat_template_render (cp->template, messages, TRUE,
                                                       cp->bos_text, cp->eos_text, NULL);

  return text != NULL && strstr (text, probe) != NULL;
}

/* Some templates (SmolVLM's) read a message's content only as a list of
 * typed parts and print nothing for a plain string: found out by rendering
 * a probe message both ways, as llama.cpp does. */
static gboolean
template_wants_typed_content (ChatPrompt *cp)
{
  return !template_shows (cp, FALSE) && template_shows (cp, TRUE);
}

ChatPrompt *
chat_prompt_new (GgufFile *file, HearthTokenizer *tok, const char *model_name,
                 char **template_note)
{
  ChatPrompt *cp = g_new0 (ChatPrompt, 1);
  g_autofree char *source = NULL, *arch = NULL;
  g_autoptr (GError) error = NULL;

  if (template_note != NULL)
    *template_note = NULL;
  cp->tokenizer = tok;
  cp->model_name = g_strdup (model_name);
  cp->bos_text = token_text_dup (tok, hearth_tokenizer_bos (tok));
  cp->eos_text = token_text_dup (tok, hearth_tokenizer_eos (tok));
  /* The model's own template, or a built-in format when ours cannot parse
   * it (chatting in a close format beats refusing the model). */
  if (gguf_file_get_string (file, "tokenizer.chat_template", &source, &error))
    {
      gguf_file_get_string (file, "general.architecture", &arch, NULL);
      cp->template = hearth_chat_template_new_for_model (gguf_file_get_path (file), source, arch,
                                                         model_name, template_note);
      cp->typed_content = template_wants_typed_content (cp);
    }
  else if (error != NULL)
    {
      /* Not UTF-8 or holding a NUL byte: as for a template that does not parse. */
      HearthChatFormat format;

      gguf_file_get_string (file, "general.architecture", &arch, NULL);
      format = hearth_chat_format_guess (arch, model_name, NULL);
      cp->template = hearth_chat_template_new_builtin (format);
      if (template_note != NULL)
        *template_note = g_strdup_printf ("%s; using the built-in %s format instead", error->message,
                                          hearth_chat_format_get_name (format));
      cp->typed_content = template_wants_typed_content (cp);
    }
  return cp;
}

void
chat_prompt_free (ChatPrompt *cp)
{
  g_clear_pointer (&cp->template, hearth_chat_template_free);
  g_free (cp->bos_text);
  g_free (cp->eos_text);
  g_free (cp->model_name);
  g_free (cp);
}

gboolean
chat_prompt_has_template (ChatPrompt *cp)
{
  return cp->template != NULL;
}

/* What a model without a template reads: the contents one after the
 * other, roles ignored, each message's images (as markers) before its text. */
static char *
concat_contents (const ChatConversation *c)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < c->n; i++)
    {
      for (guint k = 0; c->n_images != NULL && k < c->n_images[i]; k++)
        g_string_append (text, VISION_MEDIA_MARKER);
      g_string_append (text, c->contents[i]);
    }
  return g_string_free (text, FALSE);
}

static char *
render (ChatPrompt *cp, const ChatConversation *c, guint n_shown, GError **error)
{
  g_autoptr (JsonArray) messages = messages_to_json (c, cp->typed_content, n_shown);

  return hearth_chat_template_render (cp->template, messages, TRUE, cp->bos_text, cp->eos_text,
                                      error);
}

/* A rendered template usually writes BOS itself; then the tokenizer must
 * not add a second one. */
static GArray *
tokenize_text (ChatPrompt *cp, const ChatConversation *c, GError **error)
{
  g_autofree char *prompt = cp->template != NULL ? render (cp, c, 0, error) : concat_contents (c);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gboolean chat = cp->template != NULL;

  if (prompt == NULL ||
      !hearth_tokenizer_encode (cp->tokenizer, prompt, -1,
                                !chat || cp->bos_text == NULL || !g_str_has_prefix (prompt, cp->bos_text),
                                chat, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

typedef struct {
  ChatPrompt             *cp;
  const ChatConversation *c;
} ImageRender;

static char *
render_shown_images (guint n_shown, gpointer user_data, GError **error)
{
  ImageRender *r = user_data;

  return render (r->cp, r->c, n_shown, error);
}

/* The conversation's text with VISION_MEDIA_MARKER where each of its
 * n_images images goes. */
static char *
render_with_markers (ChatPrompt *cp, const ChatConversation *c, guint n_images, GError **error)
{
  ImageRender r = { cp, c };
  g_autofree char *unplaced = NULL;

  if (cp->template == NULL)
    return concat_contents (c);
  unplaced = g_strdup_printf ("the chat template of %s does not place images, so the model "
                              "cannot be shown them", cp->model_name);
  return vision_prompt_render_with_markers (n_images, render_shown_images, &r, unplaced, error);
}

/* BOS is added only if the rendered text does not start with it. */
static GArray *
tokenize_with_images (ChatPrompt *cp, const ChatConversation *c, const VisionPromptImage *images,
                      guint n_images, GError **error)
{
  g_autofree char *text = render_with_markers (cp, c, n_images, error);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GArray) rest = NULL;

  if (text == NULL)
    return NULL;
  if (hearth_tokenizer_adds_bos (cp->tokenizer) &&
      !(cp->bos_text != NULL && *cp->bos_text != '\0' && g_str_has_prefix (text, cp->bos_text)))
    g_array_append_vals (ids, &(gint32) { hearth_tokenizer_bos (cp->tokenizer) }, 1);
  rest = vision_prompt_tokenize_images (cp->tokenizer, text, FALSE, images, n_images, error);
  if (rest == NULL)
    return NULL;
  g_array_append_vals (ids, rest->data, rest->len);
  return g_steal_pointer (&ids);
}

GArray *
chat_prompt_tokenize (ChatPrompt *cp, const ChatConversation *c, const VisionPromptImage *images,
                      guint n_images, GError **error)
{
  g_return_val_if_fail (cp != NULL && c != NULL, NULL);
  g_return_val_if_fail (images != NULL || n_images == 0, NULL);

  if (n_images == 0)
    return tokenize_text (cp, c, error);
  return tokenize_with_images (cp, c, images, n_images, error);
}
