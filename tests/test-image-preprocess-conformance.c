#define G_LOG_DOMAIN "hearth-test"

/* test-image-preprocess-conformance: the idefics3 tiling of the four
 * reference images against llama.cpp's. Starts from the stored decoded RGB
 * (*.decoded.png) so decoder differences stay out; the tile layout must be
 * identical to the JSON and every tile within ±1 of *.tileK.png (the
 * README's tolerance for llama.cpp's own float evaluation order).
 *
 * Separately, our decoding of the original files against llama.cpp's
 * (stb_image): PNG identical, JPEG within the IDCT differences of two
 * decoders, and the RGBA banner composited onto white where llama.cpp
 * drops the alpha (the deliberate difference). */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "image-preprocess.h"

static const char *const images[] = {
  "screenshot-640x360", "photo-96x96", "banner-1500x300-rgba", "portrait-300x800",
};

/* The tiny SmolVLM mmproj's clip.vision.* values. */
static const ImagePreprocessConfig config = { 128, 512, { 0.5f, 0.5f, 0.5f }, { 0.5f, 0.5f, 0.5f } };

static HearthImage *
load_png (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  HearthImage *image = hearth_image_load (path, 0, &error);
  g_assert_no_error (error);
  return image;
}

static void
test_image (gconstpointer data)
{
  const char *stem = data;
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no llama.cpp reference data");
      return;
    }
  g_autofree char *dir = g_build_filename (shared, "fixtures", "reference", "vlm", NULL);
  g_autofree char *json_name = g_strconcat (stem, ".json", NULL);
  g_autofree char *json_path = g_build_filename (dir, json_name, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  JsonObject *ref = json_node_get_object (json_parser_get_root (parser));

  g_autofree char *decoded_name = g_strconcat (stem, ".decoded.png", NULL);
  g_autoptr (HearthImage) image = load_png (dir, decoded_name);
  JsonObject *size = json_object_get_object_member (ref, "original_size");
  g_assert_cmpint (image->width, ==, json_object_get_int_member (size, "width"));
  g_assert_cmpint (image->height, ==, json_object_get_int_member (size, "height"));

  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &config);
  g_assert_cmpint (tiles->grid_rows, ==, json_object_get_int_member (ref, "grid_rows"));
  g_assert_cmpint (tiles->grid_cols, ==, json_object_get_int_member (ref, "grid_cols"));
  g_assert_cmpint (tiles->n_tiles, ==, json_object_get_int_member (ref, "n_tiles"));
  g_assert_cmpint (tiles->n_chunks, ==, json_object_get_int_member (ref, "n_image_chunks"));

  gsize tile_bytes = (gsize) 128 * 128 * 3;
  guint worst = 0, n_off = 0;
  for (guint k = 0; k < tiles->n_chunks; k++)
    {
      g_autofree char *tile_name = g_strdup_printf ("%s.tile%u.png", stem, k);
      g_autoptr (HearthImage) expect = load_png (dir, tile_name);
      g_assert_cmpuint (expect->width, ==, 128);
      g_assert_cmpuint (expect->height, ==, 128);
      const guint8 *got = tiles->u8 + k * tile_bytes;
      for (gsize i = 0; i < tile_bytes; i++)
        {
          guint d = ABS ((int) got[i] - (int) expect->rgb[i]);
          worst = MAX (worst, d);
          n_off += d != 0;
          if (d > 1 && !g_test_failed ())
            g_test_fail_printf ("%s chunk %u (x %zu y %zu c %zu): got %u, llama.cpp %u",
                                stem, k, i / 3 % 128, i / 3 / 128, i % 3, got[i], expect->rgb[i]);
        }
      /* Normalization: (u8/255 - 0.5)/0.5, planar. */
      const float *px = tiles->pixels + k * tile_bytes;
      g_assert_cmpfloat_with_epsilon (px[128 * 128 + 5], got[5 * 3 + 1] / 127.5f - 1.0f, 1e-6);
    }
  g_test_message ("%s: %u chunks, %u u8 values off by one, worst %u", stem, tiles->n_chunks, n_off, worst);
}

