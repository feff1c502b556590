#define G_LOG_DOMAIN "hearth-window"

/* hearth-window.c: the window's template, header and pages, its chats
 * (selection, search, newest first) and the model the selected chat asks
 * for.  One model is loaded at a time; switching to a chat with another
 * model replaces it.  The actions are in hearth-window-actions.c, the
 * store's opening and its error dialog in hearth-store-error-dialog.c. */

#include <glib/gi18n.h>

#include "hearth-generation-settings.h"
#include "hearth-model-row.h"
#include "hearth-window-private.h"
#include "model-catalog.h"

G_DEFINE_FINAL_TYPE (HearthWindow, hearth_window, ADW_TYPE_APPLICATION_WINDOW)

static void ensure_vision (HearthWindow *self);

void
_hearth_window_show_toast (HearthWindow *self, const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* win.toast (s): a short note from a widget deep in the window ("Copied"). */
static void
toast_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  _hearth_window_show_toast (HEARTH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

void
_hearth_window_show_error_dialog (HearthWindow *self, const char *heading, const char *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

HearthChatObject *
_hearth_window_current_chat (HearthWindow *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

/* Results of the store, the engine and the catalog may arrive after the
 * window was closed: they are dropped then. */
gboolean
_hearth_window_is_closed (HearthWindow *self)
{
  return self->engine == NULL;
}

/* ---- store jobs (worker thread) ---- */

static void
chat_edit_free (ChatEdit *edit)
{
  g_free (edit->text);
  g_free (edit->system_prompt);
  g_free (edit);
}

ChatEdit *
_hearth_window_chat_edit_new (gint64 chat_id, const char *text)
{
  ChatEdit *edit = g_new0 (ChatEdit, 1);

  edit->chat_id = chat_id;
  edit->text = g_strdup (text);
  return edit;
}

gpointer
_hearth_window_list_chats_run (HearthStore *store, gpointer data, GError **error)
{
  return hearth_store_list_chats (store, error);
}

/* Returns the new chat. */
gpointer
_hearth_window_create_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  gint64 id = hearth_store_create_chat (store, _("New Chat"), edit->text, error);

  if (id != 0 && edit->system_prompt != NULL && !hearth_store_set_chat_system_prompt (store, id, edit->system_prompt,
                                                                                        error))
    return NULL;
  return id != 0 ? hearth_store_get_chat (store, id, error) : NULL;
}

/* The edits return a dummy non-NULL result on success. */
gpointer
_hearth_window_rename_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_rename_chat (store, edit->chat_id, edit->text, error) ? store : NULL;
}

gpointer
_hearth_window_set_model_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_set_chat_model (store, edit->chat_id, edit->text, error) ? store : NULL;
}

gpointer
_hearth_window_delete_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_delete_chat (store, edit->chat_id, error) ? store : NULL;
}

/* Returns the chat again. */
gpointer
_hearth_window_restore_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_restore_chat (store, edit->chat_id, error) ? hearth_store_get_chat (store, edit->chat_id, error)
                                                                 : NULL;
}

void
_hearth_window_run_job (HearthWindow        *self,
         HearthStoreJobFunc   func,
         ChatEdit            *edit,
         GDestroyNotify       result_free,
         GAsyncReadyCallback  callback)
{
  hearth_store_worker_run_async (self->worker, func, edit, (GDestroyNotify) chat_edit_free, result_free,
                                 NULL, callback, g_object_ref (self));
}

/* For edits whose only outcome to show is a failure. */
void
_hearth_window_edit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (_hearth_window_is_closed (self))
    return;

  if (hearth_store_worker_run_finish (NULL, result, &error) == NULL)
    _hearth_window_show_toast (self, error->message);
}

/* ---- the header ---- */

