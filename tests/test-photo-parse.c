#define G_LOG_DOMAIN "hearth-test"

/* test-photo-parse: reading a vision model's answer to the photo prompt. */

#include <glib/gstdio.h>
#include <string.h>

#include "photo-indexer.h"

static void
check (const char *answer, const char *description, const char *objects, const char *text)
{
  PhotoDescription d = { 0 };

  photo_description_parse (answer, &d);
  g_assert_cmpstr (d.description, ==, description);
  g_assert_cmpstr (d.objects, ==, objects);
  g_assert_cmpstr (d.visible_text, ==, text);
  photo_description_clear (&d);
}

static void
test_unlabelled_lines (void)
{
  check ("A dog runs on a beach.\nDog, Beach, sand, dog\nNo text.",
         "A dog runs on a beach.", "dog, beach, sand", "");
  check ("A shop front.\n\nshop, sign, street.\nOPEN 9-5",
         "A shop front.", "shop, sign, street", "OPEN 9-5");
}

static void
test_labelled_and_numbered (void)
{
  check ("1. Description: A cat on a sofa.\n2. Objects: cat; sofa; Cushion\n3. Text: None",
         "A cat on a sofa.", "cat, sofa, cushion", "");
  check ("Objects: cake, candles\nDescription: A birthday cake.\nLegible text: Happy Birthday",
         "A birthday cake.", "cake, candles", "Happy Birthday");
  check ("- A red bicycle.\n- bicycle, wall", "A red bicycle.", "bicycle, wall", "");
}

static void
test_one_line_and_empty (void)
{
  check ("A lake at dawn. lake, mountains, mist", "A lake at dawn.", "lake, mountains, mist", "");
  check ("", "", "", "");
  check ("nonsense without structure", "nonsense without structure", "", "");
}

static void
test_photo_names (void)
{
  g_assert_true (photo_indexer_is_photo_name ("a.JPG"));
  g_assert_true (photo_indexer_is_photo_name ("b.png"));
  g_assert_false (photo_indexer_is_photo_name ("notes.txt"));
  g_assert_false (photo_indexer_is_photo_name ("png"));
}

static void
put16 (GByteArray *b, guint v)
{
  guint8 bytes[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (b, bytes, 2);
}

static void
put32 (GByteArray *b, guint32 v)
{
  put16 (b, v & 0xffff);
  put16 (b, v >> 16);
}

static void
put_entry (GByteArray *b, guint tag, guint type, guint32 count, guint32 value)
{
  put16 (b, tag);
  put16 (b, type);
  put32 (b, count);
  put32 (b, value);
}

/* A little-endian TIFF block: IFD0 (Make, Model, Exif pointer, and a GPS
 * pointer that must be ignored), the Exif IFD (DateTimeOriginal), strings. */
static GByteArray *
make_tiff (void)
{
  GByteArray *t = g_byte_array_new ();
  const guint32 ifd0 = 8, exif_ifd = ifd0 + 2 + 4 * 12 + 4, strings = exif_ifd + 2 + 12 + 4;

  g_byte_array_append (t, (const guint8 *) "II", 2);
  put16 (t, 42);
  put32 (t, ifd0);
  put16 (t, 4);
  put_entry (t, 0x010f, 2, 6, strings);          /* "Canon" */
  put_entry (t, 0x0110, 2, 4, 0x00534f45);       /* "EOS" inline */
  put_entry (t, 0x8769, 4, 1, exif_ifd);
  put_entry (t, 0x8825, 4, 1, exif_ifd);          /* GPS: never followed */
  put32 (t, 0);
  put16 (t, 1);
  put_entry (t, 0x9003, 2, 20, strings + 6);
  put32 (t, 0);
  g_byte_array_append (t, (const guint8 *) "Canon\0" "2023:07:14 18:30:05\0", 26);
  return t;
}

/* The start of a JPEG whose APP1 segment holds @tiff. */
static GByteArray *
make_jpeg (const GByteArray *tiff)
{
  GByteArray *jpeg = g_byte_array_new ();
  guint len = 2 + 6 + tiff->len;

  g_byte_array_append (jpeg, (const guint8 *) "\xff\xd8\xff\xe1", 4);
  g_byte_array_append (jpeg, (const guint8 []) { len >> 8, len & 0xff }, 2);
  g_byte_array_append (jpeg, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (jpeg, tiff->data, tiff->len);
  g_byte_array_append (jpeg, (const guint8 *) "\xff\xd9", 2);
  return jpeg;
}

static void
test_exif (void)
{
  g_autoptr (GByteArray) tiff = make_tiff ();
  g_autoptr (GByteArray) jpeg = make_jpeg (tiff);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("hearth-exif-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "exif.jpg", NULL);
  g_autofree char *camera = NULL;
  g_autoptr (GDateTime) expected = g_date_time_new_utc (2023, 7, 14, 18, 30, 5);
  gint64 when;

  g_file_set_contents (path, (const char *) jpeg->data, jpeg->len, &error);
  g_assert_no_error (error);

  photo_exif_read (path, &when, &camera);
  g_assert_cmpint (when, ==, g_date_time_to_unix (expected) * G_USEC_PER_SEC);
  g_assert_cmpstr (camera, ==, "Canon EOS");
  g_clear_pointer (&camera, g_free);

  /* Cut short: nothing, and no read past the end. */
  g_file_set_contents (path, (const char *) jpeg->data, 40, &error);
  photo_exif_read (path, &when, &camera);
  g_assert_cmpint (when, ==, 0);
  g_assert_null (camera);
  g_unlink (path);
  g_rmdir (dir);
}

/* A Make that is not UTF-8 (Latin-1 'é', a bell) comes out as valid UTF-8
 * without control characters: it goes on into SQLite, FTS and labels. */
static void
test_exif_not_utf8 (void)
{
  g_autoptr (GByteArray) tiff = make_tiff ();
  guint8 *make = memmem (tiff->data, tiff->len, "Canon", 5);
  g_autoptr (GByteArray) jpeg = NULL;
  g_autofree char *camera = NULL;
  gint64 when;

  g_assert_nonnull (make);
  memcpy (make, "Ca\xe9n\x07", 5);
  jpeg = make_jpeg (tiff);
  photo_exif_parse (jpeg->data, jpeg->len, &when, &camera);
  g_assert_true (g_utf8_validate (camera, -1, NULL));
  g_assert_cmpstr (camera, ==, "Ca\xef\xbf\xbdn EOS");

  /* Only bytes that are not text: no camera at all. */
  memcpy (make, "\x01\x02\x03\x04\x05", 5);
  g_clear_pointer (&camera, g_free);
  g_byte_array_unref (jpeg);
  jpeg = make_jpeg (tiff);
  photo_exif_parse (jpeg->data, jpeg->len, &when, &camera);
  g_assert_cmpstr (camera, ==, "EOS");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/photo-parse/unlabelled-lines", test_unlabelled_lines);
  g_test_add_func ("/photo-parse/labelled-and-numbered", test_labelled_and_numbered);
  g_test_add_func ("/photo-parse/one-line-and-empty", test_one_line_and_empty);
  g_test_add_func ("/photo-parse/photo-names", test_photo_names);
  g_test_add_func ("/photo-parse/exif", test_exif);
  g_test_add_func ("/photo-parse/exif-not-utf8", test_exif_not_utf8);
  return g_test_run ();
}