typedef struct {
  const char *file;      /* in fixtures/images */
  const char *stem;
  guint       max_diff;  /* per u8 value */
  double      max_mean;
} DecodeCase;

static const DecodeCase decode_cases[] = {
  { "screenshot-640x360.png", "screenshot-640x360", 0, 0.0 },
  { "photo-96x96.jpg", "photo-96x96", 4, 0.25 },
  { "portrait-300x800.jpg", "portrait-300x800", 4, 0.25 },
};

static void
test_decode (gconstpointer data)
{
  const DecodeCase *dc = data;
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no reference images");
      return;
    }
  g_autofree char *images = g_build_filename (shared, "fixtures", "images", NULL);
  g_autofree char *vlm = g_build_filename (shared, "fixtures", "reference", "vlm", NULL);
  g_autofree char *decoded_name = g_strconcat (dc->stem, ".decoded.png", NULL);
  g_autoptr (HearthImage) ours = load_png (images, dc->file);
  g_autoptr (HearthImage) theirs = load_png (vlm, decoded_name);
  g_assert_cmpuint (ours->width, ==, theirs->width);
  g_assert_cmpuint (ours->height, ==, theirs->height);

  gsize n = (gsize) ours->width * ours->height * 3;
  guint worst = 0;
  guint64 sum = 0;
  for (gsize i = 0; i < n; i++)
    {
      guint d = ABS ((int) ours->rgb[i] - (int) theirs->rgb[i]);
      worst = MAX (worst, d);
      sum += d;
    }
  g_test_message ("%s: max u8 difference to stb_image %u, mean %.3f", dc->file, worst, (double) sum / n);
  g_assert_cmpuint (worst, <=, dc->max_diff);
  g_assert_cmpfloat ((double) sum / n, <=, dc->max_mean);
}

/* llama.cpp keeps the RGB under transparent pixels; we show what a viewer
 * shows: c·a + 255·(1 - a), rounded. */
static void
test_decode_alpha (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  if (shared == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR is not set: no reference images");
      return;
    }
  g_autofree char *path = g_build_filename (shared, "fixtures", "images", "banner-1500x300-rgba.png", NULL);
  g_autofree char *vlm = g_build_filename (shared, "fixtures", "reference", "vlm", NULL);
  g_autoptr (HearthImage) ours = hearth_image_load (path, 0, NULL);
  g_autoptr (HearthImage) theirs = load_png (vlm, "banner-1500x300-rgba.decoded.png");
  g_autoptr (GdkPixbuf) raw = gdk_pixbuf_new_from_file (path, NULL);
  g_assert_nonnull (ours);
  g_assert_true (gdk_pixbuf_get_has_alpha (raw));

  const guint8 *px = gdk_pixbuf_read_pixels (raw);
  int stride = gdk_pixbuf_get_rowstride (raw);
  guint n_translucent = 0;
  for (guint y = 0; y < ours->height; y++)
    for (guint x = 0; x < ours->width; x++)
      {
        guint a = px[(gsize) y * stride + x * 4 + 3];
        n_translucent += a < 255;
        for (guint c = 0; c < 3; c++)
          {
            gsize i = ((gsize) y * ours->width + x) * 3 + c;
            guint expect = (theirs->rgb[i] * a + 255 * (255 - a) + 127) / 255;
            if (ours->rgb[i] != expect && !g_test_failed ())
              g_test_fail_printf ("pixel (%u, %u) channel %u alpha %u: %u, expected %u over white",
                                  x, y, c, a, ours->rgb[i], expect);
          }
      }
  g_test_message ("%u of %u pixels are not opaque", n_translucent, ours->width * ours->height);
  g_assert_cmpuint (n_translucent, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autofree char *name = g_strdup_printf ("/image-preprocess/%s", images[i]);
      g_test_add_data_func (name, images[i], test_image);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (decode_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/image-decode/%s", decode_cases[i].file);
      g_test_add_data_func (name, &decode_cases[i], test_decode);
    }
  g_test_add_func ("/image-decode/alpha-over-white", test_decode_alpha);
  return g_test_run ();
}
