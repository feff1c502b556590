#define G_LOG_DOMAIN "hearth-markdown"

/* hearth-markdown.c: md4c walks the document and calls back for every
 * block, span and piece of text; the walk below turns those calls into
 * flat blocks.  Containers (quotes, lists) do not become blocks of their
 * own: they only change how the text blocks inside them are shown (quote
 * depth, list depth and the item's marker). */

#include <md4c.h>
#include <stdlib.h>
#include <string.h>

#include "hearth-markdown.h"

/* CommonMark plus GitHub's tables, strikethrough and task lists.  No HTML,
 * so tags in the text stay text; no bare-URL autolinks, so a link is only
 * what the author marked as one. */
#define PARSER_FLAGS (MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_TASKLISTS)

typedef struct {
  gboolean ordered;
  guint    next_number;
} List;

typedef struct {
  GPtrArray           *blocks;
  GString             *markup;         /* the text block being written; NULL between them */
  GPtrArray           *open_spans;     /* its opening tags not closed yet, innermost last */
  char                *pending_marker; /* of a list item whose text has not started */
  GArray              *lists;          /* of List, outermost first */
  guint                quote_depth;
  guint                heading_level;  /* 0: not in a heading */
  HearthMarkdownBlock *code;           /* the code block being read */
  GString             *code_text;      /* and its text so far */
  HearthMarkdownBlock *table;          /* the table being read */
  guint                row_start;      /* index of the current table row's first cell */
} Walk;

void
hearth_markdown_block_free (HearthMarkdownBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->markup);
  g_free (block->language);
  g_free (block->code);
  g_clear_pointer (&block->cells, g_ptr_array_unref);
  g_free (block);
}

static gboolean
cells_equal (const GPtrArray *a, const GPtrArray *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  if (a->len != b->len)
    return FALSE;
  for (guint i = 0; i < a->len; i++)
    if (g_strcmp0 (a->pdata[i], b->pdata[i]) != 0)
      return FALSE;
  return TRUE;
}

gboolean
hearth_markdown_block_equal (const HearthMarkdownBlock *a, const HearthMarkdownBlock *b)
{
  return a->kind == b->kind && a->level == b->level && a->quote_depth == b->quote_depth &&
         g_strcmp0 (a->markup, b->markup) == 0 && g_strcmp0 (a->language, b->language) == 0 &&
         g_strcmp0 (a->code, b->code) == 0 && a->n_columns == b->n_columns &&
         cells_equal (a->cells, b->cells);
}

/* ---- text into Pango markup ---- */

/* Like g_markup_escape_text(), except that control characters, which
 * GMarkup refuses even as character references, become U+FFFD. */
static void
append_escaped (GString *out, const char *text, gsize size)
{
  for (gsize i = 0; i < size; i++)
    {
      char c = text[i];

      switch (c)
        {
        case '&':  g_string_append (out, "&amp;");  break;
        case '<':  g_string_append (out, "&lt;");   break;
        case '>':  g_string_append (out, "&gt;");   break;
        case '"':  g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;");  break;
        default:
          if ((guchar) c < 0x20 && c != '\n' && c != '\t')
            g_string_append (out, "\xEF\xBF\xBD");
          else
            g_string_append_c (out, c);
        }
    }
}

