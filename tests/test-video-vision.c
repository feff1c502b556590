#define G_LOG_DOMAIN "hearth-test"

/* test-video-vision: SmolVLM2 videos with the random-weight SmolVLM2 pair
 * in ../shared: a frame's embeddings equal the image path's embeddings of
 * the same decoded frame saved as a PNG (a frame is one untiled global
 * image); the video prompt's tokens equal those of the processor's whole
 * text; and hearth-cli video-frames / generate --video as a user runs
 * them, on clips made here with gst-launch-1.0. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "clip-model.h"
#include "shared-test-util.h"
#include "tokenizer.h"
#include "video-decode.h"
#include "video-encode.h"
#include "video-prompt.h"
#include "video-test-util.h"
#include "vision-encoder.h"

typedef struct {
  char          *text_path;
  char          *mmproj_path;
  HearthDevice  *device;
  GgufFile      *text_file;
  GgufFile      *mmproj_file;
  ClipModel     *clip;
  VisionEncoder *encoder;
} Pair;

static gboolean
pair_open (Pair *p, gboolean with_device)
{
  g_autoptr (GError) error = NULL;
  p->text_path = hearth_test_shared_path ("models/random/smolvlm-tiny-text-f16.gguf");
  p->mmproj_path = p->text_path != NULL
    ? hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-f16.gguf") : NULL;
  if (p->mmproj_path == NULL)
    return FALSE;
  p->text_file = gguf_file_open (p->text_path, &error);
  g_assert_no_error (error);
  p->mmproj_file = gguf_file_open (p->mmproj_path, &error);
  g_assert_no_error (error);
  if (!with_device)
    return TRUE;
  p->device = hearth_device_open (&error);
  g_assert_no_error (error);
  p->clip = clip_model_load (p->device, p->mmproj_file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  p->encoder = vision_encoder_new (p->clip, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
pair_close (Pair *p)
{
  g_clear_pointer (&p->encoder, vision_encoder_free);
  g_clear_pointer (&p->clip, clip_model_free);
  g_clear_pointer (&p->mmproj_file, gguf_file_free);
  g_clear_pointer (&p->text_file, gguf_file_free);
  g_clear_pointer (&p->device, hearth_device_free);
  g_free (p->text_path);
  g_free (p->mmproj_path);
}

static char *
make_webm (const char *dir, const char *name, guint fps, guint n_frames)
{
  return video_test_make (dir, name, "ball", 160, 120, fps, n_frames, NULL,
                          "vp8enc deadline=1 ! webmmux");
}

/* Frame 1 of a 3 s clip through the video path, and the same RGB saved
 * as a PNG through the image path: the image's global image (its last
 * chunk) has the frame's embeddings. */
