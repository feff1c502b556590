/* chat-prompt.h: a conversation turned into the ids a model reads. The
 * one prompt builder of Hearth: the engine's chats and photo descriptions
 * and `hearth-cli generate` all go through it, so what the conformance
 * tests check through the CLI is what the app runs.
 *
 * With a chat template (the model's own, or the built-in format that
 * replaces one ours cannot parse), the messages are rendered as JSON
 * messages with the generation prompt and tokenized with special tokens
 * parsed; BOS is added only when the rendered text does not start with it.
 * A model without a template is a plain text model: the contents one
 * after the other, roles ignored, tokenized as the vocabulary asks.
 *
 * A message's images are {"type": "image"} parts: at the message's
 * VISION_MEDIA_MARKERs when it holds exactly one per image, else before
 * its text. Their positions in the ids are VISION_IMAGE_POSITION, laid out
 * for each image's tile grid (vision-prompt.h). */
#pragma once

#include <glib.h>

#include "gguf.h"
#include "tokenizer.h"
#include "vision-prompt.h"

G_BEGIN_DECLS

typedef struct _ChatPrompt ChatPrompt;

/* Messages as parallel arrays, so that a caller can start at any turn. */
typedef struct {
  const char *const *roles;     /* "system", "user" or "assistant" */
  const char *const *contents;  /* UTF-8 */
  const guint       *n_images;  /* per message; NULL: no images */
  guint              n;
} ChatConversation;

/* The prompt builder for the model in file, whose tokenizer tok must
 * outlive it. model_name names the model in messages. *template_note
 * (may be NULL) is set as hearth_chat_template_new_for_model() sets it. */
ChatPrompt *chat_prompt_new          (GgufFile        *file,
                                      HearthTokenizer *tok,
                                      const char      *model_name,
                                      char           **template_note);
void        chat_prompt_free         (ChatPrompt *prompt);
gboolean    chat_prompt_has_template (ChatPrompt *prompt);

/* The ids of conversation, whose images (in order) have the layouts
 * images[0..n_images-1]: n_images is 0 or every image the conversation
 * shows. Errors: _TEMPLATE, and with images _UNSUPPORTED (a template that
 * does not place them, a vocabulary without the image tokens) or
 * _INVALID_ARGUMENT. */
GArray     *chat_prompt_tokenize     (ChatPrompt              *prompt,
                                      const ChatConversation  *conversation,
                                      const VisionPromptImage *images,
                                      guint                    n_images,
                                      GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChatPrompt, chat_prompt_free)

G_END_DECLS
