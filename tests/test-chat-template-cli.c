#define G_LOG_DOMAIN "hearth-test"

/* `hearth-cli chat-template`: stdout carries exactly the prompt bytes, a
 * raising template exits 1 with its message on stderr, and -m takes the
 * template and BOS/EOS from a GGUF model. */

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <string.h>

typedef struct {
  char *out, *err;
  int status;
} CliRun;

static void
cli_run_clear (CliRun *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliRun, cli_run_clear)

static void
run_cli (CliRun *r, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) g_getenv ("HEARTH_CLI"));
  g_ptr_array_add (argv, "chat-template");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  int wait_status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &r->out, &r->err, &wait_status, &error));
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static char *
write_temp (const char *dir, const char *name, const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_render_and_raise (void)
{
  if (g_getenv ("HEARTH_CLI") == NULL)
    {
      g_test_skip ("HEARTH_CLI is not set");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hearth-chat-template-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *messages = write_temp (dir, "m.json", "[{\"role\": \"user\", \"content\": \"héllo\\n\"}]");
  g_autofree char *ok = write_temp (dir, "ok.jinja",
                                    "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"
                                    "{% if add_generation_prompt %}>{% endif %}{{ eos_token }}\n");
  g_autofree char *raising = write_temp (dir, "raise.jinja", "text{{ raise_exception('Roles must alternate!') }}");
  g_autofree char *broken = write_temp (dir, "broken.jinja", "{% include 'x' %}");

  {
    g_auto (CliRun) r = { NULL };
    run_cli (&r, (const char *const[]) { "--template", ok, "--messages", messages, "--bos", "<s>", "--eos", "</s>",
                                         "--add-generation-prompt", NULL });
    g_assert_cmpint (r.status, ==, 0);
    g_assert_cmpstr (r.out, ==, "<s>héllo\n></s>");
    g_assert_cmpstr (r.err, ==, "");
  }
  {
    g_auto (CliRun) r = { NULL };
    run_cli (&r, (const char *const[]) { "--template", raising, "--messages", messages, NULL });
    g_assert_cmpint (r.status, ==, 1);
    g_assert_cmpstr (r.out, ==, "");
    g_assert_cmpstr (r.err, ==, "Roles must alternate!\n");
  }
  {
    g_auto (CliRun) r = { NULL };
    run_cli (&r, (const char *const[]) { "--template", broken, "--messages", messages, NULL });
    g_assert_cmpint (r.status, ==, 1);
    g_assert_cmpstr (r.out, ==, "");
    g_assert_nonnull (strstr (r.err, "1:4: unsupported construct: {% include %}"));
  }
  {
    g_auto (CliRun) r = { NULL };
    run_cli (&r, (const char *const[]) { "--messages", messages, NULL });
    g_assert_cmpint (r.status, ==, 2);
  }
  for (const char *const *f = (const char *const[]) { messages, ok, raising, broken, NULL }; *f; f++)
    g_unlink (*f);
  g_rmdir (dir);
}

/* The Phi-3 vocab GGUF carries the Phi-3-mini template; rendered through
 * -m it must equal the fixture rendered from the .jinja copy. */
static void
test_model_template (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = shared ? g_build_filename (shared, "fixtures", "tokenizer", "ggml-vocab-phi-3.gguf", NULL) : NULL;
  if (g_getenv ("HEARTH_CLI") == NULL || model == NULL || !g_file_test (model, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("needs HEARTH_CLI and HEARTH_SHARED_DIR/fixtures/tokenizer/ggml-vocab-phi-3.gguf");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hearth-chat-template-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *messages = write_temp (dir, "m.json",
                                          "[{\"role\": \"user\", \"content\": \"Hi there.\"},"
                                          " {\"role\": \"assistant\", \"content\": \"Hello! How can I help you today?\"},"
                                          " {\"role\": \"user\", \"content\": \"Tell me a joke about cats.\"}]");
  g_autofree char *expected_path = g_build_filename (shared, "fixtures", "chat-templates", "expected",
                                                    "microsoft-Phi-3-mini-4k-instruct__multi_turn_gen.txt", NULL);
  g_autofree char *expected = NULL;
  g_file_get_contents (expected_path, &expected, NULL, &error);
  g_assert_no_error (error);
  g_auto (CliRun) r = { NULL };
  run_cli (&r, (const char *const[]) { "-m", model, "--messages", messages, "--add-generation-prompt", NULL });
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpstr (r.out, ==, expected);
  g_unlink (messages);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chat-template/cli/render-and-raise", test_render_and_raise);
  g_test_add_func ("/chat-template/cli/model-template", test_model_template);
  return g_test_run ();
}
