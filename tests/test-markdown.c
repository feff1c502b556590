/* test-markdown.c: Markdown into blocks (ui/hearth-markdown.c), without a
 * display: every markup string must also be accepted by Pango. */
#include <pango/pango.h>

#include "hearth-markdown.h"

static HearthMarkdownBlock *
block_at (GPtrArray *blocks, guint i)
{
  g_assert_cmpuint (i, <, blocks->len);
  return blocks->pdata[i];
}

/* What a GtkLabel would do with the markup: it must parse.  Links are the
 * label's own tag, which it takes out before Pango sees the rest. */
static void
assert_valid_markup (const char *markup)
{
  g_autoptr(GRegex) links = g_regex_new ("<a href=\"[^\"<>]*\">|</a>", 0, 0, NULL);
  g_autofree char *without_links = g_regex_replace_literal (links, markup, -1, 0, "", 0, NULL);
  g_autoptr(GError) error = NULL;

  if (!pango_parse_markup (without_links, -1, 0, NULL, NULL, NULL, &error))
    g_error ("not Pango markup: %s\n%s", error->message, markup);
}

static GPtrArray *
parse (const char *text)
{
  GPtrArray *blocks = hearth_markdown_parse (text);

  for (guint i = 0; i < blocks->len; i++)
    {
      HearthMarkdownBlock *block = blocks->pdata[i];

      if (block->markup != NULL)
        assert_valid_markup (block->markup);
      for (guint j = 0; block->cells != NULL && j < block->cells->len; j++)
        assert_valid_markup (block->cells->pdata[j]);
    }
  return blocks;
}

static void
assert_text_block (GPtrArray *blocks, guint i, HearthMarkdownKind kind, guint level, const char *markup)
{
  HearthMarkdownBlock *block = block_at (blocks, i);

  g_assert_cmpint (block->kind, ==, kind);
  g_assert_cmpuint (block->level, ==, level);
  g_assert_cmpstr (block->markup, ==, markup);
}

static void
test_headings (void)
{
  g_autoptr(GPtrArray) blocks = parse ("# Title\n\nSome text\non two lines.\n\n### Third *level*\n\nSetext\n---\n");

  g_assert_cmpuint (blocks->len, ==, 4);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_HEADING, 1, "Title");
  assert_text_block (blocks, 1, HEARTH_MARKDOWN_PARAGRAPH, 0, "Some text on two lines.");
  assert_text_block (blocks, 2, HEARTH_MARKDOWN_HEADING, 3, "Third <i>level</i>");
  assert_text_block (blocks, 3, HEARTH_MARKDOWN_HEADING, 2, "Setext");
}

static void
test_emphasis (void)
{
  g_autoptr(GPtrArray) blocks = parse ("*em* _em_ **strong** ***both*** ~~gone~~ a*b  \nnext");

  g_assert_cmpuint (blocks->len, ==, 1);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "<i>em</i> <i>em</i> <b>strong</b> <i><b>both</b></i> <s>gone</s> a*b\nnext");
}

static void
test_nested_lists (void)
{
  g_autoptr(GPtrArray) blocks = parse ("- one\n- two\n  - inner **bold**\n    1. deep\n    2. deeper\n- three\n\n"
                                       "3. three\n4. four\n\n- [ ] todo\n- [x] done\n");

  g_assert_cmpuint (blocks->len, ==, 10);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_LIST_ITEM, 1, "• one");
  assert_text_block (blocks, 1, HEARTH_MARKDOWN_LIST_ITEM, 1, "• two");
  assert_text_block (blocks, 2, HEARTH_MARKDOWN_LIST_ITEM, 2, "◦ inner <b>bold</b>");
  assert_text_block (blocks, 3, HEARTH_MARKDOWN_LIST_ITEM, 3, "1. deep");
  assert_text_block (blocks, 4, HEARTH_MARKDOWN_LIST_ITEM, 3, "2. deeper");
  assert_text_block (blocks, 5, HEARTH_MARKDOWN_LIST_ITEM, 1, "• three");
  assert_text_block (blocks, 6, HEARTH_MARKDOWN_LIST_ITEM, 1, "3. three");
  assert_text_block (blocks, 7, HEARTH_MARKDOWN_LIST_ITEM, 1, "4. four");
  assert_text_block (blocks, 8, HEARTH_MARKDOWN_LIST_ITEM, 1, "☐ todo");
  assert_text_block (blocks, 9, HEARTH_MARKDOWN_LIST_ITEM, 1, "☑ done");
}

/* A loose item's second paragraph belongs to the item, without a marker. */
static void
test_loose_list (void)
{
  g_autoptr(GPtrArray) blocks = parse ("1. first\n\n   more of it\n\n2. second\n");

  g_assert_cmpuint (blocks->len, ==, 3);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_LIST_ITEM, 1, "1. first");
  assert_text_block (blocks, 1, HEARTH_MARKDOWN_LIST_ITEM, 1, "more of it");
  assert_text_block (blocks, 2, HEARTH_MARKDOWN_LIST_ITEM, 1, "2. second");
}

