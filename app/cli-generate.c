#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli generate: text from a Llama model. The prompt is wrapped in
 * the model's chat template as a user turn (or, with --raw, tokenized
 * as-is); tokens are sampled until an end-of-generation token or -n, and
 * the text streams to stdout as it completes. With --mmproj, SmolVLM reads
 * the --image files too, each where the prompt has a media marker. */

#include <stdio.h>
#include <string.h>

#include "chat-template.h"
#include "clip-model.h"
#include "cli-llama.h"
#include "cli-video.h"
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
  char    *video_path;
  double   video_fps;
  gint     video_max_frames;
} GenerateOptions;

/* vision: the images encoded for the prompt (--mmproj, --image ...), in
 * prompt order. */
typedef struct {
  guint              n_images;
  VisionPromptImage *layouts;   /* [n_images] */
  float             *embd;      /* f32 [n_rows][n_embd]: every image's rows, in order */
  guint              n_rows;
  /* video: or the frames of one video (--video), at its marker */
  VideoFrames       *video;
  VideoPromptVideo   video_prompt;
} CliImages;

static void
cli_images_clear (CliImages *imgs)
{
  g_clear_pointer (&imgs->layouts, g_free);
  g_clear_pointer (&imgs->embd, g_free);
  g_clear_pointer (&imgs->video, video_frames_free);
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

/* Rendered or raw prompt text to ids (special tokens parsed); with
 * images, their markers expanded into the image positions. */
static GArray *
prompt_ids (HearthTokenizer *tok, const char *text, const CliImages *imgs, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (imgs->video != NULL)
    return video_prompt_tokenize (tok, text, FALSE, &imgs->video_prompt, 1, error);
  if (imgs->n_images > 0)
    return vision_prompt_tokenize_images (tok, text, FALSE, imgs->layouts, imgs->n_images, error);
  if (!hearth_tokenizer_encode (tok, text, -1, FALSE, TRUE, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

/* --raw: the prompt as-is, special tokens parsed only around images. */
static GArray *
raw_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImages *imgs, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  if (tok == NULL)
    return NULL;
  if (imgs->video != NULL)
    {
      g_autofree char *text = cli_video_place (o->prompt);
      return video_prompt_tokenize (tok, text, TRUE, &imgs->video_prompt, 1, error);
    }
  if (imgs->n_images == 0)
    return cli_llama_tokenize (cl, o->prompt, FALSE, error);
  return vision_prompt_tokenize_images (tok, o->prompt, TRUE, imgs->layouts, imgs->n_images, error);
}

static char *
token_text (HearthTokenizer *tok, gint32 id)
{
  gsize len = 0;
  const char *text = id >= 0 ? hearth_tokenizer_token_text (tok, id, &len) : NULL;

  return text != NULL ? g_strndup (text, len) : g_strdup ("");
}

/* The model's own template, or a built-in format (with a note why). */
static HearthChatTemplate *
load_template (GgufFile *file, GError **error)
{
  g_autofree char *source = NULL, *arch = NULL, *name = NULL, *note = NULL;
  HearthChatTemplate *tpl;

  if (!gguf_file_get_string (file, "tokenizer.chat_template", &source, error) && *error != NULL)
    return NULL;
  gguf_file_get_string (file, "general.architecture", &arch, NULL);
  gguf_file_get_string (file, "general.name", &name, NULL);
  tpl = hearth_chat_template_new_for_model (gguf_file_get_path (file), source, arch, name, &note);
  if (note != NULL)
    fprintf (stderr, "hearth-cli generate: %s\n", note);
  return tpl;
}

static void
add_message (JsonArray *messages, const char *role, const char *content)
{
  JsonObject *m = json_object_new ();

  json_object_set_string_member (m, "role", role);
  json_object_set_string_member (m, "content", content);
  json_array_add_object_element (messages, m);
}

static void
add_item (JsonArray *content, const char *type, const char *text)
{
  JsonObject *item = json_object_new ();
  json_object_set_string_member (item, "type", type);
  if (text != NULL)
    json_object_set_string_member (item, "text", text);
  json_array_add_object_element (content, item);
}

/* A user turn as multimodal templates (SmolVLM) expect it: a list of
 * items. With media markers in the prompt, the images go there, in
 * order; without, all before the text. Only the first n_shown images are
 * written (see render_with_markers). */
static void
add_image_message (JsonArray *messages, char **parts, guint n_images, guint n_shown)
{
  JsonObject *m = json_object_new ();
  JsonArray *content = json_array_new ();
  gboolean at_markers = g_strv_length (parts) > 1;

  for (guint k = 0; !at_markers && k < n_shown; k++)
    add_item (content, "image", NULL);
  for (guint k = 0; parts[k] != NULL; k++)
    {
      if (parts[k][0] != '\0')
        add_item (content, "text", parts[k]);
      if (at_markers && k < n_shown && k < n_images)
        add_item (content, "image", NULL);
    }
  /* Templates index the first item: never an empty list. */
  if (json_array_get_length (content) == 0)
    add_item (content, "text", "");
  json_object_set_string_member (m, "role", "user");
  json_object_set_array_member (m, "content", content);
  json_array_add_object_element (messages, m);
}

/* The conversation (system message, user turn) rendered by the template;
 * with images, n_shown of them. */
static char *
render (HearthChatTemplate *tpl, const GenerateOptions *o, const CliImages *imgs, guint n_shown,
        const char *bos, const char *eos, GError **error)
{
  g_autoptr (JsonArray) messages = json_array_new ();

  if (o->system != NULL)
    add_message (messages, "system", o->system);
  if (imgs->video != NULL)
    {
      /* A text part, as the processor's template writes "User: " before
       * a video; the marker becomes the video's text after rendering. */
      g_autofree char *text = cli_video_place (o->prompt);
      char *parts[] = { text, NULL };
      add_image_message (messages, parts, 0, 0);
    }
  else if (imgs->n_images > 0)
    {
      g_auto (GStrv) parts = g_strsplit (o->prompt, VISION_MEDIA_MARKER, -1);
      guint n_parts = g_strv_length (parts), n_markers = n_parts > 0 ? n_parts - 1 : 0;
      if (n_markers != 0 && n_markers != imgs->n_images)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "the prompt holds %u %s markers for %u images: write one per image, "
                       "or none to put the images before the text",
                       n_markers, VISION_MEDIA_MARKER, imgs->n_images);
          return NULL;
        }
      add_image_message (messages, parts, imgs->n_images, n_shown);
    }
  else
    add_message (messages, "user", o->prompt);
  return hearth_chat_template_render (tpl, messages, TRUE, bos, eos, error);
}

typedef struct {
  HearthChatTemplate    *tpl;
  const GenerateOptions *o;
  const CliImages       *imgs;
  const char            *bos;
  const char            *eos;
} RenderArgs;

static char *
render_shown (guint n_shown, gpointer user_data, GError **error)
{
  RenderArgs *r = user_data;
  return render (r->tpl, r->o, r->imgs, n_shown, r->bos, r->eos, error);
}

/* The template writes "<image>" for each image item; each becomes a media
 * marker. */
static char *
render_with_markers (HearthChatTemplate *tpl, const GenerateOptions *o, const CliImages *imgs,
                     const char *bos, const char *eos, GError **error)
{
  RenderArgs r = { tpl, o, imgs, bos, eos };
  return vision_prompt_render_with_markers (imgs->n_images, render_shown, &r,
                                            "the model's chat template does not place images; "
                                            "use --raw with " VISION_MEDIA_MARKER " in the prompt",
                                            error);
}

/* The conversation rendered by the chat template, then tokenized with
 * special tokens parsed; BOS is added only if the template did not write
 * one already. */
static GArray *
chat_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImages *imgs, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  g_autoptr (HearthChatTemplate) tpl = NULL;
  g_autofree char *bos = NULL, *eos = NULL, *text = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gboolean add_bos;

  if (tok == NULL || !(tpl = load_template (cl->file, error)))
    return NULL;
  bos = token_text (tok, hearth_tokenizer_bos (tok));
  eos = token_text (tok, hearth_tokenizer_eos (tok));
  text = imgs->n_images > 0 ? render_with_markers (tpl, o, imgs, bos, eos, error)
                            : render (tpl, o, imgs, 0, bos, eos, error);
  if (text == NULL)
    return NULL;

  add_bos = hearth_tokenizer_adds_bos (tok) && !(*bos != '\0' && g_str_has_prefix (text, bos));
  if (add_bos)
    g_array_append_vals (ids, &(gint32) { hearth_tokenizer_bos (tok) }, 1);
  g_autoptr (GArray) rest = prompt_ids (tok, text, imgs, error);
  if (rest == NULL)
    return NULL;
  g_array_append_vals (ids, rest->data, rest->len);
  return g_steal_pointer (&ids);
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

/* Prompt, then one token per forward until EOG, -n or a full context. */
static gboolean
generate (CliLlama *cl, const GenerateOptions *o, GArray *prompt, const CliImages *imgs,
          GError **error)
{
  HearthSamplerParams params;
  g_autoptr (HearthSampler) sampler = NULL;
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (cl->tok, FALSE);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GString) ids = g_string_new (NULL);
  guint n_vocab = llama_model_get_config (cl->model)->n_vocab;
  guint pos = prompt->len;

  sampler_params_from (o, &params);
  sampler = hearth_sampler_new (&params);
  for (guint i = 0; i < prompt->len; i++)
    if (g_array_index (prompt, gint32, i) != VISION_IMAGE_POSITION)
      hearth_sampler_accept (sampler, g_array_index (prompt, gint32, i));

  if (!vision_prompt_prefill (cl->ctx, (const gint32 *) prompt->data, prompt->len, 0,
                              imgs->embd, imgs->n_rows, NULL, error))
    return FALSE;

  for (gint n = 0; n < o->n_predict; n++)
    {
      gint32 id = hearth_sampler_sample (sampler, llama_context_get_logits (cl->ctx, 0), n_vocab);

      if (hearth_tokenizer_is_eog (cl->tok, id))
        break;
      hearth_sampler_accept (sampler, id);
      if (o->ids_only)
        g_string_append_printf (ids, "%s%d", ids->len > 0 ? " " : "", id);
      else
        {
          g_string_truncate (text, 0);
          hearth_token_stream_push (stream, id, text);
          fwrite (text->str, 1, text->len, stdout);
          fflush (stdout);
        }
      if (n + 1 == o->n_predict)
        break;
      if (pos >= llama_context_get_n_ctx (cl->ctx))
        {
          fprintf (stderr, "\nhearth-cli generate: the context of %u tokens is full; "
                   "stopping (use --ctx to enlarge it)\n", llama_context_get_n_ctx (cl->ctx));
          break;
        }
      if (!llama_context_forward (cl->ctx, &id, 1, pos++, FALSE, NULL, error))
        return FALSE;
    }

  g_string_truncate (text, 0);
  hearth_token_stream_flush (stream, text);
  if (o->ids_only)
    printf ("%s\n", ids->str);
  else
    printf ("%s\n", text->str);
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
  else if ((o->mmproj_path == NULL) != (o->image_paths == NULL && o->video_path == NULL))
    problem = "--image or --video and --mmproj go together";
  else if (o->image_paths != NULL && o->video_path != NULL)
    problem = "--image and --video cannot be combined: SmolVLM2 reads one kind of media per prompt";
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
    .video_fps = VIDEO_SAMPLING_FPS_DEFAULT, .video_max_frames = VIDEO_SAMPLING_MAX_FRAMES_DEFAULT,
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
    { "video", 0, 0, G_OPTION_ARG_FILENAME, &o.video_path, "A video the prompt is about (SmolVLM2, with --mmproj), at " VIDEO_MEDIA_MARKER " in the prompt or else before it", "FILE" },
    CLI_VIDEO_OPTION_ENTRIES (&o.video_fps, &o.video_max_frames),
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
      (o.video_path != NULL &&
       !cli_video_encode (&cl, o.mmproj_path, o.video_path, o.video_fps, o.video_max_frames,
                          &imgs.video, &imgs.video_prompt, &imgs.embd, &imgs.n_rows, &error)) ||
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
  g_free (o.video_path);
  return status;
}
