/* cli-llama.h: what the model commands of hearth-cli share: open the
 * device, map the GGUF, upload the model, make a context, and tokenize. */
#pragma once

#include "gguf.h"
#include "llama-context.h"
#include "tokenizer.h"

typedef struct {
  HearthDevice    *device;
  GgufFile        *file;     /* kept open for the tokenizer and template */
  LlamaModel      *model;
  LlamaContext    *ctx;
  HearthTokenizer *tok;      /* made on first use: bench models have none */
} CliLlama;

/* n_ctx 0 = the model's training context, capped at 4096. */
gboolean         cli_llama_open      (CliLlama *cl, const char *path, guint n_ctx, GError **error);
void             cli_llama_close     (CliLlama *cl);
HearthTokenizer *cli_llama_tokenizer (CliLlama *cl, GError **error);
/* text as-is, with the vocabulary's BOS rule; gint32 ids. */
GArray          *cli_llama_tokenize  (CliLlama *cl, const char *text, gboolean parse_special,
                                      GError **error);

/* The text model's embedding width from its metadata (no weights loaded):
 * what its vision projector must write. */
gboolean         cli_text_model_width (const char *path, guint32 *n_embd, GError **error);
