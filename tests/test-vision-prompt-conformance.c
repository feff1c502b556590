#define G_LOG_DOMAIN "hearth-test"

/* test-vision-prompt-conformance: SmolVLM prompts with an image against
 * llama.cpp (mtmd). The prompt ids, image positions included, must equal
 * the reference exactly; the logits after the prefill are compared with
 * the README's tolerances (top-1 equal, top-40 overlap >= 36, logit max
 * abs <= 0.01 over the reference's top 40), once with the reference image
 * embeddings (the decoder side alone) and once with our own encoder's
 * (image file to logits), and once more in batches of 37 positions, whose
 * boundaries fall inside image and text runs alike (a batch mixes both).
 * Two images in one prompt: the ids are the single-image layouts of the
 * references, one after the other. */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>

#include "clip-model.h"
#include "llama-context.h"
#include "vision-encoder.h"
#include "vision-prompt.h"

static const char *const stems[] = {
  "screenshot-640x360", "photo-96x96", "banner-1500x300-rgba", "portrait-300x800",
};

typedef struct {
  HearthDevice    *device;
  GgufFile        *text_file;
  LlamaModel      *text;
  LlamaContext    *ctx;
  LlamaContext    *ctx_37;  /* batches of 37 positions */
  HearthTokenizer *tok;
  GgufFile        *mmproj_file;
  ClipModel       *clip;
  VisionEncoder   *encoder;
  char            *vlm_dir;
} Models;

static Models models;

