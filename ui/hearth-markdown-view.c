#define G_LOG_DOMAIN "hearth-markdown-view"

#include "hearth-code-block.h"
#include "hearth-markdown.h"
#include "hearth-markdown-view.h"

/* Indentation per list level and per quote level, in pixels. */
#define LIST_INDENT 18
#define QUOTE_INDENT 14

struct _HearthMarkdownView {
  GtkWidget  parent_instance;
  char      *text;
  gboolean   is_markdown;
  GPtrArray *blocks;  /* of HearthMarkdownBlock, the ones shown */
  GPtrArray *widgets; /* the child showing each block, in the same order */
};

G_DEFINE_FINAL_TYPE (HearthMarkdownView, hearth_markdown_view, GTK_TYPE_WIDGET)

/* ---- one widget per block ---- */

static GType
widget_type_for (HearthMarkdownKind kind)
{
  switch (kind)
    {
    case HEARTH_MARKDOWN_CODE:  return HEARTH_TYPE_CODE_BLOCK;
    case HEARTH_MARKDOWN_RULE:  return GTK_TYPE_SEPARATOR;
    case HEARTH_MARKDOWN_TABLE: return GTK_TYPE_GRID;
    case HEARTH_MARKDOWN_PARAGRAPH:
    case HEARTH_MARKDOWN_HEADING:
    case HEARTH_MARKDOWN_LIST_ITEM:
      break;
    }
  return GTK_TYPE_LABEL;
}

/* Selectable with the mouse, but focus stays in the composer (a focused
 * selectable label selects all of its text).  Links open in the user's
 * browser on a click, through GtkLabel's own handler. */
static GtkWidget *
text_label_new (void)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
  /* The bubble takes the width of its widest line, up to max-width-chars,
   * instead of wrapping short lines to the width of a table or code. */
  gtk_label_set_natural_wrap_mode (GTK_LABEL (label), GTK_NATURAL_WRAP_NONE);
  gtk_widget_set_focusable (label, FALSE);
  return label;
}

static GtkWidget *
block_widget_new (HearthMarkdownKind kind)
{
  GType type = widget_type_for (kind);

  if (type == GTK_TYPE_LABEL)
    return text_label_new ();
  if (type == GTK_TYPE_SEPARATOR)
    return gtk_separator_new (GTK_ORIENTATION_HORIZONTAL);
  if (type == GTK_TYPE_GRID)
    return g_object_new (GTK_TYPE_GRID, "column-spacing", 18, "row-spacing", 4, NULL);
  return hearth_code_block_new ();
}

static void
fill_table (GtkGrid *grid, const HearthMarkdownBlock *block)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))) != NULL)
    gtk_grid_remove (grid, child);
  for (guint i = 0; i < block->cells->len; i++)
    {
      GtkWidget *cell = text_label_new ();

      gtk_label_set_markup (GTK_LABEL (cell), block->cells->pdata[i]);
      gtk_label_set_max_width_chars (GTK_LABEL (cell), 30);
      if (i < block->n_columns)
        gtk_widget_add_css_class (cell, "heading");
      gtk_grid_attach (grid, cell, (int) (i % block->n_columns), (int) (i / block->n_columns), 1, 1);
    }
}

/* One size below libadwaita's: "# Title" in a bubble is not a page title. */
static const char *
heading_class (guint level)
{
  static const char *const classes[] = { "title-2", "title-3", "title-4" };

  return level <= G_N_ELEMENTS (classes) ? classes[level - 1] : "heading";
}

/* Style classes and indentation from the block's place in the document. */
static void
place_widget (GtkWidget *widget, const HearthMarkdownBlock *block)
{
  const char *classes[4] = { NULL };
  guint n = 0;
  int indent = (int) block->quote_depth * QUOTE_INDENT;

  if (block->kind == HEARTH_MARKDOWN_HEADING)
    classes[n++] = heading_class (block->level);
  if (block->kind == HEARTH_MARKDOWN_LIST_ITEM)
    indent += (int) (block->level - 1) * LIST_INDENT;
  if (block->kind == HEARTH_MARKDOWN_TABLE)
    classes[n++] = "md-table";
  if (block->quote_depth > 0)
    classes[n++] = "md-quote";
  gtk_widget_set_css_classes (widget, classes);
  gtk_widget_set_margin_start (widget, indent);
}

