#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli video-frames: which frames of a video SmolVLM2 reads, with
 * their labels, and the text that stands for the video in its prompt
 * (image tokens written out). The frames are decoded as generate --video
 * decodes them, in the sandboxed helper, so a file it cannot read fails
 * here the same way. */

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cli-video.h"
#include "hearth-cli.h"
#include "video-encode.h"

gboolean
cli_video_decode (GgufFile *mmproj_file, const char *video_path, double fps, gint max_frames,
                  VideoFrames **frames, ClipConfig *config, GError **error)
{
  VideoDecodeOptions options;

  if (!clip_file_read_config (mmproj_file, config, error))
    return FALSE;
  video_decode_options_init (&options, config->image_size);
  options.sampling.fps = fps;
  options.sampling.max_frames = max_frames > 0 ? (guint) max_frames : 0;
  *frames = video_frames_decode (video_path, &options, NULL, error);
  return *frames != NULL;
}

char *
cli_video_place (const char *prompt)
{
  if (strstr (prompt, VIDEO_MEDIA_MARKER) != NULL)
    return g_strdup (prompt);
  return g_strconcat (VIDEO_MEDIA_MARKER, prompt, NULL);
}

void
cli_video_prompt (const VideoFrames *frames, guint tokens_per_image, VideoPromptVideo *prompt)
{
  *prompt = (VideoPromptVideo) {
    .n_frames = frames->n_frames,
    .labels = (const char *const *) frames->labels,
    .duration_s = frames->duration_s,
    .tokens_per_image = tokens_per_image,
  };
}

gboolean
cli_video_encode (CliLlama *cl, const char *mmproj_path, const char *video_path, double fps,
                  gint max_frames, VideoFrames **frames, VideoPromptVideo *prompt, float **embd,
                  guint *n_rows, GError **error)
{
  ClipConfig config;
  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, error);
  if (file == NULL || !cli_video_decode (file, video_path, fps, max_frames, frames, &config, error))
    return FALSE;
  g_autoptr (ClipModel) clip = clip_model_load (cl->device, file, NULL, NULL, NULL, error);
  if (clip == NULL || !clip_model_check_text_width (clip, llama_model_get_config (cl->model)->n_embd, error))
    return FALSE;
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (clip, error);
  if (encoder == NULL || !(*embd = video_frames_encode (encoder, clip, *frames, NULL, NULL, NULL, error)))
    return FALSE;
  cli_video_prompt (*frames, config.tokens_per_tile, prompt);
  *n_rows = (*frames)->n_frames * config.tokens_per_tile;
  return TRUE;
}

static void
print_frames_json (const VideoFrames *frames, const char *prompt)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "duration_s");
  json_builder_add_double_value (b, frames->duration_s);
  json_builder_set_member_name (b, "native_fps");
  json_builder_add_double_value (b, frames->native_fps);
  json_builder_set_member_name (b, "frames");
  json_builder_begin_array (b);
  for (guint i = 0; i < frames->n_frames; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, (gint64) frames->indices[i]);
      json_builder_set_member_name (b, "time_s");
      json_builder_add_double_value (b, frames->times_s[i]);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, frames->labels[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "prompt");
  json_builder_add_string_value (b, prompt);
  json_builder_end_object (b);

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static void
print_frames_text (const VideoFrames *frames, guint tokens_per_image)
{
  printf ("%.3f s at %.3f fps (%" G_GUINT64_FORMAT " frames): %u sampled, %u image tokens\n",
          frames->duration_s, frames->native_fps, frames->total_frames, frames->n_frames,
          frames->n_frames * tokens_per_image);
  for (guint i = 0; i < frames->n_frames; i++)
    printf ("%s  frame %" G_GUINT64_FORMAT " at %.3f s\n", frames->labels[i], frames->indices[i],
            frames->times_s[i]);
}

static gboolean
video_frames (const char *model_path, const char *mmproj_path, const char *video_path, double fps,
              gint max_frames, gboolean json, GError **error)
{
  guint32 text_width = 0;
  ClipConfig config;
  g_autoptr (VideoFrames) frames = NULL;
  g_autoptr (GgufFile) mmproj = NULL;

  if (!cli_text_model_width (model_path, &text_width, error) ||
      !(mmproj = gguf_file_open (mmproj_path, error)) ||
      !cli_video_decode (mmproj, video_path, fps, max_frames, &frames, &config, error) ||
      !clip_check_text_width (config.projection_dim, text_width, error))
    return FALSE;

  if (!json)
    {
      print_frames_text (frames, config.tokens_per_tile);
      return TRUE;
    }
  g_autofree char *prompt = video_prompt_text (frames->n_frames, (const char *const *) frames->labels,
                                               frames->duration_s, config.tokens_per_tile);
  print_frames_json (frames, prompt);
  return TRUE;
}

int
hearth_cli_video_frames (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *mmproj_path = NULL, *video_path = NULL;
  double fps = VIDEO_SAMPLING_FPS_DEFAULT;
  gint max_frames = VIDEO_SAMPLING_MAX_FRAMES_DEFAULT;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "The SmolVLM2 text model", "TEXT.gguf" },
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &mmproj_path, "Its vision projector", "MMPROJ.gguf" },
    { "video", 0, 0, G_OPTION_ARG_FILENAME, &video_path, "The video file", "FILE" },
    CLI_VIDEO_OPTION_ENTRIES (&fps, &max_frames),
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON: duration, fps, frames and the prompt text", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- the frames SmolVLM2 reads from a video");
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) ||
      model_path == NULL || mmproj_path == NULL || video_path == NULL)
    {
      fprintf (stderr, "hearth-cli video-frames: %s\n",
               error != NULL ? error->message : "-m, --mmproj and --video are required");
      return 2;
    }
  if (!video_frames (model_path, mmproj_path, video_path, fps, max_frames, json, &error))
    {
      fprintf (stderr, "hearth-cli video-frames: %s\n", error->message);
      return 1;
    }
  return 0;
}
