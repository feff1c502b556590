#define G_LOG_DOMAIN "hearth-image-attachment"

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "hearth-engine-error.h"
#include "hearth-image-attachment.h"
#include "image-preprocess.h"

struct _HearthImageAttachment {
  GObject parent_instance;
  GBytes *png;
  guint   width;
  guint   height;
};

G_DEFINE_FINAL_TYPE (HearthImageAttachment, hearth_image_attachment, G_TYPE_OBJECT)

static void
hearth_image_attachment_finalize (GObject *object)
{
  HearthImageAttachment *self = HEARTH_IMAGE_ATTACHMENT (object);

  g_bytes_unref (self->png);
  G_OBJECT_CLASS (hearth_image_attachment_parent_class)->finalize (object);
}

static void
hearth_image_attachment_class_init (HearthImageAttachmentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_image_attachment_finalize;
}

static void
hearth_image_attachment_init (HearthImageAttachment *self)
{
}

HearthImageAttachment *
hearth_image_attachment_new (GBytes *png, guint width, guint height)
{
  HearthImageAttachment *self;

  g_return_val_if_fail (png != NULL, NULL);

  self = g_object_new (HEARTH_TYPE_IMAGE_ATTACHMENT, NULL);
  self->png = g_bytes_ref (png);
  self->width = width;
  self->height = height;
  return self;
}

/* A PNG of the decoded pixels: gdk-pixbuf writes no metadata chunk unless
 * asked to, so nothing but the picture leaves the original file. */
static GBytes *
encode_png (const HearthImage *image, const char *path, GError **error)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new_from_data (image->rgb, GDK_COLORSPACE_RGB, FALSE, 8,
                                                          (int) image->width, (int) image->height,
                                                          (int) image->width * 3, NULL, NULL);
  g_autoptr(GError) local_error = NULL;
  char *buffer = NULL;
  gsize size = 0;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", &local_error, NULL))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "Cannot re-encode image “%s” as PNG: %s", path, local_error->message);
      return NULL;
    }
  return g_bytes_new_take (buffer, size);
}

HearthImageAttachment *
hearth_image_attachment_new_from_file (const char *path, GError **error)
{
  g_autoptr(HearthImage) image = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  image = hearth_image_load (path, 0, error);
  if (image == NULL)
    return NULL;
  png = encode_png (image, path, error);
  if (png == NULL)
    return NULL;
  return hearth_image_attachment_new (png, image->width, image->height);
}

HearthImageAttachment *
hearth_image_attachment_new_from_bytes (GBytes *encoded, const char *name, GError **error)
{
  g_autoptr(HearthImage) image = NULL;
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (encoded != NULL && name != NULL, NULL);

  image = hearth_image_load_bytes (encoded, name, 0, error);
  if (image == NULL)
    return NULL;
  png = encode_png (image, name, error);
  if (png == NULL)
    return NULL;
  return hearth_image_attachment_new (png, image->width, image->height);
}

static void
load_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  HearthImageAttachment *attachment = hearth_image_attachment_new_from_file (task_data, &error);

  if (attachment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, attachment, g_object_unref);
}

void
hearth_image_attachment_new_from_file_async (const char          *path,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_return_if_fail (path != NULL);

  g_task_set_source_tag (task, hearth_image_attachment_new_from_file_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, load_in_thread);
}

HearthImageAttachment *
hearth_image_attachment_new_from_file_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GBytes *
hearth_image_attachment_get_png (HearthImageAttachment *self)
{
  g_return_val_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (self), NULL);
  return self->png;
}

guint
hearth_image_attachment_get_width (HearthImageAttachment *self)
{
  g_return_val_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (self), 0);
  return self->width;
}

guint
hearth_image_attachment_get_height (HearthImageAttachment *self)
{
  g_return_val_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (self), 0);
  return self->height;
}
