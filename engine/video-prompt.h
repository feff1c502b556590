/* video-prompt.h: a prompt with SmolVLM2 videos in it, tokenized.
 *
 * Each VIDEO_MEDIA_MARKER in the prompt text becomes the text of
 * video_prompt_text() (video-sampling.h): an intro, a "Frame from MM:SS:"
 * line and one untiled image per frame, then "\n\n". The tokens are those
 * of that whole text (the image markers are special tokens, so the text
 * between them is tokenized on its own, as the processor's tokenizer
 * does), with each frame's image positions VISION_IMAGE_POSITION. */
#pragma once

#include "tokenizer.h"
#include "vision-prompt.h"

G_BEGIN_DECLS

#define VIDEO_MEDIA_MARKER "<__video__>"

typedef struct _VideoPromptVideo {
  guint              n_frames;
  const char *const *labels;           /* [n_frames] "MM:SS" */
  double             duration_s;
  guint              tokens_per_image; /* embedding rows of one frame */
} VideoPromptVideo;

/* Tokenizes text (special tokens parsed; add_special: BOS as the
 * vocabulary asks) with its k-th VIDEO_MEDIA_MARKER replaced by videos[k]
 * as above. The frames' image positions follow each other in prompt
 * order, so the embeddings for vision_prompt_prefill() are the frames'
 * embeddings concatenated in that order. Errors: _INVALID_ARGUMENT (not
 * one marker per video), _UNSUPPORTED (not a SmolVLM vocabulary). */
GArray *video_prompt_tokenize (HearthTokenizer *tok, const char *text, gboolean add_special,
                               const VideoPromptVideo *videos, guint n_videos, GError **error);

G_END_DECLS
