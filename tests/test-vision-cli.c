#define G_LOG_DOMAIN "hearth-test"

/* test-vision-cli: hearth-cli embed-image and generate --image, run as a
 * user would, against llama.cpp's reference (photo-96x96); several images;
 * files that are no image refused with a message, not a crash. */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

static char *
shared_path (const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *
shared_path (const char *first, ...)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    return NULL;
  va_list args;
  va_start (args, first);
  g_autoptr (GPtrArray) parts = g_ptr_array_new ();
  g_ptr_array_add (parts, (char *) shared);
  for (const char *p = first; p != NULL; p = va_arg (args, const char *))
    g_ptr_array_add (parts, (char *) p);
  g_ptr_array_add (parts, NULL);
  va_end (args);
  return g_build_filenamev ((char **) parts->pdata);
}

/* The random-weight SmolVLM2 pair: returns the projector's path and puts
 * the text model's in *text; NULL with the test skipped when
 * HEARTH_SHARED_DIR is not set. */
static char *
smolvlm_pair (char **text)
{
  char *mmproj = shared_path ("models", "random", "smolvlm-tiny-mmproj-f16.gguf", NULL);
  if (mmproj == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set");
      return NULL;
    }
  *text = shared_path ("models", "random", "smolvlm-tiny-text-f16.gguf", NULL);
  return mmproj;
}

/* Runs hearth-cli with args; returns stdout (stderr in *err_out). */
static char *
run_cli (int expected_status, const char *const *args, char **err_out)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) g_getenv ("HEARTH_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  g_autoptr (GError) error = NULL;
  char *out = NULL, *err = NULL;
  int wait_status;
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &wait_status, &error);
  g_assert_no_error (error);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, expected_status);
  if (err_out != NULL)
    *err_out = err;
  else
    g_free (err);
  return out;
}

static void
test_embed_image (void)
{
  g_autofree char *text = NULL;
  g_autofree char *mmproj = smolvlm_pair (&text);
  if (mmproj == NULL)
    return;
  g_autofree char *image = shared_path ("fixtures", "reference", "vlm", "photo-96x96.decoded.png", NULL);
  g_autofree char *dir = g_dir_make_tmp ("hearth-vision-cli-XXXXXX", NULL);
  g_autofree char *out_path = g_build_filename (dir, "photo.f32", NULL);

  const char *args[] = { "embed-image", "--mmproj", mmproj, "-m", text, "--image", image,
                         "--out", out_path, NULL };
  g_autofree char *out = run_cli (0, args, NULL);
  g_assert_nonnull (strstr (out, "grid 4 rows x 4 cols, 16 tiles"));
  g_assert_nonnull (strstr (out, "272 image tokens"));

  g_autofree char *embd = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (out_path, &embd, &len, NULL));
  g_assert_cmpuint (len, ==, 272 * 256 * 4);
  g_unlink (out_path);
  g_rmdir (dir);

  /* A projector for another model: refused, saying why. */
  g_autofree char *stories = shared_path ("models", "stories260K.gguf", NULL);
  const char *wrong[] = { "embed-image", "--mmproj", mmproj, "-m", stories, "--image", image,
                          "--out", out_path, NULL };
  g_autofree char *err = NULL;
  g_autofree char *out2 = run_cli (1, wrong, &err);
  g_assert_nonnull (strstr (err, "does not belong to this model"));
}

/* Greedy generation about the image reproduces llama.cpp's greedy ids. */
static void
test_generate_image (void)
{
  g_autofree char *text = NULL;
  g_autofree char *mmproj = smolvlm_pair (&text);
  if (mmproj == NULL)
    return;
  g_autofree char *image = shared_path ("fixtures", "reference", "vlm", "photo-96x96.decoded.png", NULL);
  g_autofree char *json = shared_path ("fixtures", "reference", "vlm", "photo-96x96.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, json, NULL));
  JsonArray *greedy = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                    "greedy_ids");
  g_autoptr (GString) expect = g_string_new (NULL);
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (expect, "%s%" G_GINT64_FORMAT, i > 0 ? " " : "",
                            json_array_get_int_element (greedy, i));
  g_string_append_c (expect, '\n');

  const char *args[] = { "generate", "-m", text, "--mmproj", mmproj, "--image", image,
                         "-p", "What is in this image?", "--temp", "0", "-n", "4", "--ids", NULL };
  g_autofree char *out = run_cli (0, args, NULL);
  g_assert_cmpstr (out, ==, expect->str);
}

