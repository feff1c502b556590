/* video-encode.h: a video's sampled frames through a SmolVLM projector,
 * each frame one untiled global image. */
#pragma once

#include "video-decode.h"
#include "vision-encoder.h"

G_BEGIN_DECLS

/* The embeddings of every frame, in order: f32
 * [n_frames · tokens_per_chunk][projection_dim] (g_free); the frames'
 * size must be the projector's image size. progress counts frames.
 * Errors: _INVALID_ARGUMENT (frame size), the encoder's. */
float *video_frames_encode (VisionEncoder *encoder, ClipModel *model, const VideoFrames *frames,
                            VisionProgressFunc progress, gpointer user_data,
                            GCancellable *cancellable, GError **error);

G_END_DECLS
