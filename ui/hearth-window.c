#define G_LOG_DOMAIN "hearth-window"

/* hearth-window.c: chats (list, new, rename, delete with undo), the chat
 * pane, and the model the selected chat asks for.  One model is loaded at
 * a time; switching to a chat with another model replaces it. */

#include <glib/gi18n.h>

#include "hearth-chat-object.h"
#include "hearth-search-results.h"
#include "hearth-session-cache.h"
#include "model-catalog.h"
#include "hearth-photos-view.h"
#include "hearth-window.h"

struct _HearthWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay    *toast_overlay;
  AdwLeaflet         *leaflet;
  GtkWidget          *sidebar;
  GtkWidget          *content;
  GtkListView        *chat_list;
  GtkSearchBar       *search_bar;
  GtkEditable        *search_entry;
  GtkStack           *sidebar_stack;
  HearthSearchResults *search_results;
  AdwWindowTitle     *window_title;
  GtkRevealer        *load_revealer;
  GtkLabel           *load_label;
  GtkProgressBar     *load_progress;
  GtkStack           *main_stack;
  AdwStatusPage      *no_model_page;
  GtkListBox         *found_models;
  HearthChatView     *chat_view;
  AdwViewStack       *views;        /* photos-ui: Chats | Photos */
  HearthPhotosView   *photos_view;
  AdwViewSwitcher    *views_switcher;  /* photo-formats: inside views, so it is let go on dispose */

  HearthStoreWorker  *worker;
  HearthEngine       *engine;
  GListStore         *chats;
  GtkSingleSelection *selection;
  HearthConversation *conversation;
  GSignalGroup       *conversation_signals;
  HearthSessionCache *sessions;     /* context: each chat's KV cache, kept across switches */
  GSignalGroup       *chat_signals; /* of the selected chat */

  HearthModel        *model;        /* loaded, or NULL */
  char               *model_path;   /* the path self->model was loaded through: the chat's, which
                                     * may name a model shared with the Photos indexer otherwise
                                     * than hearth_model_get_path() does */
  char               *loading_path; /* being loaded, or NULL */
  GCancellable       *load_cancellable;
  GCancellable       *scan_cancellable;
  /* images-ui */
  GPtrArray          *found;        /* of HearthModelInfo, from the last scan; NULL before it */
  GCancellable       *vision_cancellable; /* the projector being looked for or loaded, or NULL */
  guint               vision_pulse;
  char               *pending_image; /* for the chat being made by win.new-chat-with-image */
  GSettings          *settings;     /* NULL when the schema is not installed */
  gboolean            ready;        /* the chats were read from the store */
  char               *carried_draft; /* context: for the chat being made, or NULL */
};

G_DEFINE_FINAL_TYPE (HearthWindow, hearth_window, ADW_TYPE_APPLICATION_WINDOW)

static void ensure_model (HearthWindow *self);
static void ensure_vision (HearthWindow *self);
static void open_store (HearthWindow *self);

static void
show_toast (HearthWindow *self, const char *message)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}

/* win.toast (s): a short note from a widget deep in the window ("Copied"). */
static void
toast_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_toast (HEARTH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
show_error_dialog (HearthWindow *self, const char *heading, const char *body)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static HearthChatObject *
current_chat (HearthWindow *self)
{
  return gtk_single_selection_get_selected_item (self->selection);
}

/* Results of the store, the engine and the catalog may arrive after the
 * window was closed: they are dropped then. */
static gboolean
is_closed (HearthWindow *self)
{
  return self->engine == NULL;
}

/* ---- store jobs (worker thread) ---- */

typedef struct {
  gint64 chat_id;
  char  *text; /* title or model path */
} ChatEdit;

static void
chat_edit_free (ChatEdit *edit)
{
  g_free (edit->text);
  g_free (edit);
}

static ChatEdit *
chat_edit_new (gint64 chat_id, const char *text)
{
  ChatEdit *edit = g_new0 (ChatEdit, 1);

  edit->chat_id = chat_id;
  edit->text = g_strdup (text);
  return edit;
}

static gpointer
list_chats_run (HearthStore *store, gpointer data, GError **error)
{
  return hearth_store_list_chats (store, error);
}

/* Returns the new chat. */
static gpointer
create_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  gint64 id = hearth_store_create_chat (store, _("New Chat"), edit->text, error);

  return id != 0 ? hearth_store_get_chat (store, id, error) : NULL;
}

