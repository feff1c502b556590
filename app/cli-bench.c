#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli bench: llama-bench style throughput. "pp" processes a prompt
 * of P tokens in one forward (logits of the last token only); "tg"
 * generates N tokens one forward at a time from an empty context. Each test
 * runs once to warm up, then R times; tokens/s as mean ± stddev.
 *
 * With --mmproj and --image, instead: a SmolVLM model's time to first
 * token for one image, split into its phases (see VisionPhase), and the
 * encode time per chunk (tile or global image). */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "clip-model.h"
#include "cli-llama.h"
#include "cli-video.h"
#include "hearth-cli.h"
#include "video-encode.h"
#include "sampler.h"
#include "vision-encoder.h"
#include "vision-prompt.h"

/* Mean and sample standard deviation of repeated measurements. */
typedef struct {
  double sum;
  double sum_sq;
  guint  n;
} Stat;

static void
stat_add (Stat *s, double x)
{
  s->sum += x;
  s->sum_sq += x * x;
  s->n++;
}

static double
stat_mean (const Stat *s)
{
  return s->n > 0 ? s->sum / s->n : 0;
}

static double
stat_stddev (const Stat *s)
{
  return s->n > 1 ? sqrt (MAX (0, (s->sum_sq - s->sum * s->sum / s->n) / (s->n - 1))) : 0;
}

typedef struct {
  guint  n_prompt;
  guint  n_gen;
  double avg_ts;
  double stddev_ts;
} BenchResult;

