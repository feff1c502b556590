/* hearth-chat-settings.h: the Chat Settings dialog: one chat's model,
 * system prompt, temperature and context length.  Saving writes them to
 * the chat object at once (the window follows: another model is loaded,
 * another context length gets a new session) and to the store through
 * the worker; the next answer uses them. */
#pragma once

#include <adwaita.h>

#include "hearth-chat-object.h"
#include "hearth-store-worker.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CHAT_SETTINGS (hearth_chat_settings_get_type ())
G_DECLARE_FINAL_TYPE (HearthChatSettings, hearth_chat_settings, HEARTH, CHAT_SETTINGS, AdwWindow)

/* found: the models to offer (HearthModelInfo), may be NULL. */
HearthChatSettings *hearth_chat_settings_new (GtkWindow         *parent,
                                              HearthStoreWorker *worker,
                                              HearthChatObject  *chat,
                                              GPtrArray         *found);

G_END_DECLS