/* The edits return a dummy non-NULL result on success. */
static gpointer
rename_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_rename_chat (store, edit->chat_id, edit->text, error) ? store : NULL;
}

static gpointer
set_model_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_set_chat_model (store, edit->chat_id, edit->text, error) ? store : NULL;
}

static gpointer
delete_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_delete_chat (store, edit->chat_id, error) ? store : NULL;
}

/* Returns the chat again. */
static gpointer
restore_chat_run (HearthStore *store, gpointer data, GError **error)
{
  ChatEdit *edit = data;
  return hearth_store_restore_chat (store, edit->chat_id, error) ? hearth_store_get_chat (store, edit->chat_id, error)
                                                                 : NULL;
}

static void
run_job (HearthWindow        *self,
         HearthStoreJobFunc   func,
         ChatEdit            *edit,
         GDestroyNotify       result_free,
         GAsyncReadyCallback  callback)
{
  hearth_store_worker_run_async (self->worker, func, edit, (GDestroyNotify) chat_edit_free, result_free,
                                 NULL, callback, g_object_ref (self));
}

/* For edits whose only outcome to show is a failure. */
static void
edit_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (is_closed (self))
    return;

  if (hearth_store_worker_run_finish (NULL, result, &error) == NULL)
    show_toast (self, error->message);
}

/* ---- the header ---- */

static void
update_title (HearthWindow *self)
{
  HearthChatObject *chat = current_chat (self);
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
  show_toast (self, message);
}

static void
update_actions (HearthWindow *self)
{
  gboolean has_chat = current_chat (self) != NULL;
  gboolean generating = self->conversation != NULL && hearth_conversation_get_generating (self->conversation);

  /* A chat made before the list is read would be listed twice. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.new-chat", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.set-model", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.open-model", self->ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-chat", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.rename-chat", has_chat);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-chat", has_chat);
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
  update_title (self);
  update_actions (self);
}

/* Sampling as the user set it (the schema's defaults until then). */
static void
apply_settings (HearthWindow *self, HearthConversation *conversation)
{
  HearthSamplingParams params;

  hearth_sampling_params_init (&params);
  if (self->settings != NULL)
    {
      params.sampler.temperature = g_settings_get_double (self->settings, "temperature");
      params.sampler.top_p = g_settings_get_double (self->settings, "top-p");
      params.sampler.top_k = g_settings_get_uint (self->settings, "top-k");
      params.sampler.min_p = g_settings_get_double (self->settings, "min-p");
      params.sampler.repeat_penalty = g_settings_get_double (self->settings, "repeat-penalty");
      params.max_tokens = g_settings_get_uint (self->settings, "max-tokens");
    }
  hearth_conversation_set_sampling_params (conversation, &params);
}

/* The context-length setting, within what the model was trained for. */
static guint
session_n_ctx (HearthWindow *self)
{
  guint n_ctx = self->settings != NULL ? g_settings_get_uint (self->settings, "context-length") : 0;

  return MIN (n_ctx, hearth_model_get_n_ctx_train (self->model));
}

static void
on_selection_changed (HearthWindow *self)
{
  HearthChatObject *chat = current_chat (self);
  g_autoptr(HearthConversation) conversation = NULL;

  if (self->conversation != NULL && chat == hearth_conversation_get_chat (self->conversation))
    return;
  if (chat != NULL)
    {
      conversation = hearth_conversation_new (self->worker, self->engine, chat);
      apply_settings (self, conversation);
    }
  g_set_object (&self->conversation, conversation);
  g_signal_group_set_target (self->conversation_signals, conversation);
  g_signal_group_set_target (self->chat_signals, chat);
  hearth_chat_view_set_conversation (self->chat_view, conversation);
  ensure_model (self);
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
static void
insert_and_select (HearthWindow *self, const HearthChat *chat)
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
  HearthChatObject *chat = current_chat (self);
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
static void
update_main_page (HearthWindow *self)
{
  HearthChatObject *chat = current_chat (self);
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

static void
stop_loading (HearthWindow *self)
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
  if (is_closed (self))
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
  stop_loading (self);
  if (model == NULL)
    {
      g_autofree char *name = g_filename_display_basename (path);
      g_autofree char *heading = g_strdup_printf (_("Could Not Load “%s”"), name);

      show_error_dialog (self, heading, error->message);
      update_main_page (self);
      update_title (self);
      update_actions (self);
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
    show_toast (self, hearth_model_get_chat_template_note (self->model));
  ensure_model (self);
  ensure_vision (self);
}

static void
start_loading (HearthWindow *self, const char *path)
{
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *label = g_strdup_printf (_("Loading %s"), name);
  ModelLoad *load = g_new (ModelLoad, 1);

  stop_loading (self);
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
static void
ensure_model (HearthWindow *self)
{
  HearthChatObject *chat = current_chat (self);
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
  update_main_page (self);
  update_title (self);
  update_actions (self);
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
  if (is_closed (self))
    return;
  /* Not cancelled, so it is still the current load. */
  vision_load_ended (self);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Images cannot be used with %s: %s"),
                                                  hearth_model_get_name (self->model), error->message);
      show_toast (self, message);
    }
  update_actions (self);
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
      update_actions (self);
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
  update_actions (self);
}

static void
model_described (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(HearthModelInfo) info = hearth_model_catalog_describe_finish (result, NULL);

  /* It fails only when cancelled: another model, or the window closes. */
  if (info == NULL || is_closed (self))
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

/* ---- actions ---- */

/* A chat created or restored by a job: listed and selected. */
static void
chat_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthChat) chat = hearth_store_worker_run_finish (NULL, result, &error);

  if (is_closed (self))
    return;

  if (chat == NULL)
    show_toast (self, error->message);
  else
    insert_and_select (self, chat);
  if (self->pending_image != NULL)
    {
      g_autofree char *path = g_steal_pointer (&self->pending_image);

      if (chat != NULL)
        gtk_widget_activate_action (GTK_WIDGET (self), "win.attach-image", "s", path);
    }
}

/* New chats start with the model in use, the one being loaded or the
 * default model of the settings. */
static void
new_chat (HearthWindow *self, GAsyncReadyCallback done)
{
  g_autofree char *default_model = self->settings != NULL ? g_settings_get_string (self->settings, "default-model")
                                                          : NULL;
  const char *model_path = self->loading_path;

  if (model_path == NULL)
    model_path = self->model_path;
  if (model_path == NULL && default_model != NULL && *default_model != '\0')
    model_path = default_model;
  run_job (self, create_chat_run, chat_edit_new (0, model_path), (GDestroyNotify) hearth_chat_free, done);
}

static void
new_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  new_chat (HEARTH_WINDOW (widget), chat_ready);
}

