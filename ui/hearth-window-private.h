/* hearth-window-private.h: what the window's files share (GNOME Text
 * Editor's editor-window-private.h): the instance struct and the helpers
 * that hearth-window.c, hearth-window-actions.c and
 * hearth-store-error-dialog.c call across. */
#pragma once

#include "hearth-chat-object.h"
#include "hearth-search-results.h"
#include "hearth-session-cache.h"
#include "hearth-store-worker.h"
#include "hearth-window.h"

G_BEGIN_DECLS

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
  AdwViewStack       *views;        /* Chats | Photos */
  HearthPhotosView   *photos_view;
  AdwViewSwitcher    *views_switcher;  /* inside views, so it is let go on dispose */

  HearthStoreWorker  *worker;
  HearthEngine       *engine;
  GListStore         *chats;
  GtkSingleSelection *selection;
  HearthConversation *conversation;
  GSignalGroup       *conversation_signals;
  HearthSessionCache *sessions;     /* each chat's KV cache, kept across switches */
  GSignalGroup       *chat_signals; /* of the selected chat */

  HearthModel        *model;        /* loaded, or NULL */
  char               *model_path;   /* the path self->model was loaded through: the chat's, which
                                     * may name a model shared with the Photos indexer otherwise
                                     * than hearth_model_get_path() does */
  char               *loading_path; /* being loaded, or NULL */
  GCancellable       *load_cancellable;
  GCancellable       *scan_cancellable;
  GPtrArray          *found;        /* of HearthModelInfo, from the last scan; NULL before it */
  GCancellable       *vision_cancellable; /* the projector being looked for or loaded, or NULL */
  guint               vision_pulse;
  char               *pending_image; /* for the chat being made by win.new-chat-with-image */
  GSettings          *settings;     /* NULL when the schema is not installed */
  gboolean            ready;        /* the chats were read from the store */
  char               *carried_draft; /* for the chat being made, or NULL */
};

/* A chat and a text for a store job: a title or a model path. */
typedef struct {
  gint64 chat_id;
  char  *text;
  char  *system_prompt; /* of a new chat: the Preferences' (NULL: none) */
} ChatEdit;

gboolean _hearth_window_show_file_outcome (HearthWindow *self, const char *path, const GError *error,
                                           const char *failed_heading, const char *done_format);
void _hearth_window_open_store (HearthWindow *self);
ChatEdit *_hearth_window_chat_edit_new (gint64 chat_id, const char *text);
gpointer _hearth_window_create_chat_run (HearthStore *store, gpointer data, GError **error);
HearthChatObject *_hearth_window_current_chat (HearthWindow *self);
gpointer _hearth_window_delete_chat_run (HearthStore *store, gpointer data, GError **error);
void _hearth_window_edit_done (GObject *source, GAsyncResult *result, gpointer user_data);
void _hearth_window_ensure_model (HearthWindow *self);
void _hearth_window_insert_and_select (HearthWindow *self, const HearthChat *chat);
gboolean _hearth_window_is_closed (HearthWindow *self);
gpointer _hearth_window_list_chats_run (HearthStore *store, gpointer data, GError **error);
void _hearth_window_on_selection_changed (HearthWindow *self);
gpointer _hearth_window_rename_chat_run (HearthStore *store, gpointer data, GError **error);
gpointer _hearth_window_restore_chat_run (HearthStore *store, gpointer data, GError **error);
void _hearth_window_run_job (HearthWindow *self, HearthStoreJobFunc func, ChatEdit *edit,
                             GDestroyNotify result_free, GAsyncReadyCallback callback);
gpointer _hearth_window_set_model_run (HearthStore *store, gpointer data, GError **error);
void _hearth_window_show_error_dialog (HearthWindow *self, const char *heading, const char *body);
void _hearth_window_show_toast (HearthWindow *self, const char *message);
void _hearth_window_stop_loading (HearthWindow *self);
void _hearth_window_update_actions (HearthWindow *self);
void _hearth_window_update_main_page (HearthWindow *self);
void _hearth_window_update_title (HearthWindow *self);

/* Installs the win.* actions of hearth-window-actions.c. */
void _hearth_window_actions_init (GtkWidgetClass *widget_class);

G_END_DECLS
