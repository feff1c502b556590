#define G_LOG_DOMAIN "hearth-test-llama"

/* hearth-cli logits / generate / make-model / bench, run as a user would.
 * The expected numbers are llama.cpp's (stories260K.json, "Once upon a
 * time"). */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

static char *
stories_path (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  char *path = shared ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("stories260K.gguf not found; set HEARTH_SHARED_DIR to ../shared");
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* Runs hearth-cli with args; returns stdout, checks the exit status. */
static char *
run_cli (int expected_status, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;
  int wait_status;

  g_ptr_array_add (argv, (char *) g_getenv ("HEARTH_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &wait_status, &error);
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  if (expected_status == 0)
    g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  else
    g_assert_false (g_spawn_check_wait_status (wait_status, NULL));
  return out;
}

static void
test_logits (void)
{
  g_autofree char *model = stories_path ();
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_auto (GStrv) first = NULL;

  if (model == NULL)
    return;
  out = run_cli (0, (const char *[]) { "logits", "-m", model, "--tokens", "1 403 407 261 378",
                                       "--top", "2", NULL });
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  first = g_strsplit (lines[0], " ", -1);
  g_assert_cmpstr (first[0], ==, "4");
  g_assert_cmpstr (first[1], ==, "432");
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (first[2], NULL), 17.7979374, 0.05);
  g_assert_true (g_str_has_prefix (lines[1], "4 383 "));

  g_free (out);
  out = run_cli (0, (const char *[]) { "logits", "-m", model, "-p", "Once upon a time", "--raw",
                                       "--top", "1", "--all-positions", NULL });
  g_strfreev (lines);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_true (g_str_has_prefix (lines[4], "4 432 "));
}

static void
test_generate (void)
{
  g_autofree char *model = stories_path ();
  g_autofree char *ids = NULL, *text = NULL, *bad = NULL;

  if (model == NULL)
    return;
  ids = run_cli (0, (const char *[]) { "generate", "-m", model, "-p", "Once upon a time", "--raw",
                                       "--temp", "0", "-n", "5", "--ids", NULL });
  g_assert_cmpstr (ids, ==, "432 383 286 261 376\n");

  text = run_cli (0, (const char *[]) { "generate", "-m", model, "-p", "Once upon a time", "--raw",
                                        "--temp", "0", "-n", "8", NULL });
  g_assert_cmpstr (text, ==, ", there was a little girl\n");

  bad = run_cli (1, (const char *[]) { "generate", "-m", model, "-p", "Once upon a time", "--raw",
                                       "--ctx", "3", NULL });
  g_assert_cmpstr (bad, ==, "");
}

/* make-model writes a file the loader accepts and the engine runs. */
static void
test_make_model_and_bench (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-make-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tiny.gguf", NULL);
  g_autofree char *out = NULL, *json = NULL;

  out = run_cli (0, (const char *[]) { "make-model", "-o", path, "--preset", "135m", "--layers", "1",
                                       "--type", "q4_k_m", NULL });
  g_free (out);
  out = run_cli (0, (const char *[]) { "logits", "-m", path, "--tokens", "5 6 7", NULL });
  g_assert_cmpuint (strlen (out), >, 0);
  json = run_cli (0, (const char *[]) { "bench", "-m", path, "-p", "4", "-n", "2", "-r", "1",
                                        "--json", NULL });
  g_assert_nonnull (strstr (json, "\"n_prompt\" : 4"));
  g_assert_nonnull (strstr (json, "\"avg_ts\""));
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/llama/cli/logits", test_logits);
  g_test_add_func ("/llama/cli/generate", test_generate);
  g_test_add_func ("/llama/cli/make-model-and-bench", test_make_model_and_bench);
  return g_test_run ();
}