static gboolean
run_once (CliLlama *cl, const gint32 *ids, guint n_prompt, guint n_gen, double *seconds,
          GError **error)
{
  gint64 start = g_get_monotonic_time ();

  if (n_prompt > 0 && !llama_context_forward (cl->ctx, ids, n_prompt, 0, FALSE, NULL, error))
    return FALSE;
  for (guint i = 0; i < n_gen; i++)
    if (!llama_context_forward (cl->ctx, &ids[i], 1, i, FALSE, NULL, error))
      return FALSE;
  *seconds = (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}

static gboolean
run_test (CliLlama *cl, const gint32 *ids, guint n_prompt, guint n_gen, guint reps,
          BenchResult *r, GError **error)
{
  double seconds;
  Stat ts = { 0 };

  if (!run_once (cl, ids, n_prompt, n_gen, &seconds, error))
    return FALSE;
  for (guint i = 0; i < reps; i++)
    {
      if (!run_once (cl, ids, n_prompt, n_gen, &seconds, error))
        return FALSE;
      stat_add (&ts, (n_prompt + n_gen) / seconds);
    }
  *r = (BenchResult) {
    .n_prompt = n_prompt,
    .n_gen = n_gen,
    .avg_ts = stat_mean (&ts),
    .stddev_ts = stat_stddev (&ts),
  };
  return TRUE;
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = NULL;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static void
print_results (CliLlama *cl, const char *model_name, const BenchResult *r, guint n, gboolean json)
{
  const char *device_name = hearth_device_get_name (cl->device);
  double mib = llama_model_get_weight_bytes (cl->model) / (1024.0 * 1024.0);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_array (b);
      for (guint i = 0; i < n; i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "model");
          json_builder_add_string_value (b, model_name);
          json_builder_set_member_name (b, "device");
          json_builder_add_string_value (b, device_name);
          json_builder_set_member_name (b, "size_mib");
          json_builder_add_double_value (b, mib);
          json_builder_set_member_name (b, "n_prompt");
          json_builder_add_int_value (b, r[i].n_prompt);
          json_builder_set_member_name (b, "n_gen");
          json_builder_add_int_value (b, r[i].n_gen);
          json_builder_set_member_name (b, "avg_ts");
          json_builder_add_double_value (b, r[i].avg_ts);
          json_builder_set_member_name (b, "stddev_ts");
          json_builder_add_double_value (b, r[i].stddev_ts);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      print_json (b);
      return;
    }
  printf ("| model | size | device | test | t/s |\n|---|---:|---|---:|---:|\n");
  for (guint i = 0; i < n; i++)
    printf ("| %s | %.2f MiB | %s | %s%u | %.2f ± %.2f |\n", model_name, mib, device_name,
            r[i].n_prompt > 0 ? "pp" : "tg", r[i].n_prompt > 0 ? r[i].n_prompt : r[i].n_gen,
            r[i].avg_ts, r[i].stddev_ts);
}

/* ---- vision: time to first token for one image ---------------------------- */

/* The user turn of the llama.cpp reference runs (fixtures/reference/vlm). */
#define VISION_BENCH_PROMPT \
  "<|im_start|>User:" VISION_MEDIA_MARKER "What is in this image?<end_of_utterance>\nAssistant:"

typedef enum {
  PHASE_PREPROCESS,  /* decode the file, cut and normalize the tiles (CPU) */
  PHASE_ENCODE,      /* SigLIP + connector on every tile */
  PHASE_PREFILL,     /* tokenize, prefill text and image positions, pick the first token */
  PHASE_TTFT,        /* all three */
  PHASE_ENCODE_TILE, /* encode divided by the chunks (tiles and the global image) */
  N_PHASES
} VisionPhase;

static const char *const phase_names[N_PHASES] = {
  "preprocess", "encode", "prefill", "ttft", "encode_per_tile"
};

typedef struct {
  ClipModel     *clip;
  VisionEncoder *encoder;
  /* video: with --video, preprocess is the sandboxed helper's decoding
   * of the sampled frames, encode all frames, prefill the video prompt */
  const char    *video_path;
  VideoSampling  sampling;
  const char    *image_path;     /* the file decoded */
  const char    *image_name;     /* the file given, for the report */
  guint          width, height;   /* of the decoded image */
  guint          n_chunks;        /* tiles + the global image */
  guint          n_image_tokens;
  guint          n_prompt;        /* tokens, image positions included */
  Stat           ms[N_PHASES];
} VisionBench;

static gboolean
vision_prefill_first_token (CliLlama *cl, VisionBench *vb, const GArray *ids, const float *embd,
                            GError **error)
{
  if (ids == NULL ||
      !vision_prompt_prefill (cl->ctx, (const gint32 *) ids->data, ids->len, 0, embd,
                              vb->n_image_tokens, NULL, error))
    return FALSE;

  HearthSamplerParams params;
  hearth_sampler_params_init (&params);
  params.temperature = 0;
  g_autoptr (HearthSampler) sampler = hearth_sampler_new (&params);
  hearth_sampler_sample (sampler, llama_context_get_logits (cl->ctx, 0),
                         llama_model_get_config (cl->model)->n_vocab);
  vb->n_prompt = ids->len;
  return TRUE;
}

/* One image through every phase; adds the times to vb->ms if record. */
static gboolean
vision_run_once (CliLlama *cl, VisionBench *vb, gboolean record, GError **error)
{
  gint64 t[PHASE_TTFT + 1];
  gint64 start = g_get_monotonic_time ();

  g_autoptr (HearthImage) image = hearth_image_load (vb->image_path, 0, error);
  if (image == NULL)
    return FALSE;
  ImagePreprocessConfig config;
  clip_model_get_preprocess_config (vb->clip, &config);
  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &config);
  t[PHASE_PREPROCESS] = g_get_monotonic_time ();

  const ClipConfig *c = clip_model_get_config (vb->clip);
  vb->n_chunks = tiles->n_chunks;
  vb->n_image_tokens = tiles->n_chunks * c->tokens_per_tile;
  g_autofree float *embd = g_new (float, (gsize) vb->n_image_tokens * c->projection_dim);
  if (!vision_encoder_encode (vb->encoder, tiles, embd, NULL, NULL, NULL, error))
    return FALSE;
  t[PHASE_ENCODE] = g_get_monotonic_time ();

  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  g_autoptr (GArray) ids = tok != NULL
    ? vision_prompt_tokenize (tok, VISION_BENCH_PROMPT, TRUE, tiles->grid_rows, tiles->grid_cols,
                              vision_encoder_tokens_per_chunk (vb->encoder), error)
    : NULL;
  if (!vision_prefill_first_token (cl, vb, ids, embd, error))
    return FALSE;
  t[PHASE_PREFILL] = t[PHASE_TTFT] = g_get_monotonic_time ();

  vb->width = image->width;
  vb->height = image->height;
  for (guint p = 0; record && p <= PHASE_TTFT; p++)
    stat_add (&vb->ms[p], (t[p] - (p == PHASE_PREPROCESS || p == PHASE_TTFT ? start : t[p - 1])) / 1e3);
  if (record)
    stat_add (&vb->ms[PHASE_ENCODE_TILE], (t[PHASE_ENCODE] - t[PHASE_PREPROCESS]) / 1e3 / tiles->n_chunks);
  return TRUE;
}

