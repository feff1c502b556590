/* hearth-window.h: the main window: chats in the sidebar, the selected
 * chat beside them, the model of that chat loaded on demand. */
#pragma once

#include <adwaita.h>

#include "hearth-application.h"
#include "hearth-chat-view.h"
#include "hearth-photos-view.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_WINDOW (hearth_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthWindow, hearth_window, HEARTH, WINDOW, AdwApplicationWindow)

HearthWindow   *hearth_window_new            (HearthApplication *application);
HearthChatView *hearth_window_get_chat_view  (HearthWindow *self);
/* Of HearthChatObject, newest activity first. */
GListModel     *hearth_window_get_chats      (HearthWindow *self);
/* The loaded model, NULL while none is. */
HearthModel    *hearth_window_get_model      (HearthWindow *self);
/* Whether the chat history was read (chats can be made from then on). */
gboolean        hearth_window_get_ready      (HearthWindow *self);
/* Whether the loaded model's projector is still being looked for or
 * loaded (FALSE once it is, or once none was found). */
gboolean        hearth_window_get_loading_vision (HearthWindow *self);
/* The name of the visible page of the chat pane: "no-chats", "no-model" or "chat". */
const char     *hearth_window_get_page_name  (HearthWindow *self);
/* photos-ui: the Photos page. */
HearthPhotosView *hearth_window_get_photos_view (HearthWindow *self);

G_END_DECLS
