#define G_LOG_DOMAIN "hearth-store"

/* hearth-store-export.c: a chat as Markdown (images as files beside it) or
 * as one self-contained JSON file.  Exports are private like the history:
 * every file is written 0600. */

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "hearth-store-private.h"

/* Everything an export needs, read up front: attachments[i] belongs to
 * messages[i]. */
typedef struct {
  HearthChat *chat;
  GPtrArray *messages;
  GPtrArray *attachments; /* of GPtrArray of HearthAttachment */
} ChatDump;

static void
chat_dump_free (ChatDump *dump)
{
  hearth_chat_free (dump->chat);
  g_clear_pointer (&dump->messages, g_ptr_array_unref);
  g_clear_pointer (&dump->attachments, g_ptr_array_unref);
  g_free (dump);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChatDump, chat_dump_free)

static ChatDump *
chat_dump_read (HearthStore *self,
                gint64       chat_id,
                GError     **error)
{
  g_autoptr(ChatDump) dump = g_new0 (ChatDump, 1);

  dump->chat = hearth_store_get_chat (self, chat_id, error);
  if (dump->chat == NULL)
    return NULL;
  dump->messages = hearth_store_list_messages (self, chat_id, error);
  if (dump->messages == NULL)
    return NULL;
  dump->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < dump->messages->len; i++)
    {
      HearthMessage *message = g_ptr_array_index (dump->messages, i);
      GPtrArray *attachments = hearth_store_list_attachments (self, message->id, error);

      if (attachments == NULL)
        return NULL;
      g_ptr_array_add (dump->attachments, attachments);
    }
  return g_steal_pointer (&dump);
}

static gboolean
write_private_file (const char *path,
                    const void *data,
                    gsize       size,
                    GError    **error)
{
  g_autoptr(GError) local = NULL;

  if (g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))
    return TRUE;
  g_set_error (error, HEARTH_STORE_ERROR,
               g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOSPC) ? HEARTH_STORE_ERROR_DISK_FULL
               : g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ? HEARTH_STORE_ERROR_READ_ONLY
               : HEARTH_STORE_ERROR_FAILED,
               _("Could not export the chat: %s. Choose another folder and try again."), local->message);
  return FALSE;
}

