#define G_LOG_DOMAIN "hearth-test-engine-oom"

/* test-engine-oom.c: the engine when device memory runs out.
 *
 * The device's heaps are capped (HEARTH_VULKAN_HEAP_LIMIT_MIB: lavapipe's
 * heap is the host's RAM, which a test must not exhaust); within the cap,
 * allocations go to the driver as always.  Sessions of stories260K then
 * fill device memory with their KV caches, ever smaller, until the engine
 * answers OUT_OF_DEVICE_MEMORY even for the smallest.  With memory full, a
 * model load (a copy of stories260K, so that nothing is shared) and a
 * generate in a new session both fail with that error and a message that
 * says what to do; the engine is not harmed.  Once the sessions are closed,
 * the same load and generate work, in the same engine. */

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "hearth-engine.h"

#define HEAP_LIMIT_MIB "48"
#define LARGEST_CONTEXT 8192
#define SMALLEST_CONTEXT 16

typedef struct {
  gboolean              done;
  HearthModel          *model;
  HearthGenerateResult  result;
  GError               *error;
} Wait;

static void
wait_for (Wait *wait)
{
  while (!wait->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->model = hearth_engine_load_model_finish (NULL, result, &wait->error);
  wait->done = TRUE;
}

static HearthModel *
load (HearthEngine *engine, const char *path, GError **error)
{
  Wait wait = { 0 };

  hearth_engine_load_model_async (engine, path, NULL, NULL, load_done, &wait);
  wait_for (&wait);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.model;
}

static void
generate_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  hearth_engine_generate_finish (NULL, result, &wait->result, &wait->error);
  wait->done = TRUE;
}

/* A short answer in session; its text, or NULL with error. */
static char *
generate (HearthEngine *engine, HearthSession *session, GError **error)
{
  const HearthChatMessage message = { "user", "Once upon a time", NULL, 0 };
  HearthSamplingParams params;
  Wait wait = { 0 };
  char *text;

  hearth_sampling_params_init (&params);
  params.max_tokens = 8;
  hearth_engine_generate_async (engine, session, &message, 1, &params, NULL, NULL, generate_done, &wait);
  wait_for (&wait);
  text = wait.error == NULL ? g_steal_pointer (&wait.result.text) : NULL;
  hearth_generate_result_clear (&wait.result);
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return text;
}

static void
assert_out_of_memory (const GError *error, const char *what)
{
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY);
  g_test_message ("%s with memory full: %s", what, error->message);
  /* Says what ran out and what to do about it. */
  g_assert_nonnull (strstr (error->message, "memory"));
  g_assert_nonnull (strstr (error->message, "smaller"));
}

typedef struct {
  GPtrArray *sessions; /* HearthSession */
  GPtrArray *models;   /* HearthModel, loaded from copies */
  GPtrArray *copies;   /* their paths */
} Filled;

/* A copy of the model's file in dir: another file, so that loading it
 * reads and uploads its weights instead of sharing the loaded model. */
static char *
copy_model (const char *dir, GBytes *contents, guint n)
{
  g_autofree char *name = g_strdup_printf ("copy-%u.gguf", n);
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, g_bytes_get_data (contents, NULL), g_bytes_get_size (contents), &error);
  g_assert_no_error (error);
  return path;
}

/* Sessions whose KV caches (and scratch buffers) take device memory until
 * even the smallest does not fit, then copies of the model until one more
 * does not fit either: what is left is less than one model's weights. */
