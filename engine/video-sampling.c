#define G_LOG_DOMAIN "hearth-video"

#include "video-sampling.h"

#include <math.h>


void
video_sampling_init_default (VideoSampling *sampling)
{
  sampling->fps = VIDEO_SAMPLING_FPS_DEFAULT;
  sampling->max_frames = VIDEO_SAMPLING_MAX_FRAMES_DEFAULT;
}

gboolean
video_sampling_is_valid (const VideoSampling *sampling)
{
  return sampling->fps > 0.0 && sampling->fps <= 1000.0 && sampling->max_frames >= 1 &&
         sampling->max_frames <= VIDEO_SAMPLING_MAX_FRAMES_LIMIT;
}

double
video_duration_seconds (guint64 total_frames, double native_fps)
{
  return native_fps > 0.0 ? (double) total_frames / native_fps : 0.0;
}

/* numpy.linspace(start, end, n) cast to int: i·step + start in double,
 * the last value exactly end, truncated toward zero. */
static guint64
linspace_at (guint64 start, guint64 end, guint n, guint i)
{
  if (n == 1)
    return start;
  if (i == n - 1)
    return end;
  double step = (double) (end - start) / (double) (n - 1);
  return (guint64) ((double) i * step + (double) start);
}

guint64 *
video_sample_indices (guint64 total_frames, double native_fps, const VideoSampling *sampling,
                      guint *n_indices)
{
  g_return_val_if_fail (total_frames > 0 && native_fps > 0.0, NULL);

  double duration = video_duration_seconds (total_frames, native_fps);
  /* Python's round(): halves to even, as nearbyint() in the default mode. */
  double estimated = nearbyint (sampling->fps * duration);
  guint desired = estimated < sampling->max_frames ? (guint) MAX (estimated, 0.0) : sampling->max_frames;
  desired = MAX (desired, 1);

  /* The processor compares seconds with frames × fps here: kept as is. */
  const double skip_secs = 1.0;
  gint64 start = 0, end = (gint64) total_frames - 1;
  if (duration - 2 * skip_secs > sampling->max_frames * sampling->fps)
    {
      start = (gint64) (skip_secs * native_fps);
      end = (gint64) ((double) total_frames - skip_secs * native_fps);
    }
  start = MAX (start, 0);
  end = MIN (end, (gint64) total_frames - 1);
  if (start >= end)
    {
      start = 0;
      end = (gint64) total_frames - 1;
    }

  guint64 *indices = g_new (guint64, desired);
  guint n = 0;
  for (guint i = 0; i < desired; i++)
    {
      guint64 index = linspace_at (start, end, desired, i);
      /* linspace is non-decreasing: unique() only drops repeats. */
      if (n == 0 || index != indices[n - 1])
        indices[n++] = index;
    }
  *n_indices = n;
  return indices;
}

static const char *const ones[] = {
  "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
  "nineteen",
};
static const char *const tens[] = {
  "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};

/* 1..999 */
static void
append_hundreds (GString *out, guint n)
{
  guint h = n / 100, rest = n % 100;
  if (h > 0)
    {
      g_string_append_printf (out, "%s hundred", ones[h]);
      if (rest == 0)
        return;
      g_string_append (out, " and ");
    }
  if (rest < 20)
    g_string_append (out, ones[rest]);
  else if (rest % 10 == 0)
    g_string_append (out, tens[rest / 10]);
  else
    g_string_append_printf (out, "%s-%s", tens[rest / 10], ones[rest % 10]);
}

char *
video_number_words (guint n)
{
  static const char *const scales[] = { "million", "thousand" };
  static const guint sizes[] = { 1000000, 1000 };
  GString *out = g_string_new (NULL);

  if (n == 0)
    return g_string_free (g_string_append (out, ones[0]), FALSE);
  g_return_val_if_fail (n < 1000000000, g_string_free (out, FALSE));

  /* num2words joins a group to the rest with " and " when the rest is
   * below a hundred, else with ", ". */
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint group = n / sizes[s];
      if (group == 0)
        continue;
      append_hundreds (out, group);
      g_string_append_printf (out, " %s", scales[s]);
      n %= sizes[s];
      if (n > 0)
        g_string_append (out, n < 100 ? " and " : ", ");
    }
  if (n > 0)
    append_hundreds (out, n);
  return g_string_free (out, FALSE);
}

char *
video_duration_text (double duration_s)
{
  guint64 s = duration_s > 0.0 ? (guint64) duration_s : 0;
  guint64 days = s / 86400, rest = s % 86400;
  g_autofree char *clock = g_strdup_printf ("%u:%02u:%02u", (guint) (rest / 3600),
                                            (guint) (rest / 60 % 60), (guint) (rest % 60));
  if (days == 0)
    return g_steal_pointer (&clock);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " day%s, %s", days, days == 1 ? "" : "s", clock);
}

char *
video_frame_label (guint64 index, double native_fps)
{
  double second = (double) index / native_fps;
  guint64 whole = (guint64) floor (second);
  return g_strdup_printf ("%02" G_GUINT64_FORMAT ":%02u", whole / 60, (guint) (whole % 60));
}

char *
video_prompt_intro (guint n_frames, double duration_s)
{
  g_autofree char *words = video_number_words (n_frames);
  g_autofree char *duration = video_duration_text (duration_s);
  return g_strdup_printf ("You are provided the following series of %s frames from a %s "
                          "[H:MM:SS] video.\n", words, duration);
}

char *
video_prompt_text (guint n_frames, const char *const *labels, double duration_s,
                   guint tokens_per_image)
{
  g_autofree char *intro = video_prompt_intro (n_frames, duration_s);
  GString *text = g_string_new (intro);

  for (guint i = 0; i < n_frames; i++)
    {
      g_string_append_printf (text, VIDEO_PROMPT_FRAME_FORMAT, labels[i]);
      g_string_append (text, "<fake_token_around_image><global-img>");
      for (guint k = 0; k < tokens_per_image; k++)
        g_string_append (text, "<image>");
      g_string_append (text, "<fake_token_around_image>");
    }
  g_string_append (text, VIDEO_PROMPT_OUTRO);
  return g_string_free (text, FALSE);
}