/* The user turn as SmolVLM2's processor writes it for a video. */
#define VIDEO_BENCH_PROMPT \
  "<|im_start|>User: " VIDEO_MEDIA_MARKER "What is happening in this video?<end_of_utterance>\nAssistant:"

/* One video through every phase; adds the times to vb->ms if record. */
static gboolean
video_run_once (CliLlama *cl, VisionBench *vb, gboolean record, GError **error)
{
  gint64 t[N_PHASES];
  gint64 start = g_get_monotonic_time ();
  const ClipConfig *c = clip_model_get_config (vb->clip);
  VideoDecodeOptions options;

  video_decode_options_init (&options, c->image_size);
  options.sampling = vb->sampling;
  g_autoptr (VideoFrames) frames = video_frames_decode (vb->video_path, &options, NULL, error);
  if (frames == NULL)
    return FALSE;
  t[PHASE_PREPROCESS] = g_get_monotonic_time ();

  g_autofree float *embd = video_frames_encode (vb->encoder, vb->clip, frames, NULL, NULL, NULL, error);
  if (embd == NULL)
    return FALSE;
  t[PHASE_ENCODE] = g_get_monotonic_time ();

  VideoPromptVideo video;
  cli_video_prompt (frames, c->tokens_per_tile, &video);
  vb->n_image_tokens = frames->n_frames * c->tokens_per_tile;
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  g_autoptr (GArray) ids = tok != NULL
    ? video_prompt_tokenize (tok, VIDEO_BENCH_PROMPT, TRUE, &video, 1, error) : NULL;
  if (!vision_prefill_first_token (cl, vb, ids, embd, error))
    return FALSE;
  t[PHASE_PREFILL] = t[PHASE_TTFT] = g_get_monotonic_time ();

  vb->width = vb->height = frames->frame_size;
  for (guint p = 0; record && p < N_PHASES; p++)
    stat_add (&vb->ms[p], (t[p] - (p == PHASE_PREPROCESS || p == PHASE_TTFT ? start : t[p - 1])) / 1e3);
  return TRUE;
}

static gboolean
media_run_once (CliLlama *cl, VisionBench *vb, gboolean record, GError **error)
{
  return vb->video_path != NULL ? video_run_once (cl, vb, record, error)
                                : vision_run_once (cl, vb, record, error);
}

static gboolean
vision_bench (CliLlama *cl, const char *mmproj_path, VisionBench *vb, guint reps, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (mmproj_path, error);
  if (file == NULL ||
      !(vb->clip = clip_model_load (cl->device, file, NULL, NULL, NULL, error)) ||
      !clip_model_check_text_width (vb->clip, llama_model_get_config (cl->model)->n_embd, error) ||
      !(vb->encoder = vision_encoder_new (vb->clip, error)) ||
      !media_run_once (cl, vb, FALSE, error))
    return FALSE;
  for (guint i = 0; i < reps; i++)
    if (!media_run_once (cl, vb, TRUE, error))
      return FALSE;
  return TRUE;
}

/* --resize: the image scaled (bilinear) into a temporary PNG, so that a
 * small fixture screenshot can stand for a laptop screen's 1280x800 and
 * the bench still decodes a PNG of that size. */