static void
test_frame_embeddings_match_image (void)
{
  Pair p = { 0 };
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good") || !pair_open (&p, TRUE))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *clip = make_webm (dir, "3s.webm", 30, 90);
  const ClipConfig *c = clip_model_get_config (p.clip);
  g_autoptr (GError) error = NULL;
  VideoDecodeOptions o;

  video_decode_options_init (&o, c->image_size);
  g_autoptr (VideoFrames) frames = video_frames_decode (clip, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (frames->n_frames, ==, 3);
  g_autofree float *video_embd = video_frames_encode (p.encoder, p.clip, frames, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  guint S = frames->frame_size;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (video_frames_get_rgb (frames, 1),
                                                           GDK_COLORSPACE_RGB, FALSE, 8, S, S, S * 3,
                                                           NULL, NULL);
  g_autofree char *png = g_build_filename (dir, "frame1.png", NULL);
  gdk_pixbuf_save (pixbuf, png, "png", &error, NULL);
  g_assert_no_error (error);
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *image_embd = vision_encoder_encode_file (p.encoder, png, &tiles, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  gsize rows = c->tokens_per_tile, width = c->projection_dim;
  const float *global = image_embd + (gsize) tiles->n_tiles * rows * width;
  const float *frame1 = video_embd + rows * width;
  double max_diff = 0, scale = 0;
  for (gsize i = 0; i < rows * width; i++)
    {
      max_diff = fmax (max_diff, fabs ((double) global[i] - frame1[i]));
      scale = fmax (scale, fabs ((double) global[i]));
    }
  g_test_message ("image %u tiles + global; frame 1 vs global image: max |diff| %g of %g",
                  tiles->n_tiles, max_diff, scale);
  g_assert_cmpfloat (scale, >, 0);
  g_assert_cmpfloat (max_diff, <=, 1e-5 * scale);

  /* And another frame's embeddings are not the same. */
  const float *frame0 = video_embd;
  double other = 0;
  for (gsize i = 0; i < rows * width; i++)
    other = fmax (other, fabs ((double) frame0[i] - frame1[i]));
  g_assert_cmpfloat (other, >, 100 * max_diff + 1e-6);

  pair_close (&p);
  video_test_dir_free (g_steal_pointer (&dir));
}

/* The video's ids are those of the processor's whole prompt string (the
 * video's text with its "<image>" tokens written out), each <image> an
 * image position. */
static void
test_prompt_tokens (void)
{
  Pair p = { 0 };
  if (!pair_open (&p, FALSE))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = hearth_tokenizer_new_from_gguf (p.text_file, &error);
  g_assert_no_error (error);
  const char *labels[] = { "00:00", "00:01", "00:02", NULL };
  const VideoPromptVideo video = { 3, labels, 3.0, 5 };

  g_autoptr (GArray) ids = video_prompt_tokenize (tok, "<|im_start|>User: " VIDEO_MEDIA_MARKER
                                                  "What is happening?<end_of_utterance>\nAssistant:",
                                                  TRUE, &video, 1, &error);
  g_assert_no_error (error);

  g_autofree char *expansion = video_prompt_text (3, labels, 3.0, 5);
  g_autofree char *whole = g_strconcat ("<|im_start|>User: ", expansion,
                                        "What is happening?<end_of_utterance>\nAssistant:", NULL);
  g_autoptr (GArray) want = g_array_new (FALSE, FALSE, sizeof (gint32));
  hearth_tokenizer_encode (tok, whole, -1, TRUE, TRUE, want, &error);
  g_assert_no_error (error);
  gint32 image = hearth_tokenizer_lookup (tok, "<image>", -1);
  g_assert_cmpint (image, >=, 0);
  guint n_image = 0;
  for (guint i = 0; i < want->len; i++)
    if (g_array_index (want, gint32, i) == image)
      {
        g_array_index (want, gint32, i) = VISION_IMAGE_POSITION;
        n_image++;
      }
  g_assert_cmpuint (n_image, ==, 15);
  g_assert_cmpuint (ids->len, ==, want->len);
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpint (g_array_index (ids, gint32, i), ==, g_array_index (want, gint32, i));

  /* One marker per video. */
  g_autoptr (GArray) none = video_prompt_tokenize (tok, "no marker", TRUE, &video, 1, &error);
  g_assert_null (none);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  pair_close (&p);
}

static JsonObject *
frames_json (const char *out, JsonParser *parser)
{
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

/* The checks, as a user runs them: a 5 s clip gives 5 frames
 * labelled 00:00 to 00:04 and the exact text; a 100 s clip 64 frames from
 * 00:01; a truncated file a message and status 1. */
static void
test_cli_video_frames (void)
{
  Pair p = { 0 };
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good") || !pair_open (&p, FALSE))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *five = make_webm (dir, "5s.webm", 25, 125);
  g_autofree char *hundred = video_test_make (dir, "100s.webm", "smpte", 64, 48, 30, 3000, NULL,
                                              "vp8enc deadline=1 ! webmmux");
  g_autofree char *cut = video_test_truncate (dir, "cut.webm", five, 0.4);
  ClipConfig config;
  g_autoptr (GError) error = NULL;
  int status = -1;

  clip_file_read_config (p.mmproj_file, &config, &error);
  g_assert_no_error (error);
  const char *args5[] = { "video-frames", "-m", p.text_path, "--mmproj", p.mmproj_path,
                          "--video", five, "--json", NULL };
  g_autofree char *out5 = hearth_test_run_cli (args5, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o = frames_json (out5, parser);
  g_assert_cmpfloat (json_object_get_double_member (o, "duration_s"), ==, 5.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "native_fps"), ==, 25.0);
  JsonArray *frames = json_object_get_array_member (o, "frames");
  g_assert_cmpuint (json_array_get_length (frames), ==, 5);
  const char *labels[] = { "00:00", "00:01", "00:02", "00:03", "00:04" };
  const gint64 indices[] = { 0, 31, 62, 93, 124 };
  for (guint i = 0; i < 5; i++)
    {
      JsonObject *f = json_array_get_object_element (frames, i);
      g_assert_cmpstr (json_object_get_string_member (f, "label"), ==, labels[i]);
      g_assert_cmpint (json_object_get_int_member (f, "index"), ==, indices[i]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (f, "time_s"), indices[i] / 25.0, 1e-9);
    }
  /* The text written out by hand from the processor's constants. */
  g_autoptr (GString) block = g_string_new ("<fake_token_around_image><global-img>");
  for (guint k = 0; k < config.tokens_per_tile; k++)
    g_string_append (block, "<image>");
  g_string_append (block, "<fake_token_around_image>");
  g_autoptr (GString) want = g_string_new ("You are provided the following series of five frames "
                                           "from a 0:00:05 [H:MM:SS] video.\n");
  for (guint i = 0; i < 5; i++)
    g_string_append_printf (want, "\nFrame from %s:%s", labels[i], block->str);
  g_string_append (want, "\n\n");
  g_assert_cmpstr (json_object_get_string_member (o, "prompt"), ==, want->str);

  const char *args100[] = { "video-frames", "-m", p.text_path, "--mmproj", p.mmproj_path,
                            "--video", hundred, "--json", NULL };
  g_autofree char *out100 = hearth_test_run_cli (args100, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autoptr (JsonParser) parser100 = json_parser_new ();
  JsonArray *frames100 = json_object_get_array_member (frames_json (out100, parser100), "frames");
  g_assert_cmpuint (json_array_get_length (frames100), ==, 64);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (frames100, 0), "label"),
                   ==, "00:01");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (frames100, 63), "label"),
                   ==, "01:39");

  const char *args_cut[] = { "video-frames", "-m", p.text_path, "--mmproj", p.mmproj_path,
                             "--video", cut, "--json", NULL };
  g_autofree char *out_cut = hearth_test_run_cli (args_cut, &status);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_cmpstr (out_cut, ==, "");

  pair_close (&p);
  video_test_dir_free (g_steal_pointer (&dir));
}

/* generate --video answers (random weights: any text), greedy twice the
 * same; --image and --video together are refused. */
static void
test_cli_generate (void)
{
  Pair p = { 0 };
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good") || !pair_open (&p, FALSE))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *clip = make_webm (dir, "3s.webm", 30, 90);
  int status = -1;
  const char *args[] = { "generate", "-m", p.text_path, "--mmproj", p.mmproj_path, "--video", clip,
                         "-p", "What is happening?", "-n", "6", "--temp", "0", "--ids", NULL };

  g_autofree char *first = hearth_test_run_cli (args, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autofree char *second = hearth_test_run_cli (args, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_auto (GStrv) ids = g_strsplit (g_strstrip (first), " ", -1);
  g_assert_cmpuint (g_strv_length (ids), ==, 6);
  g_assert_cmpstr (first, ==, g_strstrip (second));

  const char *both[] = { "generate", "-m", p.text_path, "--mmproj", p.mmproj_path, "--video", clip,
                         "--image", clip, "-p", "?", NULL };
  g_autofree char *refused = hearth_test_run_cli (both, &status);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  pair_close (&p);
  video_test_dir_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video-vision/frame-embeddings-match-image", test_frame_embeddings_match_image);
  g_test_add_func ("/video-vision/prompt-tokens", test_prompt_tokens);
  g_test_add_func ("/video-vision/cli-video-frames", test_cli_video_frames);
  g_test_add_func ("/video-vision/cli-generate", test_cli_generate);
  return g_test_run ();
}
