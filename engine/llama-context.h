/* llama-context.h (implemented in lm-context.c): one inference session of a LlamaModel: the f16 KV cache
 * for n_ctx positions, scratch activations for batches of up to n_batch
 * tokens, and the logits of the last forward pass.
 *
 * Positions continue across calls: after a forward of n tokens at pos0 the
 * cache holds positions 0..pos0+n-1, so a follow-up turn passes only its new
 * tokens at pos0 = llama_context_get_n_past(). Passing a smaller pos0
 * rewinds (the cache keeps the shared prefix). */
#pragma once

#include "llama-model.h"

G_BEGIN_DECLS

typedef struct _LlamaContext LlamaContext;

/* n_batch: most tokens per command buffer (0 = 512). The model must outlive
 * the context. */
LlamaContext *llama_context_new  (LlamaModel *model, guint n_ctx, guint n_batch, GError **error);
void          llama_context_free (LlamaContext *ctx);

/* Runs tokens[0..n-1] at positions pos0..pos0+n-1 (pos0 <= n_past), in
 * chunks of n_batch tokens, one command buffer and one submit per chunk.
 * Afterwards the logits of the last token (or of every token with
 * all_logits) can be read with llama_context_get_logits().
 * Errors: HEARTH_ENGINE_ERROR_CONTEXT_FULL, _INVALID_ARGUMENT (a token id
 * out of range, pos0 > n_past), _CANCELLED (checked between chunks and
 * while waiting for the device; the cache then holds the finished chunks). */
gboolean      llama_context_forward (LlamaContext *ctx, const gint32 *tokens, guint n, guint pos0,
                                     gboolean all_logits, GCancellable *cancellable,
                                     GError **error);

/* The same with some inputs given as embeddings: a negative tokens[i]
 * stands for the next row of embd f32 [][n_embd] (one row per negative
 * id), which enters the first layer as is (image embeddings from a vision
 * encoder, for example). Token and embedding rows share the chunks: one
 * command buffer per n_batch inputs, whatever their mix. */
gboolean      llama_context_forward_mixed (LlamaContext *ctx, const gint32 *tokens,
                                           const float *embd, guint n, guint pos0,
                                           gboolean all_logits, GCancellable *cancellable,
                                           GError **error);

/* f32 [n_vocab] logits of output row i: i < 1 after a last-token forward,
 * i < n after an all_logits forward. Valid until the next forward. */
const float  *llama_context_get_logits   (LlamaContext *ctx, guint i);
guint         llama_context_get_n_outputs (LlamaContext *ctx);
guint         llama_context_get_n_past   (LlamaContext *ctx);
guint         llama_context_get_n_ctx    (LlamaContext *ctx);
LlamaModel   *llama_context_get_model    (LlamaContext *ctx);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlamaContext, llama_context_free)

G_END_DECLS
