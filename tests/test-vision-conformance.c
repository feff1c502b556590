#define G_LOG_DOMAIN "hearth-test"

/* test-vision-conformance: the SigLIP encoder + idefics3 connector on
 * Vulkan against llama.cpp's CPU embeddings of the four reference images,
 * with the F16 and the Q8_0 projector. From the stored decoded RGB through
 * our tiling to the embeddings; tolerances from the reference README:
 * per-token cosine >= 0.9999, max abs <= 0.03 (RMS about 0.46). */

#include <glib.h>
#include <math.h>
#include <glib/gstdio.h>
#include <string.h>

#include "clip-model.h"
#include "gguf.h"
#include "vision-encoder.h"

typedef struct {
  const char *name;
  const char *mmproj;   /* under models/random */
  const char *ref_dir;  /* under fixtures/reference */
  const char *stem;
} Case;

static HearthDevice *process_device;

/* One device for the whole process, opened on first use. */
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

static const char *const stems[] = {
  "screenshot-640x360", "photo-96x96", "banner-1500x300-rgba", "portrait-300x800",
};

static void
test_case (gconstpointer data)
{
  const Case *tc = data;
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no llama.cpp reference data");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *vlm = g_build_filename (shared, "fixtures", "reference", "vlm", NULL);
  g_autofree char *ref_dir = g_build_filename (shared, "fixtures", "reference", tc->ref_dir, NULL);
  g_autofree char *mmproj_path = g_build_filename (shared, "models", "random", tc->mmproj, NULL);
  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, &error);
  g_assert_no_error (error);

  g_autoptr (ClipModel) model = clip_model_load (test_device (), file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (model, &error);
  g_assert_no_error (error);

  g_autofree char *decoded_name = g_strconcat (tc->stem, ".decoded.png", NULL);
  g_autofree char *decoded = g_build_filename (vlm, decoded_name, NULL);
  g_autoptr (HearthImage) image = hearth_image_load (decoded, 0, &error);
  g_assert_no_error (error);
  ImagePreprocessConfig pre;
  clip_model_get_preprocess_config (model, &pre);
  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &pre);

  guint dim = clip_model_get_config (model)->projection_dim;
  guint n_tokens = tiles->n_chunks * vision_encoder_tokens_per_chunk (encoder);
  g_autofree float *got = g_new (float, (gsize) n_tokens * dim);
  vision_encoder_encode (encoder, tiles, got, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  g_autofree char *embd_name = g_strconcat (tc->stem, ".embd.f32", NULL);
  g_autofree char *embd_path = g_build_filename (ref_dir, embd_name, NULL);
  g_autofree char *ref = NULL;
  gsize ref_len = 0;
  g_file_get_contents (embd_path, &ref, &ref_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ref_len, ==, (gsize) n_tokens * dim * 4);
  const float *expect = (const float *) ref;

  double min_cos = 1.0, max_abs = 0.0, sq = 0.0;
  for (guint t = 0; t < n_tokens; t++)
    {
      double dot = 0, na = 0, nb = 0;
      for (guint i = 0; i < dim; i++)
        {
          double a = expect[(gsize) t * dim + i], b = got[(gsize) t * dim + i];
          dot += a * b;
          na += a * a;
          nb += b * b;
          max_abs = MAX (max_abs, fabs (a - b));
        }
      sq += na;
      min_cos = MIN (min_cos, dot / sqrt (na * nb + 1e-30));
    }
  g_test_message ("%s %s: %u tokens, min cosine %.7f, max abs %.5f, rms %.3f", tc->mmproj, tc->stem,
                  n_tokens, min_cos, max_abs, sqrt (sq / ((double) n_tokens * dim)));
  g_assert_cmpfloat (min_cos, >=, 0.9999);
  g_assert_cmpfloat (max_abs, <=, 0.03);
}

/* A text model given as the projector, and a projector paired with a text
 * model of another width, are refused with errors that say so. */
static void
test_wrong_files (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models");
      return;
    }
  g_autoptr (GError) error = NULL;
  HearthDevice *device = test_device ();

  g_autofree char *text_path = g_build_filename (shared, "models", "random", "smolvlm-tiny-text-f16.gguf", NULL);
  g_autoptr (GgufFile) text = gguf_file_open (text_path, &error);
  g_assert_no_error (error);
  g_assert_null (clip_model_load (device, text, NULL, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "not a vision projector"));
  g_clear_error (&error);

  g_autofree char *mmproj_path = g_build_filename (shared, "models", "random", "smolvlm-tiny-mmproj-f16.gguf", NULL);
  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, &error);
  g_assert_no_error (error);
  g_autoptr (ClipModel) model = clip_model_load (device, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (clip_model_check_text_width (model, 256, &error));
  g_assert_false (clip_model_check_text_width (model, 576, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "576"));
}

/* The projector file with the u32 value of key replaced, in a temporary
 * file: GGUF stores a key as u64 length + bytes, then its type and value. */
