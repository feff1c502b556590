/* hearth-image-attachment.h: an image the user attaches to a message, as
 * Hearth keeps it: decoded by the engine's rules (size checked from the
 * header, first frame, EXIF orientation applied), then re-encoded as a
 * lossless PNG that carries pixels only.  The EXIF, GPS and any other
 * metadata of the original stay behind; the original file is only read.
 *
 * Decoding and encoding run in a thread (GTask), never on the caller's. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HEARTH_IMAGE_ATTACHMENT_MIME "image/png"

#define HEARTH_TYPE_IMAGE_ATTACHMENT (hearth_image_attachment_get_type ())
G_DECLARE_FINAL_TYPE (HearthImageAttachment, hearth_image_attachment, HEARTH, IMAGE_ATTACHMENT, GObject)

/* An image already stored (PNG bytes and their size). */
HearthImageAttachment *hearth_image_attachment_new (GBytes *png, guint width, guint height);

/* Errors: HEARTH_ENGINE_ERROR from hearth_image_load() (_IO, _UNSUPPORTED
 * for unknown formats and images over 64 Mpx, _CORRUPT_FILE). */
void                   hearth_image_attachment_new_from_file_async  (const char          *path,
                                                                     GCancellable        *cancellable,
                                                                     GAsyncReadyCallback  callback,
                                                                     gpointer             user_data);
HearthImageAttachment *hearth_image_attachment_new_from_file_finish (GAsyncResult        *result,
                                                                     GError             **error);
/* Blocking form, for the thread and for tests. */
HearthImageAttachment *hearth_image_attachment_new_from_file (const char *path, GError **error);

/* The same for an encoded image in memory (a pasted one); name stands for
 * the file in error messages.  Blocking: call it in a thread. */
HearthImageAttachment *hearth_image_attachment_new_from_bytes (GBytes *encoded, const char *name, GError **error);

GBytes *hearth_image_attachment_get_png    (HearthImageAttachment *self);
guint   hearth_image_attachment_get_width  (HearthImageAttachment *self);
guint   hearth_image_attachment_get_height (HearthImageAttachment *self);

G_END_DECLS