static const char *
extension_for_mime (const char *mime)
{
  static const struct { const char *mime, *extension; } known[] = {
    { "image/png", "png" },
    { "image/jpeg", "jpg" },
    { "image/webp", "webp" },
    { "image/gif", "gif" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_ascii_strcasecmp (mime, known[i].mime) == 0)
      return known[i].extension;
  return "bin";
}

static char *
format_local_time (gint64 unix_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_usec / G_USEC_PER_SEC);

  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static const char *
markdown_heading_for (HearthRole role)
{
  switch (role)
    {
    case HEARTH_ROLE_SYSTEM:
      return "System";
    case HEARTH_ROLE_USER:
      return "You";
    case HEARTH_ROLE_ASSISTANT:
    default:
      return "Assistant";
    }
}

/* Writes the message's images as "<stem>-image-<n>.<ext>" beside the
 * Markdown file and links them; @n_images counts across the chat. */
static gboolean
append_markdown_images (GString    *md,
                        GPtrArray  *attachments,
                        const char *folder,
                        const char *stem,
                        guint      *n_images,
                        GError    **error)
{
  for (guint i = 0; i < attachments->len; i++)
    {
      HearthAttachment *attachment = g_ptr_array_index (attachments, i);
      g_autofree char *name = g_strdup_printf ("%s-image-%u.%s", stem, ++*n_images,
                                               extension_for_mime (attachment->mime));
      g_autofree char *path = g_build_filename (folder, name, NULL);
      gsize size;
      const void *data = g_bytes_get_data (attachment->data, &size);

      if (!write_private_file (path, data, size, error))
        return FALSE;
      /* <...> keeps names with spaces one link destination (CommonMark). */
      g_string_append_printf (md, "![Image %u](<%s>)\n\n", *n_images, name);
    }
  return TRUE;
}

/* Writes the chat to @md_path; its images go beside it. */
gboolean
hearth_store_export_markdown (HearthStore *self,
                              gint64       chat_id,
                              const char  *md_path,
                              GError     **error)
{
  g_autoptr(ChatDump) dump = NULL;
  g_autoptr(GString) md = g_string_new (NULL);
  g_autofree char *folder = g_path_get_dirname (md_path);
  g_autofree char *base = g_path_get_basename (md_path);
  g_autofree char *stem = g_str_has_suffix (base, ".md") ? g_strndup (base, strlen (base) - 3) : g_strdup (base);
  guint n_images = 0;

  dump = chat_dump_read (self, chat_id, error);
  if (dump == NULL)
    return FALSE;

  g_string_append_printf (md, "# %s\n\n", dump->chat->title);
  if (dump->chat->model_path != NULL)
    {
      g_autofree char *model = g_path_get_basename (dump->chat->model_path);
      g_string_append_printf (md, "Model: %s\n\n", model);
    }
  if (dump->chat->system_prompt != NULL)
    g_string_append_printf (md, "System prompt: %s\n\n", dump->chat->system_prompt);

  for (guint i = 0; i < dump->messages->len; i++)
    {
      HearthMessage *message = g_ptr_array_index (dump->messages, i);
      g_autofree char *when = format_local_time (message->created_at);

      g_string_append_printf (md, "## %s · %s\n\n", markdown_heading_for (message->role), when);
      if (!append_markdown_images (md, g_ptr_array_index (dump->attachments, i), folder, stem,
                                   &n_images, error))
        return FALSE;
      g_string_append_printf (md, "%s\n\n", message->content);
      if (message->state != HEARTH_MESSAGE_COMPLETE)
        g_string_append (md, "*(stopped before the end)*\n\n");
    }
  return write_private_file (md_path, md->str, md->len, error);
}

static char *
format_iso8601 (gint64 unix_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (unix_usec / G_USEC_PER_SEC);

  return g_date_time_format_iso8601 (time);
}

static void
add_time_member (JsonBuilder *builder,
                 const char  *name,
                 gint64       unix_usec)
{
  g_autofree char *text = format_iso8601 (unix_usec);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

/* A member left out when the store does not know it (-1). */
static void
add_count_member (JsonBuilder *builder,
                  const char  *name,
                  gint64       count)
{
  if (count < 0)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, count);
}

static void
add_json_attachment (JsonBuilder      *builder,
                     HearthAttachment *attachment)
{
  gsize size;
  const guchar *data = g_bytes_get_data (attachment->data, &size);
  g_autofree char *base64 = g_base64_encode (data, size);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "mime");
  json_builder_add_string_value (builder, attachment->mime);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, attachment->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, attachment->height);
  json_builder_set_member_name (builder, "data_base64");
  json_builder_add_string_value (builder, base64);
  json_builder_end_object (builder);
}

static void
add_json_message (JsonBuilder   *builder,
                  HearthMessage *message,
                  GPtrArray     *attachments)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, hearth_role_to_string (message->role));
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, hearth_message_state_to_string (message->state));
  json_builder_set_member_name (builder, "content");
  json_builder_add_string_value (builder, message->content);
  add_time_member (builder, "created_at", message->created_at);
  add_count_member (builder, "prompt_tokens", message->prompt_tokens);
  add_count_member (builder, "completion_tokens", message->completion_tokens);
  if (message->tokens_per_second > 0)
    {
      json_builder_set_member_name (builder, "tokens_per_second");
      json_builder_add_double_value (builder, message->tokens_per_second);
    }
  json_builder_set_member_name (builder, "attachments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < attachments->len; i++)
    add_json_attachment (builder, g_ptr_array_index (attachments, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
}

static void
add_optional_string_member (JsonBuilder *builder,
                            const char  *name,
                            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* Writes the chat, images included (base64), to @json_path:
 * { "format": "hearth-chat", "version": 1, "title", "model_path",
 *   "system_prompt", "created_at", "updated_at", "messages": [...] }. */
gboolean
hearth_store_export_json (HearthStore *self,
                          gint64       chat_id,
                          const char  *json_path,
                          GError     **error)
{
  g_autoptr(ChatDump) dump = chat_dump_read (self, chat_id, error);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize length;

  if (dump == NULL)
    return FALSE;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, "hearth-chat");
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, dump->chat->title);
  add_optional_string_member (builder, "model_path", dump->chat->model_path);
  add_optional_string_member (builder, "system_prompt", dump->chat->system_prompt);
  add_time_member (builder, "created_at", dump->chat->created_at);
  add_time_member (builder, "updated_at", dump->chat->updated_at);
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  for (guint i = 0; i < dump->messages->len; i++)
    add_json_message (builder, g_ptr_array_index (dump->messages, i),
                      g_ptr_array_index (dump->attachments, i));
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &length);
  return write_private_file (json_path, text, length, error);
}
