#define G_LOG_DOMAIN "hearth-test"

/* test-image-load: decoding hostile and unusual image files, each written
 * here byte by byte: every one must either decode to sane pixels or fail
 * with a clear error, never crash or allocate what its header claims. The
 * same bytes from memory (hearth_image_load_bytes, for images sent in a
 * chat) must give the same pixels or the same error. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

#include "hearth-engine-error.h"
#include "image-format-test-util.h"
#include "image-preprocess.h"

/* ---- a tiny PNG writer (stored deflate blocks, no zlib needed) ----------- */

static guint32
crc32_update (guint32 crc, const guint8 *data, gsize n)
{
  crc = ~crc;
  for (gsize i = 0; i < n; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
put_be32 (GByteArray *b, guint32 v)
{
  guint8 be[4] = { v >> 24, v >> 16, v >> 8, v };
  g_byte_array_append (b, be, 4);
}

static void
put_chunk (GByteArray *png, const char *type, const guint8 *data, gsize n)
{
  put_be32 (png, n);
  gsize start = png->len;
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (n > 0)
    g_byte_array_append (png, data, n);
  put_be32 (png, crc32_update (0, png->data + start, png->len - start));
}

/* A zlib stream of stored blocks around raw. */
static GByteArray *
zlib_stored (const guint8 *raw, gsize n)
{
  GByteArray *z = g_byte_array_new ();
  g_byte_array_append (z, (const guint8 *) "\x78\x01", 2);
  gsize pos = 0;
  do
    {
      gsize len = MIN (n - pos, 65535);
      guint8 header[5] = { pos + len == n, len & 0xff, len >> 8, ~len & 0xff, (~len >> 8) & 0xff };
      g_byte_array_append (z, header, 5);
      g_byte_array_append (z, raw + pos, len);
      pos += len;
    }
  while (pos < n);
  guint32 a = 1, b = 0;
  for (gsize i = 0; i < n; i++)
    {
      a = (a + raw[i]) % 65521;
      b = (b + a) % 65521;
    }
  put_be32 (z, (b << 16) | a);
  return z;
}

/* An RGB PNG of the given bit depth whose sample (x, y, c) is sample(). */
static GByteArray *
make_png (guint32 width, guint32 height, guint bit_depth, guint16 (*sample) (guint x, guint y, guint c))
{
  GByteArray *png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  guint8 ihdr[13] = { width >> 24, width >> 16, width >> 8, width,
                      height >> 24, height >> 16, height >> 8, height,
                      bit_depth, 2, 0, 0, 0 };
  put_chunk (png, "IHDR", ihdr, sizeof ihdr);

  guint bytes = bit_depth / 8;
  g_autoptr (GByteArray) raw = g_byte_array_new ();
  for (guint y = 0; y < height; y++)
    {
      g_byte_array_append (raw, (const guint8 *) "\0", 1);  /* none */
      for (guint x = 0; x < width; x++)
        for (guint c = 0; c < 3; c++)
          {
            guint16 v = sample (x, y, c);
            guint8 be[2] = { v >> 8, v & 0xff };
            g_byte_array_append (raw, bytes == 2 ? be : be + 1, bytes);
          }
    }
  g_autoptr (GByteArray) z = zlib_stored (raw->data, raw->len);
  put_chunk (png, "IDAT", z->data, z->len);
  put_chunk (png, "IEND", NULL, 0);
  return png;
}

static guint16
gradient16 (guint x, guint y, guint c)
{
  return (guint16) (((x * 40 + y * 10 + c * 70) & 0xff) * 256 + x);
}

static guint16
gradient8 (guint x, guint y, guint c)
{
  return (guint16) ((x * 40 + y * 10 + c * 70) & 0xff);
}

/* ---- fixtures --------------------------------------------------------- */

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("hearth-image-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
}

static char *
write_file (Fixture *f, const char *name, const guint8 *data, gsize n)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, (const char *) data, n, &error);
  g_assert_no_error (error);
  return path;
}

