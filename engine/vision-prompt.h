/* vision-prompt.h: a prompt with images in it, laid out for an idefics3
 * (SmolVLM) text model as llama.cpp's mtmd does, and its prefill.
 *
 * Each media marker in the prompt text becomes, for its image's grid of
 * R x C tiles:
 *   for r in 1..R: for c in 1..C: <fake_token_around_image><row_r_col_c> <image>×n
 *                  "\n" after every row but the last
 *   "\n\n" <fake_token_around_image><global-img> <image>×n <fake_token_around_image>
 * where each <image>×n run stands for the n embeddings of one chunk. */
#pragma once

#include "hearth-engine.h"
#include "image-preprocess.h"
#include "llama-context.h"
#include "tokenizer.h"

G_BEGIN_DECLS

#define VISION_MEDIA_MARKER "<__media__>"

/* In a prompt's ids, the positions that take an image embedding: what
 * tokenizing writes. Every negative id is an image position, so a caller
 * may put its own negative keys there (the engine's sessions name each
 * image by a hash of its bytes). */
#define VISION_IMAGE_POSITION (-1)

/* Where one image's embeddings go: its tile grid and rows per chunk. */
typedef struct {
  guint grid_rows;
  guint grid_cols;
  guint tokens_per_chunk;
} VisionPromptImage;

/* Prompt positions of images' layout above, markers included. */
guint    vision_prompt_image_n_positions (const VisionPromptImage *image);

/* What an image of width x height becomes for an encoder with config and
 * tokens_per_chunk embeddings per chunk (the tiling of image_tiles_new()). */
void     vision_prompt_plan_image (const ImagePreprocessConfig *config, guint tokens_per_chunk,
                                   guint width, guint height, HearthImagePlan *plan);

/* Tokenizes text (special tokens parsed; add_special: BOS/EOS as the
 * vocabulary asks) with its k-th VISION_MEDIA_MARKER replaced by the
 * layout above of images[k]; image positions are VISION_IMAGE_POSITION.
 * The image layouts follow each other in prompt order, so the embeddings
 * for vision_prompt_prefill are the images' embeddings concatenated in
 * that order. Errors: _INVALID_ARGUMENT (not one marker per image),
 * _UNSUPPORTED (the vocabulary lacks the idefics3 image tokens: not a
 * SmolVLM text model). */
GArray  *vision_prompt_tokenize_images (HearthTokenizer *tok, const char *text,
                                        gboolean add_special, const VisionPromptImage *images,
                                        guint n_images, GError **error);

/* How many times marker stands in text. */
guint    vision_prompt_count_markers (const char *text, const char *marker);

/* Appends one untiled image's layout to ids:
 * <fake_token_around_image><global-img> <image>×tokens_per_chunk
 * <fake_token_around_image>, the image positions VISION_IMAGE_POSITION.
 * _UNSUPPORTED when the vocabulary lacks those tokens. */
gboolean vision_prompt_append_global_image (HearthTokenizer *tok, GArray *ids,
                                            guint tokens_per_chunk, GError **error);

/* The same for one image. */
GArray  *vision_prompt_tokenize (HearthTokenizer *tok, const char *text, gboolean add_special,
                                 guint grid_rows, guint grid_cols, guint tokens_per_chunk,
                                 GError **error);

/* Renders a conversation through its chat template with only the first
 * n_shown of its images; the template writes "<image>" for each. */
typedef char *(*VisionRenderFunc) (guint n_shown, gpointer user_data, GError **error);

/* The conversation rendered with all n_images images (n_images > 0), each
 * image's "<image>" replaced by VISION_MEDIA_MARKER. NULL when render
 * fails, or with HEARTH_ENGINE_ERROR_UNSUPPORTED and unplaced_message when
 * the template does not place the images. */
char    *vision_prompt_render_with_markers (guint n_images, VisionRenderFunc render,
                                            gpointer user_data, const char *unplaced_message,
                                            GError **error);

/* Runs ids[0..n-1] at positions pos0.. through ctx, token ids as tokens
 * and image positions (negative ids) as the next rows of embd (f32
 * [n_embd_rows][n_embd], every row used exactly once), in one forward per
 * batch of the context whatever the mix. Afterwards the logits of the last
 * position are in the context. */
gboolean vision_prompt_prefill  (LlamaContext *ctx, const gint32 *ids, guint n, guint pos0,
                                 const float *embd, guint n_embd_rows,
                                 GCancellable *cancellable, GError **error);

G_END_DECLS
