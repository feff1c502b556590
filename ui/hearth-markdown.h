/* hearth-markdown.h: Markdown (CommonMark with GitHub tables, strikethrough
 * and task lists, parsed by md4c) flattened into a list of blocks a chat
 * bubble can show with plain widgets: text blocks as Pango markup for a
 * GtkLabel, code blocks as raw text for a source view, tables as cells.
 *
 * Needs no display, so it is tested on its own.  HTML in the input is
 * never interpreted: it comes out escaped, as the text it is.  Images are
 * never fetched: they become their alt text.  An unclosed code fence (an
 * answer still streaming) is a code block up to the end of the text. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HEARTH_MARKDOWN_PARAGRAPH,
  HEARTH_MARKDOWN_HEADING,
  HEARTH_MARKDOWN_LIST_ITEM,
  HEARTH_MARKDOWN_RULE,
  HEARTH_MARKDOWN_TABLE,
  HEARTH_MARKDOWN_CODE,
} HearthMarkdownKind;

typedef struct {
  HearthMarkdownKind kind;
  guint      level;       /* heading: 1–6; list item: nesting depth, from 1 */
  guint      quote_depth; /* > 0: inside that many block quotes */
  char      *markup;      /* paragraph, heading, list item: Pango markup */
  char      *language;    /* code: the fence's language, NULL when none */
  char      *code;        /* code: the text as written */
  guint      n_columns;   /* table */
  GPtrArray *cells;       /* table: Pango markup per cell, row by row, header first */
} HearthMarkdownBlock;

void       hearth_markdown_block_free  (HearthMarkdownBlock *block);
gboolean   hearth_markdown_block_equal (const HearthMarkdownBlock *a,
                                        const HearthMarkdownBlock *b);

/* Of HearthMarkdownBlock, in reading order; never NULL (md4c fails only
 * when out of memory, and then the text comes back as one paragraph). */
GPtrArray *hearth_markdown_parse       (const char *text);
/* One paragraph showing text as it is, for messages that are not Markdown. */
GPtrArray *hearth_markdown_plain       (const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthMarkdownBlock, hearth_markdown_block_free)

G_END_DECLS
