/* hearth-conversation.h: one chat being read and written: its messages as
 * a GListModel of HearthMessageObject, sending a user message, streaming
 * the model's answer into the list and into the store, stop and
 * regenerate.
 *
 * The store is written through the store worker only: the user message is
 * committed before generation starts, the answer is appended about every
 * 250 ms while it streams and finished (complete or stopped, with its
 * statistics) at the end. */
#pragma once

#include <gio/gio.h>

#include "hearth-chat-object.h"
#include "hearth-engine.h"
#include "hearth-message-object.h"
#include "hearth-store-worker.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CONVERSATION (hearth_conversation_get_type ())
G_DECLARE_FINAL_TYPE (HearthConversation, hearth_conversation, HEARTH, CONVERSATION, GObject)

/* Starts loading the chat's messages from the store. */
HearthConversation *hearth_conversation_new          (HearthStoreWorker *worker,
                                                      HearthEngine      *engine,
                                                      HearthChatObject  *chat);
HearthChatObject   *hearth_conversation_get_chat     (HearthConversation *self);
/* Of HearthMessageObject, oldest first. */
GListModel         *hearth_conversation_get_messages (HearthConversation *self);
/* The session answers are generated in; NULL while no model is loaded. */
void                hearth_conversation_set_session  (HearthConversation *self,
                                                      HearthSession      *session);
HearthSession      *hearth_conversation_get_session  (HearthConversation *self);
/* For the next answers; max_tokens is further capped at a quarter of the
 * session's context.  Default: hearth_sampling_params_init(). */
void                hearth_conversation_set_sampling_params (HearthConversation         *self,
                                                             const HearthSamplingParams *params);
gboolean            hearth_conversation_get_loaded   (HearthConversation *self);
gboolean            hearth_conversation_get_generating (HearthConversation *self);
gboolean            hearth_conversation_can_regenerate (HearthConversation *self);
/* Of the last answer: 0 when not known. */
double              hearth_conversation_get_tokens_per_second (HearthConversation *self);
/* Positions of the session's context the conversation fills, 0 when not known. */
guint               hearth_conversation_get_context_used (HearthConversation *self);

/* FALSE (and nothing happens) while generating, without a session or for
 * blank text. */
gboolean            hearth_conversation_send         (HearthConversation *self,
                                                      const char         *text);
/* Like hearth_conversation_send(), with images (of HearthImageAttachment,
 * may be NULL) shown to the model before the text; text may be blank when
 * there are images.  The message and its images are stored in one
 * transaction before the answer starts. */
gboolean            hearth_conversation_send_with_images (HearthConversation *self,
                                                          const char         *text,
                                                          GPtrArray          *images);
/* Replaces the last answer with a new one. */
gboolean            hearth_conversation_regenerate   (HearthConversation *self);
/* The answer ends within a token, in state 'stopped'. */
void                hearth_conversation_stop         (HearthConversation *self);

G_END_DECLS
