#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli embed-image: the image embeddings a SmolVLM projector makes
 * for an image, as the text model would read them: all image tokens ×
 * embedding width, little-endian f32, tiles row-major then the global
 * image. Prints the tile layout. */

#include <stdio.h>

#include "cli-llama.h"
#include "clip-model.h"
#include "gguf.h"
#include "hearth-cli.h"
#include "vision-encoder.h"

typedef struct {
  char *mmproj_path;
  char *model_path;
  char *image_path;
  char *out_path;
} EmbedImageOptions;

static void
print_progress (guint done, guint n_chunks, gpointer user_data)
{
  fprintf (stderr, "\rencoding: %u/%u chunks", done, n_chunks);
  if (done == n_chunks)
    fprintf (stderr, "\n");
}

static gboolean
embed_image (const EmbedImageOptions *o, GError **error)
{
  guint32 text_width = 0;
  if (!cli_text_model_width (o->model_path, &text_width, error))
    return FALSE;

  g_autoptr (HearthDevice) device = hearth_device_open (error);
  g_autoptr (GgufFile) file = device != NULL ? gguf_file_open (o->mmproj_path, error) : NULL;
  g_autoptr (ClipModel) model = file != NULL ? clip_model_load (device, file, NULL, NULL, NULL, error) : NULL;
  if (model == NULL || !clip_model_check_text_width (model, text_width, error))
    return FALSE;
  g_autoptr (VisionEncoder) encoder = vision_encoder_new (model, error);
  g_autoptr (ImageTiles) tiles = NULL;
  g_autofree float *embd = encoder != NULL
    ? vision_encoder_encode_file (encoder, o->image_path, &tiles, print_progress, NULL, NULL, error)
    : NULL;
  if (embd == NULL)
    return FALSE;

  guint per_chunk = vision_encoder_tokens_per_chunk (encoder);
  guint n_tokens = tiles->n_chunks * per_chunk;
  gsize n_bytes = (gsize) n_tokens * text_width * sizeof (float);
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < n_bytes / 4; i++)
    ((guint32 *) embd)[i] = GUINT32_TO_LE (((guint32 *) embd)[i]);
#endif
  if (!g_file_set_contents (o->out_path, (const char *) embd, n_bytes, error))
    return FALSE;

  printf ("refined %ux%u, grid %u rows x %u cols, %u tiles + 1 global image of %ux%u\n",
          tiles->refined_width, tiles->refined_height, tiles->grid_rows, tiles->grid_cols,
          tiles->n_tiles, tiles->tile_size, tiles->tile_size);
  printf ("%u image tokens (%u per chunk) x %u floats written to %s\n",
          n_tokens, per_chunk, text_width, o->out_path);
  return TRUE;
}

int
hearth_cli_embed_image (int argc, char **argv)
{
  EmbedImageOptions o = { 0 };
  const GOptionEntry entries[] = {
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &o.mmproj_path, "Vision projector GGUF", "MMPROJ.gguf" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model_path, "The text model it belongs to", "TEXT.gguf" },
    { "image", 0, 0, G_OPTION_ARG_FILENAME, &o.image_path, "Image file (PNG, JPEG, GIF, …)", "FILE" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out_path, "Where to write the f32 embeddings", "FILE.f32" },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- image embeddings of a SmolVLM projector");
  g_autoptr (GError) error = NULL;
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) ||
      o.mmproj_path == NULL || o.model_path == NULL || o.image_path == NULL || o.out_path == NULL)
    {
      fprintf (stderr, "hearth-cli embed-image: %s\n",
               error != NULL ? error->message : "--mmproj, -m, --image and --out are required");
      status = 2;
    }
  else if (!embed_image (&o, &error))
    fprintf (stderr, "hearth-cli embed-image: %s\n", error->message);
  else
    status = 0;

  g_free (o.mmproj_path);
  g_free (o.model_path);
  g_free (o.image_path);
  g_free (o.out_path);
  return status;
}