/* hearth_image_load (path), and hearth_image_load_bytes () of the same
 * file's contents (named by its base name), which must agree: the same
 * pixels, or the same error code. Returns the first's result. */
static HearthImage *
load_image (const char *path, guint64 max_pixels, GError **error)
{
  HearthImage *image = hearth_image_load (path, max_pixels, error);
  g_autoptr (GError) bytes_error = NULL;
  g_autoptr (HearthImage) from_bytes = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return image;  /* nothing to read, nothing to compare */
  g_autoptr (GBytes) bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
  from_bytes = hearth_image_load_bytes (bytes, base, max_pixels, &bytes_error);
  if (image == NULL)
    {
      g_assert_null (from_bytes);
      g_assert_error (bytes_error, HEARTH_ENGINE_ERROR, (*error)->code);
      g_assert_nonnull (strstr (bytes_error->message, base));
      return NULL;
    }
  g_assert_no_error (bytes_error);
  g_assert_cmpuint (from_bytes->width, ==, image->width);
  g_assert_cmpuint (from_bytes->height, ==, image->height);
  g_assert_cmpmem (from_bytes->rgb, (gsize) image->width * image->height * 3, image->rgb,
                   (gsize) image->width * image->height * 3);
  return image;
}

/* Loads path expecting failure with code; the message names the file. */
static void
assert_refused (const char *path, gint code)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_null (image);
  g_assert_error (error, HEARTH_ENGINE_ERROR, code);
  g_test_message ("%s", error->message);
  g_autofree char *base = g_path_get_basename (path);
  g_assert_nonnull (strstr (error->message, base));
}

/* ---- tests ------------------------------------------------------------ */

static void
test_png_8bit (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) png = make_png (5, 3, 8, gradient8);
  g_autofree char *path = write_file (f, "rgb8.png", png->data, png->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 5);
  g_assert_cmpuint (image->height, ==, 3);
  for (guint y = 0; y < 3; y++)
    for (guint x = 0; x < 5; x++)
      for (guint c = 0; c < 3; c++)
        g_assert_cmpuint (image->rgb[(y * 5 + x) * 3 + c], ==, gradient8 (x, y, c));
}

/* 16-bit samples are reduced to their high byte by the PNG loader. */
static void
test_png_16bit (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) png = make_png (4, 4, 16, gradient16);
  g_autofree char *path = write_file (f, "rgb16.png", png->data, png->len);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 4);
  for (guint i = 0; i < 16; i++)
    for (guint c = 0; c < 3; c++)
      g_assert_cmpuint (image->rgb[i * 3 + c], ==, gradient16 (i % 4, i / 4, c) >> 8);
}

static void
test_empty_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "empty.png", (const guint8 *) "", 0);
  assert_refused (path, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "missing.png", NULL);
  assert_refused (path, HEARTH_ENGINE_ERROR_IO);
}

static void
test_garbage (Fixture *f, gconstpointer data)
{
  guint8 bytes[512];
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  for (gsize i = 0; i < sizeof bytes; i++)
    bytes[i] = g_rand_int (rand);
  g_autofree char *path = write_file (f, "garbage.jpg", bytes, sizeof bytes);
  assert_refused (path, HEARTH_ENGINE_ERROR_UNSUPPORTED);
}

/* Every truncation of a valid PNG, and corrupted image data, must fail
 * cleanly or decode to the announced size. */
