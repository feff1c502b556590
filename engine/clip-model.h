/* clip-model.h: the vision side of a multimodal model (an "mmproj" GGUF,
 * general.architecture = clip): a SigLIP encoder plus the idefics3
 * (SmolVLM) connector, with its weights on the Vulkan device.
 *
 * Config (clip.* metadata), weights (device views, in clip-model-private.h
 * for the encoder's graph) and, in vision-encoder.h, the run state are kept
 * apart, as in llama-model.h. */
#pragma once

#include <gio/gio.h>

#include "gguf.h"
#include "hearth-devices.h"
#include "image-preprocess.h"

G_BEGIN_DECLS

typedef struct {
  guint32 image_size;          /* clip.vision.image_size: tile edge in pixels */
  guint32 preproc_image_size;  /* clip.vision.preproc_image_size: refined longest edge */
  guint32 patch_size;          /* clip.vision.patch_size */
  guint32 n_embd;              /* clip.vision.embedding_length */
  guint32 n_ff;                /* clip.vision.feed_forward_length */
  guint32 n_layer;             /* clip.vision.block_count */
  guint32 n_head;              /* clip.vision.attention.head_count */
  float   eps;                 /* clip.vision.attention.layer_norm_epsilon */
  guint32 projection_dim;      /* clip.vision.projection_dim: the text model's n_embd */
  guint32 scale_factor;        /* clip.vision.projector.scale_factor (pixel shuffle) */
  float   image_mean[3];
  float   image_std[3];
  /* Derived. */
  guint32 grid;                /* patches per tile side: image_size / patch_size */
  guint32 n_patches;           /* grid² */
  guint32 tokens_per_tile;     /* n_patches / scale_factor² */
} ClipConfig;

typedef struct _ClipModel ClipModel;

typedef void (*ClipProgressFunc) (guint64 done_bytes, guint64 total_bytes, gpointer user_data);

/* Reads and validates the clip.* metadata (projector idefics3, tanh GELU)
 * and every tensor's shape and type, then uploads the weights.
 * Errors: HEARTH_ENGINE_ERROR_UNSUPPORTED (not a clip file, another
 * projector, gelu_quick, a tensor type), _CORRUPT_FILE (missing key or
 * tensor, wrong shape), _CANCELLED; HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY. */
ClipModel         *clip_model_load (HearthDevice *device, GgufFile *file, ClipProgressFunc progress,
                                    gpointer user_data, GCancellable *cancellable, GError **error);
void               clip_model_free (ClipModel *model);

/* The projector writes into the text model's embedding space: its width
 * must equal the text model's n_embd. Fails with _INVALID_ARGUMENT naming
 * both files' numbers otherwise (a mismatched mmproj / model pair). */
gboolean           clip_model_check_text_width (ClipModel *model, guint32 text_n_embd,
                                                GError **error);
/* The same rule on the numbers alone, for callers that only read metadata
 * (the model catalog pairing projectors with models): projection_dim is
 * the projector's clip.vision.projection_dim. */
gboolean           clip_check_text_width       (guint32 projection_dim, guint32 text_n_embd,
                                                GError **error);
/* clip.vision.projection_dim of an mmproj file, from its metadata alone:
 * the width of the embeddings it writes. _CORRUPT_FILE when missing or 0. */
gboolean           clip_file_get_projection_dim (GgufFile *file, guint32 *projection_dim,
                                                 GError **error);

/* The clip.* metadata of an mmproj file, checked as loading checks it,
 * without touching its weights (image size, tokens per tile). */
gboolean           clip_file_read_config  (GgufFile *file, ClipConfig *config, GError **error);

const ClipConfig  *clip_model_get_config  (ClipModel *model);
/* The tiling this encoder was trained with. */
void               clip_model_get_preprocess_config (ClipModel *model, ImagePreprocessConfig *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClipModel, clip_model_free)

G_END_DECLS