/* Two images, at the prompt's markers or before the text, answer in text. */
static void
test_generate_two_images (void)
{
  g_autofree char *text = NULL;
  g_autofree char *mmproj = smolvlm_pair (&text);
  if (mmproj == NULL)
    return;
  g_autofree char *photo = shared_path ("fixtures", "reference", "vlm", "photo-96x96.decoded.png", NULL);
  g_autofree char *banner = shared_path ("fixtures", "reference", "vlm", "banner-1500x300-rgba.decoded.png", NULL);

  const char *prompts[] = { "Compare <__media__> with <__media__>.", "Compare them." };
  for (guint i = 0; i < G_N_ELEMENTS (prompts); i++)
    {
      const char *args[] = { "generate", "-m", text, "--mmproj", mmproj, "--image", photo,
                             "--image", banner, "-p", prompts[i], "--temp", "0", "-n", "3", NULL };
      g_autofree char *out = run_cli (0, args, NULL);
      g_assert_cmpuint (strlen (out), >, 1);
      g_assert_true (g_str_has_suffix (out, "\n"));
    }

  /* One marker for two images: which image goes where is unclear. */
  const char *one_marker[] = { "generate", "-m", text, "--mmproj", mmproj, "--image", photo,
                               "--image", banner, "-p", "Look: <__media__>", NULL };
  g_autofree char *err = NULL;
  g_autofree char *out = run_cli (1, one_marker, &err);
  g_assert_nonnull (strstr (err, "1 <__media__> markers for 2 images"));
}

/* bench --mmproj --image: every phase of the time to first token and the
 * encode time per chunk, with the image's size after --resize and its
 * chunk and token counts. */
static void
test_bench_image (void)
{
  g_autofree char *text = NULL;
  g_autofree char *mmproj = smolvlm_pair (&text);
  if (mmproj == NULL)
    return;
  g_autofree char *image = shared_path ("fixtures", "images", "screenshot-640x360.png", NULL);
  const char *args[] = { "bench", "-m", text, "--mmproj", mmproj, "--image", image,
                         "--resize", "1280x800", "-r", "1", "--json", NULL };
  g_autofree char *out = run_cli (0, args, NULL);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  JsonArray *rows = json_node_get_array (json_parser_get_root (parser));
  const char *phases[] = { "preprocess", "encode", "prefill", "ttft", "encode_per_tile" };
  g_assert_cmpuint (json_array_get_length (rows), ==, G_N_ELEMENTS (phases));
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    {
      JsonObject *r = json_array_get_object_element (rows, i);
      g_assert_cmpstr (json_object_get_string_member (r, "phase"), ==, phases[i]);
      g_assert_cmpint (json_object_get_int_member (r, "width"), ==, 1280);
      g_assert_cmpint (json_object_get_int_member (r, "height"), ==, 800);
      /* 3 x 4 tiles + the global image, 16 tokens each; 44 text tokens. */
      g_assert_cmpint (json_object_get_int_member (r, "n_chunks"), ==, 13);
      g_assert_cmpint (json_object_get_int_member (r, "n_image_tokens"), ==, 13 * 16);
      g_assert_cmpint (json_object_get_int_member (r, "n_prompt"), ==, 13 * 16 + 44);
      g_assert_cmpfloat (json_object_get_double_member (r, "avg_ms"), >, 0);
    }
  /* One run: the time per chunk is the encode time over 13 chunks. */
  double encode = json_object_get_double_member (json_array_get_object_element (rows, 1), "avg_ms");
  double per_tile = json_object_get_double_member (json_array_get_object_element (rows, 4), "avg_ms");
  g_assert_cmpfloat_with_epsilon (per_tile, encode / 13, 1e-6 * encode);
}

/* Files that are no (readable) image: exit status 1 and a message that
 * names the file, never a crash. */
static void
test_generate_hostile_image (void)
{
  g_autofree char *text = NULL;
  g_autofree char *mmproj = smolvlm_pair (&text);
  if (mmproj == NULL)
    return;
  g_autofree char *photo = shared_path ("fixtures", "reference", "vlm", "photo-96x96.decoded.png", NULL);
  g_autofree char *png = NULL;
  gsize png_len = 0;
  g_assert_true (g_file_get_contents (photo, &png, &png_len, NULL));
  g_autofree char *dir = g_dir_make_tmp ("hearth-vision-cli-XXXXXX", NULL);

  const struct {
    const char *name;
    const char *data;
    gssize      len;      /* -1: no such file */
    const char *message;
  } cases[] = {
    { "missing.png", NULL, -1, "does not exist" },
    { "empty.png", "", 0, "empty file" },
    { "text.png", "not an image\n", 13, "not an image format" },
    { "truncated.png", png, MIN (png_len, 200), "truncated.png" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      if (cases[i].len >= 0)
        g_assert_true (g_file_set_contents (path, cases[i].data, cases[i].len, NULL));
      const char *args[] = { "generate", "-m", text, "--mmproj", mmproj, "--image", path,
                             "-p", "What is this?", NULL };
      g_autofree char *err = NULL;
      g_autofree char *out = run_cli (1, args, &err);
      g_assert_nonnull (strstr (err, cases[i].message));
      g_assert_nonnull (strstr (err, cases[i].name));
      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vision-cli/embed-image", test_embed_image);
  g_test_add_func ("/vision-cli/generate-image", test_generate_image);
  g_test_add_func ("/vision-cli/generate-two-images", test_generate_two_images);
  g_test_add_func ("/vision-cli/generate-hostile-image", test_generate_hostile_image);
  g_test_add_func ("/vision-cli/bench-image", test_bench_image);
  return g_test_run ();
}
