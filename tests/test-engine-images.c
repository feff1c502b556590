#define G_LOG_DOMAIN "hearth-test-engine"

/* Chat sessions with images, through HearthEngine and the random SmolVLM2
 * pair (../shared/models/random, see ../shared/models/SOURCES.md): the
 * image plan against the reference layouts, a greedy reply about an image
 * equal to describe_image's and to llama.cpp's greedy pieces, a follow-up
 * that reuses the image's positions, and the refusals: images for a text
 * model, corrupt image bytes (the session keeps working). */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hearth-engine.h"
#include "shared-test-util.h"

#define QUESTION "What is in this image?"
#define N_REF_PIECES 4 /* compared with llama.cpp's greedy pieces, as test-vision-cli does */

static const char *const stems[] = {
  "screenshot-640x360", "photo-96x96", "banner-1500x300-rgba", "portrait-300x800",
};

static HearthEngine *engine;
static HearthModel  *vlm;     /* smolvlm-tiny-text-f16 with its mmproj */

typedef struct {
  gboolean  done;
  gpointer  value;
  gboolean  ok;
  GError   *error;
  HearthGenerateResult result;
} Wait;

static void
wait_for (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->value = hearth_engine_load_model_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
vision_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = hearth_engine_load_vision_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
generate_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = hearth_engine_generate_finish (NULL, result, &w->result, &w->error);
  w->done = TRUE;
}

static void
describe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->value = hearth_engine_describe_image_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static HearthModel *
load_model (const char *path)
{
  Wait w = { 0 };

  hearth_engine_load_model_async (engine, path, NULL, NULL, load_done, &w);
  wait_for (&w);
  g_assert_no_error (w.error);
  return w.value;
}

static void
load_projector (const char *path)
{
  Wait w = { 0 };

  hearth_engine_load_vision_async (engine, vlm, path, NULL, vision_done, &w);
  wait_for (&w);
  g_assert_no_error (w.error);
}