void
_hearth_window_update_title (HearthWindow *self)
{
  HearthChatObject *chat = _hearth_window_current_chat (self);
  g_autoptr(GString) subtitle = g_string_new (NULL);

  adw_window_title_set_title (self->window_title, chat != NULL ? hearth_chat_object_get_title (chat) : _("Hearth"));

  if (self->loading_path != NULL)
    g_string_append (subtitle, _("Loading model…"));
  else if (self->model != NULL && chat != NULL && self->conversation != NULL &&
           hearth_conversation_get_session (self->conversation) != NULL)
    {
      HearthSession *session = hearth_conversation_get_session (self->conversation);
      double tps = hearth_conversation_get_tokens_per_second (self->conversation);
      guint used = hearth_conversation_get_context_used (self->conversation);

      g_string_append (subtitle, hearth_model_get_name (self->model));
      if (tps > 0)
        {
          /* Translators: generation speed */
          g_autofree char *speed = g_strdup_printf (_("%.1f tokens/s"), tps);
          g_string_append_printf (subtitle, " · %s", speed);
        }
      if (used > 0)
        {
          /* Translators: context positions used of the session's total */
          g_autofree char *context = g_strdup_printf (_("context %u / %u"), used,
                                                      hearth_session_get_n_ctx (session));
          g_string_append_printf (subtitle, " · %s", context);
        }
    }
  adw_window_title_set_subtitle (self->window_title, subtitle->str);
}

/* ---- conversations ---- */

static void
on_conversation_error (HearthWindow *self, const char *message)
{
  _hearth_window_show_toast (self, message);
}

void
_hearth_window_update_actions (HearthWindow *self)
{
  gboolean has_chat = _hearth_window_current_chat (self) != NULL;
  gboolean generating = self->conversation != NULL && hearth_conversation_get_generating (self->conversation);

  /* A chat made before the list is read would be listed twice. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.set-model", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-model", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-chat", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-chat", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-chat", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.chat-settings", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop", generating);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.regenerate",
                                 self->conversation != NULL && hearth_conversation_can_regenerate (self->conversation));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel-load",
                                 self->loading_path != NULL || self->vision_cancellable != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat-with-image", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.attach-image", has_chat);
}

static void
on_conversation_changed (HearthWindow *self)
{
  _hearth_window_update_title (self);
  _hearth_window_update_actions (self);
}

static guint
session_n_ctx (HearthWindow *self)
{
  return hearth_generation_settings_n_ctx (self->settings, _hearth_window_current_chat (self), self->model);
}

/* A new context length (the chat's or the Preferences'): the chat gets a
 * session of that size, which stops an answer being written. */
static void
on_context_length_changed (HearthWindow *self)
{
  if (self->conversation == NULL || hearth_conversation_get_session (self->conversation) == NULL ||
      hearth_session_get_n_ctx (hearth_conversation_get_session (self->conversation)) == session_n_ctx (self))
    return;
  hearth_conversation_set_session (self->conversation, NULL);
  _hearth_window_ensure_model (self);
}

void
_hearth_window_on_selection_changed (HearthWindow *self)
{
  HearthChatObject *chat = _hearth_window_current_chat (self);
  g_autoptr(HearthConversation) conversation = NULL;

  if (self->conversation != NULL && chat == hearth_conversation_get_chat (self->conversation))
    return;
  if (chat != NULL)
    {
      conversation = hearth_conversation_new (self->worker, self->engine, chat);
      hearth_conversation_set_settings (conversation, self->settings);
    }
  g_set_object (&self->conversation, conversation);
  g_signal_group_set_target (self->conversation_signals, conversation);
  g_signal_group_set_target (self->chat_signals, chat);
  hearth_chat_view_set_conversation (self->chat_view, conversation);
  _hearth_window_ensure_model (self);
  if (chat != NULL)
    {
      adw_leaflet_set_visible_child (self->leaflet, self->content);
      hearth_chat_view_focus_composer (self->chat_view);
    }
  on_conversation_changed (self);
}

/* Most recent activity first, as the store lists them. */
static int
compare_chats (gconstpointer a, gconstpointer b, gpointer user_data)
{
  gint64 ta = hearth_chat_object_get_updated_at ((HearthChatObject *) a);
  gint64 tb = hearth_chat_object_get_updated_at ((HearthChatObject *) b);

  if (ta != tb)
    return ta > tb ? -1 : 1;
  return hearth_chat_object_get_id ((HearthChatObject *) a) > hearth_chat_object_get_id ((HearthChatObject *) b) ? -1 : 1;
}

/* Ends the search first, so that the new chat shows in the list. */
void
_hearth_window_insert_and_select (HearthWindow *self, const HearthChat *chat)
{
  g_autoptr(HearthChatObject) item = hearth_chat_object_new (chat);
  guint position;

  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_editable_set_text (self->search_entry, "");
  position = g_list_store_insert_sorted (self->chats, item, compare_chats, NULL);
  gtk_single_selection_set_selected (self->selection, position);
}

/* ---- search across chats ---- */

/* While something is typed, the sidebar shows what matches it in place
 * of the chats. */
static void
on_search_changed (HearthWindow *self)
{
  const char *text = gtk_search_bar_get_search_mode (self->search_bar) ? gtk_editable_get_text (self->search_entry)
                                                                         : "";

  hearth_search_results_set_query (self->search_results, text);
  gtk_stack_set_visible_child_name (self->sidebar_stack, *text != '\0' ? "search" : "chats");
}

static gboolean
select_chat (HearthWindow *self, gint64 chat_id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->chats));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthChatObject) chat = g_list_model_get_item (G_LIST_MODEL (self->chats), i);

      if (hearth_chat_object_get_id (chat) == chat_id)
        {
          gtk_single_selection_set_selected (self->selection, i);
          return TRUE;
        }
    }
  return FALSE;
}

