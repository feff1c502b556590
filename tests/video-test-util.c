#define G_LOG_DOMAIN "hearth-test"

#include "video-test-util.h"

#include <glib/gstdio.h>
#include <string.h>

char *
video_test_dir_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("hearth-video-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
video_test_dir_free (char *dir)
{
  if (dir == NULL)
    return;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
  g_free (dir);
}

gboolean
video_test_have_element (const char *element, const char *package)
{
  g_autofree char *launch = g_find_program_in_path ("gst-launch-1.0");
  g_autofree char *inspect = g_find_program_in_path ("gst-inspect-1.0");
  int status = -1;
  if (launch != NULL && inspect != NULL)
    {
      const char *argv[] = { inspect, "--exists", element, NULL };
      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, NULL);
    }
  if (status == 0)
    return TRUE;
  g_autofree char *why = g_strdup_printf ("gst-launch-1.0 or the %s element is missing (install %s)",
                                          element, package);
  g_test_skip (why);
  return FALSE;
}

char *
video_test_make (const char *dir, const char *name, const char *pattern, guint width,
                 guint height, guint fps_n, guint n_frames, const char *extra, const char *encode)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *line = g_strdup_printf (
    "gst-launch-1.0 -q videotestsrc num-buffers=%u pattern=%s "
    "! video/x-raw,width=%u,height=%u,framerate=%u/1 ! %s%s%s ! filesink location=\"%s\"",
    n_frames, pattern, width, height, fps_n, extra != NULL ? extra : "", extra != NULL ? " ! " : "",
    encode, path);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_assert_true (g_shell_parse_argv (line, NULL, &argv, &error));
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (status != 0)
    g_error ("%s failed: %s", line, err);
  return path;
}

/* ---- a GIF writer: LZW without compression ---------------------------------- */

typedef struct {
  GByteArray *out;
  guint32     bits;
  guint       n_bits;
} BitWriter;

static void
put_code (BitWriter *w, guint code, guint width)
{
  w->bits |= code << w->n_bits;
  w->n_bits += width;
  while (w->n_bits >= 8)
    {
      guint8 byte = w->bits & 0xff;
      g_byte_array_append (w->out, &byte, 1);
      w->bits >>= 8;
      w->n_bits -= 8;
    }
}

static void
put_u16 (GByteArray *out, guint v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (out, b, 2);
}

static void
put_bytes (GByteArray *out, const void *data, gsize n)
{
  g_byte_array_append (out, data, n);
}

/* With 4 colours the codes start 3 bits wide (clear 4, end 5, first free
 * 6). A clear code every two pixels keeps the table below 8 entries, so
 * every code stays 3 bits: valid LZW that any decoder reads. */
static void
put_image_data (GByteArray *out, guint n_pixels, guint8 colour)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  BitWriter w = { data, 0, 0 };
  const guint8 min_code_size = 2;

  for (guint i = 0; i < n_pixels; i++)
    {
      if (i % 2 == 0)
        put_code (&w, 4, 3);
      put_code (&w, colour, 3);
    }
  put_code (&w, 5, 3);
  if (w.n_bits > 0)
    put_code (&w, 0, 8 - w.n_bits);

  put_bytes (out, &min_code_size, 1);
  for (guint at = 0; at < data->len; at += 255)
    {
      guint8 n = MIN (255, data->len - at);
      put_bytes (out, &n, 1);
      put_bytes (out, data->data + at, n);
    }
  put_bytes (out, "\0", 1);
}

char *
video_test_make_gif (const char *dir, const char *name, guint width, guint height,
                     guint n_frames, guint delay_cs, guint screen_width, guint screen_height)
{
  static const guint8 palette[12] = { 255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255 };
  g_autoptr (GByteArray) out = g_byte_array_new ();
  char *path = g_build_filename (dir, name, NULL);

  put_bytes (out, "GIF89a", 6);
  put_u16 (out, screen_width > 0 ? screen_width : width);
  put_u16 (out, screen_height > 0 ? screen_height : height);
  put_bytes (out, (guint8[]) { 0x81, 0, 0 }, 3);  /* global table of 4 colours */
  put_bytes (out, palette, sizeof palette);
  for (guint k = 0; k < n_frames; k++)
    {
      put_bytes (out, (guint8[]) { 0x21, 0xf9, 4, 0x04 }, 4);  /* graphic control, keep */
      put_u16 (out, delay_cs);
      put_bytes (out, (guint8[]) { 0, 0 }, 2);
      put_bytes (out, (guint8[]) { 0x2c }, 1);                 /* image descriptor */
      put_u16 (out, 0);
      put_u16 (out, 0);
      put_u16 (out, width);
      put_u16 (out, height);
      put_bytes (out, (guint8[]) { 0 }, 1);
      put_image_data (out, width * height, k % 4);
    }
  put_bytes (out, (guint8[]) { 0x3b }, 1);

  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, (const char *) out->data, out->len, &error);
  g_assert_no_error (error);
  return path;
}

static char *
read_all (const char *path, gsize *len)
{
  char *data = NULL;
  g_autoptr (GError) error = NULL;
  g_file_get_contents (path, &data, len, &error);
  g_assert_no_error (error);
  return data;
}

char *
video_test_truncate (const char *dir, const char *name, const char *source, double fraction)
{
  gsize len = 0;
  g_autofree char *data = read_all (source, &len);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, data, (gssize) (len * fraction), &error);
  g_assert_no_error (error);
  return path;
}

/* The track header (tkhd) of an MP4 holds the display matrix that phones
 * write for a rotated video, 44 bytes after its type (version 0). */
char *
video_test_rotate_mp4 (const char *dir, const char *name, const char *source)
{
  gsize len = 0;
  g_autofree char *data = read_all (source, &len);
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  char *tkhd = memmem (data, len, "tkhd", 4);
  g_assert_nonnull (tkhd);
  g_assert_cmpint (tkhd[4], ==, 0);
  g_assert_cmpuint (tkhd + 44 + 36 - data, <=, len);
  /* A quarter turn clockwise: { 0, 1, 0; -1, 0, 0; 0, 0, 1 } in 16.16 and 2.30. */
  const gint32 matrix[9] = { 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000 };
  for (guint i = 0; i < 9; i++)
    {
      guint32 be = GUINT32_TO_BE ((guint32) matrix[i]);
      memcpy (tkhd + 44 + 4 * i, &be, 4);
    }
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
  return path;
}
