/* hearth-model-choice.h: the models a combo row offers (Preferences'
 * default model, a chat's model): the runnable models the last scan found,
 * plus the one chosen now when the scan did not find it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  GtkStringList *names; /* what the row shows */
  GPtrArray     *paths; /* of char *, "" for the "none" entry */
} HearthModelChoice;

/* found: of HearthModelInfo, may be NULL.  none_label: a first entry whose
 * path is "" (NULL: no such entry).  current: a path to offer even when it
 * was not found (NULL or "": none). */
HearthModelChoice *hearth_model_choice_new  (GPtrArray         *found,
                                             const char        *none_label,
                                             const char        *current);
void               hearth_model_choice_free (HearthModelChoice *self);
/* The position of path, or GTK_INVALID_LIST_POSITION. */
guint              hearth_model_choice_find (HearthModelChoice *self,
                                             const char        *path);
/* The path at position ("" for none), or NULL when out of range. */
const char        *hearth_model_choice_get  (HearthModelChoice *self,
                                             guint              position);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthModelChoice, hearth_model_choice_free)

G_END_DECLS
