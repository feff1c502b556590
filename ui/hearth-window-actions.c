#define G_LOG_DOMAIN "hearth-window"

/* hearth-window-actions.c: the window's win.* actions (chats, models,
 * images, export). */

#include <glib/gi18n.h>

#include "hearth-chat-settings.h"
#include "hearth-window-private.h"

/* ---- actions ---- */

/* A chat created or restored by a job: listed and selected. */
static void
chat_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthChat) chat = hearth_store_worker_run_finish (NULL, result, &error);

  if (_hearth_window_is_closed (self))
    return;

  if (chat == NULL)
    _hearth_window_show_toast (self, error->message);
  else
    _hearth_window_insert_and_select (self, chat);
  if (self->pending_image != NULL)
    {
      g_autofree char *path = g_steal_pointer (&self->pending_image);

      if (chat != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.attach-image", "s", path);
    }
}

/* New chats start with the default model of the Preferences, else the
 * model in use or the one being loaded, and with the Preferences' system
 * prompt, which is then the chat's own. */
static void
new_chat (HearthWindow *self, GAsyncReadyCallback done)
{
  g_autofree char *default_model = self->settings != NULL ? g_settings_get_string (self->settings, "default-model")
                                                          : NULL;
  g_autofree char *system_prompt = self->settings != NULL ? g_settings_get_string (self->settings, "system-prompt")
                                                          : NULL;
  const char *model_path = default_model != NULL && *default_model != '\0' ? default_model : NULL;
  ChatEdit *edit;

  if (model_path == NULL)
    model_path = self->loading_path != NULL ? self->loading_path : self->model_path;
  edit = _hearth_window_chat_edit_new (0, model_path);
  if (system_prompt != NULL && *g_strstrip (system_prompt) != '\0')
    edit->system_prompt = g_steal_pointer (&system_prompt);
  _hearth_window_run_job (self, _hearth_window_create_chat_run, edit, (GDestroyNotify) hearth_chat_free, done);
}

static void
new_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  new_chat (HEARTH_WINDOW (widget), chat_ready);
}

/* "Start a New Chat" when the context is full: the message still
 * waiting for its answer (and what the composer holds) moves to the new
 * chat's composer, never lost, even when the new chat cannot be made. */
static void
carried_chat_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthWindow *self = user_data;
  g_autofree char *draft = g_steal_pointer (&self->carried_draft);

  chat_ready (source, result, g_object_ref (self));
  if (!_hearth_window_is_closed (self))
    hearth_chat_view_set_draft (self->chat_view, draft);
  g_object_unref (self);
}

static void
new_chat_carrying_draft_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  g_autofree char *pending = NULL;
  g_autofree char *draft = NULL;

  if (self->carried_draft != NULL)
    return; /* one new chat at a time */
  pending = self->conversation != NULL ? hearth_conversation_take_pending (self->conversation) : NULL;
  draft = hearth_chat_view_take_draft (self->chat_view);
  if (pending != NULL && *draft != '\0')
    self->carried_draft = g_strconcat (pending, "\n\n", draft, NULL);
  else
    self->carried_draft = g_strdup (pending != NULL ? pending : draft);
  new_chat (self, carried_chat_ready);
}

/* win.attach-image ("s", a file path): into the current chat's composer. */
static void
attach_image_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (parameter, NULL));

  hearth_composer_add_file (hearth_chat_view_get_composer (self->chat_view), file);
  hearth_chat_view_focus_composer (self->chat_view);
}

/* win.new-chat-with-image ("s", a file path): a new chat with the current
 * model, the image in its composer ready for a question. */
static void
new_chat_with_image_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  g_free (self->pending_image);
  self->pending_image = g_variant_dup_string (parameter, NULL);
  new_chat (self, chat_ready);
}

static void
on_undo_delete (AdwToast *toast, gpointer user_data)
{
  HearthWindow *self = user_data;
  gint64 chat_id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (toast), "chat-id"));

  _hearth_window_run_job (self, _hearth_window_restore_chat_run, _hearth_window_chat_edit_new (chat_id, NULL), (GDestroyNotify) hearth_chat_free, chat_ready);
}

