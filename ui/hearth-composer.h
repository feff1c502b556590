/* hearth-composer.h: where the user writes.  Enter sends, Shift+Enter
 * starts a new line; while an answer streams the send button becomes a
 * stop button (action win.stop). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HEARTH_TYPE_COMPOSER (hearth_composer_get_type ())
G_DECLARE_FINAL_TYPE (HearthComposer, hearth_composer, HEARTH, COMPOSER, GtkWidget)

void  hearth_composer_set_generating (HearthComposer *self, gboolean generating);
void  hearth_composer_set_text       (HearthComposer *self, const char *text);
char *hearth_composer_dup_text       (HearthComposer *self);
void  hearth_composer_grab_focus     (HearthComposer *self);

G_END_DECLS
