#define G_LOG_DOMAIN "hearth-test-engine"

/* HearthEngine without a model: the job queue's priority order,
 * cancellation of queued jobs, shutdown with jobs in flight, and load
 * errors that are found before the Vulkan device is needed. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hearth-engine.h"
#include "hvk.h"

/* ------------------------------------------------------------------------ */
/* A gate: a job that holds the engine thread until the test opens it. */

typedef struct {
  GMutex   lock;
  GCond    cond;
  gboolean started;
  gboolean open;
} Gate;

static void
gate_init (Gate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->cond);
  gate->started = gate->open = FALSE;
}

static void
gate_clear (Gate *gate)
{
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

/* Waits for the gate to open or the job to be cancelled (polled, because a
 * cancellable cannot wake a GCond). */
static gboolean
gate_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Gate *gate = data;
  gboolean open;

  g_mutex_lock (&gate->lock);
  gate->started = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!(open = gate->open) && !g_cancellable_is_cancelled (cancellable))
    g_cond_wait_until (&gate->cond, &gate->lock, g_get_monotonic_time () + G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&gate->lock);
  if (!open)
    g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                         "the gate was cancelled");
  return open;
}

static void
gate_wait_started (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  while (!gate->started)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

/* ------------------------------------------------------------------------ */
/* Recording jobs */

typedef struct {
  GMutex   lock;
  GString *ran;        /* names in the order the engine thread ran them */
  GString *completed;  /* names in the order the callbacks ran */
  guint    n_pending;
  guint    n_destroyed;
  guint    n_cancelled;
} Log;

typedef struct {
  Log        *log;
  const char *name;
} Named;

static gboolean
named_job (gpointer data, GCancellable *cancellable, GError **error)
{
  Named *n = data;

  (void) cancellable;
  (void) error;
  g_mutex_lock (&n->log->lock);
  g_string_append (n->log->ran, n->name);
  g_mutex_unlock (&n->log->lock);
  return TRUE;
}

static void
named_destroy (gpointer data)
{
  Named *n = data;

  g_mutex_lock (&n->log->lock);
  n->log->n_destroyed++;
  g_mutex_unlock (&n->log->lock);
  g_free (n);
}

typedef struct {
  Log        *log;
  const char *name;
} Completion;

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Completion *c = user_data;
  g_autoptr (GError) error = NULL;

  g_assert_null (source);
  if (!hearth_engine_run_finish (NULL, result, &error))
    {
      g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
      c->log->n_cancelled++;
    }
  g_string_append (c->log->completed, c->name);
  c->log->n_pending--;
  g_free (c);
}

static void
submit (HearthEngine *engine, Log *log, HearthEnginePriority priority, const char *name,
        GCancellable *cancellable)
{
  Named *n = g_new (Named, 1);
  Completion *c = g_new (Completion, 1);

  n->log = c->log = log;
  n->name = c->name = name;
  log->n_pending++;
  hearth_engine_run_async (engine, priority, named_job, n, named_destroy, cancellable, job_done, c);
}

static void
submit_gate (HearthEngine *engine, Log *log, Gate *gate)
{
  Completion *c = g_new (Completion, 1);

  c->log = log;
  c->name = "G";
  log->n_pending++;
  hearth_engine_run_async (engine, HEARTH_ENGINE_PRIORITY_INTERACTIVE, gate_job, gate, NULL, NULL,
                           job_done, c);
  gate_wait_started (gate);
}

static void
log_init (Log *log)
{
  g_mutex_init (&log->lock);
  log->ran = g_string_new (NULL);
  log->completed = g_string_new (NULL);
  log->n_pending = log->n_destroyed = log->n_cancelled = 0;
}

static void
log_clear (Log *log)
{
  g_string_free (log->ran, TRUE);
  g_string_free (log->completed, TRUE);
  g_mutex_clear (&log->lock);
}

static void
wait_all (Log *log)
{
  while (log->n_pending > 0)
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Tests */

/* Jobs queued behind a busy engine: every interactive job runs before any
 * background job, each kind in submission order. */
static void
test_priority_order (void)
{
  g_autoptr (HearthEngine) engine = hearth_engine_new ();
  Gate gate;
  Log log;

  gate_init (&gate);
  log_init (&log);
  submit_gate (engine, &log, &gate);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_BACKGROUND, "b", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "I", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_BACKGROUND, "c", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "J", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_BACKGROUND, "d", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "K", NULL);
  gate_open (&gate);
  wait_all (&log);

  g_assert_cmpstr (log.ran->str, ==, "IJKbcd");
  g_assert_cmpstr (log.completed->str, ==, "GIJKbcd");
  g_assert_cmpuint (log.n_destroyed, ==, 6);
  g_assert_cmpuint (log.n_cancelled, ==, 0);
  log_clear (&log);
  gate_clear (&gate);
}

/* A queued job whose cancellable is cancelled never runs, ends CANCELLED
 * and still has its data freed; the others are unaffected. */
