#define G_LOG_DOMAIN "hearth-vision"

#include "vision-prompt.h"

#include <string.h>

typedef struct {
  gint32 fake;      /* <fake_token_around_image> */
  gint32 newline;   /* "\n" */
  gint32 two_lines; /* "\n\n" */
} ImageTokens;

static gboolean
lookup_special (HearthTokenizer *tok, const char *text, gint32 *id, GError **error)
{
  *id = hearth_tokenizer_lookup (tok, text, -1);
  if (*id >= 0)
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
               "The text model's vocabulary has no %s token: it is not a SmolVLM (idefics3) "
               "model and cannot read images", text);
  return FALSE;
}

/* The single token text encodes to ("\n" and "\n\n" are single BPE tokens
 * in SmolVLM's vocabulary, which is what the reference layout relies on). */
static gboolean
single_token (HearthTokenizer *tok, const char *text, gint32 *id, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (!hearth_tokenizer_encode (tok, text, -1, FALSE, FALSE, ids, error))
    return FALSE;
  if (ids->len != 1)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "The text model's vocabulary encodes a line break as %u tokens: it is not "
                   "a SmolVLM (idefics3) model", ids->len);
      return FALSE;
    }
  *id = g_array_index (ids, gint32, 0);
  return TRUE;
}

static void
append (GArray *ids, gint32 id, guint count)
{
  for (guint i = 0; i < count; i++)
    g_array_append_val (ids, id);
}

static gboolean
append_layout (HearthTokenizer *tok, GArray *ids, guint rows, guint cols, guint per_chunk,
               GError **error)
{
  ImageTokens t;
  if (!lookup_special (tok, "<fake_token_around_image>", &t.fake, error) ||
      !single_token (tok, "\n", &t.newline, error) ||
      !single_token (tok, "\n\n", &t.two_lines, error))
    return FALSE;

  for (guint r = 1; r <= rows; r++)
    {
      for (guint c = 1; c <= cols; c++)
        {
          char name[32];
          gint32 tile;
          g_snprintf (name, sizeof name, "<row_%u_col_%u>", r, c);
          if (!lookup_special (tok, name, &tile, error))
            return FALSE;
          append (ids, t.fake, 1);
          append (ids, tile, 1);
          append (ids, VISION_IMAGE_POSITION, per_chunk);
        }
      if (r < rows)
        append (ids, t.newline, 1);
    }
  append (ids, t.two_lines, 1);
  return vision_prompt_append_global_image (tok, ids, per_chunk, error);
}

gboolean
vision_prompt_append_global_image (HearthTokenizer *tok, GArray *ids, guint tokens_per_chunk,
                                   GError **error)
{
  gint32 fake, global;
  if (!lookup_special (tok, "<fake_token_around_image>", &fake, error) ||
      !lookup_special (tok, "<global-img>", &global, error))
    return FALSE;
  append (ids, fake, 1);
  append (ids, global, 1);
  append (ids, VISION_IMAGE_POSITION, tokens_per_chunk);
  append (ids, fake, 1);
  return TRUE;
}

guint
vision_prompt_image_n_positions (const VisionPromptImage *image)
{
  guint per_tile = 2 + image->tokens_per_chunk;  /* <fake><row_r_col_c> <image>×n */
  guint row_breaks = image->grid_rows > 0 ? image->grid_rows - 1 : 0;
  guint global = 4 + image->tokens_per_chunk;    /* "\n\n"<fake><global-img> <image>×n <fake> */

  return image->grid_rows * image->grid_cols * per_tile + row_breaks + global;
}

void
vision_prompt_plan_image (const ImagePreprocessConfig *config, guint tokens_per_chunk,
                          guint width, guint height, HearthImagePlan *plan)
{
  VisionPromptImage image;

  image_refined_size (width, height, config, &plan->refined_width, &plan->refined_height);
  plan->tile_size = config->tile_size;
  plan->grid_cols = plan->refined_width / config->tile_size;
  plan->grid_rows = plan->refined_height / config->tile_size;
  plan->n_chunks = plan->grid_cols * plan->grid_rows + 1;
  image = (VisionPromptImage) { plan->grid_rows, plan->grid_cols, tokens_per_chunk };
  plan->n_tokens = vision_prompt_image_n_positions (&image);
}

guint
vision_prompt_count_markers (const char *text, const char *marker)
{
  guint n = 0;
  for (const char *m = strstr (text, marker); m != NULL; m = strstr (m + strlen (marker), marker))
    n++;
  return n;
}

