#define G_LOG_DOMAIN "hearth-test"

/* test-vision-conformance: the SigLIP encoder + idefics3 connector on
 * Vulkan against llama.cpp's CPU embeddings of the four reference images,
 * with the F16 and the Q8_0 projector. From the stored decoded RGB through
 * our tiling to the embeddings; tolerances from the reference README:
 * per-token cosine >= 0.9999, max abs <= 0.03 (RMS about 0.46). */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "clip-model.h"
#include "gguf.h"
#include "vision-encoder.h"

typedef struct {
  const char *mmproj;   /* under models/random */
  const char *ref_dir;  /* under fixtures/reference/vlm */
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
  g_autofree char *embd_path = g_build_filename (vlm, tc->ref_dir, embd_name, NULL);
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
  static Case cases[2 * G_N_ELEMENTS (stems)];
  for (gsize i = 0; i < G_N_ELEMENTS (stems); i++)
    {
      cases[2 * i] = (Case) { "smolvlm-tiny-mmproj-f16.gguf", ".", stems[i] };
      cases[2 * i + 1] = (Case) { "smolvlm-tiny-mmproj-q8_0.gguf", "mmproj-q8_0", stems[i] };
    }
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/vision/%s/%s", cases[i].ref_dir[0] == '.' ? "f16" : "q8_0",
                                               cases[i].stem);
      g_test_add_data_func (name, &cases[i], test_case);
    }
  g_test_add_func ("/vision/wrong-files", test_wrong_files);
  g_test_add_func ("/vision/progress-and-cancel", test_progress_and_cancel);
  int status = g_test_run ();
  g_clear_pointer (&process_device, hearth_device_free);
  return status;
}