static gboolean
open_models (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    return FALSE;
  g_autoptr (GError) error = NULL;
  g_autofree char *text_path = g_build_filename (shared, "models", "random", "smolvlm-tiny-text-f16.gguf", NULL);
  g_autofree char *mmproj_path = g_build_filename (shared, "models", "random", "smolvlm-tiny-mmproj-f16.gguf", NULL);
  models.device = hearth_device_open (&error);
  g_assert_no_error (error);
  models.vlm_dir = g_build_filename (shared, "fixtures", "reference", "vlm", NULL);
  models.text_file = gguf_file_open (text_path, &error);
  g_assert_no_error (error);
  models.text = llama_model_load (models.device, models.text_file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  models.ctx = llama_context_new (models.text, 512, 0, &error);
  g_assert_no_error (error);
  models.ctx_37 = llama_context_new (models.text, 512, 37, &error);
  g_assert_no_error (error);
  models.tok = hearth_tokenizer_new_from_gguf (models.text_file, &error);
  g_assert_no_error (error);
  models.mmproj_file = gguf_file_open (mmproj_path, &error);
  g_assert_no_error (error);
  models.clip = clip_model_load (models.device, models.mmproj_file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  clip_model_check_text_width (models.clip, llama_model_get_config (models.text)->n_embd, &error);
  g_assert_no_error (error);
  models.encoder = vision_encoder_new (models.clip, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
close_models (void)
{
  g_clear_pointer (&models.encoder, vision_encoder_free);
  g_clear_pointer (&models.clip, clip_model_free);
  g_clear_pointer (&models.mmproj_file, gguf_file_free);
  g_clear_pointer (&models.tok, hearth_tokenizer_free);
  g_clear_pointer (&models.ctx, llama_context_free);
  g_clear_pointer (&models.ctx_37, llama_context_free);
  g_clear_pointer (&models.text, llama_model_free);
  g_clear_pointer (&models.text_file, gguf_file_free);
  g_clear_pointer (&models.device, hearth_device_free);
  g_clear_pointer (&models.vlm_dir, g_free);
}

static JsonParser *
load_reference (const char *stem)
{
  g_autofree char *name = g_strconcat (stem, ".json", NULL);
  g_autofree char *path = g_build_filename (models.vlm_dir, name, NULL);
  JsonParser *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return parser;
}

static const float *sort_logits;

static int
by_logit_desc (const void *a, const void *b)
{
  float x = sort_logits[*(const gint32 *) a], y = sort_logits[*(const gint32 *) b];
  return x < y ? 1 : x > y ? -1 : 0;
}

static void
compare_top40 (const char *what, const float *logits, guint n_vocab, JsonArray *ref)
{
  g_autofree gint32 *order = g_new (gint32, n_vocab);
  for (guint i = 0; i < n_vocab; i++)
    order[i] = i;
  sort_logits = logits;
  qsort (order, n_vocab, sizeof *order, by_logit_desc);

  guint overlap = 0;
  double max_diff = 0.0;
  for (guint i = 0; i < json_array_get_length (ref); i++)
    {
      JsonObject *e = json_array_get_object_element (ref, i);
      gint32 id = json_object_get_int_member (e, "id");
      max_diff = MAX (max_diff, fabs (logits[id] - json_object_get_double_member (e, "logit")));
      for (guint j = 0; j < 40; j++)
        overlap += order[j] == id;
    }
  gint32 ref_top = json_object_get_int_member (json_array_get_object_element (ref, 0), "id");
  g_test_message ("%s: top-1 %d (llama.cpp %d), top-40 overlap %u, max logit diff %.5f",
                  what, order[0], ref_top, overlap, max_diff);
  g_assert_cmpint (order[0], ==, ref_top);
  g_assert_cmpuint (overlap, >=, 36);
  g_assert_cmpfloat (max_diff, <=, 0.01);
}

static void
test_image (gconstpointer data)
{
  const char *stem = data;
  if (models.ctx == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models or llama.cpp reference data");
      return;
    }
  g_autoptr (JsonParser) parser = load_reference (stem);
  JsonObject *ref = json_node_get_object (json_parser_get_root (parser));
  g_autoptr (GError) error = NULL;

  /* Image file to embeddings with our encoder. */
  g_autofree char *image_name = g_strconcat (stem, ".decoded.png", NULL);
  g_autofree char *image_path = g_build_filename (models.vlm_dir, image_name, NULL);
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *embd = vision_encoder_encode_file (models.encoder, image_path, &tiles,
                                                       NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  guint n_rows = tiles->n_chunks * vision_encoder_tokens_per_chunk (models.encoder);

  /* The prompt: identical ids, -1 at every image position. */
  const char *text = json_object_get_string_member (ref, "prompt_template_input");
  g_autoptr (GArray) ids = vision_prompt_tokenize (models.tok, text, TRUE, tiles->grid_rows, tiles->grid_cols,
                                                   vision_encoder_tokens_per_chunk (models.encoder), &error);
  g_assert_no_error (error);
  JsonArray *ref_ids = json_object_get_array_member (ref, "prompt_token_ids");
  g_assert_cmpuint (ids->len, ==, json_array_get_length (ref_ids));
  for (guint i = 0; i < ids->len; i++)
    g_assert_cmpint (g_array_index (ids, gint32, i), ==, json_array_get_int_element (ref_ids, i));

  guint n_vocab = llama_model_get_config (models.text)->n_vocab;
  JsonArray *top40 = json_object_get_array_member (ref, "top40_after_prefill");

  /* Decoder side alone: llama.cpp's embeddings. */
  g_autofree char *embd_name = g_strconcat (stem, ".embd.f32", NULL);
  g_autofree char *embd_path = g_build_filename (models.vlm_dir, embd_name, NULL);
  g_autofree char *ref_embd = NULL;
  gsize ref_len = 0;
  g_file_get_contents (embd_path, &ref_embd, &ref_len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ref_len, ==, (gsize) n_rows * llama_model_get_config (models.text)->n_embd * 4);
  vision_prompt_prefill (models.ctx, (const gint32 *) ids->data, ids->len, 0,
                         (const float *) ref_embd, n_rows, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (llama_context_get_n_past (models.ctx), ==, json_object_get_int_member (ref, "n_past_after_prefill"));
  g_autofree char *what = g_strdup_printf ("%s, llama.cpp embeddings", stem);
  compare_top40 (what, llama_context_get_logits (models.ctx, 0), n_vocab, top40);
  vision_prompt_prefill (models.ctx_37, (const gint32 *) ids->data, ids->len, 0,
                         (const float *) ref_embd, n_rows, NULL, &error);
  g_assert_no_error (error);
  g_free (what);
  what = g_strdup_printf ("%s, llama.cpp embeddings, batches of 37", stem);
  compare_top40 (what, llama_context_get_logits (models.ctx_37, 0), n_vocab, top40);

  /* End to end: our embeddings. */
  vision_prompt_prefill (models.ctx, (const gint32 *) ids->data, ids->len, 0, embd, n_rows, NULL, &error);
  g_assert_no_error (error);
  g_free (what);
  what = g_strdup_printf ("%s, our embeddings", stem);
  compare_top40 (what, llama_context_get_logits (models.ctx, 0), n_vocab, top40);
}

/* One image's layout in a reference prompt, ids [*start, *end): from its
 * first tile's <fake_token_around_image><row_1_col_1> (the last two ids
 * of the first text chunk) to the <fake_token_around_image> after the
 * global image (the first id of the last text chunk). */
static void
reference_layout (JsonObject *ref, guint *start, guint *end)
{
  JsonArray *layout = json_object_get_array_member (ref, "prompt_layout");
  guint n = json_array_get_length (layout);
  JsonObject *first = json_array_get_object_element (layout, 0);
  JsonObject *global = json_array_get_object_element (layout, n - 2);
  g_assert_cmpstr (json_object_get_string_member (global, "tile"), ==, "global");
  *start = json_array_get_length (json_object_get_array_member (first, "token_ids")) - 2;
  *end = json_object_get_int_member (global, "prompt_token_offset") +
         json_object_get_int_member (global, "n_tokens") + 1;
}

static void
append_ref_ids (GArray *out, JsonArray *ids, guint from, guint to)
{
  for (guint i = from; i < to; i++)
    g_array_append_val (out, (gint32) { json_array_get_int_element (ids, i) });
}

static GBytes *
load_reference_embd (const char *stem)
{
  g_autofree char *name = g_strconcat (stem, ".embd.f32", NULL);
  g_autofree char *path = g_build_filename (models.vlm_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_assert_no_error (error);
  return g_mapped_file_get_bytes (file);
}

/* Screenshot and banner in one user turn, at two markers: each laid out
 * as in its own reference, in prompt order; the prefill takes both
 * images' (reference) embeddings in that order. */
static void
test_two_images (void)
{
  if (models.ctx == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models or llama.cpp reference data");
      return;
    }
  const char *stem[2] = { "screenshot-640x360", "banner-1500x300-rgba" };
  g_autoptr (JsonParser) parser0 = load_reference (stem[0]);
  g_autoptr (JsonParser) parser1 = load_reference (stem[1]);
  JsonParser *parser[2] = { parser0, parser1 };
  JsonObject *ref[2];
  JsonArray *ref_ids[2];
  VisionPromptImage images[2];
  guint start[2], end[2];
  for (guint k = 0; k < 2; k++)
    {
      ref[k] = json_node_get_object (json_parser_get_root (parser[k]));
      ref_ids[k] = json_object_get_array_member (ref[k], "prompt_token_ids");
      reference_layout (ref[k], &start[k], &end[k]);
      images[k] = (VisionPromptImage) {
        .grid_rows = json_object_get_int_member (ref[k], "grid_rows"),
        .grid_cols = json_object_get_int_member (ref[k], "grid_cols"),
        .tokens_per_chunk = vision_encoder_tokens_per_chunk (models.encoder),
      };
    }

  /* Both references share the text around the image. */
  const char *text = json_object_get_string_member (ref[0], "prompt_template_input");
  g_assert_cmpstr (text, ==, json_object_get_string_member (ref[1], "prompt_template_input"));
  g_auto (GStrv) around = g_strsplit (text, VISION_MEDIA_MARKER, 2);
  g_autofree char *two = g_strconcat (around[0], VISION_MEDIA_MARKER, VISION_MEDIA_MARKER,
                                      around[1], NULL);

  g_autoptr (GArray) expect = g_array_new (FALSE, FALSE, sizeof (gint32));
  append_ref_ids (expect, ref_ids[0], 0, end[0]);
  append_ref_ids (expect, ref_ids[1], start[1], end[1]);
  append_ref_ids (expect, ref_ids[0], end[0], json_array_get_length (ref_ids[0]));

  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = vision_prompt_tokenize_images (models.tok, two, TRUE, images, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (ids->data, ids->len * sizeof (gint32), expect->data, expect->len * sizeof (gint32));

  /* Prefill: the images' rows one after the other. */
  g_autoptr (GBytes) embd0 = load_reference_embd (stem[0]);
  g_autoptr (GBytes) embd1 = load_reference_embd (stem[1]);
  g_autoptr (GByteArray) embd = g_byte_array_new ();
  g_byte_array_append (embd, g_bytes_get_data (embd0, NULL), g_bytes_get_size (embd0));
  g_byte_array_append (embd, g_bytes_get_data (embd1, NULL), g_bytes_get_size (embd1));
  guint n_embd = llama_model_get_config (models.text)->n_embd;
  guint n_rows = embd->len / (n_embd * sizeof (float));
  g_assert_cmpuint (n_rows, ==, json_object_get_int_member (ref[0], "n_image_tokens_total") +
                                json_object_get_int_member (ref[1], "n_image_tokens_total"));
  vision_prompt_prefill (models.ctx, (const gint32 *) ids->data, ids->len, 0,
                         (const float *) embd->data, n_rows, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (llama_context_get_n_past (models.ctx), ==, ids->len);
  const float *logits = llama_context_get_logits (models.ctx, 0);
  for (guint i = 0; i < llama_model_get_config (models.text)->n_vocab; i++)
    g_assert_true (isfinite (logits[i]));
}

/* Prompts without exactly one marker, and embeddings that do not match
 * the image positions, are refused. */
static void
test_bad_prompts (void)
{
  if (models.ctx == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no models");
      return;
    }
  g_autoptr (GError) error = NULL;
  g_assert_null (vision_prompt_tokenize (models.tok, "no marker", TRUE, 1, 1, 16, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (vision_prompt_tokenize (models.tok, "<__media__><__media__>", TRUE, 1, 1, 16, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  const VisionPromptImage two[2] = { { 1, 1, 16 }, { 1, 1, 16 } };
  g_assert_null (vision_prompt_tokenize_images (models.tok, "A<__media__>B", TRUE, two, 2, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_autoptr (GArray) ids = vision_prompt_tokenize (models.tok, "A<__media__>B", TRUE, 1, 1, 16, &error);
  g_assert_no_error (error);
  float embd[16 * 256] = { 0 };
  g_assert_false (vision_prompt_prefill (models.ctx, (const gint32 *) ids->data, ids->len, 0,
                                         embd, 16, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  open_models ();
  for (gsize i = 0; i < G_N_ELEMENTS (stems); i++)
    {
      g_autofree char *name = g_strdup_printf ("/vision-prompt/%s", stems[i]);
      g_test_add_data_func (name, stems[i], test_image);
    }
  g_test_add_func ("/vision-prompt/two-images", test_two_images);
  g_test_add_func ("/vision-prompt/bad-prompts", test_bad_prompts);
  int status = g_test_run ();
  close_models ();
  return status;
}
