#define G_LOG_DOMAIN "hearth-image"

#include "image-preprocess.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hearth-engine-error.h"

/* ---- decoding ------------------------------------------------------------- */

HearthImage *
hearth_image_new_rgb (guint width, guint height, const guint8 *rgb)
{
  HearthImage *image = g_new0 (HearthImage, 1);
  image->width = width;
  image->height = height;
  image->rgb = g_memdup2 (rgb, (gsize) width * height * 3);
  return image;
}

void
hearth_image_free (HearthImage *image)
{
  if (image == NULL)
    return;
  g_free (image->rgb);
  g_free (image);
}

static void
set_unknown_format (GError **error, const char *name)
{
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
               "“%s” is not an image format Hearth can read (PNG, JPEG, GIF, TIFF; "
               "WebP, HEIF and AVIF with their GdkPixbuf loaders installed), or its header "
               "is damaged", name);
}

/* The formats people photograph, screenshot and share. The other loaders
 * gdk-pixbuf may have (BMP, ICO, TGA, PNM, XPM, ANI, …) are old code that
 * fuzzing finds asking for gigabytes on an 80-byte file: untrusted bytes
 * never reach them. */
static const char *const readable_types[] = {
  "image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff",
  "image/heif", "image/heic", "image/avif", NULL,
};

/* The type is read from the bytes (shared-mime-info's magic), never from
 * the file name. */
static gboolean
is_readable_type (const guint8 *head, gsize len)
{
  g_autofree char *type = g_content_type_guess (NULL, head, len, NULL);
  g_autofree char *mime = g_content_type_get_mime_type (type);

  return mime != NULL && g_strv_contains (readable_types, mime);
}

static gboolean
is_readable_file (const char *path)
{
  guint8 head[4096];
  FILE *file = g_fopen (path, "rb");
  gsize len;

  if (file == NULL)
    return FALSE;
  len = fread (head, 1, sizeof head, file);
  fclose (file);
  return is_readable_type (head, len);
}

/* The size a header announces, before any pixel is decoded. */
static gboolean
check_size (const char *name, int width, int height, guint64 max_pixels, GError **error)
{
  if (width <= 0 || height <= 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "Image “%s” declares a size of %d × %d pixels", name, width, height);
      return FALSE;
    }
  if ((guint64) width * (guint64) height > max_pixels)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "Image “%s” is %d × %d pixels, more than the %" G_GUINT64_FORMAT
                   " Mpx Hearth decodes; scale it down first",
                   name, width, height, max_pixels / (1024 * 1024));
      return FALSE;
    }
  return TRUE;
}

/* Reads the size from the header only, so that a file announcing billions
 * of pixels is refused before the loader allocates anything. */
static gboolean
check_header (const char *path, guint64 max_pixels, GError **error)
{
  GStatBuf st;
  if (g_stat (path, &st) != 0 || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "Cannot read image “%s”: it does not exist or is not a regular file", path);
      return FALSE;
    }
  if (st.st_size == 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "Image “%s” is an empty file", path);
      return FALSE;
    }

  int width = 0, height = 0;
  if (!is_readable_file (path) || gdk_pixbuf_get_file_info (path, &width, &height) == NULL)
    {
      set_unknown_format (error, path);
      return FALSE;
    }
  return check_size (path, width, height, max_pixels, error);
}

/* Alpha over white: what a viewer shows for a transparent picture. */
static guint8
over_white (guint8 c, guint8 a)
{
  return (guint8) ((c * a + 255u * (255u - a) + 127u) / 255u);
}

static HearthImage *
image_from_pixbuf (GdkPixbuf *pixbuf, const char *path, GError **error)
{
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf);
  gboolean alpha = gdk_pixbuf_get_has_alpha (pixbuf);
  if (gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || n_channels != (alpha ? 4 : 3))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "Image “%s” decoded to an unusual pixel layout (%d bits, %d channels); "
                   "convert it to an 8-bit RGB PNG or JPEG",
                   path, gdk_pixbuf_get_bits_per_sample (pixbuf), n_channels);
      return NULL;
    }

  HearthImage *image = g_new0 (HearthImage, 1);
  image->width = gdk_pixbuf_get_width (pixbuf);
  image->height = gdk_pixbuf_get_height (pixbuf);
  image->rgb = g_malloc ((gsize) image->width * image->height * 3);

  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  for (guint y = 0; y < image->height; y++)
    {
      const guint8 *src = pixels + (gsize) y * stride;
      guint8 *dst = image->rgb + (gsize) y * image->width * 3;
      for (guint x = 0; x < image->width; x++, src += n_channels, dst += 3)
        for (int c = 0; c < 3; c++)
          dst[c] = alpha ? over_white (src[c], src[3]) : src[c];
    }
  return image;
}