static void
test_quote (void)
{
  g_autoptr(GPtrArray) blocks = parse ("> quoted *text*\n> > nested\n\nafter\n");

  g_assert_cmpuint (blocks->len, ==, 3);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0, "quoted <i>text</i>");
  g_assert_cmpuint (block_at (blocks, 0)->quote_depth, ==, 1);
  assert_text_block (blocks, 1, HEARTH_MARKDOWN_PARAGRAPH, 0, "nested");
  g_assert_cmpuint (block_at (blocks, 1)->quote_depth, ==, 2);
  g_assert_cmpuint (block_at (blocks, 2)->quote_depth, ==, 0);
}

static void
test_code_span (void)
{
  g_autoptr(GPtrArray) blocks = parse ("Use `a < b && c > \"d\"` or ``x ` y``.");

  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "Use <tt>a &lt; b &amp;&amp; c &gt; &quot;d&quot;</tt> or <tt>x ` y</tt>.");
}

static void
test_fenced_code (void)
{
  g_autoptr(GPtrArray) blocks = parse ("Before:\n\n```python\nif a < b:\n    print(\"<&>\")\n```\n\n"
                                       "~~~\nplain\n~~~\n\n    indented\n");
  HearthMarkdownBlock *code;

  g_assert_cmpuint (blocks->len, ==, 4);
  code = block_at (blocks, 1);
  g_assert_cmpint (code->kind, ==, HEARTH_MARKDOWN_CODE);
  g_assert_cmpstr (code->language, ==, "python");
  /* Raw, not escaped: it goes into a text buffer, not markup. */
  g_assert_cmpstr (code->code, ==, "if a < b:\n    print(\"<&>\")\n");
  code = block_at (blocks, 2);
  g_assert_cmpint (code->kind, ==, HEARTH_MARKDOWN_CODE);
  g_assert_null (code->language);
  g_assert_cmpstr (code->code, ==, "plain\n");
  code = block_at (blocks, 3);
  g_assert_cmpint (code->kind, ==, HEARTH_MARKDOWN_CODE);
  g_assert_cmpstr (code->code, ==, "indented\n");
}

/* While an answer streams, its fence is not closed yet: everything after
 * it is code in progress, and the text before stays as it was. */
static void
test_incomplete_fence (void)
{
  const char *steps[] = { "Here:\n\n```", "Here:\n\n```c", "Here:\n\n```c\nint main", "Here:\n\n```c\nint main (void)\n{\n  # not a heading\n" };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GPtrArray) blocks = parse (steps[i]);
      HearthMarkdownBlock *code;

      g_assert_cmpuint (blocks->len, ==, 2);
      assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0, "Here:");
      code = block_at (blocks, 1);
      g_assert_cmpint (code->kind, ==, HEARTH_MARKDOWN_CODE);
      g_assert_cmpstr (code->language, ==, i == 0 ? NULL : "c");
    }
  {
    g_autoptr(GPtrArray) blocks = parse (steps[3]);
    g_assert_cmpstr (block_at (blocks, 1)->code, ==, "int main (void)\n{\n  # not a heading\n");
  }
}

static void
test_table (void)
{
  g_autoptr(GPtrArray) blocks = parse ("| Name | Size |\n|:-----|-----:|\n| `a<b` | **2** |\n| short |\n");
  HearthMarkdownBlock *table;
  const char *cells[] = { "Name", "Size", "<tt>a&lt;b</tt>", "<b>2</b>", "short", "" };

  g_assert_cmpuint (blocks->len, ==, 1);
  table = block_at (blocks, 0);
  g_assert_cmpint (table->kind, ==, HEARTH_MARKDOWN_TABLE);
  g_assert_cmpuint (table->n_columns, ==, 2);
  g_assert_cmpuint (table->cells->len, ==, G_N_ELEMENTS (cells));
  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    g_assert_cmpstr (table->cells->pdata[i], ==, cells[i]);
}

static void
test_links (void)
{
  g_autoptr(GPtrArray) blocks = parse ("[GNOME](https://gnome.org/?a=1&b=\"2\") and <https://example.org> "
                                       "and [local](file:///etc/passwd) and [js](javascript:alert(1)) "
                                       "and https://bare.example.org");

  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "<a href=\"https://gnome.org/?a=1&amp;b=&quot;2&quot;\">GNOME</a> and "
                     "<a href=\"https://example.org\">https://example.org</a> and local and js "
                     "and https://bare.example.org");
}

/* md4c opens an emphasis whose closing '*' is inside a link's URL and
 * never closes it (found by fuzzing): the markup still balances, in a
 * paragraph and in a table cell. */
static void
test_span_left_open (void)
{
  g_autoptr(GPtrArray) blocks = parse ("*x [l](https://e*p.org) y\n\n| a | b |\n|---|---|\n| *c [d](https://e*f) | z |\n");

  g_assert_cmpuint (blocks->len, ==, 2);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "<i>x <a href=\"https://e*p.org\">l</a> y</i>");
  g_assert_cmpint (block_at (blocks, 1)->kind, ==, HEARTH_MARKDOWN_TABLE);
  g_assert_cmpstr (g_ptr_array_index (block_at (blocks, 1)->cells, 2), ==,
                   "<i>c <a href=\"https://e*f\">d</a></i>");
}

