#define G_LOG_DOMAIN "hearth-test-llama"

/* Llama forward pass against llama.cpp's recorded outputs
 * (../shared/fixtures/reference/<model>.json, schema llama-ref-v1; see the
 * README there for the tolerances).
 *
 * For each case the prompt goes in as one forward (chunks of 512, like the
 * reference), then the reference's greedy ids are fed back (teacher
 * forcing, see run_case). At every step our logits must be within the file's
 * tolerance of the reference's, and our argmax must be the reference's
 * wherever its top1-top2 gap is larger than twice the tolerance. Because
 * the inputs are the reference's own ids, agreeing argmaxes up to the first
 * step whose gap is below the tolerance is the same as free-running greedy
 * decoding producing identical ids up to that step. */

#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "gguf.h"
#include "llama-context.h"
#include "sampler.h"
#include "shared-test-util.h"
#include "tokenizer.h"

typedef struct {
  const char *name;        /* reference file stem */
  const char *model;       /* path under shared/models */
  double      tolerance;   /* |Δlogit| bound */
} RefModel;

static const RefModel ref_models[] = {
  { "stories260K",         "stories260K.gguf",                0.05 },
  { "stories260K-q8_0",    "stories260K-q8_0.gguf",           0.25 },
  { "stories260K-q4_0",    "stories260K-q4_0.gguf",           0.25 },
  { "smollm-tiny-f16",     "random/smollm-tiny-f16.gguf",     0.05 },
  { "smollm-tiny-q8_0",    "random/smollm-tiny-q8_0.gguf",    0.15 },
  { "smollm-tiny-q4_0",    "random/smollm-tiny-q4_0.gguf",    0.15 },
  { "smollm-tiny-q4_k_m",  "random/smollm-tiny-q4_k_m.gguf",  0.15 },
  { "smollm-tiny-q6_k",    "random/smollm-tiny-q6_k.gguf",    0.15 },
};

static char *
file_sha256 (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, &error);

  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                      (const guchar *) g_mapped_file_get_contents (map),
                                      g_mapped_file_get_length (map));
}