static char *
resized_copy (const char *path, const char *size, GError **error)
{
  guint width = 0, height = 0;
  if (sscanf (size, "%ux%u", &width, &height) != 2 || width == 0 || height == 0 ||
      width > 16384 || height > 16384)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--resize %s: give WIDTHxHEIGHT, each 1 to 16384, e.g. 1280x800", size);
      return NULL;
    }
  g_autoptr (GdkPixbuf) src = gdk_pixbuf_new_from_file (path, error);
  if (src == NULL)
    return NULL;
  g_autoptr (GdkPixbuf) scaled = gdk_pixbuf_scale_simple (src, width, height, GDK_INTERP_BILINEAR);
  g_autofree char *tmp = NULL;
  int fd = g_file_open_tmp ("hearth-bench-XXXXXX.png", &tmp, error);
  if (fd < 0)
    return NULL;
  close (fd);
  if (!gdk_pixbuf_save (scaled, tmp, "png", error, NULL))
    {
      g_unlink (tmp);
      return NULL;
    }
  return g_steal_pointer (&tmp);
}

static void
vision_bench_clear (VisionBench *vb)
{
  g_clear_pointer (&vb->encoder, vision_encoder_free);
  g_clear_pointer (&vb->clip, clip_model_free);
}

static void
print_vision_results (CliLlama *cl, const char *model_name, const char *mmproj_name,
                      const VisionBench *vb, gboolean json)
{
  const char *device_name = hearth_device_get_name (cl->device);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_array (b);
      for (guint p = 0; p < N_PHASES; p++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "model");
          json_builder_add_string_value (b, model_name);
          json_builder_set_member_name (b, "mmproj");
          json_builder_add_string_value (b, mmproj_name);
          json_builder_set_member_name (b, "device");
          json_builder_add_string_value (b, device_name);
          json_builder_set_member_name (b, "image");
          json_builder_add_string_value (b, vb->image_name);
          json_builder_set_member_name (b, "width");
          json_builder_add_int_value (b, vb->width);
          json_builder_set_member_name (b, "height");
          json_builder_add_int_value (b, vb->height);
          json_builder_set_member_name (b, "n_chunks");
          json_builder_add_int_value (b, vb->n_chunks);
          json_builder_set_member_name (b, "n_image_tokens");
          json_builder_add_int_value (b, vb->n_image_tokens);
          json_builder_set_member_name (b, "n_prompt");
          json_builder_add_int_value (b, vb->n_prompt);
          json_builder_set_member_name (b, "phase");
          json_builder_add_string_value (b, phase_names[p]);
          json_builder_set_member_name (b, "avg_ms");
          json_builder_add_double_value (b, stat_mean (&vb->ms[p]));
          json_builder_set_member_name (b, "stddev_ms");
          json_builder_add_double_value (b, stat_stddev (&vb->ms[p]));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      print_json (b);
      return;
    }
  printf ("| model | mmproj | device | image | chunks | tokens | phase | ms |\n"
          "|---|---|---|---|---:|---:|---|---:|\n");
  for (guint p = 0; p < N_PHASES; p++)
    printf ("| %s | %s | %s | %s %ux%u | %u | %u image / %u | %s | %.1f ± %.1f |\n", model_name,
            mmproj_name, device_name, vb->image_name, vb->width, vb->height, vb->n_chunks,
            vb->n_image_tokens, vb->n_prompt, phase_names[p], stat_mean (&vb->ms[p]),
            stat_stddev (&vb->ms[p]));
}

