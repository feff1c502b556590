#define G_LOG_DOMAIN "hearth-video"

#include "video-prompt.h"

#include <string.h>

#include "video-sampling.h"

/* The text gathered since the last image, tokenized; BOS only before the
 * first piece. */
static gboolean
flush_text (HearthTokenizer *tok, GString *pending, gboolean *add_special, GArray *ids,
            GError **error)
{
  gboolean ok = hearth_tokenizer_encode (tok, pending->str, pending->len, *add_special, TRUE, ids, error);
  *add_special = FALSE;
  g_string_truncate (pending, 0);
  return ok;
}

/* The video's text up to its first image goes after what is pending; the
 * text after its last image ("\n\n") is left pending, to be tokenized
 * with what follows, as in the processor's whole-text tokenization. */
static gboolean
append_video (HearthTokenizer *tok, const VideoPromptVideo *v, GString *pending,
              gboolean *add_special, GArray *ids, GError **error)
{
  g_autofree char *intro = video_prompt_intro (v->n_frames, v->duration_s);

  g_string_append (pending, intro);
  for (guint i = 0; i < v->n_frames; i++)
    {
      g_string_append_printf (pending, VIDEO_PROMPT_FRAME_FORMAT, v->labels[i]);
      if (!flush_text (tok, pending, add_special, ids, error) ||
          !vision_prompt_append_global_image (tok, ids, v->tokens_per_image, error))
        return FALSE;
    }
  g_string_append (pending, VIDEO_PROMPT_OUTRO);
  return TRUE;
}

GArray *
video_prompt_tokenize (HearthTokenizer *tok, const char *text, gboolean add_special,
                       const VideoPromptVideo *videos, guint n_videos, GError **error)
{
  guint n_markers = vision_prompt_count_markers (text, VIDEO_MEDIA_MARKER);
  if (n_markers != n_videos)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The prompt holds %u %s markers for %u videos: it needs one marker where "
                   "each video goes", n_markers, VIDEO_MEDIA_MARKER, n_videos);
      return NULL;
    }

  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GString) pending = g_string_new (NULL);
  const char *rest = text;
  for (guint k = 0; k < n_videos; k++)
    {
      const char *marker = strstr (rest, VIDEO_MEDIA_MARKER);
      g_string_append_len (pending, rest, marker - rest);
      if (!append_video (tok, &videos[k], pending, &add_special, ids, error))
        return NULL;
      rest = marker + strlen (VIDEO_MEDIA_MARKER);
    }
  g_string_append (pending, rest);
  if (!flush_text (tok, pending, &add_special, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}