/* context: "Start a New Chat" when the context is full: the message still
 * waiting for its answer (and what the composer holds) moves to the new
 * chat's composer, never lost, even when the new chat cannot be made. */
static void
carried_chat_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthWindow *self = user_data;
  g_autofree char *draft = g_steal_pointer (&self->carried_draft);

  chat_ready (source, result, g_object_ref (self));
  if (!is_closed (self))
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

  run_job (self, restore_chat_run, chat_edit_new (chat_id, NULL), (GDestroyNotify) hearth_chat_free, chat_ready);
}

static void
delete_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = current_chat (self);
  g_autofree char *title = NULL;
  AdwToast *toast;
  gint64 chat_id;
  guint position;

  if (chat == NULL || !g_list_store_find (self->chats, chat, &position))
    return;
  chat_id = hearth_chat_object_get_id (chat);
  /* Translators: %s is a chat title */
  title = g_strdup_printf (_("“%s” deleted"), hearth_chat_object_get_title (chat));
  run_job (self, delete_chat_run, chat_edit_new (chat_id, NULL), NULL, edit_done);
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
  HearthChatObject *chat = current_chat (self);
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (!g_str_equal (response, "rename") || chat == NULL || *title == '\0')
    return;
  hearth_chat_object_set_title (chat, title);
  run_job (self, rename_chat_run, chat_edit_new (hearth_chat_object_get_id (chat), title), NULL, edit_done);
  update_title (self);
}

static void
rename_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = current_chat (self);
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
  HearthChatObject *chat = current_chat (self);
  const char *path = g_variant_get_string (parameter, NULL);

  if (chat == NULL)
    {
      run_job (self, create_chat_run, chat_edit_new (0, path), (GDestroyNotify) hearth_chat_free, chat_ready);
      return;
    }
  hearth_chat_object_set_model_path (chat, path);
  run_job (self, set_model_run, chat_edit_new (hearth_chat_object_get_id (chat), path), NULL, edit_done);
  ensure_model (self);
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

  stop_loading (self);
  update_main_page (self);
  update_title (self);
  update_actions (self);
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
static gboolean
show_file_outcome (HearthWindow *self, const char *path, const GError *error, const char *failed_heading,
                   const char *done_format)
{
  g_autofree char *message = NULL;

  if (path == NULL)
    {
      show_error_dialog (self, failed_heading, error->message);
      return FALSE;
    }
  message = g_strdup_printf (done_format, path);
  show_toast (self, message);
  return TRUE;
}

