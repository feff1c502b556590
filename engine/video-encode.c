#define G_LOG_DOMAIN "hearth-video"

#include "video-encode.h"

#include "hearth-engine-error.h"

float *
video_frames_encode (VisionEncoder *encoder, ClipModel *model, const VideoFrames *frames,
                     VisionProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                     GError **error)
{
  const ClipConfig *c = clip_model_get_config (model);
  ImagePreprocessConfig config;

  clip_model_get_preprocess_config (model, &config);
  if (frames->frame_size != config.tile_size || frames->n_frames == 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "Video frames of %u pixels were decoded for a projector of %u", frames->frame_size,
                   config.tile_size);
      return NULL;
    }

  g_autofree HearthImage *images = g_new (HearthImage, frames->n_frames);
  for (guint i = 0; i < frames->n_frames; i++)
    images[i] = (HearthImage) { frames->frame_size, frames->frame_size,
                                (guint8 *) video_frames_get_rgb (frames, i) };
  g_autoptr (ImageTiles) tiles = image_tiles_new_globals (images, frames->n_frames, &config);
  g_autofree float *embd = g_new (float, (gsize) frames->n_frames * c->tokens_per_tile * c->projection_dim);
  if (!vision_encoder_encode (encoder, tiles, embd, progress, user_data, cancellable, error))
    return NULL;
  return g_steal_pointer (&embd);
}
