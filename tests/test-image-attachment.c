#define G_LOG_DOMAIN "test-image-attachment"

/* test-image-attachment.c: an attached image keeps its pixels, turned the
 * way EXIF says, and loses its metadata (orientation, GPS); the original
 * file is left as it was; broken files are refused with an error. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hearth-engine-error.h"
#include "hearth-image-attachment.h"
#include "image-format-test-util.h"
#include "image-preprocess.h"

/* A big-endian TIFF block for an EXIF APP1 segment: IFD0 holds Orientation
 * 6 ("rotate 90° clockwise to view") and a pointer to a GPS IFD with
 * latitude N 48° 51' 30". */
static const guint8 exif_tiff[] = {
  'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
  /* IFD0 at 8: 2 entries */
  0x00, 0x02,
  0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00, /* Orientation = 6 */
  0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x26, /* GPS IFD at 38 */
  0x00, 0x00, 0x00, 0x00,
  /* GPS IFD at 38: 2 entries */
  0x00, 0x02,
  0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 'N', 0x00, 0x00, 0x00,   /* GPSLatitudeRef */
  0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x44, /* GPSLatitude at 68 */
  0x00, 0x00, 0x00, 0x00,
  /* at 68: 48/1, 51/1, 30/1 */
  0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00, 0x01,
  0x00, 0x00, 0x00, 0x33, 0x00, 0x00, 0x00, 0x01,
  0x00, 0x00, 0x00, 0x1e, 0x00, 0x00, 0x00, 0x01,
};

/* 32 × 16: left half red, right half blue. */
static GdkPixbuf *
make_two_halves (void)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 32, 16);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 32; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        p[0] = x < 16 ? 255 : 0;
        p[1] = 0;
        p[2] = x < 16 ? 0 : 255;
      }
  return pixbuf;
}

