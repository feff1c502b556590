/* hearth-photos-view.h: the Photos page of the window: library folders,
 * indexing progress (pause, resume), search with folder and year filters,
 * results as a thumbnail grid with the words they matched, and one photo
 * large with what the vision model said about it. */
#pragma once

#include <adwaita.h>

#include "hearth-engine.h"
#include "hearth-photo-library.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_PHOTOS_VIEW (hearth_photos_view_get_type ())
G_DECLARE_FINAL_TYPE (HearthPhotosView, hearth_photos_view, HEARTH, PHOTOS_VIEW, GtkWidget)

/* Starts the library on engine. The folders are the settings'
 * "photo-folders" (kept in memory when settings is NULL). */
void                hearth_photos_view_setup       (HearthPhotosView *self, HearthEngine *engine,
                                                    GSettings *settings);
HearthPhotoLibrary *hearth_photos_view_get_library (HearthPhotosView *self);
/* The results shown: HearthPhotoResult. */
GListModel         *hearth_photos_view_get_results (HearthPhotosView *self);
/* "no-folders", "no-model", "not-indexed", "search", "no-results",
 * "results" or "detail". */
const char         *hearth_photos_view_get_page    (HearthPhotosView *self);
/* Shows the result at position large. */
void                hearth_photos_view_open_result (HearthPhotosView *self, guint position);
/* A row for a library folder, with a button that activates remove_action
 * (target: the path) to take it out. */
GtkWidget          *hearth_photos_view_folder_row_new (const char *path, const char *remove_action);
/* What the library is doing, for the user ("Describing photos: 3 of 40"),
 * or NULL when there is nothing to say (no folders, up to date). */
char               *hearth_photos_view_progress_text (HearthPhotoLibrary *library);

G_END_DECLS
