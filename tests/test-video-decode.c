#define G_LOG_DOMAIN "hearth-test"

/* test-video-decode: videos made here with gst-launch-1.0 (and a GIF
 * writer) decoded by hearth-video-decode in its sandbox: the sampled
 * frames and labels of 3 s, 5 s and 100 s clips, a GIF, an H.264 MP4 with
 * a rotation tag; and the files it must refuse cleanly: truncated, a huge
 * declared size, too long, too slow, not a video. The sandbox has no
 * network and sees no home directory. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hearth-engine-error.h"
#include "video-decode-private.h"
#include "video-decode.h"
#include "video-test-util.h"

#define SIZE 64

static VideoFrames *
decode (const char *path, GError **error)
{
  VideoDecodeOptions o;
  video_decode_options_init (&o, SIZE);
  return video_frames_decode (path, &o, NULL, error);
}

static void
assert_labels (const VideoFrames *f, const char *const *labels)
{
  g_assert_cmpuint (f->n_frames, ==, g_strv_length ((char **) labels));
  for (guint i = 0; i < f->n_frames; i++)
    g_assert_cmpstr (f->labels[i], ==, labels[i]);
}

static void
test_webm_three_and_five_seconds (void)
{
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *three = video_test_make (dir, "3s.webm", "ball", 160, 120, 30, 90, NULL,
                                            "vp8enc deadline=1 ! webmmux");
  g_autofree char *five = video_test_make (dir, "5s.webm", "ball", 160, 120, 25, 125, NULL,
                                           "vp8enc deadline=1 ! webmmux");
  g_autoptr (GError) error = NULL;

  g_autoptr (VideoFrames) f3 = decode (three, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f3->native_fps, ==, 30.0);
  g_assert_cmpuint (f3->total_frames, ==, 90);
  assert_labels (f3, (const char *[]) { "00:00", "00:01", "00:02", NULL });
  g_assert_cmpuint (f3->indices[1], ==, 44);

  g_autoptr (VideoFrames) f5 = decode (five, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (f5->duration_s, ==, 5.0);
  assert_labels (f5, (const char *[]) { "00:00", "00:01", "00:02", "00:03", "00:04", NULL });
  g_assert_cmpuint (f5->frame_size, ==, SIZE);
  /* The ball moves: sampled frames differ. */
  g_assert_true (memcmp (video_frames_get_rgb (f5, 0), video_frames_get_rgb (f5, 4), SIZE * SIZE * 3) != 0);
  video_test_dir_free (g_steal_pointer (&dir));
}