int
hearth_cli_bench (int argc, char **argv)
{
  g_autofree char *model_path = NULL, *mmproj_path = NULL, *image_path = NULL, *resize = NULL;
  g_autofree char *video_path = NULL;
  double video_fps = VIDEO_SAMPLING_FPS_DEFAULT;
  gint video_max_frames = VIDEO_SAMPLING_MAX_FRAMES_DEFAULT;
  g_autofree char *resized_path = NULL, *image_name = NULL;
  gint n_prompt = 512, n_gen = 128, reps = 3;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "GGUF model file", "MODEL.gguf" },
    { "n-prompt", 'p', 0, G_OPTION_ARG_INT, &n_prompt, "Prompt tokens for the pp test (default 512, 0 skips)", "P" },
    { "n-gen", 'n', 0, G_OPTION_ARG_INT, &n_gen, "Tokens for the tg test (default 128, 0 skips)", "N" },
    { "repetitions", 'r', 0, G_OPTION_ARG_INT, &reps, "Repetitions of each test (default 3)", "R" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON array instead of a table", NULL },
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &mmproj_path, "SmolVLM vision projector: time to first token for --image instead of pp/tg", "MMPROJ.gguf" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &image_path, "The image for --mmproj", "FILE" },
    { "resize", 0, 0, G_OPTION_ARG_STRING, &resize, "Scale --image to this size first (a temporary PNG)", "WxH" },
    { "video", 0, 0, G_OPTION_ARG_FILENAME, &video_path, "A video for --mmproj instead of --image: decode, encode and prefill time to first token", "FILE" },
    CLI_VIDEO_OPTION_ENTRIES (&video_fps, &video_max_frames),
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- measure prompt and generation speed");
  g_autoptr (GError) error = NULL;
  g_autofree gint32 *ids = NULL;
  g_autofree char *model_name = NULL;
  BenchResult results[2];
  guint n_results = 0;
  VisionBench vb = { 0 };
  CliLlama cl;
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || model_path == NULL ||
      n_prompt < 0 || n_gen < 0 || reps <= 0 || n_prompt + n_gen == 0 ||
      (mmproj_path == NULL) != (image_path == NULL && video_path == NULL) ||
      (image_path != NULL && video_path != NULL))
    {
      fprintf (stderr, "hearth-cli bench: %s\n",
               error ? error->message
                     : "need -m MODEL.gguf, -p/-n >= 0 (not both 0), -r > 0; "
                       "--mmproj and one of --image or --video go together");
      return 2;
    }

  /* The vision prompt's length is known only after tiling: the model's
   * context (at most 4096) holds it. */
  /* A video of 64 frames takes 4.3k to 5.4k positions: SmolVLM2's 8k. */
  guint n_ctx = video_path != NULL ? 8192 : image_path != NULL ? 0 : (guint) MAX (n_prompt, n_gen);
  if (!cli_llama_open (&cl, model_path, n_ctx, &error))
    {
      fprintf (stderr, "hearth-cli bench: %s\n", error->message);
      goto out;
    }
  model_name = g_path_get_basename (model_path);
  vb.image_path = image_path;
  vb.video_path = video_path;
  vb.sampling = (VideoSampling) { video_fps, video_max_frames > 0 ? (guint) video_max_frames : 0 };
  vb.image_name = image_name = mmproj_path != NULL
    ? g_path_get_basename (video_path != NULL ? video_path : image_path) : NULL;
  if (mmproj_path != NULL)
    {
      g_autofree char *mmproj_name = g_path_get_basename (mmproj_path);
      if ((resize != NULL && image_path != NULL && !(vb.image_path = resized_path = resized_copy (image_path, resize, &error))) ||
          !vision_bench (&cl, mmproj_path, &vb, reps, &error))
        {
          fprintf (stderr, "hearth-cli bench: %s\n", error->message);
          goto out;
        }
      print_vision_results (&cl, model_name, mmproj_name, &vb, json);
      status = 0;
      goto out;
    }
  /* Arbitrary ids spread over the vocabulary: speed does not depend on them. */
  ids = g_new (gint32, MAX (n_prompt, n_gen));
  for (gint i = 0; i < MAX (n_prompt, n_gen); i++)
    ids[i] = (i * 7919 + 13) % llama_model_get_config (cl.model)->n_vocab;

  if ((n_prompt > 0 && !run_test (&cl, ids, n_prompt, 0, reps, &results[n_results++], &error)) ||
      (n_gen > 0 && !run_test (&cl, ids, 0, n_gen, reps, &results[n_results++], &error)))
    {
      fprintf (stderr, "hearth-cli bench: %s\n", error->message);
      goto out;
    }
  print_results (&cl, model_name, results, n_results, json);
  status = 0;
out:
  if (resized_path != NULL)
    g_unlink (resized_path);
  vision_bench_clear (&vb);
  cli_llama_close (&cl);
  return status;
}