static void
delete_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = _hearth_window_current_chat (self);
  g_autofree char *title = NULL;
  AdwToast *toast;
  gint64 chat_id;
  guint position;

  if (chat == NULL || !g_list_store_find (self->chats, chat, &position))
    return;
  chat_id = hearth_chat_object_get_id (chat);
  /* Translators: %s is a chat title */
  title = g_strdup_printf (_("“%s” deleted"), hearth_chat_object_get_title (chat));
  _hearth_window_run_job (self, _hearth_window_delete_chat_run, _hearth_window_chat_edit_new (chat_id, NULL), NULL, _hearth_window_edit_done);
  g_list_store_remove (self->chats, position);

  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  g_object_set_data (G_OBJECT (toast), "chat-id", GSIZE_TO_POINTER ((gsize) chat_id));
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_delete), self, 0);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
on_rename_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  HearthWindow *self = user_data;
  GtkEditable *entry = g_object_get_data (G_OBJECT (dialog), "entry");
  HearthChatObject *chat = _hearth_window_current_chat (self);
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (!g_str_equal (response, "rename") || chat == NULL || *title == '\0')
    return;
  hearth_chat_object_set_title (chat, title);
  _hearth_window_run_job (self, _hearth_window_rename_chat_run, _hearth_window_chat_edit_new (hearth_chat_object_get_id (chat), title), NULL, _hearth_window_edit_done);
  _hearth_window_update_title (self);
}

static void
rename_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = _hearth_window_current_chat (self);
  AdwMessageDialog *dialog;
  GtkWidget *entry;

  if (chat == NULL)
    return;
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Rename Chat"), NULL));
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), hearth_chat_object_get_title (chat));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  adw_message_dialog_set_extra_child (dialog, entry);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "rename");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data (G_OBJECT (dialog), "entry", entry);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* win.set-model(path): the selected chat (or a new one) uses this model. */
static void
set_model_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = _hearth_window_current_chat (self);
  const char *path = g_variant_get_string (parameter, NULL);

  if (chat == NULL)
    {
      _hearth_window_run_job (self, _hearth_window_create_chat_run, _hearth_window_chat_edit_new (0, path), (GDestroyNotify) hearth_chat_free, chat_ready);
      return;
    }
  hearth_chat_object_set_model_path (chat, path);
  _hearth_window_run_job (self, _hearth_window_set_model_run, _hearth_window_chat_edit_new (hearth_chat_object_get_id (chat), path), NULL, _hearth_window_edit_done);
  _hearth_window_ensure_model (self);
}

/* The local path the user accepted in chooser, or NULL (g_free). */
static char *
chosen_path (GtkNativeDialog *chooser, int response)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  return file != NULL ? g_file_get_path (file) : NULL;
}

static void
on_model_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  HearthWindow *self = user_data;
  g_autofree char *path = chosen_path (chooser, response);

  if (path != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.set-model", "s", path);
  g_object_unref (chooser);
}

/* GtkFileDialog is GTK 4.10; Debian 12 has 4.8. */
static void
open_model_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (widget),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("GGUF Models"));
  gtk_file_filter_add_pattern (filter, "*.gguf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_model_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
stop_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  if (self->conversation != NULL)
    hearth_conversation_stop (self->conversation);
}

static void
regenerate_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  if (self->conversation != NULL)
    hearth_conversation_regenerate (self->conversation);
}

static void
cancel_load_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  _hearth_window_stop_loading (self);
  _hearth_window_update_main_page (self);
  _hearth_window_update_title (self);
  _hearth_window_update_actions (self);
}

static void
chat_settings_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = _hearth_window_current_chat (self);

  if (chat != NULL)
    gtk_window_present (GTK_WINDOW (hearth_chat_settings_new (GTK_WINDOW (self), self->worker, chat, self->found)));
}

/* win.history-erased: the Preferences erased every chat; none is listed
 * and no session keeps their text. */
static void
history_erased_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  g_list_store_remove_all (self->chats);
  if (self->model != NULL)
    hearth_session_cache_drop_model (self->sessions, self->model);
  _hearth_window_update_main_page (self);
  _hearth_window_update_actions (self);
}

