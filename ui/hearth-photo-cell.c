#define G_LOG_DOMAIN "hearth-photo-cell"

/* hearth-photo-cell.c: a thumbnail and the matched words. */

#include "hearth-photo-cell.h"
#include "hearth-thumbnail-cache.h"

struct _HearthPhotoCell {
  GtkWidget          parent_instance;
  GtkWidget         *content;
  GtkStack          *frame;
  GtkPicture        *picture;
  GtkLabel          *matched;
  HearthPhotoResult *result;
  GCancellable      *cancellable; /* the thumbnail being made */
};

G_DEFINE_FINAL_TYPE (HearthPhotoCell, hearth_photo_cell, GTK_TYPE_WIDGET)

static void
thumbnail_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPhotoCell) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) thumbnail = hearth_thumbnail_load_finish (result, &error);
  g_autoptr(GdkTexture) texture = NULL;

  /* Recycled for another photo meanwhile. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  if (thumbnail == NULL)
    {
      gtk_widget_set_tooltip_text (GTK_WIDGET (self), error->message);
      gtk_stack_set_visible_child_name (self->frame, "broken");
      return;
    }
  texture = gdk_texture_new_for_pixbuf (thumbnail);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->frame, "thumbnail");
}

void
hearth_photo_cell_set_result (HearthPhotoCell *self, HearthPhotoResult *result)
{
  g_return_if_fail (HEARTH_IS_PHOTO_CELL (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_set_object (&self->result, result);
  gtk_picture_set_paintable (self->picture, NULL);
  gtk_stack_set_visible_child_name (self->frame, "loading");
  gtk_label_set_text (self->matched, result != NULL ? hearth_photo_result_get_matched (result) : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               result != NULL ? hearth_photo_result_get_hit (result)->description : NULL);
  if (result == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  hearth_thumbnail_load_async (hearth_photo_result_get_path (result), HEARTH_PHOTO_CELL_SIZE, self->cancellable,
                               thumbnail_loaded, g_object_ref (self));
}

gboolean
hearth_photo_cell_has_thumbnail (HearthPhotoCell *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_CELL (self), FALSE);
  return gtk_picture_get_paintable (self->picture) != NULL;
}

gboolean
hearth_photo_cell_is_broken (HearthPhotoCell *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_CELL (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->frame), "broken") == 0;
}

static void
hearth_photo_cell_dispose (GObject *object)
{
  HearthPhotoCell *self = HEARTH_PHOTO_CELL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->result);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_PHOTO_CELL);
  G_OBJECT_CLASS (hearth_photo_cell_parent_class)->dispose (object);
}

static void
hearth_photo_cell_class_init (HearthPhotoCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_photo_cell_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-photo-cell.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthPhotoCell, content);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotoCell, frame);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotoCell, picture);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotoCell, matched);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "photocell");
}

static void
hearth_photo_cell_init (HearthPhotoCell *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hearth_photo_cell_new (void)
{
  return g_object_new (HEARTH_TYPE_PHOTO_CELL, NULL);
}
