#define G_LOG_DOMAIN "hearth-test"

/* hearth-cli tokenize / detokenize as a script sees them: ids on one line,
 * exact bytes from -f, BOS only when the vocabulary asks and --no-bos is
 * absent, special text parsed only with --special. */

#include <string.h>
#include <glib/gstdio.h>

static char *
vocab (const char *name)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *file = g_strdup_printf ("ggml-vocab-%s.gguf", name);
  char *path = shared ? g_build_filename (shared, "fixtures", "tokenizer", file, NULL) : NULL;

  if (path == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("HEARTH_SHARED_DIR has no tokenizer fixtures");
      g_free (path);
      return NULL;
    }
  return path;
}

/* Runs hearth-cli with args; returns stdout, asserts exit status 0. */
static char *
run_cli (const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_ptr_array_add (argv, (gpointer) g_getenv ("HEARTH_CLI"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("hearth-cli failed: %s", err);
  return out;
}

static void
test_tokenize (void)
{
  g_autofree char *llama3 = vocab ("llama3");
  g_autofree char *out = NULL;

  if (llama3 == NULL)
    return;
  out = run_cli ((const char *const[]) { "tokenize", "-m", llama3, "Hello world", NULL });
  g_assert_cmpstr (out, ==, "128000 9906 1917\n");
  g_free (out);
  out = run_cli ((const char *const[]) { "tokenize", "-m", llama3, "--no-bos", "Hello world", NULL });
  g_assert_cmpstr (out, ==, "9906 1917\n");
  g_free (out);
  /* the ids of case 61 in ggml-vocab-llama3.gguf.out, and with --special */
  out = run_cli ((const char *const[]) { "tokenize", "-m", llama3, "--no-bos", "<|end_of_text|> <|eot_id|>", NULL });
  g_assert_cmpstr (out, ==, "27 91 408 3659 4424 91 29 83739 68 354 851 91 29\n");
  g_free (out);
  out = run_cli ((const char *const[]) { "tokenize", "-m", llama3, "--no-bos", "--special", "<|end_of_text|> <|eot_id|>", NULL });
  g_assert_cmpstr (out, ==, "128001 220 128009\n");
}

static void
test_file_bytes (void)
{
  g_autofree char *smolvlm = vocab ("smolvlm");
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int fd;

  if (smolvlm == NULL)
    return;
  fd = g_file_open_tmp ("hearth-tokenize-XXXXXX", &path, &error);
  g_assert_no_error (error);
  close (fd);
  /* a trailing newline and a digit run must be kept exactly */
  g_assert_true (g_file_set_contents (path, "1234\n", 5, &error));
  /* smolvlm adds no BOS (add_bos_token = false) */
  out = run_cli ((const char *const[]) { "tokenize", "-m", smolvlm, "-f", path, NULL });
  g_assert_cmpstr (out, ==, "33 34 35 36 198\n");
  g_unlink (path);
}

static void
test_detokenize (void)
{
  g_autofree char *llama3 = vocab ("llama3");
  g_autofree char *out = NULL;

  if (llama3 == NULL)
    return;
  out = run_cli ((const char *const[]) { "detokenize", "-m", llama3, "128000", "9906", "1917", NULL });
  g_assert_cmpstr (out, ==, "<|begin_of_text|>Hello world\n");
  g_free (out);
  out = run_cli ((const char *const[]) { "detokenize", "-m", llama3, "--skip-special", "128000", "9906", "1917", NULL });
  g_assert_cmpstr (out, ==, "Hello world\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tokenizer-cli/tokenize", test_tokenize);
  g_test_add_func ("/tokenizer-cli/file-bytes", test_file_bytes);
  g_test_add_func ("/tokenizer-cli/detokenize", test_detokenize);
  return g_test_run ();
}
