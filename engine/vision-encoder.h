/* vision-encoder.h: runs a ClipModel's SigLIP encoder and idefics3
 * connector on the tiles of an image, producing the embeddings the text
 * model reads in place of the <image> tokens.
 *
 * Tiles are encoded in batches, one command buffer and one submit per
 * batch (an "encode step"). */
#pragma once

#include "clip-model.h"
#include "image-preprocess.h"

G_BEGIN_DECLS

typedef struct _VisionEncoder VisionEncoder;

/* Called after each batch with the chunks done so far. */
typedef void (*VisionProgressFunc) (guint done_chunks, guint n_chunks, gpointer user_data);

/* Allocates the scratch activations for batches of tiles. The model must
 * outlive the encoder. */
VisionEncoder *vision_encoder_new  (ClipModel *model, GError **error);
void           vision_encoder_free (VisionEncoder *encoder);

/* Embedding rows each chunk (tile or global image) becomes. */
guint          vision_encoder_tokens_per_chunk (VisionEncoder *encoder);

/* Encodes every chunk of tiles, in order, into out: f32
 * [tiles->n_chunks · tokens_per_chunk][projection_dim]. tiles must come
 * from this model's preprocess config. Errors: _INVALID_ARGUMENT (tile
 * size), _CANCELLED (between batches and while waiting for the device),
 * HEARTH_VULKAN_ERROR_*. */
gboolean       vision_encoder_encode (VisionEncoder *encoder, const ImageTiles *tiles, float *out,
                                      VisionProgressFunc progress, gpointer user_data,
                                      GCancellable *cancellable, GError **error);

/* Tiles image for this model and encodes it. Returns the embeddings, f32
 * [n_chunks · tokens_per_chunk][projection_dim] (g_free), and the tiles in
 * *tiles (for their layout). */
float         *vision_encoder_encode_image (VisionEncoder *encoder, const HearthImage *image,
                                            ImageTiles **tiles, VisionProgressFunc progress,
                                            gpointer user_data, GCancellable *cancellable,
                                            GError **error);

/* Decodes the image file (hearth_image_load with the default pixel limit),
 * then encodes it as vision_encoder_encode_image() does. */
float         *vision_encoder_encode_file (VisionEncoder *encoder, const char *path,
                                           ImageTiles **tiles, VisionProgressFunc progress,
                                           gpointer user_data, GCancellable *cancellable,
                                           GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VisionEncoder, vision_encoder_free)

G_END_DECLS
