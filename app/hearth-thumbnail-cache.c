#define G_LOG_DOMAIN "hearth-thumbnails"

/* hearth-thumbnail-cache.c: make, store and read thumbnails. */

#include "hearth-thumbnail-cache.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdint.h>

char *
hearth_thumbnail_cache_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "hearth", "thumbnails", NULL);
}

/* The cache file for this version of the photo at this size. */
static char *
cache_path_for (const char *path, int size, GError **error)
{
  g_autofree char *dir = hearth_thumbnail_cache_dir ();
  g_autofree char *key = NULL;
  g_autofree char *name = NULL;
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Could not read “%s”: %s", path,
                   g_strerror (saved_errno));
      return NULL;
    }
  key = g_strdup_printf ("%s\n%jd\n%jd.%09ld\n%d", path, (intmax_t) st.st_size, (intmax_t) st.st_mtim.tv_sec,
                         st.st_mtim.tv_nsec, size);
  name = g_compute_checksum_for_string (G_CHECKSUM_SHA256, key, -1);
  return g_strconcat (dir, G_DIR_SEPARATOR_S, name, ".png", NULL);
}

/* The folder is made private even when something else created it first. */
static gboolean
ensure_cache_dir (GError **error)
{
  g_autofree char *dir = hearth_thumbnail_cache_dir ();

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Could not create the thumbnail folder “%s”: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static GdkPixbuf *
make_thumbnail (const char *path, int size, GError **error)
{
  g_autoptr(GdkPixbuf) scaled = gdk_pixbuf_new_from_file_at_scale (path, size, size, TRUE, error);

  if (scaled == NULL)
    return NULL;
  return gdk_pixbuf_apply_embedded_orientation (scaled);
}

/* A cache that cannot be written costs speed, not the thumbnail. */
static void
store_thumbnail (GdkPixbuf *thumbnail, const char *cache_path)
{
  g_autofree char *png = NULL;
  gsize png_size;
  g_autoptr(GError) error = NULL;

  if (!ensure_cache_dir (&error) ||
      !gdk_pixbuf_save_to_buffer (thumbnail, &png, &png_size, "png", &error, NULL) ||
      !g_file_set_contents_full (cache_path, png, png_size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_message ("Thumbnail not cached: %s", error->message);
}

GdkPixbuf *
hearth_thumbnail_load (const char *path, int size, GCancellable *cancellable, GError **error)
{
  g_autofree char *cache_path = cache_path_for (path, size, error);
  g_autoptr(GdkPixbuf) thumbnail = NULL;

  if (cache_path == NULL || g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* A damaged cache file is made again, like a missing one. */
  thumbnail = gdk_pixbuf_new_from_file (cache_path, NULL);
  if (thumbnail != NULL)
    return g_steal_pointer (&thumbnail);
  if ((thumbnail = make_thumbnail (path, size, error)) == NULL)
    return NULL;
  store_thumbnail (thumbnail, cache_path);
  return g_steal_pointer (&thumbnail);
}

typedef struct {
  char *path;
  int   size;
} Request;

static void
request_free (Request *request)
{
  g_free (request->path);
  g_free (request);
}

static void
load_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Request *request = data;
  GError *error = NULL;
  GdkPixbuf *thumbnail = hearth_thumbnail_load (request->path, request->size, cancellable, &error);

  if (thumbnail != NULL)
    g_task_return_pointer (task, thumbnail, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
hearth_thumbnail_load_async (const char *path, int size, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Request *request = g_new0 (Request, 1);

  g_return_if_fail (path != NULL && size > 0);

  request->path = g_strdup (path);
  request->size = size;
  g_task_set_source_tag (task, hearth_thumbnail_load_async);
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
}

GdkPixbuf *
hearth_thumbnail_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the cache as a whole ---- */

/* Walks the cache's files, deleting each one when clear is set. */
static gboolean
walk_cache (gboolean clear, HearthThumbnailCacheSize *size, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = hearth_thumbnail_cache_dir ();
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  g_autoptr(GError) local_error = NULL;
  GFileInfo *info;
  GFile *child;

  *size = (HearthThumbnailCacheSize) { 0 };
  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                        cancellable, &local_error);
  if (children == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  while (g_file_enumerator_iterate (children, &info, &child, cancellable, error))
    {
      if (info == NULL)
        return TRUE;
      if (clear)
        {
          if (!g_file_delete (child, cancellable, error))
            return FALSE;
          continue;
        }
      size->n_files++;
      size->bytes += (guint64) g_file_info_get_size (info);
    }
  return FALSE;
}

static void
walk_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autofree HearthThumbnailCacheSize *size = g_new0 (HearthThumbnailCacheSize, 1);
  GError *error = NULL;

  if (walk_cache (GPOINTER_TO_INT (data), size, cancellable, &error))
    g_task_return_pointer (task, g_steal_pointer (&size), g_free);
  else
    g_task_return_error (task, error);
}

static void
walk_async (gboolean clear, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, walk_async);
  g_task_set_task_data (task, GINT_TO_POINTER (clear), NULL);
  g_task_run_in_thread (task, walk_in_thread);
}

void
hearth_thumbnail_cache_measure_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  walk_async (FALSE, cancellable, callback, user_data);
}

void
hearth_thumbnail_cache_clear_async (GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  walk_async (TRUE, cancellable, callback, user_data);
}

gboolean
hearth_thumbnail_cache_finish (GAsyncResult *result, HearthThumbnailCacheSize *size, GError **error)
{
  g_autofree HearthThumbnailCacheSize *found = NULL;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  found = g_task_propagate_pointer (G_TASK (result), error);
  if (found == NULL)
    return FALSE;
  if (size != NULL)
    *size = *found;
  return TRUE;
}
