/* hearth-image-preview.h: an attached image viewed larger, in a window of
 * its own that Escape closes; before sending, it shows the tiles the model
 * cuts the image into and what they cost. */
#pragma once

#include <adwaita.h>

#include "hearth-image-attachment.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_IMAGE_PREVIEW (hearth_image_preview_get_type ())
G_DECLARE_FINAL_TYPE (HearthImagePreview, hearth_image_preview, HEARTH, IMAGE_PREVIEW, AdwWindow)

HearthImagePreview *hearth_image_preview_new         (GtkWindow *parent, HearthImageAttachment *image);
/* See hearth_tile_view_set_grid(). */
void                hearth_image_preview_set_grid    (HearthImagePreview *self, guint cols, guint rows,
                                                      guint refined_width, guint refined_height);
/* A line under the image (its cost, or why no tiles are shown). */
void                hearth_image_preview_set_summary (HearthImagePreview *self, const char *summary);

G_END_DECLS
