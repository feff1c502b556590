/* hearth-generation-settings.h: what an answer in a chat is generated
 * with: the app's settings (Preferences, the io.github.hearth.Hearth
 * GSettings schema) under the chat's own (Chat Settings).  Read at each
 * answer, so a changed setting applies to the next one. */
#pragma once

#include <gio/gio.h>

#include "hearth-chat-object.h"
#include "hearth-engine.h"

G_BEGIN_DECLS

/* Sampling and answer length from settings (NULL: the engine's defaults),
 * with the chat's temperature when it has one (chat may be NULL). */
void  hearth_generation_settings_read_sampling (GSettings            *settings,
                                                HearthChatObject     *chat,
                                                HearthSamplingParams *params);
/* The chat's context length, else the app's, within what model was
 * trained for. */
guint hearth_generation_settings_n_ctx         (GSettings            *settings,
                                                HearthChatObject     *chat,
                                                HearthModel          *model);

G_END_DECLS