static void
chat_exported (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hearth_store_worker_run_finish (NULL, result, &error);

  if (!is_closed (self))
    /* Translators: %s is a file path */
    show_file_outcome (self, path, error, _("Could Not Export the Chat"), _("Chat exported to %s"));
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

  if (path != NULL && !is_closed (request->self))
    run_job (request->self, request->run, chat_edit_new (request->chat_id, path), g_free, chat_exported);
  g_object_unref (chooser);
}

/* win.export-chat("markdown" | "json"): the selected chat to a file the
 * user picks; Markdown puts the chat's images as files beside it. */
static void
export_chat_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  HearthChatObject *chat = current_chat (self);
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

/* ---- models already on disk ---- */

/* What the file is, then what it costs: "Llama · 260.0 K parameters · Q8_0 ·
 * 2048 tokens of context" over "1.1 MB on disk · about 3 MB of memory". */
static char *
found_model_details (const HearthModelInfo *info)
{
  g_autofree char *params = hearth_model_format_n_params (info->n_params);
  g_autofree char *size = g_format_size (info->file_size);
  g_autofree char *memory = g_format_size (info->memory_estimate);
  /* Translators: %s is a count like "260.0 K" or "1.24 B" */
  g_autofree char *params_text = g_strdup_printf (_("%s parameters"), params);
  /* Translators: the model's trained context length */
  g_autofree char *context_text = g_strdup_printf (_("%u tokens of context"), info->context_length);
  /* Translators: %s is a file size */
  g_autofree char *size_text = g_strdup_printf (_("%s on disk"), size);
  /* Translators: %s is an amount of memory, estimated for loading the model */
  g_autofree char *memory_text = g_strdup_printf (_("about %s of memory"), memory);

  return g_strdup_printf ("%s · %s · %s%s%s\n%s · %s · %s", info->family, params_text,
                          info->quantization != NULL ? info->quantization : "?",
                          info->context_length > 0 ? " · " : "", info->context_length > 0 ? context_text : "",
                          size_text, memory_text, hearth_model_source_to_string (info->source));
}

static GtkWidget *
vision_badge_new (void)
{
  GtkWidget *badge = gtk_label_new (_("Sees images"));

  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "model-badge");
  return badge;
}

static GtkWidget *
found_model_row (const HearthModelInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;

  if (info->runnable)
    subtitle = found_model_details (info);
  else
    subtitle = g_strdup (info->unsupported_reason != NULL ? info->unsupported_reason : info->error);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_set_tooltip_text (row, info->path);
  gtk_widget_set_sensitive (row, info->runnable);
  if (info->runnable)
    {
      if (hearth_model_info_has_vision (info))
        adw_action_row_add_suffix (ADW_ACTION_ROW (row), vision_badge_new ());
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.set-model");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (info->path));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
    }
  return row;
}

static void
models_scanned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GPtrArray) models = hearth_model_catalog_scan_finish (result, NULL);

  if (is_closed (self))
    return;

  /* The scan fails only when cancelled: the window is going away. */
  if (models == NULL)
    return;
  for (guint i = 0; i < models->len; i++)
    gtk_list_box_append (self->found_models, found_model_row (models->pdata[i]));
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

/* ---- opening the store ---- */

static void
chats_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = hearth_store_worker_run_finish (NULL, result, &error);

  if (is_closed (self))
    return;

  if (chats == NULL)
    {
      show_error_dialog (self, _("Could Not Read the Chat History"), error->message);
      return;
    }
  for (guint i = 0; i < chats->len; i++)
    {
      g_autoptr(HearthChatObject) item = hearth_chat_object_new (chats->pdata[i]);
      g_list_store_append (self->chats, item);
    }
  self->ready = TRUE;
  on_selection_changed (self);
  update_actions (self);
}

static void
moved_aside (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *moved_path = hearth_store_worker_move_aside_finish (NULL, result, &error);

  if (!is_closed (self) &&
      /* Translators: %s is a file path */
      show_file_outcome (self, moved_path, error, _("Could Not Move the Chat History Aside"),
                         _("The old chat history was kept as %s")))
    open_store (self);
}

