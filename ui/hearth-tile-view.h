/* hearth-tile-view.h: an image as a vision model will see it: fitted,
 * centered, on the black canvas of the refined size, with lines where it
 * is cut into tiles.  Without a grid it just shows the image. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HEARTH_TYPE_TILE_VIEW (hearth_tile_view_get_type ())
G_DECLARE_FINAL_TYPE (HearthTileView, hearth_tile_view, HEARTH, TILE_VIEW, GtkWidget)

GtkWidget *hearth_tile_view_new      (void);
void       hearth_tile_view_set_image (HearthTileView *self, GdkTexture *texture);
/* cols × rows tiles over a canvas of refined_width × refined_height; 0
 * columns: no grid. */
void       hearth_tile_view_set_grid  (HearthTileView *self, guint cols, guint rows,
                                       guint refined_width, guint refined_height);

G_END_DECLS