/* A JPEG of make_two_halves() with the EXIF block spliced in after SOI. */
static char *
write_jpeg_with_exif (const char *dir)
{
  g_autoptr(GdkPixbuf) pixbuf = make_two_halves ();
  g_autoptr(GError) error = NULL;
  g_autofree char *jpeg = NULL;
  gsize jpeg_size = 0;
  g_autoptr(GByteArray) file = g_byte_array_new ();
  static const guint8 app1_start[] = { 0xff, 0xe1 };
  guint16 app1_length = 2 + 6 + sizeof exif_tiff;
  guint8 length_be[2] = { app1_length >> 8, app1_length & 0xff };
  char *path = g_build_filename (dir, "with-exif.jpg", NULL);

  gdk_pixbuf_save_to_buffer (pixbuf, &jpeg, &jpeg_size, "jpeg", &error, "quality", "100", NULL);
  g_assert_no_error (error);
  g_assert_cmpuint ((guint8) jpeg[0], ==, 0xff);
  g_assert_cmpuint ((guint8) jpeg[1], ==, 0xd8);
  g_byte_array_append (file, (const guint8 *) jpeg, 2);
  g_byte_array_append (file, app1_start, 2);
  g_byte_array_append (file, length_be, 2);
  g_byte_array_append (file, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (file, exif_tiff, sizeof exif_tiff);
  g_byte_array_append (file, (const guint8 *) jpeg + 2, jpeg_size - 2);
  g_file_set_contents (path, (const char *) file->data, file->len, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
bytes_contain (GBytes *bytes, const char *needle)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  return memmem (data, size, needle, strlen (needle)) != NULL;
}

/* The attachment's bytes, which must be a PNG. */
static GdkPixbuf *
decode_png (GBytes *png)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new_with_type ("png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, png, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gdk_pixbuf_format_get_name (gdk_pixbuf_loader_get_format (loader)), ==, "png");
  return g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
}

/* Nothing but pixels: no EXIF (neither an eXIf chunk nor text), no TIFF
 * block that could hold GPS. */
static void
assert_no_metadata (GBytes *png)
{
  g_assert_false (bytes_contain (png, "Exif"));
  g_assert_false (bytes_contain (png, "eXIf"));
  g_assert_false (bytes_contain (png, "tEXt"));
  g_assert_false (bytes_contain (png, "zTXt"));
  g_assert_false (bytes_contain (png, "iTXt"));
  g_assert_false (bytes_contain (png, "MM\x00\x2a"));
}

static void
assert_colour (GdkPixbuf *pixbuf, int x, int y, guint8 r, guint8 g, guint8 b)
{
  const guint8 *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf)
                    + x * gdk_pixbuf_get_n_channels (pixbuf);

  g_assert_cmpint (ABS (p[0] - r), <=, 8);
  g_assert_cmpint (ABS (p[1] - g), <=, 8);
  g_assert_cmpint (ABS (p[2] - b), <=, 8);
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;
  *out = g_object_ref (result);
}

static HearthImageAttachment *
load_async (const char *path, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hearth_image_attachment_new_from_file_async (path, NULL, loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return hearth_image_attachment_new_from_file_finish (result, error);
}

static void
test_strips_metadata (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-attach-XXXXXX", NULL);
  g_autofree char *path = write_jpeg_with_exif (dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GdkPixbuf) source = NULL;
  g_autoptr(GdkPixbuf) stored = NULL;
  g_autoptr(HearthImageAttachment) attachment = NULL;
  g_autofree char *contents = NULL;
  gsize size;
  GBytes *png;

  /* The test file really carries what must go. */
  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  original = g_bytes_new_take (g_steal_pointer (&contents), size);
  g_assert_true (bytes_contain (original, "Exif"));
  source = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (gdk_pixbuf_get_option (source, "orientation"), ==, "6");

  attachment = load_async (path, &error);
  g_assert_no_error (error);

  /* Turned upright: the left (red) half is now on top. */
  g_assert_cmpuint (hearth_image_attachment_get_width (attachment), ==, 16);
  g_assert_cmpuint (hearth_image_attachment_get_height (attachment), ==, 32);
  png = hearth_image_attachment_get_png (attachment);
  stored = decode_png (png);
  g_assert_cmpint (gdk_pixbuf_get_width (stored), ==, 16);
  g_assert_cmpint (gdk_pixbuf_get_height (stored), ==, 32);
  assert_colour (stored, 8, 4, 255, 0, 0);
  assert_colour (stored, 8, 27, 0, 0, 255);

  g_assert_null (gdk_pixbuf_get_option (stored, "orientation"));
  assert_no_metadata (png);

  /* The original is untouched. */
  g_file_get_contents (path, &contents, &size, &error);
  g_assert_no_error (error);
  after = g_bytes_new_take (g_steal_pointer (&contents), size);
  g_assert_true (g_bytes_equal (original, after));

  g_unlink (path);
  g_rmdir (dir);
}

/* A HEIC photo (made by heif-enc from the JPEG with EXIF and GPS, which
 * it copies into the HEIF's Exif item) becomes a PNG of its pixels alone. */
static void
test_heic_becomes_png (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-attach-XXXXXX", NULL);
  g_autofree char *jpeg = write_jpeg_with_exif (dir);
  g_autofree char *heic = g_build_filename (dir, "photo.heic", NULL);
  g_autofree char *why_not = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) original = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) stored = NULL;
  g_autoptr(HearthImageAttachment) attachment = NULL;
  gsize size;
  GBytes *png;

  if (!hearth_test_encode_image (jpeg, heic, &why_not))
    {
      g_test_skip (why_not);
      g_unlink (jpeg);
      g_rmdir (dir);
      return;
    }
  g_file_get_contents (heic, &contents, &size, &error);
  g_assert_no_error (error);
  original = g_bytes_new_take (g_steal_pointer (&contents), size);
  g_assert_true (bytes_contain (original, "Exif"));

  attachment = load_async (heic, &error);
  g_assert_no_error (error);
  png = hearth_image_attachment_get_png (attachment);
  stored = decode_png (png);
  /* HEIF turns pictures with irot/imir, not EXIF: as heif-enc stored it. */
  g_assert_cmpint (gdk_pixbuf_get_width (stored), ==, 32);
  g_assert_cmpint (gdk_pixbuf_get_height (stored), ==, 16);
  g_assert_cmpuint (hearth_image_attachment_get_width (attachment), ==, 32);
  g_assert_cmpuint (hearth_image_attachment_get_height (attachment), ==, 16);
  assert_colour (stored, 4, 8, 255, 0, 0);
  assert_colour (stored, 27, 8, 0, 0, 255);

  assert_no_metadata (png);

  g_unlink (heic);
  g_unlink (jpeg);
  g_rmdir (dir);
}

