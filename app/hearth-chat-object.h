/* hearth-chat-object.h: one chat of the sidebar list. */
#pragma once

#include <glib-object.h>

#include "hearth-store.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CHAT_OBJECT (hearth_chat_object_get_type ())
G_DECLARE_FINAL_TYPE (HearthChatObject, hearth_chat_object, HEARTH, CHAT_OBJECT, GObject)

HearthChatObject *hearth_chat_object_new            (const HearthChat *chat);
gint64            hearth_chat_object_get_id         (HearthChatObject *self);
const char       *hearth_chat_object_get_title      (HearthChatObject *self);
void              hearth_chat_object_set_title      (HearthChatObject *self, const char *title);
/* NULL: no model chosen for this chat. */
const char       *hearth_chat_object_get_model_path (HearthChatObject *self);
void              hearth_chat_object_set_model_path (HearthChatObject *self, const char *model_path);
gint64            hearth_chat_object_get_updated_at (HearthChatObject *self);
void              hearth_chat_object_touch          (HearthChatObject *self);
/* position of the first message the model sees (0: all of them). */
gint64            hearth_chat_object_get_context_start (HearthChatObject *self);
void              hearth_chat_object_set_context_start (HearthChatObject *self, gint64 position);
/* The chat's own settings; notified as "system-prompt", "temperature"
 * (< 0: the app's setting) and "context-length" (0: the app's setting). */
const char       *hearth_chat_object_get_system_prompt  (HearthChatObject *self);
double            hearth_chat_object_get_temperature    (HearthChatObject *self);
guint             hearth_chat_object_get_context_length (HearthChatObject *self);
/* Fills settings' id, model_path, system_prompt, temperature and
 * context_length (clear the strings with g_free). */
void              hearth_chat_object_get_settings       (HearthChatObject *self, HearthChat *settings);
/* Takes model_path, system_prompt, temperature and context_length. */
void              hearth_chat_object_set_settings       (HearthChatObject *self, const HearthChat *settings);

G_END_DECLS