static gint32
argmax (const float *x, guint n)
{
  guint best = 0;

  for (guint i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

typedef struct {
  const char *file;
  double      tolerance;
  double      max_delta;
  guint       n_failures;
} Checker;

static void
check_logit (Checker *ck, const char *prompt, guint step, const float *logits,
             gint64 id, double ref)
{
  double delta = fabs (logits[id] - ref);

  ck->max_delta = MAX (ck->max_delta, delta);
  if (delta <= ck->tolerance)
    return;
  g_test_message ("%s, \"%s\", step %u: logit of token %" G_GINT64_FORMAT " is %.4f, "
                  "reference %.4f (delta %.4f > %.2f)", ck->file, prompt, step, id,
                  logits[id], ref, delta, ck->tolerance);
  ck->n_failures++;
}

/* Step 0: the top-40 at the last prompt position. */
static void
check_top_logits (Checker *ck, JsonObject *c, const float *logits)
{
  JsonArray *top = json_object_get_array_member (c, "top_logits");
  const char *prompt = json_object_get_string_member (c, "prompt");

  for (guint i = 0; i < json_array_get_length (top); i++)
    {
      JsonArray *pair = json_array_get_array_element (top, i);
      check_logit (ck, prompt, 0, logits, json_array_get_int_element (pair, 0),
                   json_array_get_double_element (pair, 1));
    }
}

/* Returns whether the greedy decision at this step is still binding. */
static gboolean
check_step (Checker *ck, JsonObject *c, guint step, const float *logits, guint n_vocab,
            gboolean binding)
{
  JsonArray *s = json_array_get_array_element (json_object_get_array_member (c, "greedy_steps_top2"),
                                               step);
  const char *prompt = json_object_get_string_member (c, "prompt");
  gint64 top1 = json_array_get_int_element (s, 0), top2 = json_array_get_int_element (s, 2);
  double l1 = json_array_get_double_element (s, 1), l2 = json_array_get_double_element (s, 3);
  double gap = l1 - l2;
  gint32 ours = argmax (logits, n_vocab);

  check_logit (ck, prompt, step, logits, top1, l1);
  check_logit (ck, prompt, step, logits, top2, l2);

  binding = binding && gap >= ck->tolerance;
  if ((binding || gap > 2 * ck->tolerance) && ours != top1)
    {
      g_test_message ("%s, \"%s\", step %u: our argmax is %d (%.4f), the reference's %"
                      G_GINT64_FORMAT " (%.4f, gap to its second %.4f)", ck->file, prompt,
                      step, ours, logits[ours], top1, l1, gap);
      ck->n_failures++;
    }
  return binding;
}

/* Steps 1..N_DECODE_STEPS-1 run as single-token decodes (the matrix×vector
 * path a chat uses); the rest go in as one batch with logits at every
 * position, which is the same teacher forcing at a fraction of the cost. */
#define N_DECODE_STEPS 8

/* Our tokenizer, with the model's BOS rule, must give the reference ids. */
static void
check_prompt_ids (Checker *ck, HearthTokenizer *tok, JsonObject *c, GArray *ref_ids)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;
  const char *prompt = json_object_get_string_member (c, "prompt");

  hearth_tokenizer_encode (tok, prompt, -1, TRUE, FALSE, ids, &error);
  g_assert_no_error (error);
  if (ids->len == ref_ids->len && memcmp (ids->data, ref_ids->data, ids->len * sizeof (gint32)) == 0)
    return;
  g_test_message ("%s, \"%s\": our prompt has %u tokens, the reference's %u, or different ids",
                  ck->file, prompt, ids->len, ref_ids->len);
  ck->n_failures++;
}

static void
run_case (Checker *ck, LlamaContext *ctx, HearthTokenizer *tok, JsonObject *c)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prompt = hearth_test_json_ids (json_object_get_array_member (c, "prompt_ids"));
  g_autoptr (GArray) greedy = hearth_test_json_ids (json_object_get_array_member (c, "greedy_ids"));
  guint n_steps = json_array_get_length (json_object_get_array_member (c, "greedy_steps_top2"));
  guint n_vocab = llama_model_get_config (llama_context_get_model (ctx))->n_vocab;
  gboolean binding = TRUE;
  guint k;

  /* Step k decides the token after greedy[k-1]; one exists for each k. */
  n_steps = MIN (n_steps, greedy->len + 1);
  check_prompt_ids (ck, tok, c, prompt);

  llama_context_forward (ctx, (gint32 *) prompt->data, prompt->len, 0, FALSE, NULL, &error);
  g_assert_no_error (error);
  check_top_logits (ck, c, llama_context_get_logits (ctx, 0));
  binding = check_step (ck, c, 0, llama_context_get_logits (ctx, 0), n_vocab, binding);

  for (k = 1; k < MIN (n_steps, N_DECODE_STEPS); k++)
    {
      llama_context_forward (ctx, &g_array_index (greedy, gint32, k - 1), 1,
                             prompt->len + k - 1, FALSE, NULL, &error);
      g_assert_no_error (error);
      binding = check_step (ck, c, k, llama_context_get_logits (ctx, 0), n_vocab, binding);
    }
  if (k >= n_steps)
    return;

  llama_context_forward (ctx, &g_array_index (greedy, gint32, k - 1), n_steps - k,
                         prompt->len + k - 1, TRUE, NULL, &error);
  g_assert_no_error (error);
  for (guint row = 0; k < n_steps; k++, row++)
    binding = check_step (ck, c, k, llama_context_get_logits (ctx, row), n_vocab, binding);
}

/* A model with a context and its tokenizer, opened for one test. */
typedef struct {
  HearthDevice    *device;
  GgufFile        *file;
  LlamaModel      *model;
  LlamaContext    *ctx;
  HearthTokenizer *tok;
} Loaded;

