#define G_LOG_DOMAIN "hearth-bench"

/* bench-image-attachment: what attaching an image costs off the UI thread:
 * decoding it by the engine's rules (EXIF orientation applied) and
 * re-encoding it as a metadata-free PNG, for a 12 Mpx camera JPEG and a
 * 4K screenshot-like PNG generated here. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "hearth-image-attachment.h"

#define REPEATS 3

/* Smooth gradients with some detail, so that the encoders have real work. */
static GdkPixbuf *
make_picture (int width, int height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + x * 3;
        p[0] = (guint8) (x * 255 / width);
        p[1] = (guint8) (y * 255 / height);
        p[2] = (guint8) ((x ^ y) & 0xff);
      }
  return pixbuf;
}

static void
bench (const char *dir, const char *name, const char *type, int width, int height)
{
  g_autoptr(GdkPixbuf) picture = make_picture (width, height);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  double best = G_MAXDOUBLE;
  gsize png_size = 0;

  gdk_pixbuf_save (picture, path, type, &error, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < REPEATS; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(HearthImageAttachment) attachment = hearth_image_attachment_new_from_file (path, &error);

      g_assert_no_error (error);
      best = MIN (best, (g_get_monotonic_time () - start) / 1000.0);
      png_size = g_bytes_get_size (hearth_image_attachment_get_png (attachment));
    }
  printf ("%-16s %5d x %-5d  best of %d: %7.1f ms  stored PNG %.1f MiB\n", name, width, height, REPEATS, best,
          png_size / (1024.0 * 1024.0));
  g_unlink (path);
}

int
main (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hearth-bench-XXXXXX", NULL);

  bench (dir, "camera.jpg", "jpeg", 4000, 3000);
  bench (dir, "screenshot.png", "png", 3840, 2160);
  g_rmdir (dir);
  return 0;
}
