/* hearth-chat-view.h: the messages of one conversation and the composer.
 * The answer being generated grows in place; the view stays scrolled to
 * the bottom while it was at the bottom. */
#pragma once

#include <gtk/gtk.h>

#include "hearth-composer.h"
#include "hearth-conversation.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CHAT_VIEW (hearth_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (HearthChatView, hearth_chat_view, HEARTH, CHAT_VIEW, GtkWidget)

void                hearth_chat_view_set_conversation (HearthChatView *self, HearthConversation *conversation);
HearthConversation *hearth_chat_view_get_conversation (HearthChatView *self);
void                hearth_chat_view_focus_composer   (HearthChatView *self);
/* the composer's text, taken out of it (g_free). */
char               *hearth_chat_view_take_draft       (HearthChatView *self);
void                hearth_chat_view_set_draft        (HearthChatView *self, const char *text);
/* Scrolls to the message with this store id, once the conversation has
 * loaded it, and highlights it for a moment (a search hit). */
void                hearth_chat_view_reveal_message   (HearthChatView *self, gint64 message_id);
/* The message highlighted by the last reveal, while it is, or NULL. */
HearthMessageObject *hearth_chat_view_get_highlighted (HearthChatView *self);
HearthComposer     *hearth_chat_view_get_composer     (HearthChatView *self);
/* A model on disk that can see images, offered when images are sent to a
 * model that cannot; NULL, NULL when none was found. */
void                hearth_chat_view_set_vision_model (HearthChatView *self, const char *name, const char *path);
/* While the model's projector loads, images wait instead of being refused. */
void                hearth_chat_view_set_vision_loading (HearthChatView *self, gboolean loading);

G_END_DECLS