/* A result selects its chat and scrolls to the message; the search stays,
 * to visit the other results.  A chat deleted since is ignored. */
static void
on_search_result_activated (HearthWindow *self, gint64 chat_id, gint64 message_id)
{
  if (!select_chat (self, chat_id))
    return;
  adw_leaflet_set_visible_child (self->leaflet, self->content);
  if (message_id != 0)
    hearth_chat_view_reveal_message (self->chat_view, message_id);
}

/* ---- the chat with the newest message first ---- */

/* The store orders chats by their last activity; the list follows when
 * the selected chat gets a message.  One splice moves it, and
 * GtkSingleSelection finds its selected item among the items added back,
 * so the selection and the conversation stay. */
static void
on_chat_touched (HearthWindow *self)
{
  HearthChatObject *chat = _hearth_window_current_chat (self);
  g_autoptr(GPtrArray) reordered = g_ptr_array_new_with_free_func (g_object_unref);
  guint position;

  if (chat == NULL || !g_list_store_find (self->chats, chat, &position) || position == 0)
    return;
  g_ptr_array_add (reordered, g_object_ref (chat));
  for (guint i = 0; i < position; i++)
    g_ptr_array_add (reordered, g_list_model_get_item (G_LIST_MODEL (self->chats), i));
  g_list_store_splice (self->chats, 0, position + 1, reordered->pdata, reordered->len);
}

static void
search_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);

  adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* The chat is shown while its model is loaded or loading; a chat without
 * one, or whose model failed to load, offers to choose one. */
void
_hearth_window_update_main_page (HearthWindow *self)
{
  HearthChatObject *chat = _hearth_window_current_chat (self);
  const char *path = chat != NULL ? hearth_chat_object_get_model_path (chat) : NULL;
  gboolean has_model = path != NULL &&
                       (g_strcmp0 (path, self->loading_path) == 0 ||
                        g_strcmp0 (path, self->model_path) == 0);

  if (chat == NULL)
    gtk_stack_set_visible_child_name (self->main_stack, "no-chats");
  else
    gtk_stack_set_visible_child_name (self->main_stack, has_model ? "chat" : "no-model");
}

/* ---- the model ---- */

static void stop_loading_vision (HearthWindow *self);

void
_hearth_window_stop_loading (HearthWindow *self)
{
  stop_loading_vision (self);
  if (self->load_cancellable != NULL)
    g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->loading_path, g_free);
  gtk_revealer_set_reveal_child (self->load_revealer, FALSE);
}


