#define G_LOG_DOMAIN "hearth-test"

/* test-make-model-vision: hearth-cli make-model writes SmolVLM2 pairs of
 * the real shapes (depth cut to one layer) that Hearth loads as a pair and
 * encodes: the projector's widths are the real model's, its width matches
 * the text model's, and a batch of two identical tiles gives two identical,
 * finite sets of embeddings (the tiles of a batch do not see each other). */

#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "clip-model.h"
#include "gguf.h"
#include "shared-test-util.h"
#include "vision-encoder.h"

typedef struct {
  const char *preset;
  guint32     image_size, patch_size, n_embd, n_head, n_ff, scale_factor, text_n_embd;
  guint32     tokens_per_tile;
  gboolean    encode;   /* 500M's encoder is 256M's: loading it is enough */
} Shape;

static const Shape shapes[] = {
  { "smolvlm2-256m", 512, 16,  768, 12, 3072, 4,  576, 64, TRUE },
  { "smolvlm2-500m", 512, 16,  768, 12, 3072, 4,  960, 64, FALSE },
  { "smolvlm2-2.2b", 384, 14, 1152, 16, 4304, 3, 2048, 81, TRUE },
};

static HearthDevice *process_device;

static HearthDevice *
test_device (void)
{
  if (process_device == NULL)
    {
      g_autoptr (GError) error = NULL;
      process_device = hearth_device_open (&error);
      g_assert_no_error (error);
    }
  return process_device;
}

static void
make_pair (const char *preset, const char *text, const char *mmproj)
{
  int wait_status;
  g_autofree char *out = hearth_test_run_cli ((const char *[]) {
    "make-model", "--preset", preset, "--layers", "1", "--type", "f16",
    "-o", text, "--mmproj", mmproj, NULL }, &wait_status);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
}

/* Two chunks holding the same horizontal gradient with a diagonal stripe. */
static ImageTiles *
two_equal_tiles (guint tile_size)
{
  ImageTiles *tiles = g_new0 (ImageTiles, 1);
  gsize plane = (gsize) tile_size * tile_size;

  tiles->tile_size = tile_size;
  tiles->n_chunks = 2;
  tiles->pixels = g_new (float, 2 * 3 * plane);
  for (guint ch = 0; ch < 3; ch++)
    for (guint y = 0; y < tile_size; y++)
      for (guint x = 0; x < tile_size; x++)
        {
          float v = (x + y) % 37 == 0 ? 1.0f : 2.0f * x / tile_size - 1.0f + 0.1f * ch;
          tiles->pixels[ch * plane + (gsize) y * tile_size + x] = v;
          tiles->pixels[(3 + ch) * plane + (gsize) y * tile_size + x] = v;
        }
  return tiles;
}

/* Two equal tiles in one batch: finite, equal embeddings. */
static void
check_encode (ClipModel *model)
{
  const ClipConfig *c = clip_model_get_config (model);
  g_autoptr (GError) error = NULL;

  g_autoptr (VisionEncoder) encoder = vision_encoder_new (model, &error);
  g_assert_no_error (error);
  ImageTiles *tiles = two_equal_tiles (c->image_size);
  gsize per_chunk = (gsize) c->tokens_per_tile * c->projection_dim;
  g_autofree float *embd = g_new (float, 2 * per_chunk);
  gboolean ok = vision_encoder_encode (encoder, tiles, embd, NULL, NULL, NULL, &error);
  g_free (tiles->pixels);
  g_free (tiles);
  g_assert_no_error (error);
  g_assert_true (ok);

  double max_diff = 0, sum_sq = 0;
  for (gsize i = 0; i < per_chunk; i++)
    {
      g_assert_true (isfinite (embd[i]));
      max_diff = MAX (max_diff, fabs (embd[i] - embd[per_chunk + i]));
      sum_sq += (double) embd[i] * embd[i];
    }
  double rms = sqrt (sum_sq / per_chunk);
  g_test_message ("%u-wide encoder: rms %.4f, max difference between the two tiles %.2g", c->n_embd, rms, max_diff);
  g_assert_cmpfloat (rms, >, 1e-3);
  g_assert_cmpfloat (max_diff, <=, 1e-4 * rms);
  /* Tokens differ: each merges other patches with other position embeddings. */
  g_assert_cmpint (memcmp (embd, embd + c->projection_dim, c->projection_dim * sizeof (float)), !=, 0);
}

