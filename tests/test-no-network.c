#define G_LOG_DOMAIN "test-no-network"

/* test-no-network.c: Hearth works without a network at all.  hearth-cli
 * generate, the photo indexer (hearth-cli index) and the real app (test-ui's
 * /ui/chat under its own Xvfb) run in a network namespace of their own
 * (`unshare -n`), where no interface is up, not even loopback: they work
 * unchanged, and generate prints the same greedy answer as outside.
 *
 * Each command runs as `unshare -n -- test-no-network --isolated CMD...`:
 * this program first checks, inside the namespace, that no interface is
 * up, then becomes CMD.  Without the right to create a network namespace
 * (not root, no user namespaces) the cases are skipped, saying so.
 * test-privacy's strace check of the sockets opened stays beside this. */

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include "hearth-photo-index.h"
#include "shared-test-util.h"

static char *program_path;

/* ---- inside the namespace ---- */

static int
run_isolated (char **argv)
{
  struct ifaddrs *interfaces = NULL;

  if (getifaddrs (&interfaces) != 0)
    g_error ("getifaddrs: %s", g_strerror (errno));
  for (struct ifaddrs *i = interfaces; i != NULL; i = i->ifa_next)
    if (i->ifa_flags & IFF_UP)
      g_error ("interface %s is up in the namespace meant to have no network", i->ifa_name);
  freeifaddrs (interfaces);
  execvp (argv[0], argv);
  g_printerr ("cannot run %s: %s\n", argv[0], g_strerror (errno));
  return 127;
}

/* ---- the tests ---- */

/* unshare's own arguments for a new network namespace: plain as root,
 * with a user namespace otherwise; NULL when neither may be created. */
static const char *const *
unshare_args (void)
{
  static const char *const as_root[] = { "unshare", "-n", "--", NULL };
  static const char *const as_user[] = { "unshare", "-r", "-n", "--", NULL };
  const char *const *tries[] = { as_root, as_user };

  for (guint i = 0; i < G_N_ELEMENTS (tries); i++)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      int status;

      g_strv_builder_addv (builder, (const char **) tries[i]);
      g_strv_builder_add (builder, "true");
      argv = g_strv_builder_end (builder);
      if (g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                        &status, NULL) && g_spawn_check_wait_status (status, NULL))
        return tries[i];
    }
  return NULL;
}

static gboolean
can_isolate (void)
{
  if (unshare_args () != NULL)
    return TRUE;
  g_test_skip ("cannot create a network namespace here (`unshare -n` needs root, `unshare -r -n` user namespaces; "
               "util-linux provides unshare)");
  return FALSE;
}

/* Runs argv without a network (isolated) or as it is; returns its stdout
 * and fails the test unless it exits with 0.  env: NULL for this one's. */
static char *
run (gboolean isolated, const char *const *argv, char **env)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) command = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  if (isolated)
    {
      g_strv_builder_addv (builder, (const char **) unshare_args ());
      g_strv_builder_add_many (builder, program_path, "--isolated", NULL);
    }
  g_strv_builder_addv (builder, (const char **) argv);
  command = g_strv_builder_end (builder);
  g_spawn_sync (NULL, command, env, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s%s failed: %s", isolated ? "without a network, " : "", argv[0], error->message);
  return g_steal_pointer (&out);
}

static void
test_cli_generate (void)
{
  g_autofree char *model = hearth_test_shared_path ("models/stories260K.gguf");
  const char *cli = g_getenv ("HEARTH_CLI");
  g_autofree char *isolated = NULL;
  g_autofree char *connected = NULL;

  if (model == NULL || !can_isolate ())
    return;
  g_assert_nonnull (cli);
  {
    const char *argv[] = { cli, "generate", "-m", model, "-p", "Once upon a time", "-n", "24", "--temp", "0", NULL };

    isolated = run (TRUE, argv, NULL);
    connected = run (FALSE, argv, NULL);
  }
  g_test_message ("without a network: %s", isolated);
  g_assert_cmpstr (isolated, !=, "");
  g_assert_cmpstr (isolated, ==, connected);
}

static void
test_photo_indexer (void)
{
  g_autofree char *text = hearth_test_shared_path ("models/random/smolvlm-tiny-text-f16.gguf");
  g_autofree char *mmproj = text != NULL ? hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-f16.gguf") : NULL;
  g_autofree char *photo = mmproj != NULL ? hearth_test_shared_path ("fixtures/images/photo-96x96.jpg") : NULL;
  const char *cli = g_getenv ("HEARTH_CLI");
  g_autofree char *dir = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *db = NULL;
  g_autofree char *out = NULL;
  g_autoptr(HearthPhotoIndex) index = NULL;
  g_autoptr(GError) error = NULL;
  HearthPhotoCounts counts;

  if (photo == NULL || !can_isolate ())
    return;
  dir = g_dir_make_tmp ("hearth-no-network-XXXXXX", &error);
  g_assert_no_error (error);
  folder = g_build_filename (dir, "Pictures", NULL);
  db = g_build_filename (dir, "photos.db", NULL);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  {
    g_autofree char *target = g_canonicalize_filename (photo, NULL);
    g_autofree char *link = g_build_filename (folder, "photo.jpg", NULL);
    const char *argv[] = { cli, "index", "--db", db, "-m", text, "--mmproj", mmproj, "-n", "4", folder, NULL };

    g_assert_cmpint (symlink (target, link), ==, 0);
    out = run (TRUE, argv, NULL);
    g_test_message ("without a network: %s", out);
    g_unlink (link);
  }
  index = hearth_photo_index_open (db, &error);
  g_assert_no_error (error);
  g_assert_true (hearth_photo_index_count (index, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_described, ==, 1);
  g_assert_cmpuint (counts.n_failed, ==, 0);
  g_clear_pointer (&index, hearth_photo_index_close);
  g_unlink (db);
  {
    /* SQLite's companions of the database, if any are left. */
    g_autofree char *wal = g_strconcat (db, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (folder);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The whole chat (the model found and loaded, an answer streamed and
 * stored) in the real app, its X server in the namespace too. */
static void
test_app_chat (void)
{
  const char *test_ui = g_getenv ("HEARTH_TEST_UI");
  g_autofree char *xvfb_run = g_find_program_in_path ("xvfb-run");
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;

  if (test_ui == NULL || xvfb_run == NULL)
    {
      g_test_skip ("needs xvfb-run and HEARTH_TEST_UI (the ui suite sets it)");
      return;
    }
  if (!can_isolate ())
    return;
  /* A history of its own, made by test-ui. */
  env = g_environ_unsetenv (env, "HEARTH_UI_TEST_DATA_HOME");
  env = g_environ_setenv (env, "HEARTH_SCREENSHOT_DIR", "", TRUE);
  {
    const char *argv[] = { xvfb_run, "-a", "-s", "-screen 0 1280x1024x24", test_ui, "-p", "/ui/chat", NULL };

    out = run (TRUE, argv, env);
  }
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "ok 1 /ui/chat"));
}

int
main (int argc, char **argv)
{
  /* Itself, again: inside the namespace, or as the child. */
  program_path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (program_path);
  if (argc > 2 && g_str_equal (argv[1], "--isolated"))
    return run_isolated (argv + 2);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/no-network/cli-generate", test_cli_generate);
  g_test_add_func ("/no-network/photo-indexer", test_photo_indexer);
  g_test_add_func ("/no-network/app-chat", test_app_chat);
  return g_test_run ();
}