static void
test_truncated_and_corrupt (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) png = make_png (8, 8, 8, gradient8);
  gsize iend = png->len - 12;  /* cutting only IEND leaves a complete image */
  for (gsize n = 1; n < iend; n += 7)
    {
      g_autofree char *path = write_file (f, "truncated.png", png->data, n);
      g_autoptr (GError) error = NULL;
      g_autoptr (HearthImage) image = hearth_image_load (path, 0, &error);
      if (image != NULL)
        g_test_message ("truncated at %zu of %u decoded", n, png->len);
      g_assert_null (image);
      g_assert_nonnull (error);
      g_assert_true (error->domain == HEARTH_ENGINE_ERROR);

      /* From memory, a cut that leaves every row (only checksums lost)
       * may decode; all else fails the same way. */
      g_autoptr (GBytes) bytes = g_bytes_new_static (png->data, n);
      g_autoptr (GError) bytes_error = NULL;
      g_autoptr (HearthImage) from_bytes = hearth_image_load_bytes (bytes, "truncated.png", 0,
                                                                    &bytes_error);
      if (from_bytes != NULL)
        g_assert_cmpuint (from_bytes->width * from_bytes->height, ==, 8 * 8);
      else
        g_assert_true (bytes_error->domain == HEARTH_ENGINE_ERROR);
    }
  /* Flip bytes of the IDAT payload: the CRC no longer matches. */
  png->data[60] ^= 0x5a;
  png->data[61] ^= 0xa5;
  g_autofree char *path = write_file (f, "corrupt.png", png->data, png->len);
  assert_refused (path, HEARTH_ENGINE_ERROR_CORRUPT_FILE);
}

/* A header announcing 20000 x 20000 pixels (1.2 GB of RGB) with almost no data behind it: the
 * limit must refuse it from the header (a decode attempt would fail with
 * a different error, or run out of memory). */
static void
test_bomb_header (Fixture *f, gconstpointer data)
{
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_byte_array_append (png, (const guint8 *) "\x89PNG\r\n\x1a\n", 8);
  guint32 side = 20000;
  guint8 ihdr[13] = { side >> 24, side >> 16, side >> 8, side,
                      side >> 24, side >> 16, side >> 8, side, 8, 2, 0, 0, 0 };
  put_chunk (png, "IHDR", ihdr, sizeof ihdr);
  /* The PNG loader announces the size when the first IDAT starts. */
  guint8 zeros[64] = { 0 };
  g_autoptr (GByteArray) z = zlib_stored (zeros, sizeof zeros);
  put_chunk (png, "IDAT", z->data, z->len);
  g_autofree char *path = write_file (f, "bomb.png", png->data, png->len);
  assert_refused (path, HEARTH_ENGINE_ERROR_UNSUPPORTED);

  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_nonnull (strstr (error->message, "20000 × 20000"));

  /* A small limit refuses an ordinary file the same way. */
  g_autoptr (GByteArray) small = make_png (8, 8, 8, gradient8);
  g_autofree char *small_path = write_file (f, "small.png", small->data, small->len);
  g_clear_error (&error);
  g_assert_null (load_image (small_path, 63, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
}

/* Two 1x1 frames, red then blue: the first frame is the picture. */
static const guint8 animated_gif[] = {
  'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0,
  255, 0, 0, 0, 0, 255,                                 /* palette: red, blue */
  0x21, 0xf9, 4, 0, 10, 0, 0, 0,                        /* frame 1: 100 ms */
  0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, /* index 0 */
  0x21, 0xf9, 4, 0, 10, 0, 0, 0,                        /* frame 2 */
  0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4c, 0x01, 0, /* index 1 */
  0x3b,
};

static void
test_animated_gif (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_file (f, "animated.gif", animated_gif, sizeof animated_gif);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 1);
  g_assert_cmpuint (image->height, ==, 1);
  g_assert_cmpuint (image->rgb[0], ==, 255);
  g_assert_cmpuint (image->rgb[1], ==, 0);
  g_assert_cmpuint (image->rgb[2], ==, 0);
}

/* Transparent pixels become white, half-transparent ones are blended, as
 * the user sees them (llama.cpp would keep the hidden RGB). */
static void
test_alpha_over_white (Fixture *f, gconstpointer data)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 3, 1);
  guint8 *p = gdk_pixbuf_get_pixels (pixbuf);
  const guint8 rgba[12] = { 10, 20, 30, 0,   10, 20, 30, 255,   0, 0, 0, 128 };
  memcpy (p, rgba, sizeof rgba);
  g_autofree char *path = g_build_filename (f->dir, "alpha.png", NULL);
  g_autoptr (GError) error = NULL;
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);

  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  const guint8 expect[9] = { 255, 255, 255,   10, 20, 30,   127, 127, 127 };
  g_assert_cmpmem (image->rgb, 9, expect, 9);
}

