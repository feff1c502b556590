#define G_LOG_DOMAIN "hearth-test-video-sampling"

/* SmolVLM2's video rules (video-sampling.h) on numbers: which frames, their
 * labels, the number in words, the duration and the exact prompt text.
 * Expected values are worked out by hand from transformers'
 * sample_frames (numpy.linspace cast to int) and processing_smolvlm. */

#include <glib.h>
#include <string.h>

#include "hearth-engine-error.h"
#include "video-decode.h"
#include "video-sampling.h"

typedef struct {
  guint64 total;
  double  fps;
} Clip;

static guint64 *
sample (guint64 total, double fps, guint *n)
{
  VideoSampling s;
  video_sampling_init_default (&s);
  return video_sample_indices (total, fps, &s, n);
}

static char **
labels_of (const guint64 *indices, guint n, double fps)
{
  char **labels = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    labels[i] = video_frame_label (indices[i], fps);
  return labels;
}

static void
test_three_seconds (void)
{
  guint n = 0;
  g_autofree guint64 *idx = sample (90, 30.0, &n);  /* 3 s at 30 fps */

  g_assert_cmpuint (n, ==, 3);
  /* linspace(0, 89, 3) = 0, 44.5, 89 */
  g_assert_cmpuint (idx[0], ==, 0);
  g_assert_cmpuint (idx[1], ==, 44);
  g_assert_cmpuint (idx[2], ==, 89);
  g_auto (GStrv) labels = labels_of (idx, n, 30.0);
  g_assert_cmpstr (labels[0], ==, "00:00");
  g_assert_cmpstr (labels[1], ==, "00:01");
  g_assert_cmpstr (labels[2], ==, "00:02");
}

/* The check: 5 frames labelled 00:00 to 00:04, and the text. */
static void
test_five_seconds_text (void)
{
  guint n = 0;
  g_autofree guint64 *idx = sample (125, 25.0, &n);  /* 5 s at 25 fps */
  g_assert_cmpuint (n, ==, 5);
  const guint64 expected[] = { 0, 31, 62, 93, 124 };
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (idx[i], ==, expected[i]);

  g_auto (GStrv) labels = labels_of (idx, n, 25.0);
  g_autofree char *text = video_prompt_text (n, (const char *const *) labels,
                                             video_duration_seconds (125, 25.0), 2);
  const char *frame = "<fake_token_around_image><global-img><image><image><fake_token_around_image>";
  g_autofree char *want = g_strdup_printf (
    "You are provided the following series of five frames from a 0:00:05 [H:MM:SS] video.\n"
    "\nFrame from 00:00:%s\nFrame from 00:01:%s\nFrame from 00:02:%s"
    "\nFrame from 00:03:%s\nFrame from 00:04:%s\n\n", frame, frame, frame, frame, frame);
  g_assert_cmpstr (text, ==, want);
}

/* Past max_frames × fps + 2 s, one second is skipped at each end:
 * start int(1·fps), end int(total − fps), 64 frames between. */
static void
test_hundred_seconds (void)
{
  guint n = 0;
  g_autofree guint64 *idx = sample (3000, 30.0, &n);
  g_assert_cmpuint (n, ==, 64);
  g_assert_cmpuint (idx[0], ==, 30);
  g_assert_cmpuint (idx[63], ==, 2970);
  /* linspace(30, 2970, 64): step 2940/63 = 46.67 */
  g_assert_cmpuint (idx[1], ==, 76);
  g_assert_cmpuint (idx[32], ==, 1523);
  g_auto (GStrv) labels = labels_of (idx, n, 30.0);
  g_assert_cmpstr (labels[0], ==, "00:01");
  g_assert_cmpstr (labels[63], ==, "01:39");
  for (guint i = 1; i < n; i++)
    g_assert_cmpuint (idx[i], >, idx[i - 1]);

  /* One frame short of 100 s, the last label is 01:38 (for exactly 100 s
   * at a whole frame rate, end = total − fps is frame 99 s: 01:39). */
  g_autofree guint64 *idx2 = sample (2999, 30.0, &n);
  g_assert_cmpuint (n, ==, 64);
  g_assert_cmpuint (idx2[63], ==, 2969);
  g_autofree char *last = video_frame_label (idx2[63], 30.0);
  g_assert_cmpstr (last, ==, "01:38");
  g_autofree char *first = video_frame_label (idx2[0], 30.0);
  g_assert_cmpstr (first, ==, "00:01");
}

