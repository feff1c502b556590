/* hearth-image-thumbnail.h: a small square picture of an attached image;
 * clicking it emits ::activated (to view it larger), and a removable one
 * has an ✕ button that emits ::remove. */
#pragma once

#include <gtk/gtk.h>

#include "hearth-image-attachment.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_IMAGE_THUMBNAIL (hearth_image_thumbnail_get_type ())
G_DECLARE_FINAL_TYPE (HearthImageThumbnail, hearth_image_thumbnail, HEARTH, IMAGE_THUMBNAIL, GtkWidget)

GtkWidget             *hearth_image_thumbnail_new       (HearthImageAttachment *image, gboolean removable);
HearthImageAttachment *hearth_image_thumbnail_get_image (HearthImageThumbnail *self);

/* The image as a texture, decoded once and kept with the attachment. */
GdkTexture            *hearth_image_attachment_get_texture (HearthImageAttachment *image);

G_END_DECLS