/* 16x8: left half red, right half blue. */
static GdkPixbuf *
make_two_halves (void)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 8);
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 16; x++)
      {
        guint8 *p = gdk_pixbuf_get_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) + x * 3;
        p[0] = x < 8 ? 255 : 0;
        p[1] = 0;
        p[2] = x < 8 ? 0 : 255;
      }
  return pixbuf;
}

/* A JPEG of make_two_halves () whose EXIF says "rotate 90° clockwise to
 * view" (orientation 6). The APP1 segment is inserted after SOI by hand. */
static char *
write_rotated_jpeg (Fixture *f, const char *name)
{
  g_autoptr (GdkPixbuf) pixbuf = make_two_halves ();
  g_autofree char *jpeg = NULL;
  gsize jpeg_len = 0;
  g_autoptr (GError) error = NULL;
  gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &jpeg_len, "jpeg", &error, "quality", "100", NULL);
  g_assert_no_error (error);

  static const guint8 exif[] = {
    0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0, 0x2a, 0, 0, 0, 8,                /* big-endian TIFF, IFD0 at 8 */
    0, 1,                                         /* one entry */
    0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0,     /* Orientation SHORT = 6 */
    0, 0, 0, 0,                                   /* no next IFD */
  };
  g_autoptr (GByteArray) file = g_byte_array_new ();
  g_byte_array_append (file, (const guint8 *) jpeg, 2);
  g_byte_array_append (file, exif, sizeof exif);
  g_byte_array_append (file, (const guint8 *) jpeg + 2, jpeg_len - 2);
  return write_file (f, name, file->data, file->len);
}

/* The pixel (x, y) is within tolerance of (r, g, b). */
static void
assert_pixel (const HearthImage *image, guint x, guint y, guint8 r, guint8 g, guint8 b, int tolerance)
{
  const guint8 *p = image->rgb + ((gsize) y * image->width + x) * 3;
  g_assert_cmpint (ABS ((int) p[0] - r), <=, tolerance);
  g_assert_cmpint (ABS ((int) p[1] - g), <=, tolerance);
  g_assert_cmpint (ABS ((int) p[2] - b), <=, tolerance);
}

/* make_two_halves () turned upright: 8x16, red on top. */
static void
assert_upright (const HearthImage *image)
{
  g_assert_cmpuint (image->width, ==, 8);
  g_assert_cmpuint (image->height, ==, 16);
  assert_pixel (image, 4, 2, 255, 0, 0, 50);
  assert_pixel (image, 4, 13, 0, 0, 255, 50);
}

/* The rotated JPEG of make_two_halves () must come out 8x16, red on top. */
static void
test_exif_orientation (Fixture *f, gconstpointer data)
{
  g_autofree char *path = write_rotated_jpeg (f, "rotated.jpg");
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  assert_upright (image);
}

/* make_two_halves () as a PNG, encoded as name (.heic or .avif) and
 * decoded: the same size, colours close to the PNG's. The path, or NULL
 * with the test skipped when the encoder or loader is missing. */