typedef struct {
  HearthWindow *window;
  GCancellable *cancellable; /* the load's, cancelled when it was stopped or replaced */
} ModelLoad;

/* Only the current load's progress arrives: the engine drops that of a
 * cancelled job. */
static void
on_load_progress (double fraction, gpointer user_data)
{
  ModelLoad *load = user_data;

  gtk_progress_bar_set_fraction (load->window->load_progress, fraction);
}

static void
model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ModelLoad *load = user_data;
  g_autoptr(HearthWindow) self = load->window;
  g_autoptr(GCancellable) cancellable = load->cancellable;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthModel) model = hearth_engine_load_model_finish (NULL, result, &error);
  g_autofree char *path = NULL;

  g_free (load);
  if (_hearth_window_is_closed (self))
    return;

  /* Stopped or replaced, even if it finished first: not this window's
   * model any more, and loading_path names another one. */
  if (g_cancellable_is_cancelled (cancellable))
    {
      if (model != NULL)
        hearth_engine_unload_model (self->engine, model);
      return;
    }
  path = g_steal_pointer (&self->loading_path);
  _hearth_window_stop_loading (self);
  if (model == NULL)
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *heading = g_strdup_printf (_("Could Not Load “%s”"), name);

      _hearth_window_show_error_dialog (self, heading, error->message);
      _hearth_window_update_main_page (self);
      _hearth_window_update_title (self);
      _hearth_window_update_actions (self);
      return;
    }
  if (self->model != NULL)
    {
      if (self->conversation != NULL)
        hearth_conversation_set_session (self->conversation, NULL);
      hearth_session_cache_drop_model (self->sessions, self->model);
      hearth_engine_unload_model (self->engine, self->model);
      g_clear_pointer (&self->model, hearth_model_unref);
    }
  self->model = g_steal_pointer (&model);
  g_free (self->model_path);
  self->model_path = g_steal_pointer (&path);
  if (hearth_model_get_chat_template_note (self->model) != NULL)
    _hearth_window_show_toast (self, hearth_model_get_chat_template_note (self->model));
  _hearth_window_ensure_model (self);
  ensure_vision (self);
}

static void
start_loading (HearthWindow *self, const char *path)
{
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *label = g_strdup_printf (_("Loading %s"), name);
  ModelLoad *load = g_new (ModelLoad, 1);

  _hearth_window_stop_loading (self);
  self->loading_path = g_strdup (path);
  self->load_cancellable = g_cancellable_new ();
  gtk_label_set_text (self->load_label, label);
  gtk_progress_bar_set_fraction (self->load_progress, 0);
  gtk_revealer_set_reveal_child (self->load_revealer, TRUE);
  load->window = g_object_ref (self);
  load->cancellable = g_object_ref (self->load_cancellable);
  hearth_engine_load_model_async (self->engine, path, on_load_progress, self->load_cancellable,
                                  model_loaded, load);
}

/* Brings the selected chat's model in: nothing to do, a new session on the
 * loaded model, or a load. */
void
_hearth_window_ensure_model (HearthWindow *self)
{
  HearthChatObject *chat = _hearth_window_current_chat (self);
  const char *path = chat != NULL ? hearth_chat_object_get_model_path (chat) : NULL;

  if (path != NULL && g_strcmp0 (path, self->model_path) == 0)
    {
      if (hearth_conversation_get_session (self->conversation) == NULL)
        {
          g_autoptr(HearthSession) session = hearth_session_cache_get (self->sessions, hearth_chat_object_get_id (chat),
                                                                       self->model, session_n_ctx (self));
          hearth_conversation_set_session (self->conversation, session);
        }
    }
  else if (path != NULL && g_strcmp0 (path, self->loading_path) != 0)
    start_loading (self, path);
  _hearth_window_update_main_page (self);
  _hearth_window_update_title (self);
  _hearth_window_update_actions (self);
}

/* ---- seeing images: the projector of the loaded model ---- */