static char *
write_patched_projector (const char *mmproj_path, const char *key, guint32 value)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_file_get_contents (mmproj_path, &bytes, &len, &error);
  g_assert_no_error (error);
  gsize key_len = strlen (key);
  char *at = memmem (bytes, len, key, key_len);
  g_assert_nonnull (at);
  guint32 type;
  memcpy (&type, at + key_len, 4);
  g_assert_cmpuint (type, ==, 4); /* GGUF_TYPE_UINT32 */
  memcpy (at + key_len + 4, &value, 4);

  g_autofree char *dir = g_dir_make_tmp ("hearth-vision-XXXXXX", &error);
  g_assert_no_error (error);
  char *path = g_build_filename (dir, "patched-mmproj.gguf", NULL);
  g_file_set_contents (path, bytes, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
assert_projector_refused (const char *mmproj_path, const char *key, guint32 value, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_patched_projector (mmproj_path, key, value);
  g_autoptr (GgufFile) file = gguf_file_open (path, &error);
  g_assert_no_error (error);
  g_assert_null (clip_model_load (test_device (), file, NULL, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
  g_test_message ("%s = %u: %s", key, value, error->message);
  g_assert_nonnull (strstr (error->message, message));
  g_autofree char *dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
}

/* A patch grid that does not fill the tile loads (trailing pixels are
 * ignored); numbers that cannot work are refused with what is wrong. */
static void
test_patch_geometry (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *p14 = g_build_filename (shared, "models", "random", "smolvlm-p14-tiny-mmproj-f16.gguf", NULL);
  g_autoptr (GgufFile) file = gguf_file_open (p14, &error);
  g_assert_no_error (error);
  g_autoptr (ClipModel) model = clip_model_load (test_device (), file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  const ClipConfig *c = clip_model_get_config (model);
  g_assert_cmpuint (c->grid, ==, 27);
  g_assert_cmpuint (c->tokens_per_tile, ==, 81);

  assert_projector_refused (p14, "clip.vision.patch_size", 0, "missing or zero");
  assert_projector_refused (p14, "clip.vision.patch_size", 385, "a tile has no patches");
  assert_projector_refused (p14, "clip.vision.image_size", 5000, "larger than 4096");
  /* 384 / 13 = 29 patches per side: pixel shuffle by 3 cannot divide them */
  assert_projector_refused (p14, "clip.vision.patch_size", 13, "29 patches per side cannot be merged by scale_factor 3");
  assert_projector_refused (p14, "clip.vision.projector.scale_factor", 0, "missing or zero");
}

static void
count_progress (guint done, guint n_chunks, gpointer user_data)
{
  GArray *calls = user_data;
  g_array_append_val (calls, done);
  g_assert_cmpuint (n_chunks, ==, 17);
}

/* Progress after every batch, ending at n_chunks; a cancelled encode
 * stops with CANCELLED. */
static void
test_progress_and_cancel (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_autofree char *mmproj_path = g_build_filename (shared, "models", "random", "smolvlm-tiny-mmproj-f16.gguf", NULL);
  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, &error);
  g_assert_no_error (error);
  g_autoptr (ClipModel) model = clip_model_load (test_device (), file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (model, &error);
  g_assert_no_error (error);

  g_autofree char *path = g_build_filename (shared, "fixtures", "reference", "vlm", "photo-96x96.decoded.png", NULL);
  g_autoptr (GArray) calls = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *embd = vision_encoder_encode_file (encoder, path, &tiles, count_progress, calls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (calls->len, >=, 1);
  g_assert_cmpuint (g_array_index (calls, guint, calls->len - 1), ==, 17);

  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  g_autoptr (ImageTiles) tiles2 = NULL;
  g_assert_null (vision_encoder_encode_file (encoder, path, &tiles2, NULL, NULL, cancellable, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_assert_null (tiles2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  static const Case projectors[] = {
    { "f16", "smolvlm-tiny-mmproj-f16.gguf", "vlm", NULL },
    { "q8_0", "smolvlm-tiny-mmproj-q8_0.gguf", "vlm/mmproj-q8_0", NULL },
    /* SmolVLM2-2.2B's geometry: 384-pixel tiles cut into 27 x 27 patches of 14 */
    { "p14", "smolvlm-p14-tiny-mmproj-f16.gguf", "vlm-p14", NULL },
  };
  static Case cases[G_N_ELEMENTS (projectors) * G_N_ELEMENTS (stems)];
  for (gsize p = 0; p < G_N_ELEMENTS (projectors); p++)
    for (gsize i = 0; i < G_N_ELEMENTS (stems); i++)
      {
        Case *c = &cases[p * G_N_ELEMENTS (stems) + i];
        *c = projectors[p];
        c->stem = stems[i];
        /* llama.cpp does not composite alpha on white: no p14 reference for the RGBA banner */
        if (g_str_equal (c->name, "p14") && g_str_has_suffix (c->stem, "-rgba"))
          continue;
        g_autofree char *name = g_strdup_printf ("/vision/%s/%s", c->name, c->stem);
        g_test_add_data_func (name, c, test_case);
      }
  g_test_add_func ("/vision/wrong-files", test_wrong_files);
  g_test_add_func ("/vision/patch-geometry", test_patch_geometry);
  g_test_add_func ("/vision/progress-and-cancel", test_progress_and_cancel);
  int status = g_test_run ();
  g_clear_pointer (&process_device, hearth_device_free);
  return status;
}
