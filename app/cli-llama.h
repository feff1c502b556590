/* cli-llama.h: what the model commands of hearth-cli share: open the
 * device, map the GGUF, upload the model and make a context. */
#pragma once

#include "gguf.h"
#include "llama-context.h"

typedef struct {
  HvkDevice    *device;
  GgufFile     *file;     /* kept open for the tokenizer and template */
  LlamaModel   *model;
  LlamaContext *ctx;
} CliLlama;

/* n_ctx 0 = the model's training context, capped at 4096. */
gboolean cli_llama_open  (CliLlama *cl, const char *path, guint n_ctx, GError **error);
void     cli_llama_close (CliLlama *cl);