static const HearthModelInfo *
found_model_info (HearthWindow *self, const char *path)
{
  for (guint i = 0; self->found != NULL && i < self->found->len; i++)
    {
      const HearthModelInfo *info = self->found->pdata[i];

      if (g_str_equal (info->path, path))
        return info;
    }
  return NULL;
}

static gboolean
pulse_vision_progress (gpointer user_data)
{
  HearthWindow *self = user_data;

  gtk_progress_bar_pulse (self->load_progress);
  return G_SOURCE_CONTINUE;
}

static void
vision_load_ended (HearthWindow *self)
{
  g_clear_object (&self->vision_cancellable);
  g_clear_handle_id (&self->vision_pulse, g_source_remove);
  gtk_revealer_set_reveal_child (self->load_revealer, FALSE);
  hearth_chat_view_set_vision_loading (self->chat_view, FALSE);
}

static void
stop_loading_vision (HearthWindow *self)
{
  if (self->vision_cancellable == NULL)
    return;
  g_cancellable_cancel (self->vision_cancellable);
  vision_load_ended (self);
}

static void
vision_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!hearth_engine_load_vision_finish (NULL, result, &error)
      && g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
    return;
  if (_hearth_window_is_closed (self))
    return;
  /* Not cancelled, so it is still the current load. */
  vision_load_ended (self);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Images cannot be used with %s: %s"),
                                                  hearth_model_get_name (self->model), error->message);
      _hearth_window_show_toast (self, message);
    }
  _hearth_window_update_actions (self);
}

/* The engine has no progress for the projector: the bar pulses. Only
 * projectors the engine runs (idefics3) are loaded: another would only
 * fail. */
static void
load_projector (HearthWindow *self, const HearthModelInfo *info)
{
  g_autofree char *label = NULL;

  if (!hearth_model_info_has_vision (info))
    {
      vision_load_ended (self);
      _hearth_window_update_actions (self);
      return;
    }
  label = g_strdup_printf (_("Loading image support for %s"), hearth_model_get_name (self->model));
  gtk_label_set_text (self->load_label, label);
  gtk_progress_bar_set_fraction (self->load_progress, 0);
  gtk_revealer_set_reveal_child (self->load_revealer, TRUE);
  self->vision_pulse = g_timeout_add (100, pulse_vision_progress, self);
  hearth_chat_view_set_vision_loading (self->chat_view, TRUE);
  hearth_engine_load_vision_async (self->engine, self->model, info->mmproj_path, self->vision_cancellable,
                                   vision_loaded, g_object_ref (self));
  _hearth_window_update_actions (self);
}

static void
model_described (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(HearthModelInfo) info = hearth_model_catalog_describe_finish (result, NULL);

  /* It fails only when cancelled: another model, or the window closes. */
  if (info == NULL || _hearth_window_is_closed (self))
    return;
  load_projector (self, info);
}

/* Right after the text model: its vision projector. The catalog's scan
 * paired it already when the model lies in the catalog's folders (or is
 * Ollama's); else, opened directly, the catalog looks beside it, by the
 * same rule. The look-up counts as part of loading the projector: it is
 * cancelled with it. */
static void
ensure_vision (HearthWindow *self)
{
  const HearthModelInfo *info;

  if (self->model == NULL || hearth_model_has_vision (self->model) || self->vision_cancellable != NULL
      || self->loading_path != NULL)
    return;
  self->vision_cancellable = g_cancellable_new ();
  info = found_model_info (self, self->model_path);
  if (info != NULL)
    load_projector (self, info);
  else
    hearth_model_catalog_describe_async (self->model_path, 0, self->vision_cancellable, model_described,
                                         g_object_ref (self));
}

/* What the chat view offers when images go to a model that cannot see. */
static void
offer_vision_model (HearthWindow *self)
{
  for (guint i = 0; i < self->found->len; i++)
    {
      const HearthModelInfo *info = self->found->pdata[i];

      if (info->runnable && hearth_model_info_has_vision (info))
        {
          hearth_chat_view_set_vision_model (self->chat_view, info->name, info->path);
          return;
        }
    }
  hearth_chat_view_set_vision_model (self->chat_view, NULL, NULL);
}

