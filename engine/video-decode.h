/* video-decode.h: the frames SmolVLM2 reads from a video file, decoded
 * in a separate process.
 *
 * Video containers and codecs are a large attack surface, so the file is
 * never parsed in the engine's process: hearth-video-decode (GStreamer,
 * software decoders only) runs in a bubblewrap sandbox with no network,
 * no home directory and only the file itself bound read-only, as GNOME's
 * thumbnailers run, or as a plain child with resource limits where
 * bubblewrap cannot run. Its output is checked field by field, and a
 * wall-clock limit ends it however the file behaves. */
#pragma once

#include <gio/gio.h>

#include "video-sampling.h"

G_BEGIN_DECLS

#define VIDEO_DECODE_TIMEOUT_DEFAULT_S      60.0
#define VIDEO_DECODE_MAX_FILE_BYTES_DEFAULT (G_GUINT64_CONSTANT (8) << 30)
#define VIDEO_DECODE_MAX_DURATION_DEFAULT_S (4 * 3600.0)
#define VIDEO_DECODE_MAX_PIXELS_DEFAULT     (G_GUINT64_CONSTANT (8192) * 8192)

typedef struct {
  guint         frame_size;      /* edge of the square frames: the projector's image size */
  VideoSampling sampling;
  double        timeout_s;       /* wall-clock limit of the helper, > 0 */
  guint64       max_file_bytes;
  double        max_duration_s;
  guint64       max_pixels;      /* of one decoded frame */
} VideoDecodeOptions;

/* Whether sampling's fps and max_frames are in range
 * (video_sampling_is_valid()); else FALSE with
 * HEARTH_ENGINE_ERROR_INVALID_ARGUMENT naming the value. */
gboolean video_sampling_check (const VideoSampling *sampling, GError **error);

/* frame_size and the defaults above. */
void video_decode_options_init (VideoDecodeOptions *options, guint frame_size);

typedef struct {
  double   native_fps;
  guint64  total_frames;
  double   duration_s;    /* total_frames / native_fps */
  guint    n_frames;
  guint    frame_size;
  guint64 *indices;       /* [n_frames] */
  double  *times_s;       /* [n_frames] index / native_fps */
  char   **labels;        /* [n_frames] "MM:SS", NULL-terminated */
  guint8  *rgb;           /* [n_frames][frame_size][frame_size][3] */
} VideoFrames;

/* Decodes the sampled frames of the video at path. Errors
 * (HEARTH_ENGINE_ERROR): _IO (cannot read it, not a regular file),
 * _UNSUPPORTED (no decoder for it; longer, larger or bigger than the
 * limits), _CORRUPT_FILE (cannot be decoded, truncated), _TIMED_OUT,
 * _CANCELLED, _FAILED (the helper is missing or misbehaved). */
VideoFrames *video_frames_decode (const char *path, const VideoDecodeOptions *options,
                                  GCancellable *cancellable, GError **error);
void         video_frames_free   (VideoFrames *frames);

/* Frame i as RGB rows: frames->rgb + i · frame_size² · 3. */
const guint8 *video_frames_get_rgb (const VideoFrames *frames, guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VideoFrames, video_frames_free)

G_END_DECLS