static char *
check_encoded_halves (Fixture *f, const char *name)
{
  g_autoptr (GdkPixbuf) pixbuf = make_two_halves ();
  g_autofree char *png = g_build_filename (f->dir, "halves.png", NULL);
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *why_not = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = NULL;

  gdk_pixbuf_save (pixbuf, png, "png", &error, NULL);
  g_assert_no_error (error);
  if (!hearth_test_encode_image (png, path, &why_not))
    {
      g_test_skip (why_not);
      return NULL;
    }
  image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 16);
  g_assert_cmpuint (image->height, ==, 8);
  /* Away from the edge between the halves, which 4:2:0 chroma blurs. */
  for (guint y = 0; y < 8; y++)
    {
      assert_pixel (image, 2, y, 255, 0, 0, 12);
      assert_pixel (image, 13, y, 0, 0, 255, 12);
    }
  return g_steal_pointer (&path);
}

/* HEIC (libheif's loader). HEIF turns pictures with its irot/imir boxes,
 * which libheif applies; the EXIF orientation it may carry is a copy
 * (phones write both), so applying it too would turn the picture twice.
 * heif-enc 1.15 copies a JPEG's EXIF without irot: the pixels stay as
 * stored. */
static void
test_heic (Fixture *f, gconstpointer data)
{
  g_autofree char *path = check_encoded_halves (f, "picture.heic");
  g_autofree char *rotated_jpeg = NULL;
  g_autofree char *rotated = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *why_not = NULL;
  g_autoptr (HearthImage) image = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;

  if (path == NULL)
    return;
  rotated_jpeg = write_rotated_jpeg (f, "rotated.jpg");
  rotated = g_build_filename (f->dir, "rotated.heic", NULL);
  g_assert_true (hearth_test_encode_image (rotated_jpeg, rotated, &why_not));
  g_file_get_contents (rotated, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (memmem (contents, len, "Exif", 4));
  image = load_image (rotated, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 16);
  g_assert_cmpuint (image->height, ==, 8);
  assert_pixel (image, 2, 4, 255, 0, 0, 50);
  assert_pixel (image, 13, 4, 0, 0, 255, 50);
}

/* AVIF. avifenc turns a JPEG's EXIF orientation into irot/imir, which the
 * loader applies: the rotated JPEG comes out upright like the JPEG does. */
static void
test_avif (Fixture *f, gconstpointer data)
{
  g_autofree char *path = check_encoded_halves (f, "picture.avif");
  g_autofree char *rotated_jpeg = NULL;
  g_autofree char *rotated = NULL;
  g_autofree char *why_not = NULL;
  g_autoptr (HearthImage) image = NULL;
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    return;
  rotated_jpeg = write_rotated_jpeg (f, "rotated.jpg");
  rotated = g_build_filename (f->dir, "rotated.avif", NULL);
  g_assert_true (hearth_test_encode_image (rotated_jpeg, rotated, &why_not));
  image = load_image (rotated, 0, &error);
  g_assert_no_error (error);
  assert_upright (image);
}

static gboolean
can_write (const char *format)
{
  GSList *formats = gdk_pixbuf_get_formats ();
  gboolean found = FALSE;
  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *name = gdk_pixbuf_format_get_name (l->data);
      found |= g_strcmp0 (name, format) == 0 && gdk_pixbuf_format_is_writable (l->data);
    }
  g_slist_free (formats);
  return found;
}

/* WebP through its GdkPixbuf loader (webp-pixbuf-loader), when installed. */
static void
test_webp (Fixture *f, gconstpointer data)
{
  if (!can_write ("webp"))
    {
      g_test_skip ("no WebP loader installed (webp-pixbuf-loader)");
      return;
    }
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 6, 4);
  gdk_pixbuf_fill (pixbuf, 0x2080c0ff);
  g_autofree char *path = g_build_filename (f->dir, "picture.webp", NULL);
  g_autoptr (GError) error = NULL;
  gdk_pixbuf_save (pixbuf, path, "webp", &error, "quality", "100", NULL);
  g_assert_no_error (error);

  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 6);
  g_assert_cmpuint (image->height, ==, 4);
  g_assert_cmpint (ABS ((int) image->rgb[0] - 0x20), <=, 8);
  g_assert_cmpint (ABS ((int) image->rgb[1] - 0x80), <=, 8);
  g_assert_cmpint (ABS ((int) image->rgb[2] - 0xc0), <=, 8);
}