static void
models_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GPtrArray) models = hearth_model_catalog_scan_finish (result, NULL);

  if (_hearth_window_is_closed (self))
    return;

  /* The scan fails only when cancelled: the window is going away. */
  if (models == NULL)
    return;
  for (guint i = 0; i < models->len; i++)
    gtk_list_box_append (self->found_models, hearth_model_row_new (models->pdata[i]));
  g_clear_pointer (&self->found, g_ptr_array_unref);
  self->found = g_ptr_array_ref (models);
  offer_vision_model (self);
  ensure_vision (self);
  gtk_widget_set_visible (GTK_WIDGET (self->found_models), models->len > 0);
}

static void
scan_models (HearthWindow *self)
{
  g_autoptr(GPtrArray) locations = hearth_model_catalog_default_locations (NULL, NULL, NULL);

  self->scan_cancellable = g_cancellable_new ();
  hearth_model_catalog_scan_async (locations, 0, self->scan_cancellable, models_scanned, g_object_ref (self));
}

/* ---- GObject ---- */

static void
hearth_window_dispose (GObject *object)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  _hearth_window_stop_loading (self);
  /* The switcher holds the stack it is in: without this cycle cut, the
   * stack and its pages would outlive the window, and with the Photos page
   * the photo library and its running description. */
  if (self->views_switcher != NULL)
    adw_view_switcher_set_stack (self->views_switcher, NULL);
  g_cancellable_cancel (self->scan_cancellable);
  g_clear_object (&self->scan_cancellable);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_pointer (&self->pending_image, g_free);
  if (self->conversation_signals != NULL)
    g_signal_group_set_target (self->conversation_signals, NULL);
  g_clear_object (&self->conversation_signals);
  if (self->chat_signals != NULL)
    g_signal_group_set_target (self->chat_signals, NULL);
  g_clear_object (&self->chat_signals);
  g_clear_object (&self->conversation);
  g_clear_object (&self->sessions);
  if (self->model != NULL)
    hearth_engine_unload_model (self->engine, self->model);
  g_clear_pointer (&self->model, hearth_model_unref);
  g_clear_pointer (&self->model_path, g_free);
  g_clear_object (&self->selection);
  g_clear_object (&self->chats);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->carried_draft, g_free);
  g_clear_object (&self->engine);
  g_clear_object (&self->worker);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_WINDOW);
  G_OBJECT_CLASS (hearth_window_parent_class)->dispose (object);
}

static void
hearth_window_class_init (HearthWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_window_dispose;
  _hearth_window_actions_init (widget_class);

  g_type_ensure (HEARTH_TYPE_CHAT_OBJECT);
  g_type_ensure (HEARTH_TYPE_CHAT_VIEW);
  g_type_ensure (HEARTH_TYPE_SEARCH_RESULTS);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, content);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, chat_list);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_results);
  gtk_widget_class_bind_template_callback (widget_class, on_search_result_activated);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, load_revealer);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, load_label);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, no_model_page);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, found_models);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, chat_view);
  g_type_ensure (HEARTH_TYPE_PHOTOS_VIEW);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, views);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, photos_view);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, views_switcher);

  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  /* notes from the message rows and code blocks */
  gtk_widget_class_install_action (widget_class, "win.toast", "s", toast_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-chat", NULL);
}

/* The window keeps its size across runs.  An uninstalled build without
 * GSETTINGS_SCHEMA_DIR has no schema: then the defaults apply. */
static void
bind_settings (HearthWindow *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = source != NULL ? g_settings_schema_source_lookup (source, HEARTH_APP_ID, TRUE)
                                                     : NULL;

  if (schema == NULL)
    return;
  self->settings = g_settings_new_full (schema, NULL, NULL);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (self->settings, "changed::context-length", G_CALLBACK (on_context_length_changed), self,
                           G_CONNECT_SWAPPED);
}

