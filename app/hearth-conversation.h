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
/* The session answers are generated in; NULL while no model is loaded.
 * The session stays its maker's to close (context: it outlives the
 * conversation in the window's session cache). */
void                hearth_conversation_set_session  (HearthConversation *self,
                                                      HearthSession      *session);
HearthSession      *hearth_conversation_get_session  (HearthConversation *self);
/* The app's settings each answer reads its sampling and answer length
 * from (hearth_generation_settings_read_sampling(), the chat's own
 * temperature over them); max_tokens is further capped at a quarter of the
 * session's context.  NULL (the default): the engine's defaults.  The
 * chat's system prompt, when it has one, is sent as the first message.
 * Each request is shown by the "request" signal before the engine gets it. */
void                hearth_conversation_set_settings (HearthConversation *self,
                                                      GSettings          *settings);
/* Without settings: the sampling and answer length of the next answers
 * (default: hearth_sampling_params_init()). */
void                hearth_conversation_set_sampling_params (HearthConversation         *self,
                                                             const HearthSamplingParams *params);
gboolean            hearth_conversation_get_loaded   (HearthConversation *self);
gboolean            hearth_conversation_get_generating (HearthConversation *self);
gboolean            hearth_conversation_can_regenerate (HearthConversation *self);
/* Of the last answer: 0 when not known. */
double              hearth_conversation_get_tokens_per_second (HearthConversation *self);
/* Of the last answer's prompt, the tokens the session had in its cache (an
 * edit recomputes only what follows the unchanged start). */
guint               hearth_conversation_get_prompt_reused (HearthConversation *self);
/* Positions of the session's context the conversation fills, 0 when not known. */
guint               hearth_conversation_get_context_used (HearthConversation *self);

/* why the next message does not fit the session's context (the
 * engine's sentence), or NULL ("context-full").  Set when the engine refused
 * a prompt (then the user message stays, waiting for its answer, and the
 * empty answer is removed) or an answer filled the context; cleared by
 * hearth_conversation_drop_oldest_turns(). */
const char         *hearth_conversation_get_context_full (HearthConversation *self);
/* Leaves the fewest oldest whole turns out of the model's context so that
 * the rest plus an answer fit (the chat's context start, kept in the
 * store), then answers the waiting user message if there is one.  FALSE
 * while generating, while a drop is being worked out, or without a
 * session. */
gboolean            hearth_conversation_drop_oldest_turns (HearthConversation *self);
/* The waiting user message's text, removed from the chat (and the store),
 * to carry it elsewhere; NULL when none is waiting. */
char               *hearth_conversation_take_pending (HearthConversation *self);

/* Sends a user message and answers it: FALSE (and nothing happens) while
 * generating, without a session, for blank text without images, or while
 * the context is full. images (of HearthImageAttachment, may be NULL) are
 * shown to the model before the text. The message and its images are
 * stored in one transaction before the answer starts. */
gboolean            hearth_conversation_send_with_images (HearthConversation *self,
                                                          const char         *text,
                                                          GPtrArray          *images);
/* Replaces the last answer with a new one. */
gboolean            hearth_conversation_regenerate   (HearthConversation *self);
/* Gives the user message new text, drops every later message
 * (from the list and, in one transaction with the new text, from the
 * store) and answers it again; the session recomputes only what follows
 * the unchanged start of the chat.  FALSE (and nothing happens) when send
 * would refuse, or when message is not a user message of this chat. */
gboolean            hearth_conversation_edit         (HearthConversation  *self,
                                                      HearthMessageObject *message,
                                                      const char          *text);
/* The answer ends within a token, in state 'stopped'. */
void                hearth_conversation_stop         (HearthConversation *self);

G_END_DECLS