/* What every decoder's output goes through: the decoded size is what
 * counts (a lying header must not slip through), then the EXIF orientation
 * and alpha over white. name: the file's path or the caller's label. */
static HearthImage *
image_from_frame (GdkPixbuf *frame, const char *name, guint64 max_pixels, GError **error)
{
  if ((guint64) gdk_pixbuf_get_width (frame) * gdk_pixbuf_get_height (frame) > max_pixels)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "Image “%s” decoded to %d × %d pixels, more than Hearth accepts",
                   name, gdk_pixbuf_get_width (frame), gdk_pixbuf_get_height (frame));
      return NULL;
    }
  g_autoptr (GdkPixbuf) oriented = gdk_pixbuf_apply_embedded_orientation (frame);
  if (oriented == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "Cannot rotate image “%s” to its EXIF orientation", name);
      return NULL;
    }
  return image_from_pixbuf (oriented, name, error);
}

HearthImage *
hearth_image_load (const char *path, guint64 max_pixels, GError **error)
{
  if (max_pixels == 0)
    max_pixels = HEARTH_IMAGE_MAX_PIXELS_DEFAULT;
  if (!check_header (path, max_pixels, error))
    return NULL;

  /* gdk_pixbuf_new_from_file () decodes in one go, so a truncated file is
   * an error (the incremental loaders behind GdkPixbufAnimation accept a
   * cut-off PNG silently), and of an animation it returns the first frame. */
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GdkPixbuf) frame = gdk_pixbuf_new_from_file (path, &local_error);
  if (frame == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "Cannot decode image “%s”: %s", path, local_error->message);
      return NULL;
    }
  return image_from_frame (frame, path, max_pixels, error);
}

/* What a GdkPixbufLoader reports while it decodes: the header's size,
 * seen before any pixel is decoded, and how far the rows got. */
typedef struct {
  guint64  max_pixels;
  int      width;
  int      height;
  gboolean refused;
  int      rows_done;  /* the loaders accept a cut-off PNG silently: rows tell */
} LoaderWatch;

/* A 0 × 0 size makes every gdk-pixbuf loader stop before it allocates the
 * picture (gdk_pixbuf_get_file_info () relies on the same). */
static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  LoaderWatch *size = user_data;

  size->width = width;
  size->height = height;
  size->refused = !check_size ("", width, height, size->max_pixels, NULL);
  if (size->refused)
    gdk_pixbuf_loader_set_size (loader, 0, 0);
}

static void
on_area_updated (GdkPixbufLoader *loader, int x, int y, int width, int height,
                 gpointer user_data)
{
  LoaderWatch *size = user_data;

  size->rows_done = MAX (size->rows_done, y + height);
}

static void
set_decode_error (GError **error, const char *name, const LoaderWatch *size, GError *local)
{
  if (size->refused)
    check_size (name, size->width, size->height, size->max_pixels, error);
  else if (size->width == 0)  /* no size from the header, as check_header () would say */
    set_unknown_format (error, name);
  else if (local != NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "Cannot decode image “%s”: %s", name, local->message);
  else
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "Cannot decode image “%s”: the data ends after %d of its %d rows", name,
                 size->rows_done, size->height);
}

HearthImage *
hearth_image_load_bytes (GBytes *bytes, const char *name, guint64 max_pixels, GError **error)
{
  LoaderWatch size = { max_pixels > 0 ? max_pixels : HEARTH_IMAGE_MAX_PIXELS_DEFAULT, 0, 0, FALSE, 0 };
  g_autoptr (GdkPixbufLoader) loader = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  if (len == 0)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                   "Image “%s” is empty", name);
      return NULL;
    }
  if (!is_readable_type (data, MIN (len, 4096)))
    {
      set_unknown_format (error, name);
      return NULL;
    }
  loader = gdk_pixbuf_loader_new ();
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared), &size);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated), &size);
  /* close () runs even after a failed write: a loader must be closed. */
  gboolean written = gdk_pixbuf_loader_write (loader, data, len, &local);
  gboolean closed = gdk_pixbuf_loader_close (loader, written ? &local : NULL);
  GdkPixbuf *frame = gdk_pixbuf_loader_get_pixbuf (loader);
  if (!written || !closed || size.refused || frame == NULL || size.rows_done < size.height)
    {
      set_decode_error (error, name, &size, local);
      return NULL;
    }
  return image_from_frame (frame, name, size.max_pixels, error);
}

