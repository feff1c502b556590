#define G_LOG_DOMAIN "test-privacy"

/* test-privacy.c: Hearth opens no network sockets.  Runs hearth-cli (and,
 * in the ui suite, the real app through test-ui) under
 * `strace -f -e trace=socket,connect` and fails on any socket whose family
 * is not AF_UNIX (the X server, D-Bus). */

#include <gio/gio.h>
#include <glib/gstdio.h>

/* The families of all sockets created, one per socket() call, as strace
 * prints them ("AF_UNIX", "AF_INET", ...). */
static GPtrArray *
socket_families (const char *log)
{
  GPtrArray *families = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *call = strstr (lines[i], "socket(");

      if (call != NULL)
        {
          const char *family = call + strlen ("socket(");
          g_ptr_array_add (families, g_strndup (family, strcspn (family, ",)")));
        }
    }
  return families;
}

/* Runs argv under strace; returns FALSE (and skips the test) without strace. */
static gboolean
trace_sockets (const char * const *argv, GPtrArray **families)
{
  g_autofree char *strace = g_find_program_in_path ("strace");
  g_autofree char *dir = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) command = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (strace == NULL)
    {
      g_test_skip ("strace is not installed (apt-get install strace)");
      return FALSE;
    }
  dir = g_dir_make_tmp ("hearth-privacy-XXXXXX", &error);
  g_assert_no_error (error);
  log_path = g_build_filename (dir, "strace.log", NULL);

  g_strv_builder_add_many (builder, strace, "-f", "-qq", "-e", "trace=socket,connect", "-o", log_path, NULL);
  g_strv_builder_addv (builder, (const char **) argv);
  command = g_strv_builder_end (builder);
  /* The child's own TAP output is kept out of this test's stdout and
   * shown as comment lines. */
  g_autofree char *child_out = NULL;
  g_spawn_sync (NULL, command, NULL, G_SPAWN_DEFAULT, NULL, NULL, &child_out, NULL, &status, &error);
  g_assert_no_error (error);
  g_auto(GStrv) child_lines = g_strsplit (child_out, "\n", -1);
  for (guint i = 0; child_lines[i] != NULL; i++)
    if (*child_lines[i] != '\0')
      g_test_message ("child: %s", child_lines[i]);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (log_path, &log, NULL, &error));
  g_assert_no_error (error);
  g_unlink (log_path);
  g_rmdir (dir);
  *families = socket_families (log);
  return TRUE;
}

static void
assert_only_unix_sockets (GPtrArray *families)
{
  for (guint i = 0; i < families->len; i++)
    if (!g_str_equal (families->pdata[i], "AF_UNIX"))
      g_error ("a %s socket was opened: Hearth must not use the network", (char *) families->pdata[i]);
  g_test_message ("%u socket(s), all AF_UNIX", families->len);
}

static void
test_cli_info (void)
{
  const char *cli = g_getenv ("HEARTH_CLI");
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;
  g_autoptr(GPtrArray) families = NULL;

  g_assert_nonnull (cli);
  if (model == NULL || !g_file_test (model, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing");
      return;
    }
  if (trace_sockets ((const char *[]) { cli, "info", "-m", model, NULL }, &families))
    assert_only_unix_sockets (families);
}

/* The whole chat (load, generate, store) in the real app. */
static void
test_app_chat (void)
{
  const char *test_ui = g_getenv ("HEARTH_TEST_UI");
  g_autoptr(GPtrArray) families = NULL;

  if (test_ui == NULL || g_getenv ("DISPLAY") == NULL)
    {
      g_test_skip ("runs in the ui suite, under Xvfb, with HEARTH_TEST_UI set");
      return;
    }
  if (trace_sockets ((const char *[]) { test_ui, "-p", "/ui/chat", NULL }, &families))
    assert_only_unix_sockets (families);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/privacy/cli-info", test_cli_info);
  g_test_add_func ("/privacy/app-chat", test_app_chat);
  return g_test_run ();
}
