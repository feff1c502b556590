/* chat-template.h: turns a conversation into the prompt text a model was
 * trained on, by rendering the model's own Jinja2 chat template
 * (tokenizer.chat_template) exactly as Hugging Face transformers'
 * apply_chat_template does, or one of Hearth's built-in formats when a
 * model ships none. Templates are untrusted: parsing rejects unsupported
 * constructs, rendering is bounded in time and memory, and a template has
 * no access to files or the system. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "hearth-engine-error.h"

G_BEGIN_DECLS

typedef struct _HearthChatTemplate HearthChatTemplate;

/* Parses source once. name appears in error messages (e.g. the model file).
 * Errors: HEARTH_ENGINE_ERROR_TEMPLATE naming the template, line:column and
 * the construct. */
HearthChatTemplate *hearth_chat_template_new      (const char *name, const char *source, GError **error);
void                hearth_chat_template_free     (HearthChatTemplate *tpl);
const char         *hearth_chat_template_get_name (HearthChatTemplate *tpl);

/* The clock behind strftime_now(); NULL (the default) uses the current
 * local time at each render. The template keeps a reference. */
void                hearth_chat_template_set_now  (HearthChatTemplate *tpl, GDateTime *now);

/* messages: a JSON array of {"role": "...", "content": "..." or
 * [{"type": "text", "text": "..."}, {"type": "image"}, ...]}.
 * Variables seen by the template: messages, add_generation_prompt,
 * bos_token, eos_token (NULL: ""), tools and documents (None).
 * Returns the prompt (UTF-8), or NULL with HEARTH_ENGINE_ERROR_TEMPLATE:
 * when the template calls raise_exception(msg), the error message is
 * exactly msg; other failures name the template and line:column. */
char               *hearth_chat_template_render   (HearthChatTemplate *tpl, JsonArray *messages,
                                                   gboolean add_generation_prompt, const char *bos_token,
                                                   const char *eos_token, GError **error);

/* Built-in formats for models without a usable template. */
typedef enum {
  HEARTH_CHAT_FORMAT_CHATML,  /* <|im_start|>role\n...<|im_end|>\n (Qwen, SmolLM) */
  HEARTH_CHAT_FORMAT_LLAMA3,  /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
  HEARTH_CHAT_FORMAT_LLAMA2,  /* <s>[INST] <<SYS>>...<</SYS>> user [/INST] answer</s> (Llama 2, Mistral) */
  HEARTH_CHAT_FORMAT_ZEPHYR,  /* <|user|>\n...</s>\n<|assistant|>\n (TinyLlama, Zephyr) */
  HEARTH_CHAT_FORMAT_SMOLVLM, /* <|im_start|>User: ...<end_of_utterance>\nAssistant: */
  HEARTH_CHAT_FORMAT_LLAMA4,  /* <|header_start|>role<|header_end|>\n\n...<|eot|> */
} HearthChatFormat;

/* Picks a format from the template text's marker tokens when there is a
 * template, else from the GGUF architecture (general.architecture) and
 * model name; either may be NULL. ChatML when nothing matches. */
HearthChatFormat    hearth_chat_format_guess      (const char *architecture, const char *model_name,
                                                   const char *template_text);
const char         *hearth_chat_format_get_name   (HearthChatFormat format);
HearthChatTemplate *hearth_chat_template_new_builtin (HearthChatFormat format);

/* A model's template: its own (source, may be NULL) when that parses,
 * else the built-in format hearth_chat_format_guess() picks. Never NULL.
 * *fallback_note (may be NULL) is set to NULL when the model's own
 * template is used, else to a sentence for the user saying why and which
 * format replaced it. */
HearthChatTemplate *hearth_chat_template_new_for_model (const char *name, const char *source,
                                                        const char *architecture, const char *model_name,
                                                        char **fallback_note);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthChatTemplate, hearth_chat_template_free)

G_END_DECLS
