#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-image: any bytes as an attached or indexed photo: the engine's
 * loader (GdkPixbuf's PNG, JPEG, WebP, GIF, HEIF and AVIF loaders, the
 * pixel limit, the EXIF orientation, alpha onto white), then the vision
 * preprocessing (resize, tiles, normalisation) at a small tile size, and
 * the app's attachment path, which re-encodes without metadata. */

#include "fuzz-util.h"
#include "hearth-image-attachment.h"
#include "image-preprocess.h"

/* Small enough that one input decodes in milliseconds. */
#define MAX_PIXELS (512 * 512)

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  /* GdkPixbuf 2.42's GIF loader checks a frame of height 0 with a
   * g_return_val_if_fail() of its own (gdk_pixbuf_calculate_rowstride)
   * and then fails cleanly: a log line, not a crash, and not Hearth's to fix. */
  fuzz_tolerate_critical ("GdkPixbuf", "gdk_pixbuf_calculate_rowstride:");
  return 0;
}

static void
preprocess (const HearthImage *image)
{
  /* SmolVLM's proportions (512 tiles of a 1536 longest edge), scaled down. */
  const ImagePreprocessConfig config = {
    .tile_size = 16, .longest_edge = 48,
    .mean = { 0.5f, 0.5f, 0.5f }, .std = { 0.5f, 0.5f, 0.5f },
  };
  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &config);

  g_assert (tiles->n_chunks >= 1);
  fuzz_touch ((const char *) tiles->u8, (gsize) tiles->n_chunks * config.tile_size * config.tile_size * 3);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = hearth_image_load_bytes (bytes, "fuzz image", MAX_PIXELS, &error);
  g_autoptr (HearthImageAttachment) attachment = NULL;

  if (image == NULL)
    {
      fuzz_check_error (error);
      return 0;
    }
  g_assert (image->width > 0 && image->height > 0);
  g_assert ((guint64) image->width * image->height <= MAX_PIXELS);
  fuzz_touch ((const char *) image->rgb, (gsize) image->width * image->height * 3);
  preprocess (image);

  /* Decodes again: the attachment has its own limits and re-encodes. */
  g_clear_error (&error);
  attachment = hearth_image_attachment_new_from_bytes (bytes, "fuzz image", &error);
  if (attachment == NULL)
    fuzz_check_error (error);
  return 0;
}
