#define G_LOG_DOMAIN "hearth-test"

/* The first scan of a large photo library does not hold a chat waiting:
 * the scan runs on the indexer's own worker thread, not on the engine's,
 * so a chat answer asked for while 10,000 files are walked, hashed and
 * recorded takes about as long as one asked for with no scan. The bound is
 * relative (a few times the no-scan answer), never an absolute time; the
 * numbers go to the test log. */

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "photo-indexer.h"
#include "shared-test-util.h"

#define N_FILES 10000

static HearthEngine *engine;

typedef struct {
  gboolean done;
  gpointer value;
  gboolean ok;
  GError  *error;
  gint64   finished;  /* monotonic µs */
  gint64   scanned;   /* a photo run's: when its scan ended */
} Wait;

static void
wait_for (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->value = hearth_engine_load_model_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
generate_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->ok = hearth_engine_generate_finish (NULL, result, NULL, &w->error);
  w->finished = g_get_monotonic_time ();
  w->done = TRUE;
}

static void
run_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;
  PhotoScanStats stats;

  /* The model has no vision projector: describing the first photo fails
   * after the scan, which is all this test needs. */
  w->ok = photo_indexer_run_finish (NULL, result, &stats, NULL, NULL, &w->error);
  w->value = GUINT_TO_POINTER (stats.n_new);
  w->done = TRUE;
}

/* The first progress comes when the scan has ended. */
static void
scanned (const PhotoIndexerProgress *progress, gpointer data)
{
  Wait *w = data;

  if (w->scanned == 0)
    w->scanned = g_get_monotonic_time ();
}

/* Seconds from now until a fresh chat's greedy answer has come. */
static double
answer_seconds (HearthModel *model, Wait *w)
{
  static const HearthChatMessage question = { "user", "Once upon a time", NULL, 0 };
  g_autoptr (HearthSession) session = hearth_engine_new_session (engine, model, 256);
  HearthSamplingParams params;
  gint64 start = g_get_monotonic_time ();

  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0;
  params.max_tokens = 48;
  *w = (Wait) { 0 };
  hearth_engine_generate_async (engine, session, &question, 1, &params, NULL, NULL,
                                generate_done, w);
  wait_for (w);
  g_assert_no_error (w->error);
  hearth_engine_close_session (engine, session);
  return (w->finished - start) / 1e6;
}

static void
fill_folder (const char *dir)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/photo-%05u.jpg", dir, i);
      g_autofree char *bytes = g_strdup_printf ("not really a JPEG, number %u", i);
      g_assert_true (g_file_set_contents (path, bytes, -1, NULL));
    }
}

static void
remove_folder (const char *dir)
{
  for (guint i = 0; i < N_FILES; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/photo-%05u.jpg", dir, i);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_scan_does_not_delay_chat (void)
{
  g_autofree char *path = hearth_test_shared_path ("models/stories260K.gguf");
  g_autofree char *dir = NULL, *db_dir = NULL, *db = NULL;
  g_autoptr (PhotoIndexer) indexer = NULL;
  g_autoptr (GError) error = NULL;
  const char *folders[2] = { NULL, NULL };
  HearthModel *model;
  Wait load = { 0 }, answer, run = { 0 };
  double alone, during, scan_seconds;
  gint64 scan_start;

  if (path == NULL)
    return;
  hearth_engine_load_model_async (engine, path, NULL, NULL, load_done, &load);
  wait_for (&load);
  g_assert_no_error (load.error);
  model = load.value;

  dir = g_dir_make_tmp ("hearth-scan-XXXXXX", NULL);
  db_dir = g_dir_make_tmp ("hearth-scan-db-XXXXXX", NULL);
  db = g_build_filename (db_dir, "photos.db", NULL);
  fill_folder (dir);
  folders[0] = dir;

  /* The first answer compiles pipelines: not part of either figure. */
  answer_seconds (model, &answer);
  alone = answer_seconds (model, &answer);

  indexer = photo_indexer_new (engine, model, db, 0, &error);
  g_assert_no_error (error);
  scan_start = g_get_monotonic_time ();
  photo_indexer_run_async (indexer, folders, scanned, NULL, run_done, &run);
  during = answer_seconds (model, &answer);
  wait_for (&run);
  g_assert_cmpuint (GPOINTER_TO_UINT (run.value), ==, N_FILES);
  g_clear_error (&run.error);
  scan_seconds = (run.scanned - scan_start) / 1e6;

  g_test_message ("answer alone %.3f s, during the scan of %u files %.3f s; the scan took %.3f s",
                  alone, N_FILES, during, scan_seconds);
  /* Sharing the CPU with the scan may slow the answer, but it does not
   * wait for the scan to end. */
  g_assert_cmpfloat (during, <, 4 * alone + 0.5);

  hearth_engine_unload_model (engine, model);
  hearth_model_unref (model);
  g_clear_pointer (&indexer, photo_indexer_free);
  g_unlink (db);
  remove_folder (dir);
  g_rmdir (db_dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  engine = hearth_engine_new ();
  g_test_add_func ("/photo-scan/does-not-delay-chat", test_scan_does_not_delay_chat);
  status = g_test_run ();
  g_object_unref (engine);
  return status;
}
