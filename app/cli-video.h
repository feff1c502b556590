/* cli-video.h: SmolVLM2 videos for hearth-cli: `video-frames`, and the
 * frames that `generate --video` and `bench --video` read. */
#pragma once

#include "cli-llama.h"
#include "clip-model.h"
#include "video-decode.h"
#include "video-prompt.h"
#include "vision-encoder.h"

G_BEGIN_DECLS

/* The options the video commands share (--fps, --max-frames), added to
 * entries of their own. */
#define CLI_VIDEO_OPTION_ENTRIES(sampling_fps, max_frames)                                         \
  { "fps", 0, 0, G_OPTION_ARG_DOUBLE, (sampling_fps), "Video frames sampled per second (default 1)", "F" }, \
  { "max-frames", 0, 0, G_OPTION_ARG_INT, (max_frames), "Most video frames sampled (default 64)", "N" }

/* The decoded frames of video_path for the projector in mmproj_file
 * (its image size and tokens per image read from its metadata). */
gboolean cli_video_decode (GgufFile *mmproj_file, const char *video_path, double fps,
                           gint max_frames, VideoFrames **frames, ClipConfig *config,
                           GError **error);

/* The prompt with VIDEO_MEDIA_MARKER where the video goes: where the
 * prompt has one, else before its text, as the model card's examples. */
char    *cli_video_place  (const char *prompt);

/* The prompt layout of frames for tokens_per_image rows each. */
void     cli_video_prompt (const VideoFrames *frames, guint tokens_per_image,
                           VideoPromptVideo *prompt);

/* Decodes video_path and encodes its frames with the projector in
 * mmproj_path (checked against the text model of cl): *embd f32
 * [n_frames · tokens per image][n_embd] (g_free) and, in *prompt, the
 * layout for video_prompt_tokenize() (its labels point into *frames). */
gboolean cli_video_encode (CliLlama *cl, const char *mmproj_path, const char *video_path,
                           double fps, gint max_frames, VideoFrames **frames,
                           VideoPromptVideo *prompt, float **embd, guint *n_rows, GError **error);

G_END_DECLS