/* A CMYK JPEG (as print workflows write them), encoded here with libjpeg:
 * the GdkPixbuf loader converts it to RGB, reading the samples with
 * Adobe's inverted convention (most CMYK JPEGs come from Photoshop), so
 * only the size is checked; the colour is logged. */
static void
test_cmyk_jpeg (Fixture *f, gconstpointer data)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *buffer = NULL;
  unsigned long size = 0;
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &buffer, &size);
  cinfo.image_width = 8;
  cinfo.image_height = 4;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults (&cinfo);
  jpeg_start_compress (&cinfo, TRUE);
  guint8 row[8 * 4];
  for (int x = 0; x < 8; x++)
    memcpy (row + x * 4, (const guint8[]) { 10, 200, 30, 40 }, 4);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW rows[1] = { row };
      jpeg_write_scanlines (&cinfo, rows, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  g_autofree char *path = write_file (f, "cmyk.jpg", buffer, size);
  free (buffer);

  g_autoptr (GError) error = NULL;
  g_autoptr (HearthImage) image = load_image (path, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (image->width, ==, 8);
  g_assert_cmpuint (image->height, ==, 4);
  g_test_message ("CMYK (10, 200, 30, 40) decoded as RGB (%u, %u, %u)",
                  image->rgb[0], image->rgb[1], image->rgb[2]);
}

/* A 1x1 picture is upscaled to the full 4x4 grid plus the global image. */
static void
test_tiny_image_tiles (void)
{
  const guint8 rgb[3] = { 255, 0, 128 };
  g_autoptr (HearthImage) image = hearth_image_new_rgb (1, 1, rgb);
  ImagePreprocessConfig config = { 128, 512, { 0.5f, 0.5f, 0.5f }, { 0.5f, 0.5f, 0.5f } };
  g_autoptr (ImageTiles) tiles = image_tiles_new (image, &config);
  g_assert_cmpuint (tiles->grid_rows, ==, 4);
  g_assert_cmpuint (tiles->grid_cols, ==, 4);
  g_assert_cmpuint (tiles->n_chunks, ==, 17);
  gsize n = (gsize) 128 * 128;
  for (guint k = 0; k < tiles->n_chunks; k++)
    {
      const float *px = tiles->pixels + k * n * 3;
      g_assert_cmpfloat_with_epsilon (px[0], 1.0f, 1e-6);
      g_assert_cmpfloat_with_epsilon (px[n], -1.0f, 1e-6);
      g_assert_cmpfloat_with_epsilon (px[2 * n + n - 1], 128.0f / 255.0f * 2.0f - 1.0f, 1e-6);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) g_test_add (name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/image/png-8bit", test_png_8bit);
  ADD ("/image/png-16bit", test_png_16bit);
  ADD ("/image/empty", test_empty_file);
  ADD ("/image/missing", test_missing_file);
  ADD ("/image/garbage", test_garbage);
  ADD ("/image/truncated-and-corrupt", test_truncated_and_corrupt);
  ADD ("/image/bomb-header", test_bomb_header);
  ADD ("/image/animated-gif", test_animated_gif);
  ADD ("/image/alpha-over-white", test_alpha_over_white);
  ADD ("/image/exif-orientation", test_exif_orientation);
  ADD ("/image/webp", test_webp);
  ADD ("/image/cmyk-jpeg", test_cmyk_jpeg);
  ADD ("/image/heic", test_heic);
  ADD ("/image/avif", test_avif);
#undef ADD
  g_test_add_func ("/image/tiny-image-tiles", test_tiny_image_tiles);
  return g_test_run ();
}
