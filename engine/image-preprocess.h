/* image-preprocess.h: decoding an image file safely and cutting it into
 * the normalized tiles an idefics3 (SmolVLM) vision encoder reads, the way
 * llama.cpp's mtmd preprocessor does it.
 *
 * Pure CPU; GdkPixbuf decodes (whatever loaders are installed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Files whose header announces more pixels than this are refused before
 * any pixel is decoded (decompression bombs). 64 Mpx = 8192 x 8192. */
#define HEARTH_IMAGE_MAX_PIXELS_DEFAULT (G_GUINT64_CONSTANT (64) * 1024 * 1024)

/* 8-bit RGB, rows contiguous, no padding: rgb[(y·width + x)·3 + c]. */
typedef struct {
  guint   width;
  guint   height;
  guint8 *rgb;
} HearthImage;

/* Decodes path (first frame of an animation), applies its EXIF orientation
 * and composites any alpha onto white (llama.cpp drops alpha instead: we
 * prefer the picture the user sees). max_pixels 0 means the default.
 * Errors (HEARTH_ENGINE_ERROR): _IO (cannot read), _UNSUPPORTED (no loader
 * for the format, too many pixels), _CORRUPT_FILE (the loader failed). */
HearthImage *hearth_image_load     (const char *path, guint64 max_pixels, GError **error);
/* The same for an encoded file in memory; name (e.g. "image 1 of message
 * 2") stands for the path in messages. The size is checked from the
 * header before any pixel is decoded, as above. */
HearthImage *hearth_image_load_bytes (GBytes *bytes, const char *name, guint64 max_pixels,
                                      GError **error);
/* Copies rgb [height][width][3]. */
HearthImage *hearth_image_new_rgb  (guint width, guint height, const guint8 *rgb);
void         hearth_image_free     (HearthImage *image);

/* What the preprocessor needs from the mmproj (clip.vision.*). */
typedef struct {
  guint tile_size;     /* image_size: tile and global-image edge */
  guint longest_edge;  /* preproc_image_size: the refined image's longest edge */
  float mean[3];
  float std[3];
} ImagePreprocessConfig;

/* The tiles of one image: n_tiles grid tiles, row-major, then the global
 * (overview) image: n_chunks = n_tiles + 1 chunks of tile_size². */
typedef struct {
  guint   grid_rows;
  guint   grid_cols;
  guint   n_tiles;
  guint   n_chunks;
  guint   tile_size;
  guint   refined_width;    /* grid_cols · tile_size */
  guint   refined_height;   /* grid_rows · tile_size */
  guint8 *u8;               /* [n_chunks][tile_size][tile_size][3] */
  float  *pixels;           /* [n_chunks][3][tile_size][tile_size], normalized, planar */
} ImageTiles;

/* Refined size (small images upscaled), bicubic resize letterboxed onto
 * black, row-major tiles, bilinear global image from the original,
 * mean/std normalization. Cannot fail for a valid config. */
ImageTiles *image_tiles_new  (const HearthImage *image, const ImagePreprocessConfig *config);
/* Images that are never tiled (SmolVLM2 video frames): n_images chunks,
 * grid 0 x 0 and no tiles, each image resized to tile_size² as the global
 * image above (the identity for an image of that size) and normalized. */
ImageTiles *image_tiles_new_globals (const HearthImage *images, guint n_images,
                                     const ImagePreprocessConfig *config);
void        image_tiles_free (ImageTiles *tiles);

/* Layout alone, without pixels: the refined size for an original size. */
void        image_refined_size (guint width, guint height, const ImagePreprocessConfig *config,
                                guint *refined_width, guint *refined_height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthImage, hearth_image_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ImageTiles, image_tiles_free)

G_END_DECLS
