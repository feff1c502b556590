/* hearth-thumbnail-cache.h: small copies of photos for the Photos view,
 * made on a GTask thread and kept in $XDG_CACHE_HOME/hearth/thumbnails
 * (folder 0700, files 0600).
 *
 * A thumbnail is keyed by the photo's path, size, mtime and the requested
 * size, so an edited photo gets a new one and a deleted cache file is
 * simply made again. Photos never leave the machine: the cache is
 * Hearth's own, not the shared freedesktop one. */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* Where thumbnails are kept. */
char      *hearth_thumbnail_cache_dir (void);

/* The photo at path scaled to fit size x size pixels (orientation
 * applied), from the cache or made now. Errors: G_IO_ERROR for a file
 * that cannot be read, GDK_PIXBUF_ERROR for one that cannot be decoded. */
void       hearth_thumbnail_load_async  (const char          *path,
                                         int                  size,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GdkPixbuf *hearth_thumbnail_load_finish (GAsyncResult  *result,
                                         GError       **error);

/* The same, blocking: for threads that may wait. */
GdkPixbuf *hearth_thumbnail_load        (const char    *path,
                                         int            size,
                                         GCancellable  *cancellable,
                                         GError       **error);

/* What the cache holds, or (clear) deletes every thumbnail in it, on a
 * GTask thread.  Finish: FALSE with error for a file that could not be
 * deleted; a missing cache is empty. */
typedef struct {
  guint   n_files;
  guint64 bytes;
} HearthThumbnailCacheSize;

void       hearth_thumbnail_cache_measure_async (GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void       hearth_thumbnail_cache_clear_async   (GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
/* size (may be NULL): what the cache holds now (after clear: nothing). */
gboolean   hearth_thumbnail_cache_finish        (GAsyncResult              *result,
                                                 HearthThumbnailCacheSize  *size,
                                                 GError                   **error);

G_END_DECLS
