#define G_LOG_DOMAIN "hearth-image-preview"

#include <glib/gi18n.h>

#include "hearth-image-preview.h"
#include "hearth-image-thumbnail.h"
#include "hearth-tile-view.h"

struct _HearthImagePreview {
  AdwWindow       parent_instance;
  AdwWindowTitle *title;
  HearthTileView *tile_view;
  GtkLabel       *summary;
};

G_DEFINE_FINAL_TYPE (HearthImagePreview, hearth_image_preview, ADW_TYPE_WINDOW)

static void
hearth_image_preview_class_init (HearthImagePreviewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  g_type_ensure (HEARTH_TYPE_TILE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-image-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthImagePreview, title);
  gtk_widget_class_bind_template_child (widget_class, HearthImagePreview, tile_view);
  gtk_widget_class_bind_template_child (widget_class, HearthImagePreview, summary);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hearth_image_preview_init (HearthImagePreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
texture_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthImagePreview) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = hearth_image_attachment_load_texture_finish (HEARTH_IMAGE_ATTACHMENT (source),
                                                                               result, &error);

  if (texture == NULL)
    hearth_image_preview_set_summary (self, error->message);
  else
    hearth_tile_view_set_image (self->tile_view, texture);
}

HearthImagePreview *
hearth_image_preview_new (GtkWindow *parent, HearthImageAttachment *image)
{
  HearthImagePreview *self;
  g_autofree char *size = NULL;

  g_return_val_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (image), NULL);

  self = g_object_new (HEARTH_TYPE_IMAGE_PREVIEW, "transient-for", parent, "modal", TRUE, NULL);
  size = g_strdup_printf (_("%u × %u pixels"), hearth_image_attachment_get_width (image),
                          hearth_image_attachment_get_height (image));
  adw_window_title_set_subtitle (self->title, size);
  hearth_image_attachment_load_texture_async (image, NULL, texture_loaded, g_object_ref (self));
  return self;
}

void
hearth_image_preview_set_grid (HearthImagePreview *self, guint cols, guint rows,
                               guint refined_width, guint refined_height)
{
  g_return_if_fail (HEARTH_IS_IMAGE_PREVIEW (self));
  hearth_tile_view_set_grid (self->tile_view, cols, rows, refined_width, refined_height);
}

void
hearth_image_preview_set_summary (HearthImagePreview *self, const char *summary)
{
  g_return_if_fail (HEARTH_IS_IMAGE_PREVIEW (self));
  gtk_label_set_text (self->summary, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->summary), summary != NULL && *summary != '\0');
}
