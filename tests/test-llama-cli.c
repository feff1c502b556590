#define G_LOG_DOMAIN "hearth-test-llama"

/* hearth-cli logits / generate / make-model / bench, run as a user would.
 * The expected numbers are llama.cpp's (stories260K.json, "Once upon a
 * time"). */

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hvk-types.h"
#include "shared-test-util.h"

static char *
stories_path (void)
{
  return hearth_test_shared_path ("models/stories260K.gguf");
}

/* Runs hearth-cli with args; returns stdout, checks the exit status. */
static char *
run_cli (int expected_status, const char *const *args)
{
  int wait_status;
  char *out = hearth_test_run_cli (args, &wait_status);

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
  g_autoptr (JsonNode) root = json_from_string (json, NULL);
  g_assert_nonnull (root);
  JsonArray *results = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (results), ==, 2);
  JsonObject *pp = json_array_get_object_element (results, 0);
  JsonObject *tg = json_array_get_object_element (results, 1);
  g_assert_cmpint (json_object_get_int_member (pp, "n_prompt"), ==, 4);
  g_assert_cmpfloat (json_object_get_double_member (pp, "avg_ts"), >, 0);
  /* A decoded token is at least one dispatch and one submit. */
  g_assert_cmpfloat (json_object_get_double_member (tg, "dispatches_per_token"), >=, 1);
  g_assert_cmpfloat (json_object_get_double_member (tg, "barriers_per_token"), >=, 1);
  g_assert_cmpfloat (json_object_get_double_member (tg, "submits_per_token"), ==, 1);
  /* The output head is the tied embedding: every weight is read per token,
   * plus the keys and values of half a position on average. */
  double weights = json_object_get_double_member (tg, "size_mib") * 1024 * 1024;
  double bytes = json_object_get_double_member (tg, "bytes_per_token");
  g_assert_cmpfloat (bytes, >=, weights);
  g_assert_cmpfloat (bytes, <, weights * 1.01);
  g_assert_cmpfloat (json_object_get_double_member (tg, "bandwidth_gbs"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (tg, "pct_of_bound"), >, 0);
  g_unlink (path);
  g_rmdir (dir);
}

/* make-model writes random blocks of every type the kernels read (with
 * llama-quantize's fallbacks for rows that are not a multiple of 256), and
 * the engine loads and runs each file: finite logits. */
static void
test_make_model_every_type (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-make-model-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tiny.gguf", NULL);

  for (guint t = 0; t < HVK_TYPE_COUNT; t++)
    {
      g_autofree char *made = NULL, *out = NULL;

      g_test_message ("type %s", hvk_type_name (t));
      made = run_cli (0, (const char *[]) { "make-model", "-o", path, "--preset", "135m", "--layers", "1",
                                            "--type", hvk_type_suffix (t), NULL });
      out = run_cli (0, (const char *[]) { "logits", "-m", path, "--tokens", "5 6 7", NULL });
      g_assert_cmpuint (strlen (out), >, 0);
      g_assert_null (strstr (out, "nan"));
      g_assert_null (strstr (out, "inf"));
    }
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
  g_test_add_func ("/llama/cli/make-model-every-type", test_make_model_every_type);
  return g_test_run ();
}
