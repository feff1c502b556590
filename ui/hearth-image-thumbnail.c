#define G_LOG_DOMAIN "hearth-image-thumbnail"

#include <glib/gi18n.h>

#include "hearth-image-thumbnail.h"

struct _HearthImageThumbnail {
  GtkWidget              parent_instance;
  GtkWidget             *overlay;
  GtkImage              *picture;
  GtkWidget             *remove_button;
  HearthImageAttachment *image;
};

G_DEFINE_FINAL_TYPE (HearthImageThumbnail, hearth_image_thumbnail, GTK_TYPE_WIDGET)

enum { SIGNAL_ACTIVATED, SIGNAL_REMOVE, N_SIGNALS };
static guint signals[N_SIGNALS];

#define TEXTURE_KEY "hearth-texture"

static void
decode_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_bytes (task_data, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
texture_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HearthImageAttachment *image = g_task_get_source_object (task);
  GError *error = NULL;
  GdkTexture *texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (texture == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (image), TEXTURE_KEY, g_object_ref (texture), g_object_unref);
  g_task_return_pointer (task, texture, g_object_unref);
}

/* The PNG is decoded in a thread (a screenshot can take tens of
 * milliseconds), once: the texture is kept with the attachment. */
void
hearth_image_attachment_load_texture_async (HearthImageAttachment *image,
                                            GCancellable          *cancellable,
                                            GAsyncReadyCallback    callback,
                                            gpointer               user_data)
{
  GTask *task = g_task_new (image, cancellable, callback, user_data);
  GdkTexture *texture = g_object_get_data (G_OBJECT (image), TEXTURE_KEY);
  g_autoptr(GTask) decode = NULL;

  g_task_set_source_tag (task, hearth_image_attachment_load_texture_async);
  if (texture != NULL)
    {
      g_task_return_pointer (task, g_object_ref (texture), g_object_unref);
      g_object_unref (task);
      return;
    }
  decode = g_task_new (NULL, cancellable, texture_decoded, task);
  g_task_set_task_data (decode, g_bytes_ref (hearth_image_attachment_get_png (image)),
                        (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (decode, decode_in_thread);
}

GdkTexture *
hearth_image_attachment_load_texture_finish (HearthImageAttachment *image, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, image), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
thumbnail_texture_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthImageThumbnail) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = hearth_image_attachment_load_texture_finish (HEARTH_IMAGE_ATTACHMENT (source),
                                                                               result, &error);

  /* A PNG that Hearth wrote itself fails only when memory runs out. */
  if (texture == NULL)
    g_warning ("Cannot show an attached image: %s", error->message);
  else
    gtk_image_set_from_paintable (self->picture, GDK_PAINTABLE (texture));
}

static void
on_clicked (HearthImageThumbnail *self)
{
  g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0);
}

static void
on_remove_clicked (HearthImageThumbnail *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
hearth_image_thumbnail_dispose (GObject *object)
{
  HearthImageThumbnail *self = HEARTH_IMAGE_THUMBNAIL (object);

  g_clear_object (&self->image);
  gtk_widget_dispose_template (GTK_WIDGET (object), HEARTH_TYPE_IMAGE_THUMBNAIL);
  G_OBJECT_CLASS (hearth_image_thumbnail_parent_class)->dispose (object);
}

static void
hearth_image_thumbnail_class_init (HearthImageThumbnailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_image_thumbnail_dispose;

  signals[SIGNAL_ACTIVATED] = g_signal_new ("activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-image-thumbnail.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthImageThumbnail, overlay);
  gtk_widget_class_bind_template_child (widget_class, HearthImageThumbnail, picture);
  gtk_widget_class_bind_template_child (widget_class, HearthImageThumbnail, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, on_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_remove_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "imagethumbnail");
}

static void
hearth_image_thumbnail_init (HearthImageThumbnail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hearth_image_thumbnail_new (HearthImageAttachment *image, gboolean removable)
{
  HearthImageThumbnail *self;
  g_autofree char *description = NULL;

  g_return_val_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (image), NULL);

  self = g_object_new (HEARTH_TYPE_IMAGE_THUMBNAIL, NULL);
  self->image = g_object_ref (image);
  hearth_image_attachment_load_texture_async (image, NULL, thumbnail_texture_loaded, g_object_ref (self));
  gtk_widget_set_visible (self->remove_button, removable);
  description = g_strdup_printf (_("Image, %u × %u pixels"), hearth_image_attachment_get_width (image),
                                 hearth_image_attachment_get_height (image));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), description);
  return GTK_WIDGET (self);
}

HearthImageAttachment *
hearth_image_thumbnail_get_image (HearthImageThumbnail *self)
{
  g_return_val_if_fail (HEARTH_IS_IMAGE_THUMBNAIL (self), NULL);
  return self->image;
}
