#define G_LOG_DOMAIN "hearth-bench"

/* bench-ui-frame-clock.c: context: does the window keep drawing while an
 * answer streams?  The real app under Xvfb chats with stories260K; a tick
 * callback keeps the window's GdkFrameClock running continuously, and
 * every "after-paint" is timed: first while idle, then while the answer
 * streams.  Prints frames per second and the max and p99 gap between
 * frames for both.  A benchmark, not a test: nothing is asserted about
 * the figures (see docs/benchmarks.md). */

#include "ui-test-util.h"

#define IDLE_SECONDS 3

typedef struct {
  GArray  *paints;    /* gint64, monotonic µs of each after-paint */
  gboolean recording;
} FrameLog;

static gboolean
keep_ticking (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint (GdkFrameClock *clock, FrameLog *log)
{
  gint64 now = g_get_monotonic_time ();

  if (log->recording)
    g_array_append_val (log->paints, now);
}

static int
compare_gaps (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
report (const char *phase, GArray *paints)
{
  g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (gint64));
  double seconds;
  gint64 p99, max;

  if (paints->len < 2)
    {
      printf ("%-10s fewer than two frames\n", phase);
      return;
    }
  for (guint i = 1; i < paints->len; i++)
    {
      gint64 gap = g_array_index (paints, gint64, i) - g_array_index (paints, gint64, i - 1);
      g_array_append_val (gaps, gap);
    }
  g_array_sort (gaps, compare_gaps);
  max = g_array_index (gaps, gint64, gaps->len - 1);
  p99 = g_array_index (gaps, gint64, MIN (gaps->len - 1, (guint) (gaps->len * 0.99)));
  seconds = (g_array_index (paints, gint64, paints->len - 1) - g_array_index (paints, gint64, 0)) / 1e6;
  printf ("%-10s %6u frames in %6.2f s: %6.1f fps, gap p99 %6.1f ms, max %6.1f ms\n", phase, paints->len, seconds,
          (paints->len - 1) / seconds, p99 / 1e3, max / 1e3);
}

static void
drive (UiFixture *f)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.hearth.Hearth");
  GdkFrameClock *clock;
  FrameLog log = { g_array_new (FALSE, FALSE, sizeof (gint64)), FALSE };
  HearthMessageObject *answer;
  gint64 start;

  g_settings_set_uint (settings, "context-length", 4096);
  g_settings_set_uint (settings, "max-tokens", 1024);
  ui_wait_for (ui_has_no_chats_page, f, "the empty history");
  if (!ui_start_chat_with_stories (f))
    return;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (f->window));
  gtk_widget_add_tick_callback (GTK_WIDGET (f->window), keep_ticking, NULL, NULL);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &log);

  log.recording = TRUE;
  ui_run_for_seconds (IDLE_SECONDS);
  log.recording = FALSE;
  report ("idle", log.paints);

  g_array_set_size (log.paints, 0);
  ui_send (f, "Once upon a time");
  start = g_get_monotonic_time ();
  log.recording = TRUE;
  ui_wait_for (ui_idle, f, "the answer");
  log.recording = FALSE;
  report ("streaming", log.paints);
  answer = ui_message_at (f, 1);
  printf ("answer: %zu characters in %.2f s, %.1f tokens/s\n", strlen (hearth_message_object_get_content (answer)),
          (g_get_monotonic_time () - start) / 1e6, hearth_conversation_get_tokens_per_second (ui_conversation (f)));
  g_array_unref (log.paints);
}

static void
bench_frame_clock (void)
{
  ui_test_run_app (drive);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/bench/ui-frame-clock", bench_frame_clock);
  return ui_test_run ();
}
