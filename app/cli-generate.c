#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli generate: text from a Llama model. The prompt is wrapped in
 * the model's chat template as a user turn (or, with --raw, tokenized
 * as-is); tokens are sampled until an end-of-generation token or -n, and
 * the text streams to stdout as it completes. With --mmproj, SmolVLM reads
 * the --image files too, each where the prompt has a media marker. */

#include <stdio.h>
#include <string.h>

#include "chat-prompt.h"
#include "clip-model.h"
#include "cli-llama.h"
#include "generate-loop.h"
#include "hearth-cli.h"
#include "sampler.h"
#include "vision-encoder.h"
#include "vision-prompt.h"

typedef struct {
  char    *model_path;
  char    *prompt;
  char    *system;
  gint     n_predict;
  double   temp;
  gint     top_k;
  double   top_p;
  double   min_p;
  double   repeat_penalty;
  gint64   seed;
  gint     n_ctx;
  gboolean raw;
  gboolean ids_only;
  char    *mmproj_path;
  char   **image_paths;
} GenerateOptions;

/* vision: the images encoded for the prompt (--mmproj, --image ...), in
 * prompt order. */
typedef struct {
  guint              n_images;
  VisionPromptImage *layouts;   /* [n_images] */
  float             *embd;      /* f32 [n_rows][n_embd]: every image's rows, in order */
  guint              n_rows;
} CliImages;

static void
cli_images_clear (CliImages *imgs)
{
  g_clear_pointer (&imgs->layouts, g_free);
  g_clear_pointer (&imgs->embd, g_free);
}

static gboolean
encode_images (CliLlama *cl, const GenerateOptions *o, CliImages *imgs, GError **error)
{
  guint n_embd = llama_model_get_config (cl->model)->n_embd;
  g_autoptr (GgufFile) file = gguf_file_open (o->mmproj_path, error);
  g_autoptr (ClipModel) clip = file != NULL ? clip_model_load (cl->device, file, NULL, NULL, NULL, error) : NULL;
  if (clip == NULL || !clip_model_check_text_width (clip, n_embd, error))
    return FALSE;
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (clip, error);
  if (encoder == NULL)
    return FALSE;

  imgs->n_images = g_strv_length (o->image_paths);
  imgs->layouts = g_new0 (VisionPromptImage, imgs->n_images);
  for (guint k = 0; k < imgs->n_images; k++)
    {
      g_autoptr (ImageTiles) tiles = NULL;
      g_autofree float *embd = vision_encoder_encode_file (encoder, o->image_paths[k], &tiles,
                                                           NULL, NULL, NULL, error);
      if (embd == NULL)
        return FALSE;
      guint per_chunk = vision_encoder_tokens_per_chunk (encoder);
      guint n_rows = tiles->n_chunks * per_chunk;
      imgs->layouts[k] = (VisionPromptImage) { tiles->grid_rows, tiles->grid_cols, per_chunk };
      imgs->embd = g_renew (float, imgs->embd, (gsize) (imgs->n_rows + n_rows) * n_embd);
      memcpy (imgs->embd + (gsize) imgs->n_rows * n_embd, embd, (gsize) n_rows * n_embd * sizeof (float));
      imgs->n_rows += n_rows;
    }
  return TRUE;
}

/* --raw: the prompt as-is, special tokens parsed only around images. */
static GArray *
raw_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImages *imgs, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  if (tok == NULL)
    return NULL;
  if (imgs->n_images == 0)
    return cli_llama_tokenize (cl, o->prompt, FALSE, error);
  return vision_prompt_tokenize_images (tok, o->prompt, TRUE, imgs->layouts, imgs->n_images, error);
}

/* With images, the prompt places them at its markers, one per image, or
 * holds none and gets them before its text. */
static gboolean
check_markers (const GenerateOptions *o, guint n_images, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (o->prompt, VISION_MEDIA_MARKER, -1);
  guint n_parts = g_strv_length (parts), n_markers = n_parts > 0 ? n_parts - 1 : 0;

  if (n_images == 0 || n_markers == 0 || n_markers == n_images)
    return TRUE;
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "the prompt holds %u %s markers for %u images: write one per image, "
               "or none to put the images before the text",
               n_markers, VISION_MEDIA_MARKER, n_images);
  return FALSE;
}

/* The conversation (system message, user turn) through the prompt builder
 * the app's chats use (chat-prompt.h). */
static GArray *
chat_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImages *imgs, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  g_autoptr (ChatPrompt) builder = NULL;
  g_autofree char *name = NULL, *note = NULL;
  const char *roles[] = { "system", "user" };
  const char *contents[] = { o->system, o->prompt };
  const guint n_images[] = { 0, imgs->n_images };
  guint first = o->system != NULL ? 0 : 1;
  const ChatConversation c = { roles + first, contents + first, n_images + first, 2 - first };

  if (tok == NULL || !check_markers (o, imgs->n_images, error))
    return NULL;
  if (!gguf_file_get_string (cl->file, "general.name", &name, NULL))
    name = g_path_get_basename (gguf_file_get_path (cl->file));
  builder = chat_prompt_new (cl->file, tok, name, &note);
  if (note != NULL)
    fprintf (stderr, "hearth-cli generate: %s\n", note);
  return chat_prompt_tokenize (builder, &c, imgs->layouts, imgs->n_images, error);
}

static void
sampler_params_from (const GenerateOptions *o, HearthSamplerParams *p)
{
  hearth_sampler_params_init (p);
  p->temperature = o->temp;
  p->top_k = o->top_k;
  p->top_p = o->top_p;
  p->min_p = o->min_p;
  p->repeat_penalty = o->repeat_penalty;
  p->seed = o->seed >= 0 ? (guint32) o->seed : g_random_int ();
}