static void
test_shape (gconstpointer data)
{
  const Shape *s = data;
  g_autofree char *dir = g_dir_make_tmp ("hearth-make-vlm-XXXXXX", NULL);
  g_autofree char *text_path = g_build_filename (dir, "text.gguf", NULL);
  g_autofree char *mmproj_path = g_build_filename (dir, "mmproj.gguf", NULL);
  g_autoptr (GError) error = NULL;

  make_pair (s->preset, text_path, mmproj_path);

  g_autoptr (GgufFile) text = gguf_file_open (text_path, &error);
  g_assert_no_error (error);
  guint32 text_n_embd = 0;
  g_assert_true (gguf_file_get_u32 (text, "llama.embedding_length", &text_n_embd, &error));
  g_assert_cmpuint (text_n_embd, ==, s->text_n_embd);

  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, &error);
  g_assert_no_error (error);
  g_autoptr (ClipModel) model = clip_model_load (test_device (), file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  const ClipConfig *c = clip_model_get_config (model);
  g_assert_cmpuint (c->image_size, ==, s->image_size);
  g_assert_cmpuint (c->patch_size, ==, s->patch_size);
  g_assert_cmpuint (c->n_embd, ==, s->n_embd);
  g_assert_cmpuint (c->n_head, ==, s->n_head);
  g_assert_cmpuint (c->n_ff, ==, s->n_ff);
  g_assert_cmpuint (c->scale_factor, ==, s->scale_factor);
  g_assert_cmpuint (c->n_layer, ==, 1);
  g_assert_cmpuint (c->tokens_per_tile, ==, s->tokens_per_tile);
  g_assert_true (clip_model_check_text_width (model, text_n_embd, &error));
  if (s->encode)
    check_encode (model);
  g_unlink (text_path);
  g_unlink (mmproj_path);
  g_rmdir (dir);
}

/* A SmolVLM2 preset without --mmproj, and a tokenizer of the wrong size,
 * are refused with a message. */
static void
test_refusals (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-make-vlm-XXXXXX", NULL);
  g_autofree char *text_path = g_build_filename (dir, "text.gguf", NULL);
  g_autofree char *mmproj_path = g_build_filename (dir, "mmproj.gguf", NULL);
  int wait_status;

  g_autofree char *out = hearth_test_run_cli ((const char *[]) {
    "make-model", "--preset", "smolvlm2-256m", "-o", text_path, NULL }, &wait_status);
  g_assert_false (g_spawn_check_wait_status (wait_status, NULL));
  g_assert_false (g_file_test (text_path, G_FILE_TEST_EXISTS));

  /* A vocabulary of 512 tokens, not SmolVLM's 49,280. */
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *stories = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;
  if (stories != NULL && g_file_test (stories, G_FILE_TEST_EXISTS))
    {
      g_autofree char *out2 = hearth_test_run_cli ((const char *[]) {
        "make-model", "--preset", "smolvlm2-256m", "--layers", "1", "-o", text_path,
        "--mmproj", mmproj_path, "--tokenizer", stories, NULL }, &wait_status);
      g_assert_false (g_spawn_check_wait_status (wait_status, NULL));
      g_assert_false (g_file_test (text_path, G_FILE_TEST_EXISTS));
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/make-model/vision/%s", shapes[i].preset);
      g_test_add_data_func (path, &shapes[i], test_shape);
    }
  g_test_add_func ("/make-model/vision/refusals", test_refusals);
  int status = g_test_run ();
  g_clear_pointer (&process_device, hearth_device_free);
  return status;
}