static void
test_counts (void)
{
  const struct { guint64 total; double fps; guint n; guint64 first; } cases[] = {
    { 1, 30.0, 1, 0 },      /* a single frame */
    { 10, 30.0, 1, 0 },     /* 0.33 s: round(0.33) = 0, at least 1 */
    { 75, 30.0, 2, 0 },     /* 2.5 s: round half to even gives 2 */
    { 105, 30.0, 4, 0 },    /* 3.5 s: 4 */
    { 900, 30.0, 30, 0 },   /* 30 s */
    { 1920, 30.0, 64, 0 },  /* 64 s */
    { 2040, 30.0, 64, 30 },  /* 68 s: 66 < 68, skipped ends */
    { 3, 1.0, 3, 0 },
    { 2, 0.5, 2, 0 },   /* 4 s in two frames: only 2 distinct indices */
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      guint n = 0;
      g_autofree guint64 *idx = sample (cases[c].total, cases[c].fps, &n);
      g_assert_cmpuint (n, ==, cases[c].n);
      g_assert_cmpuint (idx[0], ==, cases[c].first);
      g_assert_cmpuint (idx[n - 1], <, cases[c].total);
    }

  /* fps and max_frames are the caller's. */
  VideoSampling s = { 2.0, 8 };
  guint n = 0;
  g_autofree guint64 *idx = video_sample_indices (300, 30.0, &s, &n);  /* 10 s */
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpuint (idx[7], ==, 299);
}

static void
test_words (void)
{
  const struct { guint n; const char *words; } cases[] = {
    { 0, "zero" }, { 1, "one" }, { 5, "five" }, { 13, "thirteen" }, { 20, "twenty" },
    { 21, "twenty-one" }, { 64, "sixty-four" }, { 99, "ninety-nine" }, { 100, "one hundred" },
    { 105, "one hundred and five" }, { 120, "one hundred and twenty" },
    { 1000, "one thousand" }, { 1005, "one thousand and five" },
    { 1234, "one thousand, two hundred and thirty-four" }, { 2100, "two thousand, one hundred" },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *words = video_number_words (cases[c].n);
      g_assert_cmpstr (words, ==, cases[c].words);
    }
}

static void
test_durations_and_labels (void)
{
  const struct { double s; const char *text; } durations[] = {
    { 0.4, "0:00:00" }, { 3.0, "0:00:03" }, { 99.97, "0:01:39" }, { 100.0, "0:01:40" },
    { 3725.5, "1:02:05" }, { 86400.0, "1 day, 0:00:00" }, { 2 * 86400.0 + 61, "2 days, 0:01:01" },
  };
  for (guint c = 0; c < G_N_ELEMENTS (durations); c++)
    {
      g_autofree char *text = video_duration_text (durations[c].s);
      g_assert_cmpstr (text, ==, durations[c].text);
    }

  g_autofree char *a = video_frame_label (0, 25.0);
  g_autofree char *b = video_frame_label (24, 25.0);   /* 0.96 s */
  g_autofree char *c = video_frame_label (25, 25.0);
  g_autofree char *d = video_frame_label (3600 * 25 + 25 * 61, 25.0); /* 61 min 1 s: no hours */
  g_assert_cmpstr (a, ==, "00:00");
  g_assert_cmpstr (b, ==, "00:00");
  g_assert_cmpstr (c, ==, "00:01");
  g_assert_cmpstr (d, ==, "61:01");
}

static void
test_check (void)
{
  VideoSampling good = { 1.0, 64 }, zero_fps = { 0.0, 64 }, no_frames = { 1.0, 0 },
                too_many = { 1.0, VIDEO_SAMPLING_MAX_FRAMES_LIMIT + 1 };
  g_autoptr (GError) error = NULL;

  g_assert_true (video_sampling_check (&good, NULL));
  g_assert_false (video_sampling_check (&zero_fps, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (video_sampling_check (&no_frames, &error));
  g_clear_error (&error);
  g_assert_false (video_sampling_check (&too_many, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/video-sampling/three-seconds", test_three_seconds);
  g_test_add_func ("/video-sampling/five-seconds-text", test_five_seconds_text);
  g_test_add_func ("/video-sampling/hundred-seconds", test_hundred_seconds);
  g_test_add_func ("/video-sampling/counts", test_counts);
  g_test_add_func ("/video-sampling/words", test_words);
  g_test_add_func ("/video-sampling/durations-labels", test_durations_and_labels);
  g_test_add_func ("/video-sampling/check", test_check);
  return g_test_run ();
}