/* FALSE (test skipped) without ../shared. */
static gboolean
ensure_vlm (void)
{
  g_autofree char *text = NULL, *mmproj = NULL;

  if (vlm != NULL)
    return TRUE;
  if ((text = hearth_test_shared_path ("models/random/smolvlm-tiny-text-f16.gguf")) == NULL ||
      (mmproj = hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-f16.gguf")) == NULL)
    return FALSE;
  engine = hearth_engine_new ();
  vlm = load_model (text);
  load_projector (mmproj);
  return TRUE;
}

static JsonObject *
load_reference (JsonParser *parser, const char *stem)
{
  g_autofree char *name = g_strconcat ("fixtures/reference/vlm/", stem, ".json", NULL);
  g_autofree char *path = hearth_test_shared_path (name);
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (path);
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static GBytes *
reference_image (const char *stem)
{
  g_autofree char *name = g_strconcat ("fixtures/reference/vlm/", stem, ".decoded.png", NULL);
  g_autofree char *path = hearth_test_shared_path (name);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static void
generate (HearthSession *session, const HearthChatMessage *messages, guint n, guint max_tokens,
          Wait *w)
{
  HearthSamplingParams params;

  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0; /* greedy */
  params.max_tokens = max_tokens;
  memset (w, 0, sizeof *w);
  hearth_engine_generate_async (engine, session, messages, n, &params, NULL, NULL,
                                generate_done, w);
  wait_for (w);
  g_test_message ("prompt %u tokens (%u reused, %u processed in %.0f ms), %u generated: %s",
                  w->result.n_prompt_tokens, w->result.n_prompt_reused,
                  w->result.n_prompt_processed, w->result.prompt_seconds * 1e3,
                  w->result.n_generated, w->result.text);
}

static void
wait_clear (Wait *w)
{
  hearth_generate_result_clear (&w->result);
  g_clear_error (&w->error);
}

/* The plan of each fixture image is llama.cpp's layout: its grid, its
 * chunks, and the positions from the first <fake_token_around_image> to
 * the last in the reference prompt. A model without a projector has no
 * plan. */
static void
test_plan (void)
{
  g_autoptr (GError) error = NULL;
  HearthImagePlan plan;

  if (!ensure_vlm ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (stems); i++)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *ref = load_reference (parser, stems[i]);
      JsonObject *size = json_object_get_object_member (ref, "original_size");
      JsonArray *ids = json_object_get_array_member (ref, "prompt_token_ids");
      gint64 fake = json_array_get_int_element (ids, 3); /* <|im_start|> User : <fake> */
      guint first = G_MAXUINT, last = 0;

      for (guint k = 0; k < json_array_get_length (ids); k++)
        if (json_array_get_int_element (ids, k) == fake)
          {
            first = MIN (first, k);
            last = k;
          }
      g_assert_true (hearth_model_plan_image (vlm, json_object_get_int_member (size, "width"),
                                              json_object_get_int_member (size, "height"),
                                              &plan, &error));
      g_assert_no_error (error);
      g_test_message ("%s: %u x %u tiles of %u px, %u chunks, %u positions", stems[i],
                      plan.grid_rows, plan.grid_cols, plan.tile_size, plan.n_chunks,
                      plan.n_tokens);
      g_assert_cmpint (plan.grid_rows, ==, json_object_get_int_member (ref, "grid_rows"));
      g_assert_cmpint (plan.grid_cols, ==, json_object_get_int_member (ref, "grid_cols"));
      g_assert_cmpint (plan.n_chunks, ==, json_object_get_int_member (ref, "n_image_chunks"));
      g_assert_cmpuint (plan.refined_width, ==, plan.grid_cols * plan.tile_size);
      g_assert_cmpuint (plan.refined_height, ==, plan.grid_rows * plan.tile_size);
      g_assert_cmpuint (plan.n_tokens, ==, last - first + 1);
    }
  g_assert_false (hearth_model_plan_image (vlm, 0, 10, &plan, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
}

/* Greedy about an image in a session: the prompt is llama.cpp's, the reply
 * starts with llama.cpp's greedy pieces and equals describe_image's; the
 * follow-up reuses every position of the first turn and encodes nothing;
 * another image in the same place is not mistaken for the first, nor is
 * the same image seen through another projector (Q8_0); the same projector
 * loaded again keeps the cache. */
static void
test_generate_and_follow_up (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (HearthSession) session = NULL;
  g_autoptr (GBytes) photo = NULL, other = NULL;
  g_autofree char *photo_path = NULL, *f16 = NULL, *q8_0 = NULL;
  g_autoptr (GString) ref_start = g_string_new (NULL);
  JsonObject *ref;
  JsonArray *pieces;
  HearthImagePlan plan, other_plan;
  Wait w1, w2, w3, wd = { 0 };
  HearthSamplingParams params;

  if (!ensure_vlm ())
    return;
  ref = load_reference (parser, "photo-96x96");
  pieces = json_object_get_array_member (ref, "greedy_pieces");
  for (guint i = 0; i < N_REF_PIECES; i++)
    g_string_append (ref_start, json_array_get_string_element (pieces, i));
  photo = reference_image ("photo-96x96");
  other = reference_image ("portrait-300x800");

  session = hearth_engine_new_session (engine, vlm, 1024);
  {
    HearthChatMessage turn1[] = { { "user", QUESTION, &photo, 1 } };
    generate (session, turn1, 1, 8, &w1);
  }
  g_assert_no_error (w1.error);
  g_assert_cmpuint (w1.result.n_prompt_tokens, ==, json_object_get_int_member (ref, "n_prompt_tokens"));
  g_assert_cmpuint (w1.result.n_prompt_reused, ==, 0);
  g_assert_true (g_str_has_prefix (w1.result.text, ref_start->str));

  photo_path = hearth_test_shared_path ("fixtures/reference/vlm/photo-96x96.decoded.png");
  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0;
  params.max_tokens = 8;
  hearth_engine_describe_image_async (engine, vlm, photo_path, QUESTION, &params,
                                      HEARTH_ENGINE_PRIORITY_INTERACTIVE, NULL, describe_done, &wd);
  wait_for (&wd);
  g_assert_no_error (wd.error);
  g_assert_cmpstr (w1.result.text, ==, wd.value);
  g_free (wd.value);

  /* The follow-up: only the reply and the new question are run. */
  {
    HearthChatMessage turn2[] = { { "user", QUESTION, &photo, 1 },
                                  { "assistant", w1.result.text },
                                  { "user", "And what colour is it?" } };
    generate (session, turn2, 3, 4, &w2);
  }
  g_assert_no_error (w2.error);
  g_assert_cmpuint (w2.result.n_prompt_reused, >=, w1.result.n_prompt_tokens);
  g_assert_cmpuint (w2.result.n_prompt_processed, <, 40);

  /* Another image where the first was: the cache is reused only up to it. */
  g_assert_true (hearth_model_plan_image (vlm, 96, 96, &plan, NULL));
  g_assert_true (hearth_model_plan_image (vlm, 300, 800, &other_plan, NULL));
  {
    HearthChatMessage turn1b[] = { { "user", QUESTION, &other, 1 } };
    generate (session, turn1b, 1, 4, &w3);
  }
  g_assert_no_error (w3.error);
  g_assert_cmpuint (w3.result.n_prompt_reused, <, w1.result.n_prompt_tokens - plan.n_tokens);
  g_assert_cmpuint (w3.result.n_prompt_processed, >=, other_plan.n_tokens - 2);
  wait_clear (&w3);

  /* The projector the model has, loaded again (as a second user of the
   * model would): nothing changes, the image stays in the cache. */
  f16 = hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-f16.gguf");
  load_projector (f16);
  {
    HearthChatMessage turn1b[] = { { "user", QUESTION, &other, 1 } };
    generate (session, turn1b, 1, 4, &w3);
  }
  g_assert_no_error (w3.error);
  g_assert_cmpuint (w3.result.n_prompt_reused, >=, w3.result.n_prompt_tokens - 1);
  wait_clear (&w3);

  q8_0 = hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-q8_0.gguf");
  load_projector (q8_0);
  {
    HearthChatMessage turn1b[] = { { "user", QUESTION, &other, 1 } };
    generate (session, turn1b, 1, 4, &w3);
  }
  g_assert_no_error (w3.error);
  g_assert_cmpuint (w3.result.n_prompt_reused, <, w3.result.n_prompt_tokens - other_plan.n_tokens);

  wait_clear (&w1);
  wait_clear (&w2);
  wait_clear (&w3);
  hearth_engine_close_session (engine, session);
}

/* A text model refuses images with a message for the user, and its
 * session still chats afterwards; so does a model whose projector is not
 * loaded. */
static void
test_text_model_refuses (void)
{
  g_autofree char *stories = hearth_test_shared_path ("models/stories260K.gguf");
  g_autoptr (HearthModel) text = NULL;
  g_autoptr (HearthSession) session = NULL;
  g_autoptr (GBytes) photo = NULL;
  g_autoptr (GError) error = NULL;
  HearthImagePlan plan;
  Wait w;

  if (stories == NULL || !ensure_vlm ())
    return;
  photo = reference_image ("photo-96x96");
  text = load_model (stories);
  g_assert_false (hearth_model_plan_image (text, 96, 96, &plan, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);

  session = hearth_engine_new_session (engine, text, 64);
  {
    HearthChatMessage with_image[] = { { "user", "Once upon a time", &photo, 1 } };
    generate (session, with_image, 1, 4, &w);
  }
  g_assert_error (w.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", w.error->message);
  g_assert_nonnull (strstr (w.error->message, "cannot see images"));
  wait_clear (&w);
  {
    HearthChatMessage plain[] = { { "user", "Once upon a time" } };
    generate (session, plain, 1, 4, &w);
  }
  g_assert_no_error (w.error);
  g_assert_cmpuint (w.result.n_generated, ==, 4);
  wait_clear (&w);
  hearth_engine_unload_model (engine, text);
}

typedef struct {
  GBytes     *bytes;
  gint        code;
  const char *says;
} BadImage;

/* Bytes that are not an image, a truncated PNG and a header announcing a
 * picture too big to decode come back as image errors that say what is
 * wrong; the session then answers about a good image. */
static void
test_bad_images (void)
{
  g_autoptr (HearthSession) session = NULL;
  g_autoptr (GBytes) photo = NULL;
  /* A PNG header for 100000 x 100000 pixels, then an empty IDAT chunk. */
  static const guint8 huge_png[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0x00, 0x01, 0x86, 0xa0, 0x00, 0x01, 0x86, 0xa0, 8, 2, 0, 0, 0, 0x27, 0x30, 0x9c, 0x9f,
    0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xaf, 0x06, 0x1e,
  };
  BadImage cases[3];
  Wait w;

  if (!ensure_vlm ())
    return;
  photo = reference_image ("photo-96x96");
  cases[0] = (BadImage) { g_bytes_new_static ("not an image\n", 13),
                                   HEARTH_ENGINE_ERROR_UNSUPPORTED, "not an image format" };
  cases[1] = (BadImage) { g_bytes_new_from_bytes (photo, 0, g_bytes_get_size (photo) / 2),
                                   HEARTH_ENGINE_ERROR_CORRUPT_FILE, "Cannot decode" };
  cases[2] = (BadImage) { g_bytes_new_static (huge_png, sizeof huge_png),
                                   HEARTH_ENGINE_ERROR_UNSUPPORTED, "100000 × 100000" };

  session = hearth_engine_new_session (engine, vlm, 1024);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HearthChatMessage turn[] = { { "user", QUESTION, &cases[i].bytes, 1 } };
      generate (session, turn, 1, 4, &w);
      g_assert_error (w.error, HEARTH_ENGINE_ERROR, cases[i].code);
      g_test_message ("%s", w.error->message);
      g_assert_nonnull (strstr (w.error->message, cases[i].says));
      g_assert_nonnull (strstr (w.error->message, "image 1 of message 1"));
      wait_clear (&w);
      g_bytes_unref (cases[i].bytes);
    }
  {
    HearthChatMessage good[] = { { "user", QUESTION, &photo, 1 } };
    generate (session, good, 1, 4, &w);
  }
  g_assert_no_error (w.error);
  g_assert_cmpuint (w.result.n_generated, ==, 4);
  wait_clear (&w);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine-images/plan", test_plan);
  g_test_add_func ("/engine-images/generate-and-follow-up", test_generate_and_follow_up);
  g_test_add_func ("/engine-images/text-model-refuses", test_text_model_refuses);
  g_test_add_func ("/engine-images/bad-images", test_bad_images);
  status = g_test_run ();
  g_clear_pointer (&vlm, hearth_model_unref);
  g_clear_object (&engine);
  return status;
}