/* ---- resizing, as llama.cpp's mtmd does it -------------------------------- */

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Cubic through 4 samples p[0..3] at t in [0,1) between p[1] and p[2],
 * written with differences to p[1] as llama.cpp's bicubic does (the
 * coefficients in double, the values in float), so the rounding matches. */
static inline float
cubic (const float p[4], float t)
{
  float d0 = p[0] - p[1];
  float d2 = p[2] - p[1];
  float d3 = p[3] - p[1];
  float a0 = p[1];
  float a1 = (float) (-1.0 / 3 * d0 + d2 - 1.0 / 6 * d3);
  float a2 = (float) (1.0 / 2 * d0 + 1.0 / 2 * d2);
  float a3 = (float) (-1.0 / 6 * d0 - 1.0 / 2 * d2 + 1.0 / 6 * d3);
  return a0 + a1 * t + a2 * t * t + a3 * t * t * t;
}

/* Source coordinate dst·src/dst (no half-pixel offset), clamp to edge,
 * rounded and saturated to u8. */
static void
resize_bicubic (const guint8 *src, int sw, int sh, guint8 *dst, int dw, int dh)
{
  float tx = (float) sw / (float) dw;
  float ty = (float) sh / (float) dh;
  for (int i = 0; i < dh; i++)
    for (int j = 0; j < dw; j++)
      {
        int x = (int) (tx * j);
        int y = (int) (ty * i);
        float dx = tx * j - x;
        float dy = ty * i - y;
        for (int c = 0; c < 3; c++)
          {
            float column[4];
            for (int r = 0; r < 4; r++)
              {
                const guint8 *row = src + (gsize) clampi (y - 1 + r, 0, sh - 1) * sw * 3;
                float p[4];
                for (int k = 0; k < 4; k++)
                  p[k] = row[clampi (x - 1 + k, 0, sw - 1) * 3 + c];
                column[r] = cubic (p, dx);
              }
            float v = roundf (cubic (column, dy));
            dst[((gsize) i * dw + j) * 3 + c] = (guint8) fminf (fmaxf (v, 0.0f), 255.0f);
          }
      }
}

/* Bilinear with align-corners mapping x·(src-1)/(dst-1), truncated to u8
 * (llama.cpp's global image). The right/bottom neighbour is clamped at the
 * last pixel. */
static void
resize_bilinear (const guint8 *src, int sw, int sh, guint8 *dst, int dw, int dh)
{
  float x_ratio = dw > 1 ? (float) (sw - 1) / (dw - 1) : 0.0f;
  float y_ratio = dh > 1 ? (float) (sh - 1) / (dh - 1) : 0.0f;
  for (int y = 0; y < dh; y++)
    for (int x = 0; x < dw; x++)
      {
        float px = x_ratio * x;
        float py = y_ratio * y;
        int x0 = (int) px, y0 = (int) py;
        int x1 = MIN (x0 + 1, sw - 1), y1 = MIN (y0 + 1, sh - 1);
        float fx = px - x0, fy = py - y0;
        for (int c = 0; c < 3; c++)
          {
            float a = src[((gsize) y0 * sw + x0) * 3 + c];
            float b = src[((gsize) y0 * sw + x1) * 3 + c];
            float d = src[((gsize) y1 * sw + x0) * 3 + c];
            float e = src[((gsize) y1 * sw + x1) * 3 + c];
            float top = a + (b - a) * fx;
            float bottom = d + (e - d) * fx;
            dst[((gsize) y * dw + x) * 3 + c] = (guint8) (top + (bottom - top) * fy);
          }
      }
}

/* ---- tiling --------------------------------------------------------------- */

void
image_refined_size (guint width, guint height, const ImagePreprocessConfig *config,
                    guint *refined_width, guint *refined_height)
{
  float edge = (float) config->longest_edge;
  float scale = fminf (edge / (float) width, edge / (float) height);
  float tile = (float) config->tile_size;
  *refined_width = (guint) ceilf ((float) width * scale / tile) * config->tile_size;
  *refined_height = (guint) ceilf ((float) height * scale / tile) * config->tile_size;
}

/* The image resized to fit W x H keeping its aspect ratio, centered on a
 * black canvas: rgb [H][W][3]. */
