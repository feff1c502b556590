/* vision-prompt.h: a prompt with an image in it, laid out for an idefics3
 * (SmolVLM) text model as llama.cpp's mtmd does, and its prefill.
 *
 * The media marker in the prompt text becomes, for a grid of R x C tiles:
 *   for r in 1..R: for c in 1..C: <fake_token_around_image><row_r_col_c> <image>×n
 *                  "\n" after every row but the last
 *   "\n\n" <fake_token_around_image><global-img> <image>×n <fake_token_around_image>
 * where each <image>×n run stands for the n embeddings of one chunk. */
#pragma once

#include "llama-context.h"
#include "tokenizer.h"

G_BEGIN_DECLS

#define VISION_MEDIA_MARKER "<__media__>"

/* In a prompt's ids, the positions that take an image embedding. */
#define VISION_IMAGE_POSITION (-1)

/* Tokenizes text (special tokens parsed; add_special: BOS/EOS as the
 * vocabulary asks) with its one VISION_MEDIA_MARKER replaced by the image
 * layout above; image positions are VISION_IMAGE_POSITION. Errors:
 * _INVALID_ARGUMENT (no or several markers), _UNSUPPORTED (the vocabulary
 * lacks the idefics3 image tokens: not a SmolVLM text model). */
GArray  *vision_prompt_tokenize (HearthTokenizer *tok, const char *text, gboolean add_special,
                                 guint grid_rows, guint grid_cols, guint tokens_per_chunk,
                                 GError **error);

/* Runs ids[0..n-1] at positions pos0.. through ctx: runs of token ids as
 * tokens, runs of image positions as the next rows of embd (f32
 * [n_embd_rows][n_embd], every row used exactly once). Afterwards the logits
 * of the last position are in the context. */
gboolean vision_prompt_prefill  (LlamaContext *ctx, const gint32 *ids, guint n, guint pos0,
                                 const float *embd, guint n_embd_rows,
                                 GCancellable *cancellable, GError **error);

G_END_DECLS
