/* hearth-photo-cell.h: one search result in the Photos grid: its
 * thumbnail (made off the main thread; a photo that cannot be decoded
 * shows a placeholder) and the words of the query it matched. Cells are
 * recycled by the grid: setting another result cancels the old load. */
#pragma once

#include <gtk/gtk.h>

#include "hearth-photo-result.h"

G_BEGIN_DECLS

/* Thumbnails are made at this size (pixels, the longer side). */
#define HEARTH_PHOTO_CELL_SIZE 192

#define HEARTH_TYPE_PHOTO_CELL (hearth_photo_cell_get_type ())
G_DECLARE_FINAL_TYPE (HearthPhotoCell, hearth_photo_cell, HEARTH, PHOTO_CELL, GtkWidget)

GtkWidget         *hearth_photo_cell_new        (void);
/* NULL clears the cell. */
void               hearth_photo_cell_set_result (HearthPhotoCell *self, HearthPhotoResult *result);
/* Whether the thumbnail is shown (FALSE while loading or on the placeholder). */
gboolean           hearth_photo_cell_has_thumbnail (HearthPhotoCell *self);
/* Whether the photo could not be read and the placeholder is shown. */
gboolean           hearth_photo_cell_is_broken  (HearthPhotoCell *self);

G_END_DECLS