static void
loaded_open (Loaded *l, const char *path, guint n_ctx, guint n_batch)
{
  g_autoptr (GError) error = NULL;

  l->device = hearth_device_open (&error);
  g_assert_no_error (error);
  l->file = gguf_file_open (path, &error);
  g_assert_no_error (error);
  l->model = llama_model_load (l->device, l->file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  l->ctx = llama_context_new (l->model, n_ctx, n_batch, &error);
  g_assert_no_error (error);
  l->tok = hearth_tokenizer_new_from_gguf (l->file, &error);
  g_assert_no_error (error);
}

static void
loaded_clear (Loaded *l)
{
  g_clear_pointer (&l->tok, hearth_tokenizer_free);
  g_clear_pointer (&l->ctx, llama_context_free);
  g_clear_pointer (&l->model, llama_model_free);
  g_clear_pointer (&l->file, gguf_file_free);
  g_clear_pointer (&l->device, hearth_device_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Loaded, loaded_clear)

static JsonObject *
load_reference (JsonParser *parser, const char *path)
{
  g_autoptr (GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "schema"), ==, "llama-ref-v1");
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_reference (gconstpointer data)
{
  const RefModel *rm = data;
  g_autofree char *ref_rel = g_strdup_printf ("fixtures/reference/%s.json", rm->name);
  g_autofree char *model_rel = g_build_filename ("models", rm->model, NULL);
  g_autofree char *ref_path = hearth_test_shared_path (ref_rel);
  g_autofree char *model_path = ref_path ? hearth_test_shared_path (model_rel) : NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_auto (Loaded) l = { 0 };
  g_autofree char *sha = NULL;
  JsonObject *ref;
  JsonArray *cases;
  Checker ck = { .file = rm->name, .tolerance = rm->tolerance };

  if (model_path == NULL)
    return;
  ref = load_reference (parser, ref_path);
  sha = file_sha256 (model_path);
  g_assert_cmpstr (sha, ==, json_object_get_string_member (ref, "model_sha256"));

  loaded_open (&l, model_path, 1024, 512);
  g_assert_cmpuint (llama_model_get_config (l.model)->n_vocab, ==,
                    json_object_get_int_member (ref, "n_vocab"));

  cases = json_object_get_array_member (ref, "cases");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    run_case (&ck, l.ctx, l.tok, json_array_get_object_element (cases, i));

  g_test_message ("%s: max |logit delta| %.4f (tolerance %.2f), %u failures",
                  rm->name, ck.max_delta, ck.tolerance, ck.n_failures);
  g_assert_cmpuint (ck.n_failures, ==, 0);
}

/* Free-running greedy decoding on the real stories260K model, sampled
 * with the greedy sampler and detokenized by the streaming decoder. */
static void
test_stories_greedy_text (void)
{
  const char *expected = ", there was a little girl named Lily. She loved to play outside in the park";
  g_autofree char *path = hearth_test_shared_path ("models/stories260K.gguf");
  g_autoptr (GError) error = NULL;
  g_auto (Loaded) l = { 0 };
  g_autoptr (HearthTokenStream) stream = NULL;
  g_autoptr (HearthSampler) sampler = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GString) text = g_string_new (NULL);
  HearthSamplerParams params;

  if (path == NULL)
    return;
  loaded_open (&l, path, 128, 0);
  stream = hearth_token_stream_new (l.tok, FALSE);
  hearth_sampler_params_init (&params);
  params.temperature = 0;
  sampler = hearth_sampler_new (&params);

  hearth_tokenizer_encode (l.tok, "Once upon a time", -1, TRUE, FALSE, ids, &error);
  g_assert_no_error (error);
  llama_context_forward (l.ctx, (gint32 *) ids->data, ids->len, 0, FALSE, NULL, &error);
  g_assert_no_error (error);
  while (text->len < strlen (expected))
    {
      gint32 id = hearth_sampler_sample (sampler, llama_context_get_logits (l.ctx, 0), 512);
      g_assert_false (hearth_tokenizer_is_eog (l.tok, id));
      hearth_token_stream_push (stream, id, text);
      llama_context_forward (l.ctx, &id, 1, llama_context_get_n_past (l.ctx), FALSE, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpstr (text->str, ==, expected);
}

/* Of the reference's top-40 ids at the last prompt position, how many are
 * among our 40 largest logits. */
static guint
top40_overlap (JsonArray *top, const float *logits, guint n_vocab)
{
  guint n_top = MIN (json_array_get_length (top), n_vocab), overlap = 0;

  for (guint k = 0; k < n_top; k++)
    {
      gint64 id = json_object_get_int_member (json_array_get_object_element (top, k), "id");
      guint above = 0;

      /* id is among our top n_top when fewer than n_top logits beat it. */
      for (guint v = 0; v < n_vocab && above < n_top; v++)
        if (logits[v] > logits[id])
          above++;
      overlap += above < n_top;
    }
  return overlap;
}

/* One case of a "results" reference (vlm/text-only.json, qmix/<preset>.json):
 * our prompt ids must be the reference's; at the last prompt position every
 * top-40 logit within the tolerance, at least min_overlap of those ids among
 * our top-40, and our argmax the reference's first greedy id where its
 * top1-top2 gap exceeds twice the tolerance. The reference's greedy ids are
 * then fed back one by one; these files record no later gaps, so our own
 * top1-top2 gap decides where a greedy decision is binding. */
static void
check_results_case (Checker *ck, Loaded *l, JsonObject *c, gboolean parse_special, guint min_overlap)
{
  const char *prompt = json_object_get_string_member (c, "prompt");
  g_autoptr (GArray) ref_ids = hearth_test_json_ids (json_object_get_array_member (c, "prompt_ids"));
  g_autoptr (GArray) greedy = hearth_test_json_ids (json_object_get_array_member (c, "greedy_ids"));
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;
  JsonArray *top = json_object_get_array_member (c, "top40_last_logits");
  guint n_vocab = llama_model_get_config (l->model)->n_vocab;
  guint overlap;

  hearth_tokenizer_encode (l->tok, prompt, -1, TRUE, parse_special, ids, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (ids->data, ids->len * sizeof (gint32), ref_ids->data, ref_ids->len * sizeof (gint32));

  llama_context_forward (l->ctx, (gint32 *) ids->data, ids->len, 0, FALSE, NULL, &error);
  g_assert_no_error (error);
  for (guint k = 0; k < json_array_get_length (top); k++)
    {
      JsonObject *e = json_array_get_object_element (top, k);
      check_logit (ck, prompt, 0, llama_context_get_logits (l->ctx, 0),
                   json_object_get_int_member (e, "id"), json_object_get_double_member (e, "logit"));
    }
  overlap = top40_overlap (top, llama_context_get_logits (l->ctx, 0), n_vocab);
  if (overlap < min_overlap)
    {
      g_test_message ("%s, \"%s\": %u of the reference's top-40 ids are in ours (want >= %u)",
                      ck->file, prompt, overlap, min_overlap);
      ck->n_failures++;
    }
  if (json_array_get_length (top) >= 2 && greedy->len > 0)
    {
      double l1 = json_object_get_double_member (json_array_get_object_element (top, 0), "logit");
      double l2 = json_object_get_double_member (json_array_get_object_element (top, 1), "logit");
      gint32 ours = argmax (llama_context_get_logits (l->ctx, 0), n_vocab);

      if (l1 - l2 > 2 * ck->tolerance && ours != g_array_index (greedy, gint32, 0))
        {
          g_test_message ("%s, \"%s\": our first token %d, the reference's %d (gap %.4f)",
                          ck->file, prompt, ours, g_array_index (greedy, gint32, 0), l1 - l2);
          ck->n_failures++;
        }
    }

  for (guint step = 0; step < greedy->len; step++)
    {
      const float *logits = llama_context_get_logits (l->ctx, 0);
      gint32 ours = argmax (logits, n_vocab), want = g_array_index (greedy, gint32, step);
      float second = -INFINITY;

      for (guint v = 0; v < n_vocab; v++)
        if ((gint32) v != ours)
          second = MAX (second, logits[v]);
      if (ours != want && logits[ours] - second > 2 * ck->tolerance)
        {
          g_test_message ("%s, \"%s\", step %u: our argmax %d, the reference's %d",
                          ck->file, prompt, step, ours, want);
          ck->n_failures++;
        }
      llama_context_forward (l->ctx, &want, 1, ids->len + step, FALSE, NULL, &error);
      g_assert_no_error (error);
    }
}

/* Every case of the "results" reference at ref_rel against the model at
 * model_rel (both under ../shared); skips when either is missing. */
static void
check_results_file (const char *name, const char *ref_rel, const char *model_rel, double tolerance,
                    gboolean parse_special, guint n_ctx)
{
  g_autofree char *ref_path = hearth_test_shared_path (ref_rel);
  g_autofree char *model_path = ref_path ? hearth_test_shared_path (model_rel) : NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_auto (Loaded) l = { 0 };
  Checker ck = { .file = name, .tolerance = tolerance };
  JsonArray *results;

  if (model_path == NULL)
    return;
  json_parser_load_from_file (parser, ref_path, &error);
  g_assert_no_error (error);
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "results");
  loaded_open (&l, model_path, n_ctx, 512);

  for (guint i = 0; i < json_array_get_length (results); i++)
    check_results_case (&ck, &l, json_array_get_object_element (results, i), parse_special, 36);
  g_test_message ("%s: max |logit delta| %.4f (tolerance %.2f), %u failures",
                  name, ck.max_delta, ck.tolerance, ck.n_failures);
  g_assert_cmpuint (ck.n_failures, ==, 0);
}

/* The SmolVLM text model without images (../shared/fixtures/reference/vlm/
 * text-only.json): chat-format prompts with special tokens parsed, the
 * top-40 logits at the last prompt position, and 16 greedy ids fed back. */
static void
test_vlm_text_only (void)
{
  /* F16 file, as the llama-ref files */
  check_results_file ("vlm/text-only", "fixtures/reference/vlm/text-only.json",
                      "models/random/smolvlm-tiny-text-f16.gguf", 0.05, TRUE, 512);
}

/* One random model quantized by llama-quantize to each preset people
 * download (../shared/fixtures/reference/qmix/README.md): the K-quant
 * presets fall back to Q5_0, Q5_1, Q8_0, IQ4_NL or Q4_0 for the 1152-wide
 * ffn_down, so every file mixes types. Tolerances: llama.cpp's own CPU vs
 * Vulkan spread on these files. */
static const char *const qmix_presets[] = {
  "q2_k", "q3_k_s", "q3_k_m", "q4_0", "q4_1", "q4_k_s", "q4_k_m", "q5_0", "q5_1",
  "q5_k_s", "q5_k_m", "q6_k", "q8_0", "iq4_nl", "iq4_xs", "bf16", "f16",
};

static void
test_qmix (gconstpointer data)
{
  const char *preset = data;
  g_autofree char *name = g_strdup_printf ("qmix-tiny-%s", preset);
  g_autofree char *ref_rel = g_strdup_printf ("fixtures/reference/qmix/%s.json", name);
  g_autofree char *model_rel = g_strdup_printf ("models/random/qmix/%s.gguf", name);
  gboolean is_float = g_str_has_prefix (preset, "f") || g_str_has_prefix (preset, "bf");

  check_results_file (name, ref_rel, model_rel, is_float ? 0.07 : 0.5, FALSE, 2048);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (ref_models); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/llama/reference/%s", ref_models[i].name);
      g_test_add_data_func (test_path, &ref_models[i], test_reference);
    }
  g_test_add_func ("/llama/stories260K-greedy-text", test_stories_greedy_text);
  g_test_add_func ("/llama/vlm-text-only", test_vlm_text_only);
  for (guint i = 0; i < G_N_ELEMENTS (qmix_presets); i++)
    {
      g_autofree char *test_path = g_strdup_printf ("/llama/qmix/%s", qmix_presets[i]);
      g_test_add_data_func (test_path, qmix_presets[i], test_qmix);
    }
  return g_test_run ();
}