static void
test_cancel_queued (void)
{
  g_autoptr (HearthEngine) engine = hearth_engine_new ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Gate gate;
  Log log;

  gate_init (&gate);
  log_init (&log);
  submit_gate (engine, &log, &gate);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "x", cancellable);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "y", NULL);
  g_cancellable_cancel (cancellable);
  gate_open (&gate);
  wait_all (&log);

  g_assert_cmpstr (log.ran->str, ==, "y");
  g_assert_cmpstr (log.completed->str, ==, "Gxy");
  g_assert_cmpuint (log.n_cancelled, ==, 1);
  g_assert_cmpuint (log.n_destroyed, ==, 2);
  log_clear (&log);
  gate_clear (&gate);
}

/* Dropping the last reference while a job runs and others wait: the
 * running job is cancelled, the queued ones end CANCELLED without running,
 * the thread is joined inside unref, and every callback still arrives. */
static void
test_shutdown_in_flight (void)
{
  HearthEngine *engine = hearth_engine_new ();
  gpointer weak = engine;
  Gate gate;
  Log log;

  gate_init (&gate);
  log_init (&log);
  g_object_add_weak_pointer (G_OBJECT (engine), &weak);
  submit_gate (engine, &log, &gate);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "I", NULL);
  submit (engine, &log, HEARTH_ENGINE_PRIORITY_BACKGROUND, "b", NULL);

  g_object_unref (engine);
  g_assert_null (weak);
  /* Joined: the engine thread has finished with every job's data. */
  g_assert_cmpuint (log.n_destroyed, ==, 2);
  g_assert_cmpstr (log.ran->str, ==, "");

  wait_all (&log);
  g_assert_cmpstr (log.completed->str, ==, "GIb");
  g_assert_cmpuint (log.n_cancelled, ==, 3);
  log_clear (&log);
  gate_clear (&gate);
}

typedef struct {
  GError  *error;
  gboolean done;
  guint    n_progress;
} LoadResult;

static void
load_progress (double fraction, gpointer user_data)
{
  LoadResult *r = user_data;

  g_assert_cmpfloat (fraction, >=, 0);
  r->n_progress++;
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadResult *r = user_data;
  g_autoptr (HearthModel) model = hearth_engine_load_model_finish (NULL, result, &r->error);

  g_assert_null (source);
  g_assert_null (model);
  r->done = TRUE;
}

static void
load_expecting (const char *path, GCancellable *cancellable, int code)
{
  g_autoptr (HearthEngine) engine = hearth_engine_new ();
  LoadResult r = { 0 };

  hearth_engine_load_model_async (engine, path, load_progress, cancellable, load_done, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (r.error, HEARTH_ENGINE_ERROR, code);
  g_test_message ("%s", r.error->message);
  g_assert_cmpuint (r.n_progress, ==, 0);
  g_error_free (r.error);
}

/* Load errors come back as GErrors; nothing here needs the device, so they
 * are the same with or without Vulkan. A load cancelled before it starts
 * does not even look at the file. */
static void
test_load_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-engine-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.gguf", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.gguf", NULL);

  g_autoptr (GCancellable) cancelled = g_cancellable_new ();

  g_assert_true (g_file_set_contents (text, "these are not weights, just notes\n", -1, NULL));
  load_expecting (missing, NULL, HEARTH_ENGINE_ERROR_IO);
  load_expecting (text, NULL, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_cancellable_cancel (cancelled);
  load_expecting (missing, cancelled, HEARTH_ENGINE_ERROR_CANCELLED);
  g_unlink (text);
  g_rmdir (dir);
}

/* Device errors reach the app as engine errors it can branch on, with the
 * device's message; cancellation in the engine's words. */
static void
test_device_errors (void)
{
  static const struct {
    HearthVulkanError device;
    HearthEngineError engine;
  } cases[] = {
    { HEARTH_VULKAN_ERROR_NO_VULKAN, HEARTH_ENGINE_ERROR_NO_DEVICE },
    { HEARTH_VULKAN_ERROR_NO_DEVICE, HEARTH_ENGINE_ERROR_NO_DEVICE },
    { HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY, HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY },
    { HEARTH_VULKAN_ERROR_DEVICE_LOST, HEARTH_ENGINE_ERROR_DEVICE_LOST },
    { HEARTH_VULKAN_ERROR_SHADER, HEARTH_ENGINE_ERROR_FAILED },
  };
  g_autoptr (GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "io");
  g_autoptr (GError) cancelled = g_error_new_literal (HEARTH_VULKAN_ERROR,
                                                      HEARTH_VULKAN_ERROR_CANCELLED, "x");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (HEARTH_VULKAN_ERROR, cases[i].device,
                                                      "the device said so");
      hearth_engine_error_from_device (&error, "loading the model");
      g_assert_error (error, HEARTH_ENGINE_ERROR, (gint) cases[i].engine);
      g_assert_cmpstr (error->message, ==, "the device said so");
    }
  hearth_engine_error_from_device (&cancelled, "loading the model");
  g_assert_error (cancelled, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_assert_cmpstr (cancelled->message, ==, "loading the model was cancelled");
  hearth_engine_error_from_device (&other, "loading the model");
  g_assert_error (other, G_IO_ERROR, G_IO_ERROR_FAILED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/priority-order", test_priority_order);
  g_test_add_func ("/engine/cancel-queued", test_cancel_queued);
  g_test_add_func ("/engine/shutdown-in-flight", test_shutdown_in_flight);
  g_test_add_func ("/engine/load-errors", test_load_errors);
  g_test_add_func ("/engine/device-errors", test_device_errors);
  return g_test_run ();
}
