#define G_LOG_DOMAIN "hearth-test"

/* test-gguf-cli: `hearth-cli info` as a user runs it: a damaged file gives
 * exit status 1 and a message on stderr (never a crash), a real model
 * prints its architecture and vocabulary size. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

typedef struct {
  int   exit_status;   /* -1 if killed by a signal */
  char *out;
  char *err;
} CliResult;

static void
cli_result_clear (CliResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

/* Runs `hearth-cli info -m MODEL`, or `hearth-cli info` for a NULL model. */
static void
run_info (const char *model, CliResult *r)
{
  const char *cli = g_getenv ("HEARTH_CLI");
  const char *argv[] = { cli, "info", model != NULL ? "-m" : NULL, model, NULL };
  g_autoptr(GError) error = NULL;
  int wait_status;

  g_assert_nonnull (cli);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &r->out, &r->err, &wait_status, &error);
  g_assert_no_error (error);
  r->exit_status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  g_test_message ("exit %d\nstdout:\n%s\nstderr:\n%s", r->exit_status, r->out, r->err);
}

/* A header that promises 2^60 keys, followed by nothing. */
static void
test_corrupt_file (void)
{
  static const guint8 bytes[] = {
    'G', 'G', 'U', 'F', 3, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0x10,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-gguf-cli-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "broken.gguf", NULL);
  CliResult r = { 0 };

  g_file_set_contents (path, (const char *) bytes, sizeof bytes, &error);
  g_assert_no_error (error);
  run_info (path, &r);
  g_unlink (path);
  g_rmdir (dir);

  g_assert_cmpint (r.exit_status, ==, 1);
  g_assert_nonnull (strstr (r.err, "broken.gguf"));
  g_assert_nonnull (strstr (r.err, "key count"));
  g_assert_cmpstr (r.out, ==, "");
  cli_result_clear (&r);
}

static void
test_missing_file (void)
{
  CliResult r = { 0 };

  run_info ("/nonexistent/model.gguf", &r);
  g_assert_cmpint (r.exit_status, ==, 1);
  g_assert_nonnull (strstr (r.err, "/nonexistent/model.gguf"));
  cli_result_clear (&r);
}

static void
test_stories260k (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *path = NULL;
  CliResult r = { 0 };

  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no stories260K.gguf");
      return;
    }
  path = g_build_filename (shared, "models", "stories260K.gguf", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip_printf ("%s is missing", path);
      return;
    }
  run_info (path, &r);
  g_assert_cmpint (r.exit_status, ==, 0);
  g_assert_true (g_regex_match_simple ("^architecture: +llama$", r.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^vocab size: +512$", r.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^tensors: +48 \\(F32: 48\\)$", r.out, G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^device: +.+$", r.out, G_REGEX_MULTILINE, 0));
  cli_result_clear (&r);
}

/* Every device listed, the chosen one marked; without Vulkan a message and
 * exit status 1, never a crash. */
static void
test_devices (void)
{
  CliResult r = { 0 };

  run_info (NULL, &r);
  if (r.exit_status == 0)
    {
      g_assert_true (g_str_has_prefix (r.out, "Vulkan devices"));
      g_assert_true (g_regex_match_simple ("^\\* [0-9]+: .+$", r.out, G_REGEX_MULTILINE, 0));
    }
  else
    {
      g_assert_cmpint (r.exit_status, ==, 1);
      g_assert_cmpstr (r.err, !=, "");
    }
  cli_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-info/corrupt-file", test_corrupt_file);
  g_test_add_func ("/cli-info/missing-file", test_missing_file);
  g_test_add_func ("/cli-info/stories260k", test_stories260k);
  g_test_add_func ("/cli-info/devices", test_devices);
  return g_test_run ();
}
