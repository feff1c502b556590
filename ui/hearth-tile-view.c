#define G_LOG_DOMAIN "hearth-tile-view"

#include "hearth-tile-view.h"

#define GRID_LINE_WIDTH 2.0f

struct _HearthTileView {
  GtkWidget   parent_instance;
  GdkTexture *texture;
  guint       cols;
  guint       rows;
  guint       refined_width;
  guint       refined_height;
};

G_DEFINE_FINAL_TYPE (HearthTileView, hearth_tile_view, GTK_TYPE_WIDGET)

/* The largest rectangle of aspect w:h that fits in @outer, centered. */
static graphene_rect_t
fit_centered (const graphene_rect_t *outer, double w, double h)
{
  double scale = MIN (outer->size.width / w, outer->size.height / h);
  float fw = (float) (w * scale), fh = (float) (h * scale);

  return GRAPHENE_RECT_INIT (outer->origin.x + (outer->size.width - fw) / 2,
                             outer->origin.y + (outer->size.height - fh) / 2, fw, fh);
}

static void
snapshot_grid (HearthTileView *self, GtkSnapshot *snapshot, const graphene_rect_t *canvas)
{
  GdkRGBA line = { 1, 1, 1, 0.85f };

  for (guint c = 1; c < self->cols; c++)
    {
      float x = canvas->origin.x + canvas->size.width * c / self->cols;
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (x - GRID_LINE_WIDTH / 2, canvas->origin.y,
                                                      GRID_LINE_WIDTH, canvas->size.height));
    }
  for (guint r = 1; r < self->rows; r++)
    {
      float y = canvas->origin.y + canvas->size.height * r / self->rows;
      gtk_snapshot_append_color (snapshot, &line,
                                 &GRAPHENE_RECT_INIT (canvas->origin.x, y - GRID_LINE_WIDTH / 2,
                                                      canvas->size.width, GRID_LINE_WIDTH));
    }
}

static void
hearth_tile_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  HearthTileView *self = HEARTH_TILE_VIEW (widget);
  graphene_rect_t bounds = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget), gtk_widget_get_height (widget));
  graphene_rect_t canvas = bounds;
  GdkRGBA black = { 0, 0, 0, 1 };

  if (self->texture == NULL || bounds.size.width <= 0 || bounds.size.height <= 0)
    return;
  /* The model's canvas: the refined size, the image letterboxed in it. */
  if (self->cols > 0)
    {
      canvas = fit_centered (&bounds, self->refined_width, self->refined_height);
      gtk_snapshot_append_color (snapshot, &black, &canvas);
    }
  graphene_rect_t picture = fit_centered (&canvas, gdk_texture_get_width (self->texture),
                                          gdk_texture_get_height (self->texture));
  gtk_snapshot_append_texture (snapshot, self->texture, &picture);
  if (self->cols > 0)
    snapshot_grid (self, snapshot, &canvas);
}

static void
hearth_tile_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                          int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  HearthTileView *self = HEARTH_TILE_VIEW (widget);
  int size = 0;

  if (self->texture != NULL)
    size = orientation == GTK_ORIENTATION_HORIZONTAL ? gdk_texture_get_width (self->texture)
                                                     : gdk_texture_get_height (self->texture);
  *minimum = 64;
  *natural = CLAMP (size, 64, 720);
}

static void
hearth_tile_view_dispose (GObject *object)
{
  g_clear_object (&HEARTH_TILE_VIEW (object)->texture);
  G_OBJECT_CLASS (hearth_tile_view_parent_class)->dispose (object);
}

static void
hearth_tile_view_class_init (HearthTileViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = hearth_tile_view_dispose;
  widget_class->snapshot = hearth_tile_view_snapshot;
  widget_class->measure = hearth_tile_view_measure;
  gtk_widget_class_set_css_name (widget_class, "tileview");
}

static void
hearth_tile_view_init (HearthTileView *self)
{
}

GtkWidget *
hearth_tile_view_new (void)
{
  return g_object_new (HEARTH_TYPE_TILE_VIEW, NULL);
}

void
hearth_tile_view_set_image (HearthTileView *self, GdkTexture *texture)
{
  g_return_if_fail (HEARTH_IS_TILE_VIEW (self));

  if (g_set_object (&self->texture, texture))
    gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
hearth_tile_view_set_grid (HearthTileView *self, guint cols, guint rows, guint refined_width, guint refined_height)
{
  g_return_if_fail (HEARTH_IS_TILE_VIEW (self));
  g_return_if_fail (cols == 0 || (rows > 0 && refined_width > 0 && refined_height > 0));

  self->cols = cols;
  self->rows = rows;
  self->refined_width = refined_width;
  self->refined_height = refined_height;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