static void
update_widget (GtkWidget *widget, const HearthMarkdownBlock *block)
{
  switch (block->kind)
    {
    case HEARTH_MARKDOWN_CODE:
      hearth_code_block_set_code (HEARTH_CODE_BLOCK (widget), block->language, block->code);
      break;
    case HEARTH_MARKDOWN_TABLE:
      fill_table (GTK_GRID (widget), block);
      break;
    case HEARTH_MARKDOWN_RULE:
      break;
    case HEARTH_MARKDOWN_PARAGRAPH:
    case HEARTH_MARKDOWN_HEADING:
    case HEARTH_MARKDOWN_LIST_ITEM:
      gtk_label_set_markup (GTK_LABEL (widget), block->markup);
      break;
    }
  place_widget (widget, block);
}

/* ---- showing a new list of blocks ---- */

/* Block i gets the widget that showed block i before when it can take the
 * new block, untouched when the block is the same. */
static void
show_block (HearthMarkdownView *self, guint i, const HearthMarkdownBlock *block)
{
  GtkWidget *widget = i < self->widgets->len ? self->widgets->pdata[i] : NULL;

  if (widget != NULL && hearth_markdown_block_equal (self->blocks->pdata[i], block))
    return;
  if (widget == NULL || G_OBJECT_TYPE (widget) != widget_type_for (block->kind))
    {
      GtkWidget *replacement = block_widget_new (block->kind);

      gtk_widget_insert_before (replacement, GTK_WIDGET (self), widget);
      if (widget != NULL)
        {
          gtk_widget_unparent (widget);
          self->widgets->pdata[i] = replacement;
        }
      else
        g_ptr_array_add (self->widgets, replacement);
      widget = replacement;
    }
  update_widget (widget, block);
}

static void
show_blocks (HearthMarkdownView *self, GPtrArray *blocks)
{
  for (guint i = 0; i < blocks->len; i++)
    show_block (self, i, blocks->pdata[i]);
  while (self->widgets->len > blocks->len)
    {
      gtk_widget_unparent (self->widgets->pdata[self->widgets->len - 1]);
      g_ptr_array_set_size (self->widgets, self->widgets->len - 1);
    }
  g_ptr_array_unref (self->blocks);
  self->blocks = blocks;
}

static void
show_text (HearthMarkdownView *self, const char *text, gboolean is_markdown)
{
  if (self->is_markdown == is_markdown && g_strcmp0 (self->text, text) == 0)
    return;
  g_free (self->text);
  self->text = g_strdup (text);
  self->is_markdown = is_markdown;
  show_blocks (self, is_markdown ? hearth_markdown_parse (text) : hearth_markdown_plain (text));
}

void
hearth_markdown_view_set_markdown (HearthMarkdownView *self, const char *text)
{
  g_return_if_fail (HEARTH_IS_MARKDOWN_VIEW (self));
  g_return_if_fail (text != NULL);
  show_text (self, text, TRUE);
}

void
hearth_markdown_view_set_plain (HearthMarkdownView *self, const char *text)
{
  g_return_if_fail (HEARTH_IS_MARKDOWN_VIEW (self));
  g_return_if_fail (text != NULL);
  show_text (self, text, FALSE);
}

const char *
hearth_markdown_view_get_text (HearthMarkdownView *self)
{
  g_return_val_if_fail (HEARTH_IS_MARKDOWN_VIEW (self), NULL);
  return self->text != NULL ? self->text : "";
}

/* ---- GObject ---- */

static void
hearth_markdown_view_dispose (GObject *object)
{
  HearthMarkdownView *self = HEARTH_MARKDOWN_VIEW (object);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_ptr_array_set_size (self->widgets, 0);
  G_OBJECT_CLASS (hearth_markdown_view_parent_class)->dispose (object);
}

static void
hearth_markdown_view_finalize (GObject *object)
{
  HearthMarkdownView *self = HEARTH_MARKDOWN_VIEW (object);

  g_free (self->text);
  g_ptr_array_unref (self->blocks);
  g_ptr_array_unref (self->widgets);
  G_OBJECT_CLASS (hearth_markdown_view_parent_class)->finalize (object);
}

static void
hearth_markdown_view_class_init (HearthMarkdownViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_markdown_view_dispose;
  object_class->finalize = hearth_markdown_view_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "markdownview");
}

static void
hearth_markdown_view_init (HearthMarkdownView *self)
{
  GtkLayoutManager *layout = gtk_widget_get_layout_manager (GTK_WIDGET (self));

  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 8);
  self->blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_markdown_block_free);
  self->widgets = g_ptr_array_new ();
}

GtkWidget *
hearth_markdown_view_new (void)
{
  return g_object_new (HEARTH_TYPE_MARKDOWN_VIEW, NULL);
}
