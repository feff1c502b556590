/* video-sampling.h: which frames of a video SmolVLM2 reads and the text
 * that introduces them, as transformers' SmolVLM video processor does it
 * (video_processing_smolvlm.py sample_frames, processing_smolvlm.py):
 *
 *   n = min(round(fps × duration), max_frames), at least 1 (round half to even)
 *   indices = unique(int(linspace(start, end, n))), start 0, end total − 1;
 *     one second skipped at each end when duration − 2 > max_frames × fps
 *   "You are provided the following series of {n in words} frames from a {H:MM:SS} [H:MM:SS] video.\n"
 *   per frame "\nFrame from {MM:SS}:" <fake_token_around_image><global-img><image>×k<fake_token_around_image>
 *   "\n\n"
 *
 * where duration = total_frames / native_fps and a frame's label is
 * ⌊index / native_fps⌋ seconds as zero-padded minutes:seconds.
 *
 * Pure functions on numbers (GLib only): the engine and the sandboxed
 * decoder helper both link them, so the helper decodes exactly the frames
 * the engine asks for and the engine can check that it did. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIDEO_SAMPLING_FPS_DEFAULT        1.0
#define VIDEO_SAMPLING_MAX_FRAMES_DEFAULT 64
/* The most frames any setting may ask for: num2words and the labels are
 * defined far beyond, but a prompt of more frames fits no context. */
#define VIDEO_SAMPLING_MAX_FRAMES_LIMIT   1024

typedef struct {
  double fps;         /* frames sampled per second of video, > 0 */
  guint  max_frames;  /* at most this many, 1..VIDEO_SAMPLING_MAX_FRAMES_LIMIT */
} VideoSampling;

/* fps 1, max_frames 64: the SmolVLM2 processors' video_sampling. */
void     video_sampling_init_default (VideoSampling *sampling);

/* Whether fps is in (0, 1000] and max_frames in 1..VIDEO_SAMPLING_MAX_FRAMES_LIMIT
 * (video_sampling_check() in video-decode.h says which is not). */
gboolean video_sampling_is_valid (const VideoSampling *sampling);

/* total_frames / native_fps (0 for no frames or fps). */
double   video_duration_seconds (guint64 total_frames, double native_fps);

/* The indices of the frames to read from a video of total_frames (> 0)
 * frames at native_fps (> 0), ascending and distinct; *n_indices of them
 * (1..max_frames). g_free. */
guint64 *video_sample_indices   (guint64 total_frames, double native_fps,
                                 const VideoSampling *sampling, guint *n_indices);

/* n in English words as num2words writes it: "three", "sixty-four",
 * "one hundred and five", "one thousand, two hundred and thirty-four".
 * For n < 10⁹. */
char    *video_number_words     (guint n);

/* Whole seconds of duration as Python's str(timedelta): "0:01:40",
 * "1 day, 2:03:04". */
char    *video_duration_text    (double duration_s);

/* "MM:SS" for frame index at native_fps (minutes may pass 59). */
char    *video_frame_label      (guint64 index, double native_fps);

/* The pieces of that text: the intro line ... */
char    *video_prompt_intro     (guint n_frames, double duration_s);
/* ... before each frame's image, with its label ... */
#define VIDEO_PROMPT_FRAME_FORMAT "\nFrame from %s:"
/* ... and after the last one. */
#define VIDEO_PROMPT_OUTRO "\n\n"

/* The text that stands for a video of n_frames frames labelled labels[]
 * and lasting duration_s, each frame's image written as tokens_per_image
 * "<image>" tokens between its markers. */
char    *video_prompt_text      (guint n_frames, const char *const *labels, double duration_s,
                                 guint tokens_per_image);

G_END_DECLS