static const struct {
  const char *name;
  const char *text;
} named_entities[] = {
  { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
  { "nbsp", "\xC2\xA0" }, { "copy", "©" }, { "reg", "®" }, { "trade", "™" },
  { "mdash", "—" }, { "ndash", "–" }, { "hellip", "…" }, { "times", "×" },
  { "larr", "←" }, { "rarr", "→" }, { "deg", "°" }, { "euro", "€" },
};

/* md4c hands entities over as written ("&amp;", "&#x41;"); the common ones
 * are decoded, others stay as written. */
static void
append_entity (GString *out, const char *text, gsize size)
{
  g_autofree char *name = g_strndup (text + 1, size - 2); /* between '&' and ';' */
  char utf8[6];
  gunichar c = 0;

  if (name[0] == '#')
    c = (gunichar) ((name[1] == 'x' || name[1] == 'X') ? strtoul (name + 2, NULL, 16)
                                                       : strtoul (name + 1, NULL, 10));
  else
    for (gsize i = 0; i < G_N_ELEMENTS (named_entities); i++)
      if (strcmp (name, named_entities[i].name) == 0)
        {
          g_string_append (out, named_entities[i].text);
          return;
        }
  if (c != 0 && g_unichar_validate (c))
    g_string_append_len (out, utf8, g_unichar_to_utf8 (c, utf8));
  else
    g_string_append_len (out, text, size);
}

/* An attribute (a link target, a fence's language) as plain UTF-8. */
static char *
attribute_to_string (const MD_ATTRIBUTE *attribute)
{
  GString *out = g_string_new (NULL);

  /* md4c leaves the pieces of an empty attribute unset. */
  if (attribute->size == 0)
    return g_string_free (out, FALSE);
  for (guint i = 0; attribute->substr_offsets[i] < attribute->size; i++)
    {
      const char *piece = attribute->text + attribute->substr_offsets[i];
      gsize size = attribute->substr_offsets[i + 1] - attribute->substr_offsets[i];

      if (attribute->substr_types[i] == MD_TEXT_ENTITY)
        append_entity (out, piece, size);
      else if (attribute->substr_types[i] == MD_TEXT_NULLCHAR)
        g_string_append (out, "\xEF\xBF\xBD");
      else
        g_string_append_len (out, piece, size);
    }
  return g_string_free (out, FALSE);
}

/* Only links a browser or mail program opens; anything else (file:, a
 * custom scheme, a relative path) stays text. */
static gboolean
is_openable_link (const char *href)
{
  const char *scheme = g_uri_peek_scheme (href);

  return g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0 ||
         g_strcmp0 (scheme, "mailto") == 0;
}

/* ---- blocks ---- */

static HearthMarkdownBlock *
block_new (Walk *walk, HearthMarkdownKind kind)
{
  HearthMarkdownBlock *block = g_new0 (HearthMarkdownBlock, 1);

  block->kind = kind;
  block->quote_depth = walk->quote_depth;
  return block;
}

static const char *
bullet_for_depth (guint depth)
{
  static const char *const bullets[] = { "•", "◦", "▪" };

  return bullets[MIN (depth, G_N_ELEMENTS (bullets)) - 1];
}

static void
start_text (Walk *walk)
{
  if (walk->markup != NULL)
    return;
  walk->markup = g_string_new (NULL);
  if (walk->pending_marker != NULL)
    {
      g_string_append (walk->markup, walk->pending_marker);
      g_string_append_c (walk->markup, ' ');
      g_clear_pointer (&walk->pending_marker, g_free);
    }
}

/* The length of the tag name in an opening tag ("<a href=…>": 1). */
static gsize
tag_name_length (const char *opening)
{
  return strcspn (opening + 1, " >");
}

static void
append_closing (GString *markup, const char *opening)
{
  g_string_append_printf (markup, "</%.*s>", (int) tag_name_length (opening), opening + 1);
}

static void
open_span (Walk *walk, char *opening)
{
  g_string_append (walk->markup, opening);
  g_ptr_array_add (walk->open_spans, opening);
}

/* md4c does not always close what it opened (an emphasis whose closing '*'
 * is inside a link's URL is never left), and Pango rejects the whole text
 * over one unbalanced tag: a span is closed only if it is open, and the
 * spans opened inside it are closed and opened again around the close. */
static void
close_span (Walk *walk, const char *name)
{
  gsize name_len = strlen (name);
  guint i = walk->open_spans->len;

  while (i > 0)
    {
      const char *opening = g_ptr_array_index (walk->open_spans, i - 1);
      if (tag_name_length (opening) == name_len && strncmp (opening + 1, name, name_len) == 0)
        break;
      i--;
    }
  if (i == 0)
    return;
  for (guint k = walk->open_spans->len; k >= i; k--)
    append_closing (walk->markup, g_ptr_array_index (walk->open_spans, k - 1));
  g_ptr_array_remove_index (walk->open_spans, i - 1);
  for (guint k = i - 1; k < walk->open_spans->len; k++)
    g_string_append (walk->markup, g_ptr_array_index (walk->open_spans, k));
}

/* The text block being written, every span in it closed. */
static char *
take_markup (Walk *walk)
{
  while (walk->open_spans->len > 0)
    {
      append_closing (walk->markup, g_ptr_array_index (walk->open_spans, walk->open_spans->len - 1));
      g_ptr_array_set_size (walk->open_spans, walk->open_spans->len - 1);
    }
  return g_string_free (g_steal_pointer (&walk->markup), FALSE);
}

/* Ends the text block being written, if any. */
static void
flush_text (Walk *walk)
{
  HearthMarkdownBlock *block;

  if (walk->markup == NULL)
    return;
  if (walk->heading_level > 0)
    {
      block = block_new (walk, HEARTH_MARKDOWN_HEADING);
      block->level = walk->heading_level;
    }
  else if (walk->lists->len > 0)
    {
      block = block_new (walk, HEARTH_MARKDOWN_LIST_ITEM);
      block->level = walk->lists->len;
    }
  else
    block = block_new (walk, HEARTH_MARKDOWN_PARAGRAPH);
  block->markup = take_markup (walk);
  g_ptr_array_add (walk->blocks, block);
}

/* Before a block that is not text (code, a table, a nested list): a list
 * item that has shown nothing yet still shows its marker. */
static void
flush_item (Walk *walk)
{
  if (walk->pending_marker != NULL && walk->markup == NULL)
    {
      walk->markup = g_string_new (walk->pending_marker);
      g_clear_pointer (&walk->pending_marker, g_free);
    }
  flush_text (walk);
}

static void
enter_list_item (Walk *walk, const MD_BLOCK_LI_DETAIL *detail)
{
  List *list = &g_array_index (walk->lists, List, walk->lists->len - 1);

  flush_item (walk);
  if (detail->is_task)
    walk->pending_marker = g_strdup (detail->task_mark == ' ' ? "☐" : "☑");
  else if (list->ordered)
    walk->pending_marker = g_strdup_printf ("%u.", list->next_number++);
  else
    walk->pending_marker = g_strdup (bullet_for_depth (walk->lists->len));
}

static void
enter_code (Walk *walk, const MD_BLOCK_CODE_DETAIL *detail)
{
  g_autofree char *language = attribute_to_string (&detail->lang);

  flush_item (walk);
  walk->code = block_new (walk, HEARTH_MARKDOWN_CODE);
  walk->code_text = g_string_new (NULL);
  if (*language != '\0')
    walk->code->language = g_steal_pointer (&language);
}

static void
enter_table (Walk *walk, const MD_BLOCK_TABLE_DETAIL *detail)
{
  flush_item (walk);
  walk->table = block_new (walk, HEARTH_MARKDOWN_TABLE);
  walk->table->n_columns = detail->col_count;
  walk->table->cells = g_ptr_array_new_with_free_func (g_free);
}

static int
enter_block (MD_BLOCKTYPE type, void *detail, void *user_data)
{
  Walk *walk = user_data;
  List list = { 0 };

  switch (type)
    {
    case MD_BLOCK_QUOTE:
      flush_item (walk);
      walk->quote_depth++;
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      flush_item (walk);
      list.ordered = type == MD_BLOCK_OL;
      list.next_number = list.ordered ? ((MD_BLOCK_OL_DETAIL *) detail)->start : 0;
      g_array_append_val (walk->lists, list);
      break;
    case MD_BLOCK_LI:
      enter_list_item (walk, detail);
      break;
    case MD_BLOCK_HR:
      flush_item (walk);
      g_ptr_array_add (walk->blocks, block_new (walk, HEARTH_MARKDOWN_RULE));
      break;
    case MD_BLOCK_H:
      flush_text (walk);
      walk->heading_level = ((MD_BLOCK_H_DETAIL *) detail)->level;
      break;
    case MD_BLOCK_CODE:
      enter_code (walk, detail);
      break;
    case MD_BLOCK_TABLE:
      enter_table (walk, detail);
      break;
    case MD_BLOCK_TR:
      walk->row_start = walk->table->cells->len;
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      walk->markup = g_string_new (NULL);
      break;
    case MD_BLOCK_P:
    case MD_BLOCK_HTML:
      flush_text (walk);
      break;
    case MD_BLOCK_DOC:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
      break;
    }
  return 0;
}

static int
leave_block (MD_BLOCKTYPE type, void *detail, void *user_data)
{
  Walk *walk = user_data;

  switch (type)
    {
    case MD_BLOCK_QUOTE:
      flush_item (walk);
      walk->quote_depth--;
      break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
      flush_item (walk);
      g_array_set_size (walk->lists, walk->lists->len - 1);
      break;
    case MD_BLOCK_LI:
      flush_item (walk);
      break;
    case MD_BLOCK_H:
      /* An empty heading ("#") still takes its place. */
      start_text (walk);
      flush_text (walk);
      walk->heading_level = 0;
      break;
    case MD_BLOCK_CODE:
      walk->code->code = g_string_free (g_steal_pointer (&walk->code_text), FALSE);
      g_ptr_array_add (walk->blocks, g_steal_pointer (&walk->code));
      break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD:
      start_text (walk);
      g_ptr_array_add (walk->table->cells, take_markup (walk));
      break;
    case MD_BLOCK_TR:
      /* A row with fewer cells than the header gets empty ones. */
      while (walk->table->cells->len - walk->row_start < walk->table->n_columns)
        g_ptr_array_add (walk->table->cells, g_strdup (""));
      break;
    case MD_BLOCK_TABLE:
      g_ptr_array_add (walk->blocks, g_steal_pointer (&walk->table));
      break;
    case MD_BLOCK_P:
    case MD_BLOCK_HTML:
      flush_text (walk);
      break;
    case MD_BLOCK_DOC:
    case MD_BLOCK_HR:
    case MD_BLOCK_THEAD:
    case MD_BLOCK_TBODY:
      break;
    }
  return 0;
}

/* ---- spans ---- */

static void
enter_link (Walk *walk, const MD_SPAN_A_DETAIL *detail)
{
  g_autofree char *href = attribute_to_string (&detail->href);

  /* A link that will not open is shown as its text; the closing tag is
   * written only for links that were opened (see leave_span). */
  g_autoptr (GString) opening = g_string_new ("<a href=\"");

  if (!is_openable_link (href))
    return;
  append_escaped (opening, href, strlen (href));
  g_string_append (opening, "\">");
  open_span (walk, g_string_free (g_steal_pointer (&opening), FALSE));
}

static const char *
span_tag (MD_SPANTYPE type)
{
  switch (type)
    {
    case MD_SPAN_EM:     return "i";
    case MD_SPAN_STRONG: return "b";
    case MD_SPAN_CODE:   return "tt";
    case MD_SPAN_DEL:    return "s";
    case MD_SPAN_IMG:    return "i"; /* the alt text, never the image */
    case MD_SPAN_U:      return "u";
    case MD_SPAN_A:
    case MD_SPAN_LATEXMATH:
    case MD_SPAN_LATEXMATH_DISPLAY:
    case MD_SPAN_WIKILINK:
      break;
    }
  return NULL;
}

static int
enter_span (MD_SPANTYPE type, void *detail, void *user_data)
{
  Walk *walk = user_data;
  const char *tag = span_tag (type);

  start_text (walk);
  if (type == MD_SPAN_A)
    enter_link (walk, detail);
  else if (tag != NULL)
    open_span (walk, g_strdup_printf ("<%s>", tag));
  return 0;
}

static int
leave_span (MD_SPANTYPE type, void *detail, void *user_data)
{
  Walk *walk = user_data;
  const char *tag = span_tag (type);

  if (type == MD_SPAN_A)
    {
      g_autofree char *href = attribute_to_string (&((MD_SPAN_A_DETAIL *) detail)->href);

      if (is_openable_link (href))
        close_span (walk, "a");
    }
  else if (tag != NULL)
    close_span (walk, tag);
  return 0;
}

/* ---- text ---- */

static int
on_text (MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *user_data)
{
  Walk *walk = user_data;

  if (walk->code != NULL)
    {
      g_string_append_len (walk->code_text, text, size);
      return 0;
    }
  start_text (walk);
  switch (type)
    {
    case MD_TEXT_NULLCHAR: g_string_append (walk->markup, "\xEF\xBF\xBD"); break;
    case MD_TEXT_BR:       g_string_append_c (walk->markup, '\n');         break;
    case MD_TEXT_SOFTBR:   g_string_append_c (walk->markup, ' ');          break;
    case MD_TEXT_ENTITY:
      {
        GString *decoded = g_string_new (NULL);

        append_entity (decoded, text, size);
        append_escaped (walk->markup, decoded->str, decoded->len);
        g_string_free (decoded, TRUE);
        break;
      }
    case MD_TEXT_NORMAL:
    case MD_TEXT_CODE:
    case MD_TEXT_HTML:
    case MD_TEXT_LATEXMATH:
      append_escaped (walk->markup, text, size);
      break;
    }
  return 0;
}

/* ---- parsing ---- */

GPtrArray *
hearth_markdown_plain (const char *text)
{
  GPtrArray *blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_markdown_block_free);
  HearthMarkdownBlock *block = g_new0 (HearthMarkdownBlock, 1);
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *markup = g_string_new (NULL);

  append_escaped (markup, valid, strlen (valid));
  block->kind = HEARTH_MARKDOWN_PARAGRAPH;
  block->markup = g_string_free (markup, FALSE);
  g_ptr_array_add (blocks, block);
  return blocks;
}

