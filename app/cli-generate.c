#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli generate: text from a Llama model. The prompt is wrapped in
 * the model's chat template as a user turn (or, with --raw, tokenized
 * as-is); tokens are sampled until an end-of-generation token or -n, and
 * the text streams to stdout as it completes. */

#include <stdio.h>
#include <string.h>

#include "chat-template.h"
#include "clip-model.h"
#include "cli-llama.h"
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
  char    *image_path;
} GenerateOptions;

/* vision: an image encoded for the prompt (--mmproj, --image). */
typedef struct {
  ImageTiles *tiles;
  float      *embd;        /* f32 [n_rows][n_embd] */
  guint       n_rows;
  guint       per_chunk;
} CliImage;

static void
cli_image_clear (CliImage *img)
{
  g_clear_pointer (&img->tiles, image_tiles_free);
  g_clear_pointer (&img->embd, g_free);
}

static gboolean
encode_image (CliLlama *cl, const GenerateOptions *o, CliImage *img, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (o->mmproj_path, error);
  g_autoptr (ClipModel) clip = file != NULL ? clip_model_load (cl->device, file, NULL, NULL, NULL, error) : NULL;
  if (clip == NULL ||
      !clip_model_check_text_width (clip, llama_model_get_config (cl->model)->n_embd, error))
    return FALSE;
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (clip, error);
  if (encoder == NULL ||
      !(img->embd = vision_encoder_encode_file (encoder, o->image_path, &img->tiles, NULL, NULL,
                                                NULL, error)))
    return FALSE;
  img->per_chunk = vision_encoder_tokens_per_chunk (encoder);
  img->n_rows = img->tiles->n_chunks * img->per_chunk;
  return TRUE;
}

/* Rendered or raw prompt text to ids (special tokens parsed); with an
 * image, its marker expanded into the image positions. */
static GArray *
prompt_ids (HearthTokenizer *tok, const char *text, const CliImage *img, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (img->embd != NULL)
    return vision_prompt_tokenize (tok, text, FALSE, img->tiles->grid_rows, img->tiles->grid_cols,
                                   img->per_chunk, error);
  if (!hearth_tokenizer_encode (tok, text, -1, FALSE, TRUE, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

/* --raw: the prompt as-is, special tokens parsed only around an image. */
static GArray *
raw_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImage *img, GError **error)
{
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);
  if (tok == NULL)
    return NULL;
  if (img->embd == NULL)
    return cli_llama_tokenize (cl, o->prompt, FALSE, error);
  return vision_prompt_tokenize (tok, o->prompt, TRUE, img->tiles->grid_rows, img->tiles->grid_cols,
                                 img->per_chunk, error);
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

/* A user turn as multimodal templates (SmolVLM) expect it: a list of
 * items, [image, text] or just [text]. */
static void
add_image_message (JsonArray *messages, const char *text, gboolean with_image)
{
  JsonObject *m = json_object_new ();
  JsonArray *content = json_array_new ();
  JsonObject *item = json_object_new ();

  if (with_image)
    {
      JsonObject *image = json_object_new ();
      json_object_set_string_member (image, "type", "image");
      json_array_add_object_element (content, image);
    }
  json_object_set_string_member (item, "type", "text");
  json_object_set_string_member (item, "text", text);
  json_array_add_object_element (content, item);
  json_object_set_string_member (m, "role", "user");
  json_object_set_array_member (m, "content", content);
  json_array_add_object_element (messages, m);
}

/* The conversation (system message, user turn) rendered by the template. */
static char *
render (HearthChatTemplate *tpl, const GenerateOptions *o, gboolean image, gboolean with_image,
        const char *bos, const char *eos, GError **error)
{
  g_autoptr (JsonArray) messages = json_array_new ();

  if (o->system != NULL)
    add_message (messages, "system", o->system);
  if (image)
    add_image_message (messages, o->prompt, with_image);
  else
    add_message (messages, "user", o->prompt);
  return hearth_chat_template_render (tpl, messages, TRUE, bos, eos, error);
}

/* The template writes "<image>" for the image item. To find that one (the
 * system or user text may hold the same characters), the turn is rendered
 * once more without the image: where the two renderings part is where the
 * image goes, and it becomes the media marker. */
static char *
render_with_marker (HearthChatTemplate *tpl, const GenerateOptions *o, const char *bos,
                    const char *eos, GError **error)
{
  g_autofree char *with = render (tpl, o, TRUE, TRUE, bos, eos, error);
  g_autofree char *without = with != NULL ? render (tpl, o, TRUE, FALSE, bos, eos, error) : NULL;
  if (without == NULL)
    return NULL;

  gsize at = 0;
  while (with[at] != '\0' && with[at] == without[at])
    at++;
  if (!g_str_has_prefix (with + at, "<image>"))
    {
      g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                           "the model's chat template does not place images; use --raw with "
                           VISION_MEDIA_MARKER " in the prompt");
      return NULL;
    }
  return g_strdup_printf ("%.*s%s%s", (int) at, with, VISION_MEDIA_MARKER, with + at + strlen ("<image>"));
}

/* The conversation rendered by the chat template, then tokenized with
 * special tokens parsed; BOS is added only if the template did not write
 * one already. */
static GArray *
chat_prompt_ids (CliLlama *cl, const GenerateOptions *o, const CliImage *img, GError **error)
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
  text = img->embd != NULL ? render_with_marker (tpl, o, bos, eos, error)
                           : render (tpl, o, FALSE, FALSE, bos, eos, error);
  if (text == NULL)
    return NULL;

  add_bos = hearth_tokenizer_adds_bos (tok) && !(*bos != '\0' && g_str_has_prefix (text, bos));
  if (add_bos)
    g_array_append_vals (ids, &(gint32) { hearth_tokenizer_bos (tok) }, 1);
  g_autoptr (GArray) rest = prompt_ids (tok, text, img, error);
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
generate (CliLlama *cl, const GenerateOptions *o, GArray *prompt, const CliImage *img,
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
                              img->embd, img->n_rows, NULL, error))
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
  else if ((o->mmproj_path == NULL) != (o->image_path == NULL))
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
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &o.image_path, "An image the prompt is about (with --raw: at " VISION_MEDIA_MARKER ")", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- generate text with a Llama model");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) prompt = NULL;
  CliLlama cl = { 0 };
  CliImage img = { 0 };
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || !check_options (&o, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      status = 2;
      goto out;
    }

  if (!cli_llama_open (&cl, o.model_path, o.n_ctx, &error) ||
      (o.image_path != NULL && !encode_image (&cl, &o, &img, &error)) ||
      !(prompt = o.raw ? raw_prompt_ids (&cl, &o, &img, &error)
                       : chat_prompt_ids (&cl, &o, &img, &error)) ||
      !generate (&cl, &o, prompt, &img, &error))
    {
      fprintf (stderr, "hearth-cli generate: %s\n", error->message);
      goto out;
    }
  status = 0;
out:
  cli_image_clear (&img);
  cli_llama_close (&cl);
  g_free (o.model_path);
  g_free (o.prompt);
  g_free (o.system);
  g_free (o.mmproj_path);
  g_free (o.image_path);
  return status;
}
