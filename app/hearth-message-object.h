/* hearth-message-object.h: one chat message as a list item for the UI;
 * "content" grows while an answer streams. */
#pragma once

#include <glib-object.h>

#include "hearth-image-attachment.h"
#include "hearth-store.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MESSAGE_OBJECT (hearth_message_object_get_type ())
G_DECLARE_FINAL_TYPE (HearthMessageObject, hearth_message_object, HEARTH, MESSAGE_OBJECT, GObject)

HearthMessageObject *hearth_message_object_new            (HearthRole role, const char *content,
                                                           HearthMessageState state);
HearthMessageObject *hearth_message_object_new_from_store (const HearthMessage *message);
gint64               hearth_message_object_get_id         (HearthMessageObject *self);
void                 hearth_message_object_set_id         (HearthMessageObject *self, gint64 id);
HearthRole           hearth_message_object_get_role       (HearthMessageObject *self);
const char          *hearth_message_object_get_content    (HearthMessageObject *self);
void                 hearth_message_object_append         (HearthMessageObject *self, const char *delta);
/* an edited message's new text */
void                 hearth_message_object_set_content    (HearthMessageObject *self, const char *content);
HearthMessageState   hearth_message_object_get_state      (HearthMessageObject *self);
void                 hearth_message_object_set_state      (HearthMessageObject *self, HearthMessageState state);
/* TRUE for the first message the model sees when earlier ones were
 * left out of its context ("starts-context"). */
gboolean             hearth_message_object_get_starts_context (HearthMessageObject *self);
void                 hearth_message_object_set_starts_context (HearthMessageObject *self, gboolean starts);
void                 hearth_message_object_add_image      (HearthMessageObject *self, HearthImageAttachment *image);
GPtrArray           *hearth_message_object_get_images     (HearthMessageObject *self);

G_END_DECLS