static void
on_store_error_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  HearthWindow *self = user_data;

  if (g_str_equal (response, "retry"))
    open_store (self);
  else if (g_str_equal (response, "move-aside"))
    hearth_store_worker_move_aside_async (self->worker, moved_aside, g_object_ref (self));
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

/* What the user can do depends on why the store did not open: a damaged
 * file can be moved aside (never deleted), a lock or permissions can be
 * fixed outside and retried, a newer schema is left alone. */
static void
show_store_error (HearthWindow *self, const GError *error)
{
  AdwMessageDialog *dialog =
    ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Chat History Unavailable"), error->message));

  adw_message_dialog_add_response (dialog, "quit", _("_Quit"));
  if (g_error_matches (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_CORRUPT))
    {
      adw_message_dialog_add_response (dialog, "move-aside", _("_Move Aside and Start Over"));
      adw_message_dialog_set_response_appearance (dialog, "move-aside", ADW_RESPONSE_DESTRUCTIVE);
    }
  else if (!g_error_matches (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_TOO_NEW))
    {
      adw_message_dialog_add_response (dialog, "retry", _("_Try Again"));
      adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_close_response (dialog, "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_store_error_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
store_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (is_closed (self))
    return;

  if (!hearth_store_worker_open_finish (NULL, result, &error))
    {
      show_store_error (self, error);
      return;
    }
  hearth_store_worker_run_async (self->worker, list_chats_run, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                                 NULL, chats_listed, g_object_ref (self));
}

static void
open_store (HearthWindow *self)
{
  hearth_store_worker_open_async (self->worker, store_opened, g_object_ref (self));
}

/* ---- GObject ---- */

static void
hearth_window_dispose (GObject *object)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  stop_loading (self);
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

  g_type_ensure (HEARTH_TYPE_CHAT_OBJECT);
  g_type_ensure (HEARTH_TYPE_CHAT_VIEW);
  g_type_ensure (HEARTH_TYPE_SEARCH_RESULTS);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/hearth/Hearth/ui/hearth-window.ui");
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

  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.delete-chat", NULL, delete_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.rename-chat", NULL, rename_chat_activated);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_activated);
  gtk_widget_class_install_action (widget_class, "win.set-model", "s", set_model_activated);
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "win.regenerate", NULL, regenerate_activated);
  gtk_widget_class_install_action (widget_class, "win.cancel-load", NULL, cancel_load_activated);
  gtk_widget_class_install_action (widget_class, "win.show-chats", NULL, show_chats_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.new-chat-carrying-draft", NULL,
                                   new_chat_carrying_draft_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search", NULL);
  /* markdown: notes from the message rows and code blocks */
  gtk_widget_class_install_action (widget_class, "win.toast", "s", toast_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
  gtk_widget_class_install_action (widget_class, "win.export-chat", "s", export_chat_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename-chat", NULL);
  /* images-ui */
  gtk_widget_class_install_action (widget_class, "win.attach-image", "s", attach_image_activated);
  gtk_widget_class_install_action (widget_class, "win.new-chat-with-image", "s", new_chat_with_image_activated);
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
  g_signal_connect_swapped (self->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), self);

  self->conversation_signals = g_signal_group_new (HEARTH_TYPE_CONVERSATION);
  g_signal_group_connect_swapped (self->conversation_signals, "notify", G_CALLBACK (on_conversation_changed), self);
  g_signal_group_connect_swapped (self->conversation_signals, "error", G_CALLBACK (on_conversation_error), self);
  self->chat_signals = g_signal_group_new (HEARTH_TYPE_CHAT_OBJECT);
  g_signal_group_connect_swapped (self->chat_signals, "notify::updated-at", G_CALLBACK (on_chat_touched), self);

  models_dir = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  no_model = g_markup_printf_escaped (
    _("This chat has no model yet. Hearth runs GGUF models on this computer. Put them in %s and open one, "
      "for example\n\n<tt>%s</tt>\nor, to ask about images, <tt>%s</tt>\nwith <tt>%s</tt> beside it."),
    models_dir, "Llama-3.2-3B-Instruct-Q4_K_M.gguf", "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf",
    "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf");
  adw_status_page_set_description (self->no_model_page, no_model);

  /* images-ui: images dropped anywhere on the window go to the composer. */
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
  on_selection_changed (self);
  open_store (self);
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