static void
fill_device_memory (HearthEngine *engine, HearthModel *model, const char *dir, GBytes *contents, Filled *filled)
{
  guint64 kv_bytes = 0;

  for (guint n_ctx = LARGEST_CONTEXT; n_ctx >= SMALLEST_CONTEXT;)
    {
      g_autoptr(HearthSession) session = hearth_engine_new_session (engine, model, n_ctx);
      g_autoptr(GError) error = NULL;
      g_autofree char *text = generate (engine, session, &error);

      if (text != NULL)
        {
          kv_bytes += hearth_session_get_kv_bytes (session);
          g_ptr_array_add (filled->sessions, g_steal_pointer (&session));
          continue;
        }
      g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY);
      hearth_engine_close_session (engine, session);
      n_ctx /= 2;
    }
  for (;;)
    {
      g_autofree char *copy = copy_model (dir, contents, filled->copies->len);
      g_autoptr(GError) error = NULL;
      HearthModel *loaded = load (engine, copy, &error);

      g_ptr_array_add (filled->copies, g_steal_pointer (&copy));
      if (loaded == NULL)
        {
          g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY);
          break;
        }
      g_ptr_array_add (filled->models, loaded);
    }
  g_test_message ("%u sessions (%" G_GUINT64_FORMAT " KiB of KV cache) and %u more models fill a %s MiB heap",
                  filled->sessions->len, kv_bytes >> 10, filled->models->len, HEAP_LIMIT_MIB);
  g_assert_cmpuint (filled->sessions->len, >, 0);
}

static void
free_device_memory (HearthEngine *engine, Filled *filled)
{
  for (guint i = 0; i < filled->sessions->len; i++)
    hearth_engine_close_session (engine, filled->sessions->pdata[i]);
  g_ptr_array_set_size (filled->sessions, 0);
  for (guint i = 0; i < filled->models->len; i++)
    hearth_engine_unload_model (engine, filled->models->pdata[i]);
  g_ptr_array_set_size (filled->models, 0);
}

static void
test_out_of_memory_then_recover (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *path = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GBytes) contents = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(HearthEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  Filled filled = {
    g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_session_unref),
    g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_unref),
    g_ptr_array_new_with_free_func (g_free),
  };
  HearthModel *model, *other;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing");
      goto out;
    }
  file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  contents = g_mapped_file_get_bytes (file);
  dir = g_dir_make_tmp ("hearth-oom-XXXXXX", &error);
  g_assert_no_error (error);

  engine = hearth_engine_new ();
  model = load (engine, path, &error);
  g_assert_no_error (error);
  fill_device_memory (engine, model, dir, contents, &filled);

  /* Full: a clear error for a load and for a new session's answer. */
  copy = copy_model (dir, contents, filled.copies->len);
  other = load (engine, copy, &error);
  g_assert_null (other);
  assert_out_of_memory (error, "loading a model");
  g_clear_error (&error);
  {
    g_autoptr(HearthSession) session = hearth_engine_new_session (engine, model, SMALLEST_CONTEXT);
    g_autofree char *text = generate (engine, session, &error);

    g_assert_null (text);
    assert_out_of_memory (error, "generating");
    g_clear_error (&error);
    hearth_engine_close_session (engine, session);
  }

  /* Freed: the same work succeeds in the same engine. */
  free_device_memory (engine, &filled);
  other = load (engine, copy, &error);
  g_assert_no_error (error);
  {
    g_autoptr(HearthSession) session = hearth_engine_new_session (engine, other, LARGEST_CONTEXT);
    g_autofree char *text = generate (engine, session, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (text, !=, "");
    g_test_message ("after freeing: “%s”", text);
    hearth_engine_close_session (engine, session);
  }
  hearth_engine_unload_model (engine, other);
  hearth_model_unref (other);
  hearth_engine_unload_model (engine, model);
  hearth_model_unref (model);

  g_ptr_array_add (filled.copies, g_steal_pointer (&copy));
  for (guint i = 0; i < filled.copies->len; i++)
    g_unlink (filled.copies->pdata[i]);
  g_rmdir (dir);
out:
  g_ptr_array_unref (filled.sessions);
  g_ptr_array_unref (filled.models);
  g_ptr_array_unref (filled.copies);
}

int
main (int argc, char **argv)
{
  /* Before the engine opens the device. */
  g_setenv ("HEARTH_VULKAN_HEAP_LIMIT_MIB", HEAP_LIMIT_MIB, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine-oom/fill-then-recover", test_out_of_memory_then_recover);
  return g_test_run ();
}
