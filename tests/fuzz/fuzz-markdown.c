#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-markdown: any bytes as a model's answer, through the Markdown
 * renderer's parse (md4c and our walk), the part of ui/hearth-markdown.c
 * that needs no display. Every block's markup must be Pango markup that
 * parses, or a label would show an error instead of the answer. */

#include <pango/pango.h>

#include "fuzz-util.h"
#include "hearth-markdown.h"

static GRegex *link_tag;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  link_tag = g_regex_new ("<(/?)a(?: href=\"[^\"<>]*\")?>", G_REGEX_OPTIMIZE, 0, NULL);
  return 0;
}

/* GtkLabel takes <a href="..."> out itself and gives the rest to Pango. */
static void
check_markup (const char *markup)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *without_links = NULL;

  g_assert (markup != NULL && g_utf8_validate (markup, -1, NULL));
  without_links = g_regex_replace (link_tag, markup, -1, 0, "<\\1span>", 0, &error);
  g_assert_no_error (error);
  if (!pango_parse_markup (without_links, -1, 0, NULL, NULL, NULL, &error))
    g_error ("not Pango markup (%s): %s", error->message, markup);
}

static void
check_blocks (GPtrArray *blocks)
{
  for (guint i = 0; i < blocks->len; i++)
    {
      const HearthMarkdownBlock *block = g_ptr_array_index (blocks, i);
      switch (block->kind)
        {
        case HEARTH_MARKDOWN_CODE:
          g_assert (block->code != NULL && g_utf8_validate (block->code, -1, NULL));
          g_assert (block->language == NULL || g_utf8_validate (block->language, -1, NULL));
          break;
        case HEARTH_MARKDOWN_TABLE:
          g_assert (block->n_columns > 0 && block->cells->len % block->n_columns == 0);
          for (guint c = 0; c < block->cells->len; c++)
            check_markup (g_ptr_array_index (block->cells, c));
          break;
        case HEARTH_MARKDOWN_RULE:
          break;
        default:
          check_markup (block->markup);
        }
      g_assert (hearth_markdown_block_equal (block, block));
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (GPtrArray) blocks = hearth_markdown_parse (text);
  g_autoptr (GPtrArray) plain = hearth_markdown_plain (text);

  check_blocks (blocks);
  check_blocks (plain);
  return 0;
}
