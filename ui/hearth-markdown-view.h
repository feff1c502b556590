/* hearth-markdown-view.h: a message's text as widgets, one per block of
 * hearth-markdown.h: labels for text, HearthCodeBlock for code, a grid for
 * a table.
 *
 * Showing new text reuses the widgets of the blocks that did not change
 * and updates those of the same kind in place, so a row recycled for
 * another message, or an answer growing while it streams, costs little
 * and keeps its layout (and the scroll position) steady. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HEARTH_TYPE_MARKDOWN_VIEW (hearth_markdown_view_get_type ())
G_DECLARE_FINAL_TYPE (HearthMarkdownView, hearth_markdown_view, HEARTH, MARKDOWN_VIEW, GtkWidget)

GtkWidget  *hearth_markdown_view_new          (void);
/* text as Markdown */
void        hearth_markdown_view_set_markdown (HearthMarkdownView *self, const char *text);
/* text as it is */
void        hearth_markdown_view_set_plain    (HearthMarkdownView *self, const char *text);
/* The text last set. */
const char *hearth_markdown_view_get_text     (HearthMarkdownView *self);

G_END_DECLS