static void
show_chats_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
}

/* ---- export ---- */

/* The jobs return the path written to. */
static gpointer
export_markdown_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_export_markdown (store, edit->chat_id, edit->text, error) ? g_strdup (edit->text) : NULL;
}

static gpointer
export_json_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_export_json (store, edit->chat_id, edit->text, error) ? g_strdup (edit->text) : NULL;
}

/* A store job that wrote a file: a toast names it (done_format has one
 * %s), or a dialog with failed_heading says why not.  TRUE when written. */
gboolean
_hearth_window_show_file_outcome (HearthWindow *self, const char *path, const GError *error, const char *failed_heading,
                   const char *done_format)
{
  g_autofree char *message = NULL;

  if (path == NULL)
    {
      _hearth_window_show_error_dialog (self, failed_heading, error->message);
      return FALSE;
    }
  message = g_strdup_printf (done_format, path);
  _hearth_window_show_toast (self, message);
  return TRUE;
}

static void
chat_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hearth_store_worker_run_finish (NULL, result, &error);

  if (!_hearth_window_is_closed (self))
    /* Translators: %s is a file path */
    _hearth_window_show_file_outcome (self, path, error, _("Could Not Export the Chat"), _("Chat exported to %s"));
}

/* What the file chooser was opened for: the chat as it was then. */
typedef struct {
  HearthWindow       *self;
  gint64              chat_id;
  HearthStoreJobFunc  run;
} ExportRequest;

static void
export_request_free (gpointer data, GClosure *closure)
{
  ExportRequest *request = data;

  g_object_unref (request->self);
  g_free (request);
}

/* The store writes each file whole (a temporary file renamed), so a
 * failed export leaves nothing half-written. */
static void
on_export_file_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  ExportRequest *request = user_data;
  g_autofree char *path = chosen_path (chooser, response);

  if (path != NULL && !_hearth_window_is_closed (request->self))
    _hearth_window_run_job (request->self, request->run, _hearth_window_chat_edit_new (request->chat_id, path), g_free, chat_exported);
  g_object_unref (chooser);
}

/* win.export-chat("markdown" | "json"): the selected chat to a file the
 * user picks; Markdown puts the chat's images as files beside it. */
static void
export_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = _hearth_window_current_chat (self);
  gboolean json = g_str_equal (g_variant_get_string (parameter, NULL), "json");
  GtkFileChooserNative *chooser;
  ExportRequest *request;
  g_autofree char *name = NULL;

  if (chat == NULL)
    return;
  chooser = gtk_file_chooser_native_new (json ? _("Export as JSON") : _("Export as Markdown"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  name = g_strconcat (hearth_chat_object_get_title (chat), json ? ".json" : ".md", NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), g_strdelimit (name, G_DIR_SEPARATOR_S, '-'));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  request = g_new0 (ExportRequest, 1);
  request->self = g_object_ref (self);
  request->chat_id = hearth_chat_object_get_id (chat);
  request->run = json ? export_json_run : export_markdown_run;
  g_signal_connect_data (chooser, "response", G_CALLBACK (on_export_file_chosen), request,
                         export_request_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}


void
_hearth_window_actions_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-chat", NULL, delete_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.rename-chat", NULL, rename_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_activated);
  gtk_widget_class_install_action (widget_class, "win.set-model", "s", set_model_activated);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "win.regenerate", NULL, regenerate_activated);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_activated);
  gtk_widget_class_install_action (widget_class, "win.show-chats", NULL, show_chats_activated);
  gtk_widget_class_install_action (widget_class, "win.chat-settings", NULL, chat_settings_activated);
  gtk_widget_class_install_action (widget_class, "win.history-erased", NULL, history_erased_activated);
  gtk_widget_class_install_action (widget_class, "win.new-chat-carrying-draft", NULL,
                                   new_chat_carrying_draft_activated);
  gtk_widget_class_install_action (widget_class, "win.export-chat", "s", export_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.attach-image", "s", attach_image_activated);
  gtk_widget_class_install_action (widget_class, "win.new-chat-with-image", "s", new_chat_with_image_activated);
}
