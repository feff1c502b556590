/* hearth-message-row.h: one message bubble, recycled by the chat view's
 * GtkListView for whichever message scrolls into view.  Answers show as
 * Markdown, the user's messages as written; every message can be copied,
 * and a user message edited in place and resent (signal ::resend). */
#pragma once

#include <gtk/gtk.h>

#include "hearth-message-object.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MESSAGE_ROW (hearth_message_row_get_type ())
G_DECLARE_FINAL_TYPE (HearthMessageRow, hearth_message_row, HEARTH, MESSAGE_ROW, GtkWidget)

GtkWidget           *hearth_message_row_new         (void);
/* NULL: the row is unbound. */
void                 hearth_message_row_set_message (HearthMessageRow *self, HearthMessageObject *message);
HearthMessageObject *hearth_message_row_get_message (HearthMessageRow *self);
/* The text shown (before Markdown), for tests. */
const char          *hearth_message_row_get_text    (HearthMessageRow *self);

G_END_DECLS
