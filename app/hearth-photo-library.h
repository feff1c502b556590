/* hearth-photo-library.h: the user's photo library as the app sees it:
 * the library folders, the vision model that describes their photos,
 * indexing (progress, pause, resume), a folder monitor that keeps the
 * index current while the app runs, and searches.
 *
 * The photo index (data/hearth-photo-index.h) runs SQL on the thread that
 * opened it, and the indexer saves each description on the thread that
 * started it, so the library gives both one worker thread with its own
 * main context: searches, look-ups, the indexer's writes and the folder
 * monitors all live there. The UI thread only posts requests and gets
 * results back through GTasks and signals; it never waits.
 *
 * The vision model is the first runnable model with a SmolVLM (idefics3)
 * projector that the model catalog finds; it is loaded only once there
 * are folders to index. Indexing runs at the engine's background
 * priority, so chat always goes first. Disposing the library (the app
 * quitting) cancels the photo being described, which the engine notices
 * within a token or a batch of image tiles; that photo and the others
 * still pending are described after the next start. */
#pragma once

#include <gio/gio.h>

#include "hearth-engine.h"
#include "hearth-photo-index.h"

G_BEGIN_DECLS

typedef enum {
  HEARTH_PHOTO_LIBRARY_NO_FOLDERS,     /* nothing to index */
  HEARTH_PHOTO_LIBRARY_FINDING_MODEL,  /* looking for the vision model or loading it */
  HEARTH_PHOTO_LIBRARY_NO_MODEL,       /* none on disk, or it failed to load: see get_error */
  HEARTH_PHOTO_LIBRARY_INDEXING,
  HEARTH_PHOTO_LIBRARY_PAUSED,
  HEARTH_PHOTO_LIBRARY_UP_TO_DATE,
  HEARTH_PHOTO_LIBRARY_FAILED,         /* the last run stopped: see get_error */
} HearthPhotoLibraryState;

typedef struct {
  guint  done;         /* photos described (or failed) in this run */
  guint  total;        /* done + still pending in this run */
  double per_second;   /* 0: not known yet */
  double eta_seconds;  /* -1: not known yet */
  guint  n_described;  /* in the whole index */
  guint  n_pending;
  guint  n_failed;
} HearthPhotoLibraryProgress;

#define HEARTH_TYPE_PHOTO_LIBRARY (hearth_photo_library_get_type ())
G_DECLARE_FINAL_TYPE (HearthPhotoLibrary, hearth_photo_library, HEARTH, PHOTO_LIBRARY, GObject)

/* db_path NULL: hearth_photo_index_default_path (). Signals:
 *   "changed": the state, progress or error changed;
 *   "index-changed": descriptions were added or photos went away, so
 *   results shown may be out of date. */
HearthPhotoLibrary *hearth_photo_library_new (HearthEngine *engine, const char *db_path);

/* The longest description, in tokens (0: the indexer's default); call it
 * before the first set_folders (). */
void                hearth_photo_library_set_max_tokens (HearthPhotoLibrary *self, guint max_tokens);

/* Absolute paths. Folders that are no longer listed are dropped from the
 * index with their photos; the others are scanned and watched. */
void                hearth_photo_library_set_folders (HearthPhotoLibrary *self, const char *const *folders);

HearthPhotoLibraryState hearth_photo_library_get_state    (HearthPhotoLibrary *self);
void                    hearth_photo_library_get_progress (HearthPhotoLibrary *self,
                                                           HearthPhotoLibraryProgress *progress);
/* Why the model could not be used or the last run stopped; NULL if none. */
const char             *hearth_photo_library_get_error    (HearthPhotoLibrary *self);
/* the vision model photos are described with once it is
 * ready (its projector loaded), else NULL. The engine shares it with a
 * chat that loads the same file. */
HearthModel            *hearth_photo_library_get_model    (HearthPhotoLibrary *self);

/* The photo being described finishes first; resuming continues with the
 * next one. */
void     hearth_photo_library_pause  (HearthPhotoLibrary *self);
void     hearth_photo_library_resume (HearthPhotoLibrary *self);
/* Every photo of the library is described again (with the model found
 * now); the old descriptions are searched until then. */
void     hearth_photo_library_describe_again (HearthPhotoLibrary *self);

/* hearth_photo_index_search () on the worker. query's strings are copied.
 * A search still queued when its cancellable is cancelled is not run.
 * Result: GPtrArray of HearthPhotoHit. */
void       hearth_photo_library_search_async  (HearthPhotoLibrary     *self,
                                               const char             *text,
                                               const HearthPhotoQuery *query,
                                               GCancellable           *cancellable,
                                               GAsyncReadyCallback     callback,
                                               gpointer                user_data);
GPtrArray *hearth_photo_library_search_finish (HearthPhotoLibrary *self, GAsyncResult *result, GError **error);

/* The index's row for the photo at path; NULL with
 * HEARTH_STORE_ERROR_NOT_FOUND when it is not indexed. */
void         hearth_photo_library_get_photo_async  (HearthPhotoLibrary  *self,
                                                    const char          *path,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
HearthPhoto *hearth_photo_library_get_photo_finish (HearthPhotoLibrary *self, GAsyncResult *result,
                                                    GError **error);

/* hearth_photo_index_list_years (): GPtrArray of GINT_TO_POINTER (year). */
void       hearth_photo_library_list_years_async  (HearthPhotoLibrary  *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GPtrArray *hearth_photo_library_list_years_finish (HearthPhotoLibrary *self, GAsyncResult *result,
                                                   GError **error);

G_END_DECLS