typedef struct {
  gboolean ids_only;
  GString *ids;
} Printer;

static void
print_token (gint32 id, const char *text, gsize len, gpointer user_data)
{
  Printer *p = user_data;

  if (p->ids_only)
    {
      if (id >= 0)
        g_string_append_printf (p->ids, "%s%d", p->ids->len > 0 ? " " : "", id);
      return;
    }
  fwrite (text, 1, len, stdout);
  fflush (stdout);
}

/* The prompt, then the sampling loop the app's chats use
 * (generate-loop.h), until EOG, -n or a full context. */
static gboolean
generate (CliLlama *cl, const GenerateOptions *o, GArray *prompt, const CliImages *imgs,
          GError **error)
{
  g_autoptr (GString) ids = g_string_new (NULL);
  g_autoptr (GString) text = g_string_new (NULL);
  Printer printer = { o->ids_only, ids };
  GenerateLoop loop = { cl->ctx, cl->tok, { 0 }, o->n_predict, "the generation", print_token,
                        &printer };
  GenerateLoopResult result;

  sampler_params_from (o, &loop.sampler);
  if (!vision_prompt_prefill (cl->ctx, (const gint32 *) prompt->data, prompt->len, 0,
                              imgs->embd, imgs->n_rows, NULL, error))
    return FALSE;
  if (o->n_predict > 0 && !generate_loop_run (&loop, prompt, text, &result, NULL, error))
    return FALSE;
  if (o->n_predict > 0 && result.stop_reason == HEARTH_STOP_CONTEXT_FULL)
    fprintf (stderr, "\nhearth-cli generate: the context of %u tokens is full; "
             "stopping (use --ctx to enlarge it)\n", llama_context_get_n_ctx (cl->ctx));
  printf ("%s\n", o->ids_only ? ids->str : "");
  return TRUE;
}

static gboolean
check_options (const GenerateOptions *o, GError **error)
{
  const char *problem = NULL;

  if (o->model_path == NULL || o->prompt == NULL)
    problem = "-m MODEL.gguf and -p PROMPT are required";
  else if (o->n_predict < 0 || o->top_k < 0 || o->n_ctx < 0)
    problem = "-n, --top-k and --ctx must not be negative";
  else if (o->top_p <= 0 || o->top_p > 1 || o->min_p < 0 || o->min_p > 1)
    problem = "--top-p must be in (0, 1] and --min-p in [0, 1]";
  else if (o->repeat_penalty <= 0)
    problem = "--repeat-penalty must be positive";
  else if ((o->mmproj_path == NULL) != (o->image_paths == NULL))
    problem = "--image and --mmproj go together";
  if (problem != NULL)
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, problem);
  return problem == NULL;
}

int
hearth_cli_generate (int argc, char **argv)
{
  GenerateOptions o = {
    .n_predict = 128, .temp = 0.8, .top_k = 40, .top_p = 0.95, .min_p = 0.05,
    .repeat_penalty = 1.0, .seed = -1,
  };
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model_path, "GGUF model file", "MODEL.gguf" },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &o.prompt, "The user's message (the raw prompt with --raw)", "PROMPT" },
    { "system", 0, 0, G_OPTION_ARG_STRING, &o.system, "A system message before it", "TEXT" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &o.raw, "No chat template: tokenize PROMPT as-is", NULL },
    { "n-predict", 'n', 0, G_OPTION_ARG_INT, &o.n_predict, "Most tokens to generate (default 128)", "N" },
    { "temp", 0, 0, G_OPTION_ARG_DOUBLE, &o.temp, "Temperature, 0 = greedy (default 0.8)", "T" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &o.top_k, "Top-k, 0 = off (default 40)", "K" },
    { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &o.top_p, "Top-p, 1 = off (default 0.95)", "P" },
    { "min-p", 0, 0, G_OPTION_ARG_DOUBLE, &o.min_p, "Min-p, 0 = off (default 0.05)", "P" },
    { "repeat-penalty", 0, 0, G_OPTION_ARG_DOUBLE, &o.repeat_penalty, "Repetition penalty over the last 64 tokens (default 1 = off)", "R" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Random seed (default: random)", "S" },
    { "ctx", 0, 0, G_OPTION_ARG_INT, &o.n_ctx, "Context size in tokens (default: the model's, at most 4096)", "N" },
    { "ids", 0, 0, G_OPTION_ARG_NONE, &o.ids_only, "Print only the generated token ids, on one line", NULL },
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &o.mmproj_path, "Vision projector of the model (with --image)", "MMPROJ.gguf" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.image_paths, "An image the prompt is about; repeat for several, in prompt order (at each " VISION_MEDIA_MARKER " in the prompt; else before the text, and with --raw the markers are needed)", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- generate text with a Llama model");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prompt = NULL;
  CliLlama cl = { 0 };
  CliImages imgs = { 0 };
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || !check_options (&o, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      status = 2;
      goto out;
    }

  if (!cli_llama_open (&cl, o.model_path, o.n_ctx, &error) ||
      (o.image_paths != NULL && !encode_images (&cl, &o, &imgs, &error)) ||
      !(prompt = o.raw ? raw_prompt_ids (&cl, &o, &imgs, &error)
                       : chat_prompt_ids (&cl, &o, &imgs, &error)) ||
      !generate (&cl, &o, prompt, &imgs, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      goto out;
    }
  status = 0;
out:
  cli_images_clear (&imgs);
  cli_llama_close (&cl);
  g_free (o.model_path);
  g_free (o.prompt);
  g_free (o.system);
  g_free (o.mmproj_path);
  g_strfreev (o.image_paths);
  return status;
}
