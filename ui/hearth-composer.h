/* hearth-composer.h: where the user writes.  Enter sends, Shift+Enter
 * starts a new line; while an answer streams the send button becomes a
 * stop button (action win.stop).
 *
 * Images are attached by dropping files or textures on it, pasting them
 * (Ctrl+V), or choosing files (composer.attach); each is read in a thread
 * (hearth_image_attachment_new_from_file_async()) and shown as a removable
 * thumbnail.  A file that cannot be attached becomes a toast. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HEARTH_TYPE_COMPOSER (hearth_composer_get_type ())
G_DECLARE_FINAL_TYPE (HearthComposer, hearth_composer, HEARTH, COMPOSER, GtkWidget)

void  hearth_composer_set_generating (HearthComposer *self, gboolean generating);
void  hearth_composer_set_text       (HearthComposer *self, const char *text);
char *hearth_composer_dup_text       (HearthComposer *self);
void  hearth_composer_grab_focus     (HearthComposer *self);

GListModel    *hearth_composer_get_images      (HearthComposer *self);
void           hearth_composer_add_file        (HearthComposer *self, GFile *file);
void           hearth_composer_add_texture     (HearthComposer *self, GdkTexture *texture);
/* A GdkFileList, GFile or GdkTexture (what a drop or paste delivers);
 * FALSE for any other type. */
gboolean       hearth_composer_add_value       (HearthComposer *self, const GValue *value);
/* Accepts what hearth_composer_add_value() takes and adds it to this
 * composer; for the composer itself and for a window around it. */
GtkDropTarget *hearth_composer_new_drop_target (HearthComposer *self);

/* What the composer holds, text and images, taken out of it (it is left
 * empty) while the composer serves another chat; NULL when it was empty. */
typedef struct _HearthComposerDraft HearthComposerDraft;
HearthComposerDraft *hearth_composer_take_draft    (HearthComposer *self);
/* Replaces what the composer holds with draft, and frees draft. */
void                 hearth_composer_restore_draft (HearthComposer *self, HearthComposerDraft *draft);
void                 hearth_composer_draft_free    (HearthComposerDraft *draft);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthComposerDraft, hearth_composer_draft_free)

G_END_DECLS