/* Past 66 s one second is skipped at each end; 64 frames. */
static void
test_webm_hundred_seconds (void)
{
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *path = video_test_make (dir, "100s.webm", "smpte", 64, 48, 30, 3000, NULL,
                                           "vp8enc deadline=1 ! webmmux");
  g_autoptr (GError) error = NULL;
  g_autoptr (VideoFrames) f = decode (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (f->n_frames, ==, 64);
  g_assert_cmpfloat (f->duration_s, ==, 100.0);
  g_assert_cmpuint (f->indices[0], ==, 30);
  g_assert_cmpstr (f->labels[0], ==, "00:01");
  g_assert_cmpstr (f->labels[63], ==, "01:39");

  /* The same frames when the helper seeks instead of one pass: fewer
   * frames per second of video tip it over (8 frames of 100 s). */
  VideoDecodeOptions o;
  video_decode_options_init (&o, SIZE);
  o.sampling.max_frames = 8;
  g_autoptr (VideoFrames) sought = video_frames_decode (path, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sought->n_frames, ==, 8);
  g_assert_cmpuint (sought->indices[0], ==, 30);
  g_assert_cmpuint (sought->indices[7], ==, 2970);
  video_test_dir_free (g_steal_pointer (&dir));
}

/* GIFs carry no frame rate: the helper counts frames in a first pass. */
static void
test_gif (void)
{
  if (!video_test_have_element ("avdec_gif", "gstreamer1.0-libav"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *path = video_test_make_gif (dir, "anim.gif", 32, 24, 40, 10, 0, 0);  /* 4 s at 10 fps */
  g_autoptr (GError) error = NULL;
  g_autoptr (VideoFrames) f = decode (path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (f->total_frames, ==, 40);
  g_assert_cmpfloat_with_epsilon (f->native_fps, 10.0, 1e-6);
  assert_labels (f, (const char *[]) { "00:00", "00:01", "00:02", "00:03", NULL });
  /* linspace(0, 39, 4) = 0, 13, 26, 39: colours 0, 1, 2, 3 (red, green,
   * blue, white). */
  const guint8 want[4][3] = { { 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 }, { 255, 255, 255 } };
  for (guint i = 0; i < 4; i++)
    {
      const guint8 *px = video_frames_get_rgb (f, i) + (SIZE / 2 * SIZE + SIZE / 2) * 3;
      g_assert_cmpuint (f->indices[i], ==, 13 * i);
      for (guint c = 0; c < 3; c++)
        g_assert_cmpint (ABS ((int) px[c] - want[i][c]), <=, 2);
    }
  video_test_dir_free (g_steal_pointer (&dir));
}

/* A phone video's rotation tag: the frames come upright. */
static void
test_mp4_rotation (void)
{
  if (!video_test_have_element ("openh264enc", "gstreamer1.0-plugins-bad") ||
      !video_test_have_element ("avdec_h264", "gstreamer1.0-libav"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  const char *encode = "openh264enc ! h264parse ! mp4mux";
  g_autofree char *plain = video_test_make (dir, "plain.mp4", "smpte", 160, 80, 10, 20, NULL, encode);
  g_autofree char *turned = video_test_rotate_mp4 (dir, "turned.mp4", plain);
  g_autoptr (GError) error = NULL;
  g_autoptr (VideoFrames) a = decode (plain, &error);
  g_assert_no_error (error);
  g_autoptr (VideoFrames) b = decode (turned, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (a->n_frames, ==, 2);
  g_assert_cmpuint (b->n_frames, ==, 2);

  /* b is a turned a quarter clockwise: b[y][x] = a[S-1-x][y]. */
  const guint8 *pa = video_frames_get_rgb (a, 0), *pb = video_frames_get_rgb (b, 0);
  double turned_diff = 0, same_diff = 0;
  for (guint y = 0; y < SIZE; y++)
    for (guint x = 0; x < SIZE; x++)
      for (guint c = 0; c < 3; c++)
        {
          turned_diff += ABS ((int) pb[(y * SIZE + x) * 3 + c] - (int) pa[((SIZE - 1 - x) * SIZE + y) * 3 + c]);
          same_diff += ABS ((int) pb[(y * SIZE + x) * 3 + c] - (int) pa[(y * SIZE + x) * 3 + c]);
        }
  turned_diff /= SIZE * SIZE * 3;
  same_diff /= SIZE * SIZE * 3;
  g_test_message ("mean difference: %.1f to a turned, %.1f to a as is", turned_diff, same_diff);
  g_assert_cmpfloat (turned_diff, <, 12.0);
  g_assert_cmpfloat (same_diff, >, 40.0);
  video_test_dir_free (g_steal_pointer (&dir));
}

static void
test_truncated (void)
{
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *whole = video_test_make (dir, "5s.webm", "ball", 160, 120, 25, 125, NULL,
                                            "vp8enc deadline=1 ! webmmux");
  g_autofree char *cut = video_test_truncate (dir, "cut.webm", whole, 0.4);
  g_autofree char *stub = video_test_truncate (dir, "stub.webm", whole, 0.002);
  g_autoptr (GError) error = NULL;

  g_autoptr (VideoFrames) f = decode (cut, &error);
  g_assert_null (f);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "cut.webm"));
  g_clear_error (&error);

  g_autoptr (VideoFrames) s = decode (stub, &error);
  g_assert_null (s);
  g_assert_true (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE) ||
                 g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED));
  g_test_message ("%s", error->message);
  video_test_dir_free (g_steal_pointer (&dir));
}

/* A GIF that declares a 60000 x 60000 screen: refused before a frame of
 * 14 GB is allocated. */
static void
test_huge_declared_size (void)
{
  if (!video_test_have_element ("avdec_gif", "gstreamer1.0-libav"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *path = video_test_make_gif (dir, "huge.gif", 8, 8, 3, 10, 60000, 60000);
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (VideoFrames) f = decode (path, &error);

  g_assert_null (f);
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED) ||
                 g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 30 * G_USEC_PER_SEC);
  video_test_dir_free (g_steal_pointer (&dir));
}

static void
test_limits (void)
{
  if (!video_test_have_element ("vp8enc", "gstreamer1.0-plugins-good"))
    return;
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *path = video_test_make (dir, "5s.webm", "ball", 160, 120, 25, 125, NULL,
                                           "vp8enc deadline=1 ! webmmux");
  g_autoptr (GError) error = NULL;
  VideoDecodeOptions o;

  video_decode_options_init (&o, SIZE);
  o.max_duration_s = 2;
  g_assert_null (video_frames_decode (path, &o, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "seconds"));
  g_clear_error (&error);

  video_decode_options_init (&o, SIZE);
  o.max_pixels = 160 * 120 - 1;
  g_assert_null (video_frames_decode (path, &o, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "160 × 120"));
  g_clear_error (&error);

  video_decode_options_init (&o, SIZE);
  o.max_file_bytes = 1000;
  g_assert_null (video_frames_decode (path, &o, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* A wall-clock limit far below what decoding takes. */
  video_decode_options_init (&o, SIZE);
  o.timeout_s = 0.05;
  gint64 start = g_get_monotonic_time ();
  g_assert_null (video_frames_decode (path, &o, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TIMED_OUT);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_clear_error (&error);

  /* Cancelled before it starts. */
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  video_decode_options_init (&o, SIZE);
  g_assert_null (video_frames_decode (path, &o, cancellable, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  video_test_dir_free (g_steal_pointer (&dir));
}

static void
test_not_a_video (void)
{
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *text = g_build_filename (dir, "notes.mp4", NULL);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (text, "this is not a video, whatever its name says\n", -1, &error);
  g_assert_no_error (error);
  g_assert_null (decode (text, &error));
  g_test_message ("%s", error->message);
  g_assert_true (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED) ||
                 g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE));
  g_clear_error (&error);

  g_assert_null (decode (dir, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO);
  g_clear_error (&error);
  g_autofree char *missing = g_build_filename (dir, "missing.webm", NULL);
  g_assert_null (decode (missing, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO);
  video_test_dir_free (g_steal_pointer (&dir));
}

static char *
run_sandboxed (const char *program, const char *const *args, const char *const *binds,
               const char *const *as, int *status)
{
  g_auto (GStrv) argv = _video_decode_sandbox_argv (program, args, binds, as);
  char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, status, &error);
  g_assert_no_error (error);
  return out;
}

/* What the helper's sandbox lets it see: no network interface but
 * loopback, none of the user's files, only the bound file. */
static void
test_sandbox (void)
{
  if (!_video_decode_can_sandbox ())
    {
      g_test_skip ("bubblewrap cannot make a sandbox here: the helper runs with rlimits only");
      return;
    }
  g_autofree char *dir = video_test_dir_new ();
  g_autofree char *secret = g_build_filename (dir, "secret.txt", NULL);
  g_file_set_contents (secret, "private\n", -1, NULL);
  int status = -1;

  const char *dev_args[] = { "/proc/net/dev", NULL };
  g_autofree char *net = run_sandboxed ("/usr/bin/cat", dev_args, NULL, NULL, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_auto (GStrv) lines = g_strsplit (g_strstrip (net), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);  /* two header lines and lo */
  g_assert_nonnull (strstr (lines[2], "lo:"));

  const char *secret_args[] = { secret, NULL };
  g_autofree char *leaked = run_sandboxed ("/usr/bin/cat", secret_args, NULL, NULL, &status);
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (leaked, ==, "");

  const char *bound_args[] = { "/run/hearth/video", NULL };
  const char *binds[] = { secret, NULL }, *as[] = { "/run/hearth/video", NULL };
  g_autofree char *bound = run_sandboxed ("/usr/bin/cat", bound_args, binds, as, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpstr (bound, ==, "private\n");
  video_test_dir_free (g_steal_pointer (&dir));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video-decode/webm-3s-5s", test_webm_three_and_five_seconds);
  g_test_add_func ("/video-decode/webm-100s", test_webm_hundred_seconds);
  g_test_add_func ("/video-decode/gif", test_gif);
  g_test_add_func ("/video-decode/mp4-rotation", test_mp4_rotation);
  g_test_add_func ("/video-decode/truncated", test_truncated);
  g_test_add_func ("/video-decode/huge-declared-size", test_huge_declared_size);
  g_test_add_func ("/video-decode/limits", test_limits);
  g_test_add_func ("/video-decode/not-a-video", test_not_a_video);
  g_test_add_func ("/video-decode/sandbox", test_sandbox);
  return g_test_run ();
}