static void
walk_clear (Walk *walk)
{
  if (walk->markup != NULL)
    g_string_free (walk->markup, TRUE);
  g_free (walk->pending_marker);
  g_array_unref (walk->lists);
  g_ptr_array_unref (walk->open_spans);
  hearth_markdown_block_free (walk->code);
  if (walk->code_text != NULL)
    g_string_free (walk->code_text, TRUE);
  hearth_markdown_block_free (walk->table);
}

GPtrArray *
hearth_markdown_parse (const char *text)
{
  static const MD_PARSER parser = {
    .abi_version = 0,
    .flags = PARSER_FLAGS,
    .enter_block = enter_block,
    .leave_block = leave_block,
    .enter_span = enter_span,
    .leave_span = leave_span,
    .text = on_text,
  };
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  Walk walk = { 0 };
  int rc;

  walk.blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_markdown_block_free);
  walk.lists = g_array_new (FALSE, FALSE, sizeof (List));
  walk.open_spans = g_ptr_array_new_with_free_func (g_free);
  rc = md_parse (valid, (MD_SIZE) strlen (valid), &parser, &walk);
  walk_clear (&walk);
  if (rc != 0)
    {
      g_ptr_array_unref (walk.blocks);
      return hearth_markdown_plain (valid);
    }
  return walk.blocks;
}