/* A PNG header announcing 9000 × 9000 pixels (81 Mpx) and no pixels:
 * refused from the header, before anything is allocated for them. */
static void
test_refuses_gigantic_images (void)
{
  static const guint8 header[] = {
    0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
    0, 0, 0, 13, 'I', 'H', 'D', 'R',
    0, 0, 0x23, 0x28, 0, 0, 0x23, 0x28,   /* 9000 × 9000 */
    8, 2, 0, 0, 0,                        /* 8-bit RGB */
    0xe2, 0xb7, 0xe5, 0xed,               /* the chunk's CRC */
    0, 0, 0, 0, 'I', 'D', 'A', 'T',       /* an empty IDAT: the header is complete */
    0x35, 0xaf, 0x06, 0x1e,
  };
  g_autofree char *dir = g_dir_make_tmp ("hearth-attach-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.png", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, (const char *) header, sizeof header, &error);
  g_assert_no_error (error);
  g_assert_null (load_async (path, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "9000 × 9000"));

  g_unlink (path);
  g_rmdir (dir);
}

/* A well-formed 1 × 1 BMP: gdk-pixbuf could decode it, but only the
 * formats people photograph and share reach a decoder. */
static void
test_refuses_other_formats (void)
{
  static const guint8 bmp[58] = {
    'B', 'M', 58, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
    40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, /* 1 × 1 */
    1, 0, 24, 0, 0, 0, 0, 0, 4, 0, 0, 0,
    0x13, 0x0b, 0, 0, 0x13, 0x0b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x20, 0x40, 0x80, 0,                  /* one pixel, padded to 4 bytes */
  };
  g_autofree char *dir = g_dir_make_tmp ("hearth-attach-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "pixel.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static (bmp, sizeof bmp);

  g_file_set_contents (path, (const char *) bmp, sizeof bmp, &error);
  g_assert_no_error (error);
  g_assert_null (load_async (path, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "not an image format"));
  g_clear_error (&error);
  g_assert_null (hearth_image_load_bytes (bytes, "pasted", 0, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_refuses_broken_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-attach-XXXXXX", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.jpg", NULL);
  g_autofree char *text = g_build_filename (dir, "notes.png", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.png", NULL);
  g_autofree char *jpeg_path = write_jpeg_with_exif (dir);
  g_autofree char *jpeg = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;

  g_file_get_contents (jpeg_path, &jpeg, &size, &error);
  g_assert_no_error (error);
  g_file_set_contents (truncated, jpeg, size / 2, &error);
  g_assert_no_error (error);
  g_file_set_contents (text, "just some words", -1, &error);
  g_assert_no_error (error);

  /* Cut in the middle of its data: its header already looks damaged. */
  g_assert_null (load_async (truncated, &error));
  g_assert_true (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE)
                 || g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED));
  g_clear_error (&error);
  g_assert_null (load_async (text, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "notes.png"));
  g_clear_error (&error);
  g_assert_null (load_async (missing, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO);

  g_unlink (truncated);
  g_unlink (text);
  g_unlink (jpeg_path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-attachment/other-formats", test_refuses_other_formats);
  g_test_add_func ("/image-attachment/strips-metadata", test_strips_metadata);
  g_test_add_func ("/image-attachment/refuses-broken-files", test_refuses_broken_files);
  g_test_add_func ("/image-attachment/refuses-gigantic-images", test_refuses_gigantic_images);
  g_test_add_func ("/image-attachment/heic-becomes-png", test_heic_becomes_png);
  return g_test_run ();
}