static void
hearth_window_init (HearthWindow *self)
{
  g_autofree char *models_dir = NULL;
  g_autofree char *no_model = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->chats = g_list_store_new (HEARTH_TYPE_CHAT_OBJECT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->chats)));
  gtk_list_view_set_model (self->chat_list, GTK_SELECTION_MODEL (self->selection));
  gtk_search_bar_connect_entry (self->search_bar, self->search_entry);
  g_signal_connect_swapped (self->search_bar, "notify::search-mode-enabled", G_CALLBACK (on_search_changed), self);
  bind_settings (self);
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (_hearth_window_on_selection_changed), self);

  self->conversation_signals = g_signal_group_new (HEARTH_TYPE_CONVERSATION);
  g_signal_group_connect_swapped (self->conversation_signals, "notify", G_CALLBACK (on_conversation_changed), self);
  g_signal_group_connect_swapped (self->conversation_signals, "error", G_CALLBACK (on_conversation_error), self);
  self->chat_signals = g_signal_group_new (HEARTH_TYPE_CHAT_OBJECT);
  g_signal_group_connect_swapped (self->chat_signals, "notify::updated-at", G_CALLBACK (on_chat_touched), self);
  /* Chat Settings: another model, another context length. */
  g_signal_group_connect_swapped (self->chat_signals, "notify::model-path", G_CALLBACK (_hearth_window_ensure_model),
                                  self);
  g_signal_group_connect_swapped (self->chat_signals, "notify::context-length",
                                  G_CALLBACK (on_context_length_changed), self);

  models_dir = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  no_model = g_markup_printf_escaped (
    _("This chat has no model yet. Hearth runs GGUF models on this computer. Put them in %s and open one, "
      "for example\n\n<tt>%s</tt>\nor, to ask about images, <tt>%s</tt>\nwith <tt>%s</tt> beside it."),
    models_dir, "Llama-3.2-3B-Instruct-Q4_K_M.gguf", "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf",
    "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf");
  adw_status_page_set_description (self->no_model_page, no_model);

  /* images dropped anywhere on the window go to the composer. */
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (
    hearth_composer_new_drop_target (hearth_chat_view_get_composer (self->chat_view))));
}

HearthWindow *
hearth_window_new (HearthApplication *application)
{
  HearthWindow *self = g_object_new (HEARTH_TYPE_WINDOW, "application", application, NULL);

  self->worker = g_object_ref (hearth_application_get_store_worker (application));
  self->engine = g_object_ref (hearth_application_get_engine (application));
  self->sessions = hearth_session_cache_new (self->engine, HEARTH_SESSION_CACHE_DEFAULT_MAX_SESSIONS,
                                             HEARTH_SESSION_CACHE_DEFAULT_MAX_BYTES);
  hearth_search_results_set_sources (self->search_results, self->worker, G_LIST_MODEL (self->chats));
  _hearth_window_on_selection_changed (self);
  _hearth_window_open_store (self);
  scan_models (self);
  hearth_photos_view_setup (self->photos_view, self->engine, self->settings);
  return self;
}

HearthChatView *
hearth_window_get_chat_view (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return self->chat_view;
}

GListModel *
hearth_window_get_chats (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return G_LIST_MODEL (self->chats);
}

HearthModel *
hearth_window_get_model (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return self->model;
}

gboolean
hearth_window_get_ready (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), FALSE);
  return self->ready;
}

gboolean
hearth_window_get_loading_vision (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), FALSE);
  return self->vision_cancellable != NULL;
}

const char *
hearth_window_get_page_name (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return gtk_stack_get_visible_child_name (self->main_stack);
}

HearthPhotosView *
hearth_window_get_photos_view (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return self->photos_view;
}

/* The app's settings, or NULL when the schema is not installed. */
GSettings *
hearth_window_get_settings (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return self->settings;
}

/* The models the last scan found (HearthModelInfo), or NULL before it. */
GPtrArray *
hearth_window_get_found_models (HearthWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_WINDOW (self), NULL);
  return self->found;
}