/* Images are never fetched: only their alt text shows. */
static void
test_image (void)
{
  g_autoptr(GPtrArray) blocks = parse ("See ![a *cat*](https://example.org/cat.png \"title\").");

  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0, "See <i>a <i>cat</i></i>.");
}

static void
test_html_escaped (void)
{
  g_autoptr(GPtrArray) blocks = parse ("<div onclick=\"x()\">\n<b>not bold</b>\n</div>\n\n"
                                       "Inline <span foreground=\"red\">red</span> & <script>x</script>\n\n"
                                       "&lt; &amp; &#65; &#x42; &copy; &bogus;");

  g_assert_cmpuint (blocks->len, ==, 3);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "&lt;div onclick=&quot;x()&quot;&gt; &lt;b&gt;not bold&lt;/b&gt; &lt;/div&gt;");
  assert_text_block (blocks, 1, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "Inline &lt;span foreground=&quot;red&quot;&gt;red&lt;/span&gt; &amp; "
                     "&lt;script&gt;x&lt;/script&gt;");
  assert_text_block (blocks, 2, HEARTH_MARKDOWN_PARAGRAPH, 0, "&lt; &amp; A B © &amp;bogus;");
}

static void
test_rule_and_control_characters (void)
{
  g_autoptr(GPtrArray) blocks = parse ("a\x01z\n\n***\n\nbad \xff utf8");

  g_assert_cmpuint (blocks->len, ==, 3);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0, "a\xEF\xBF\xBDz");
  g_assert_cmpint (block_at (blocks, 1)->kind, ==, HEARTH_MARKDOWN_RULE);
  assert_text_block (blocks, 2, HEARTH_MARKDOWN_PARAGRAPH, 0, "bad \xEF\xBF\xBD utf8");
}

/* A list item that starts with code still shows its marker. */
static void
test_item_starting_with_code (void)
{
  g_autoptr(GPtrArray) blocks = parse ("1. ```sh\n   ls\n   ```\n");

  g_assert_cmpuint (blocks->len, ==, 2);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_LIST_ITEM, 1, "1.");
  g_assert_cmpstr (block_at (blocks, 1)->code, ==, "ls\n");
}

static void
test_plain (void)
{
  g_autoptr(GPtrArray) blocks = hearth_markdown_plain ("# not a *heading* <b>\n- nor a list");

  g_assert_cmpuint (blocks->len, ==, 1);
  assert_text_block (blocks, 0, HEARTH_MARKDOWN_PARAGRAPH, 0,
                     "# not a *heading* &lt;b&gt;\n- nor a list");
}

static void
test_equal (void)
{
  g_autoptr(GPtrArray) a = parse ("Text\n\n```c\nx\n```\n\n| a |\n|---|\n| b |\n");
  g_autoptr(GPtrArray) b = parse ("Text\n\n```c\nx\n```\n\n| a |\n|---|\n| b |\n");
  g_autoptr(GPtrArray) c = parse ("Text\n\n```c\ny\n```\n\n| a |\n|---|\n| c |\n");

  g_assert_cmpuint (a->len, ==, 3);
  for (guint i = 0; i < a->len; i++)
    g_assert_true (hearth_markdown_block_equal (a->pdata[i], b->pdata[i]));
  g_assert_true (hearth_markdown_block_equal (a->pdata[0], c->pdata[0]));
  g_assert_false (hearth_markdown_block_equal (a->pdata[1], c->pdata[1]));
  g_assert_false (hearth_markdown_block_equal (a->pdata[2], c->pdata[2]));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/markdown/headings", test_headings);
  g_test_add_func ("/markdown/emphasis", test_emphasis);
  g_test_add_func ("/markdown/nested-lists", test_nested_lists);
  g_test_add_func ("/markdown/loose-list", test_loose_list);
  g_test_add_func ("/markdown/quote", test_quote);
  g_test_add_func ("/markdown/code-span", test_code_span);
  g_test_add_func ("/markdown/fenced-code", test_fenced_code);
  g_test_add_func ("/markdown/incomplete-fence", test_incomplete_fence);
  g_test_add_func ("/markdown/table", test_table);
  g_test_add_func ("/markdown/links", test_links);
  g_test_add_func ("/markdown/image", test_image);
  g_test_add_func ("/markdown/html-escaped", test_html_escaped);
  g_test_add_func ("/markdown/rule-and-control-characters", test_rule_and_control_characters);
  g_test_add_func ("/markdown/item-starting-with-code", test_item_starting_with_code);
  g_test_add_func ("/markdown/span-left-open", test_span_left_open);
  g_test_add_func ("/markdown/plain", test_plain);
  g_test_add_func ("/markdown/equal", test_equal);
  return g_test_run ();
}