GArray *
vision_prompt_tokenize_images (HearthTokenizer *tok, const char *text, gboolean add_special,
                               const VisionPromptImage *images, guint n_images, GError **error)
{
  guint n_markers = vision_prompt_count_markers (text, VISION_MEDIA_MARKER);
  if (n_markers != n_images)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The prompt holds %u %s markers for %u images: it needs one marker where "
                   "each image goes", n_markers, VISION_MEDIA_MARKER, n_images);
      return NULL;
    }

  /* Text around the markers is tokenized on its own, as mtmd does; the
   * image tokens are CONTROL tokens, so no BPE merge crosses them anyway.
   * BOS, if any, only once at the start. */
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  const char *rest = text;
  for (guint k = 0; k < n_images; k++)
    {
      const char *marker = strstr (rest, VISION_MEDIA_MARKER);
      const VisionPromptImage *img = &images[k];
      if (!hearth_tokenizer_encode (tok, rest, marker - rest, add_special && k == 0, TRUE, ids, error) ||
          !append_layout (tok, ids, img->grid_rows, img->grid_cols, img->tokens_per_chunk, error))
        return NULL;
      rest = marker + strlen (VISION_MEDIA_MARKER);
    }
  if (!hearth_tokenizer_encode (tok, rest, -1, add_special && n_images == 0, TRUE, ids, error))
    return NULL;
  return g_steal_pointer (&ids);
}

GArray *
vision_prompt_tokenize (HearthTokenizer *tok, const char *text, gboolean add_special,
                        guint grid_rows, guint grid_cols, guint tokens_per_chunk, GError **error)
{
  const VisionPromptImage image = { grid_rows, grid_cols, tokens_per_chunk };
  return vision_prompt_tokenize_images (tok, text, add_special, &image, 1, error);
}

gboolean
vision_prompt_prefill (LlamaContext *ctx, const gint32 *ids, guint n, guint pos0,
                       const float *embd, guint n_embd_rows, GCancellable *cancellable,
                       GError **error)
{
  guint n_image = 0;
  for (guint i = 0; i < n; i++)
    n_image += ids[i] < 0;
  if (n_image != n_embd_rows)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The prompt has %u image positions but %u image embeddings were given",
                   n_image, n_embd_rows);
      return FALSE;
    }

  /* One forward for text and image positions alike (causal throughout, as
   * mtmd's separate text and image batches are). */
  return llama_context_forward_mixed (ctx, ids, embd, n, pos0, FALSE, cancellable, error);
}

/* To find the "<image>" of image k (the text may hold the same
 * characters), the conversation is rendered with the first k and the first
 * k-1 images: where the two renderings part is where image k goes. */
char *
vision_prompt_render_with_markers (guint n_images, VisionRenderFunc render, gpointer user_data,
                                   const char *unplaced_message, GError **error)
{
  g_autofree char *fewer = render (0, user_data, error);
  g_autofree char *all = fewer != NULL ? render (n_images, user_data, error) : NULL;
  g_autofree gsize *at = g_new (gsize, n_images);
  if (all == NULL)
    return NULL;

  for (guint k = 0; k < n_images; k++)
    {
      g_autofree char *more = k + 1 == n_images ? g_strdup (all) : render (k + 1, user_data, error);
      if (more == NULL)
        return NULL;
      at[k] = 0;
      while (more[at[k]] != '\0' && more[at[k]] == fewer[at[k]])
        at[k]++;
      /* Later images must not move earlier ones: the full rendering
       * holds "<image>" at the same place. */
      if (strncmp (more + at[k], "<image>", 7) != 0 || strncmp (all, more, at[k] + 7) != 0 ||
          (k > 0 && at[k] < at[k - 1] + 7))
        {
          g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                               unplaced_message);
          return NULL;
        }
      g_free (fewer);
      fewer = g_steal_pointer (&more);
    }

  g_autoptr (GString) text = g_string_new (NULL);
  gsize from = 0;
  for (guint k = 0; k < n_images; k++)
    {
      g_string_append_len (text, all + from, at[k] - from);
      g_string_append (text, VISION_MEDIA_MARKER);
      from = at[k] + strlen ("<image>");
    }
  g_string_append (text, all + from);
  return g_string_free (g_steal_pointer (&text), FALSE);
}