static guint8 *
letterbox (const HearthImage *image, guint W, guint H)
{
  float scale = fminf ((float) W / image->width, (float) H / image->height);
  guint cw = MIN ((guint) ceilf (image->width * scale), W);
  guint ch = MIN ((guint) ceilf (image->height * scale), H);
  g_autofree guint8 *content = g_malloc ((gsize) cw * ch * 3);
  resize_bicubic (image->rgb, image->width, image->height, content, cw, ch);

  guint8 *canvas = g_malloc0 ((gsize) W * H * 3);
  guint ox = (W - cw) / 2, oy = (H - ch) / 2;
  for (guint y = 0; y < ch; y++)
    memcpy (canvas + (((gsize) (oy + y) * W) + ox) * 3, content + (gsize) y * cw * 3, (gsize) cw * 3);
  return canvas;
}

static void
normalize_chunk (const guint8 *u8, float *out, guint n_pixels, const ImagePreprocessConfig *config)
{
  for (guint c = 0; c < 3; c++)
    for (guint i = 0; i < n_pixels; i++)
      out[(gsize) c * n_pixels + i] = ((float) u8[(gsize) i * 3 + c] / 255.0f - config->mean[c]) / config->std[c];
}

/* Chunk k of tiles (its u8 allocated): the image squashed to a tile by
 * bilinear resizing (llama.cpp's global image). */
static void
add_global (ImageTiles *tiles, guint k, const HearthImage *image)
{
  guint T = tiles->tile_size;
  resize_bilinear (image->rgb, image->width, image->height, tiles->u8 + (gsize) k * T * T * 3, T, T);
}

static void
normalize_chunks (ImageTiles *tiles, const ImagePreprocessConfig *config)
{
  gsize chunk_px = (gsize) tiles->tile_size * tiles->tile_size;
  tiles->pixels = g_malloc (tiles->n_chunks * chunk_px * 3 * sizeof (float));
  for (guint k = 0; k < tiles->n_chunks; k++)
    normalize_chunk (tiles->u8 + k * chunk_px * 3, tiles->pixels + k * chunk_px * 3, chunk_px, config);
}

ImageTiles *
image_tiles_new (const HearthImage *image, const ImagePreprocessConfig *config)
{
  g_return_val_if_fail (image->width > 0 && image->height > 0 && config->tile_size > 0, NULL);

  ImageTiles *tiles = g_new0 (ImageTiles, 1);
  guint T = config->tile_size;
  image_refined_size (image->width, image->height, config, &tiles->refined_width, &tiles->refined_height);
  tiles->tile_size = T;
  tiles->grid_cols = tiles->refined_width / T;
  tiles->grid_rows = tiles->refined_height / T;
  tiles->n_tiles = tiles->grid_rows * tiles->grid_cols;
  tiles->n_chunks = tiles->n_tiles + 1;

  gsize chunk_px = (gsize) T * T;
  tiles->u8 = g_malloc (tiles->n_chunks * chunk_px * 3);

  g_autofree guint8 *refined = letterbox (image, tiles->refined_width, tiles->refined_height);
  for (guint r = 0; r < tiles->grid_rows; r++)
    for (guint c = 0; c < tiles->grid_cols; c++)
      {
        guint8 *tile = tiles->u8 + (r * tiles->grid_cols + c) * chunk_px * 3;
        for (guint y = 0; y < T; y++)
          memcpy (tile + (gsize) y * T * 3,
                  refined + (((gsize) (r * T + y) * tiles->refined_width) + c * T) * 3, (gsize) T * 3);
      }
  add_global (tiles, tiles->n_tiles, image);
  normalize_chunks (tiles, config);
  return tiles;
}

ImageTiles *
image_tiles_new_globals (const HearthImage *images, guint n_images, const ImagePreprocessConfig *config)
{
  g_return_val_if_fail (n_images > 0 && config->tile_size > 0, NULL);

  ImageTiles *tiles = g_new0 (ImageTiles, 1);
  guint T = config->tile_size;
  tiles->tile_size = T;
  tiles->n_chunks = n_images;
  tiles->u8 = g_malloc ((gsize) n_images * T * T * 3);
  for (guint k = 0; k < n_images; k++)
    {
      g_return_val_if_fail (images[k].width > 0 && images[k].height > 0, NULL);
      add_global (tiles, k, &images[k]);
    }
  normalize_chunks (tiles, config);
  return tiles;
}

void
image_tiles_free (ImageTiles *tiles)
{
  if (tiles == NULL)
    return;
  g_free (tiles->u8);
  g_free (tiles->pixels);
  g_free (tiles);
}
