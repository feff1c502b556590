#define G_LOG_DOMAIN "hearth-bench"

/* Markdown parsing cost while an answer streams: the chat view re-parses
 * the whole answer at every batch of text, so this times the parse of a
 * long answer (about 16 KB, some 4,000 tokens: prose, lists, a table and
 * code) and of every prefix of it in 64-byte steps, as a stream of
 * batches would deliver it.  Prints CPU milliseconds.  Not a test: nothing
 * here can fail on speed. */

#include <time.h>

#include "hearth-markdown.h"

#define TARGET_BYTES (16 * 1024)
#define BATCH_BYTES 64
#define REPEATS 20

static const char section[] =
  "## Step %u\n\n"
  "First, **open** the file with `fopen` and check the *result*; see the "
  "[manual](https://man7.org/linux/man-pages/man3/fopen.3.html) for the modes.\n\n"
  "- read the header\n- check the magic number\n  - 4 bytes, little endian\n\n"
  "| field | size | meaning |\n|---|---:|---|\n| magic | 4 | `GGUF` |\n| version | 4 | format version |\n\n"
  "```c\nFILE *file = fopen (path, \"rb\");\nif (file == NULL)\n  return -1;\n"
  "for (int i = 0; i < n && x[i] < 10; i++)\n  sum += x[i];\n```\n\n";

static double
cpu_ms (void)
{
  return (double) clock () * 1000.0 / CLOCKS_PER_SEC;
}

int
main (void)
{
  g_autoptr(GString) answer = g_string_new (NULL);
  gsize n_prefixes = 0;
  double start, whole, streamed;

  for (guint i = 1; answer->len < TARGET_BYTES; i++)
    g_string_append_printf (answer, section, i);

  start = cpu_ms ();
  for (guint r = 0; r < REPEATS; r++)
    g_ptr_array_unref (hearth_markdown_parse (answer->str));
  whole = (cpu_ms () - start) / REPEATS;

  start = cpu_ms ();
  for (gsize end = BATCH_BYTES; end < answer->len + BATCH_BYTES; end += BATCH_BYTES, n_prefixes++)
    {
      g_autofree char *prefix = g_strndup (answer->str, MIN (end, answer->len));
      g_ptr_array_unref (hearth_markdown_parse (prefix));
    }
  streamed = cpu_ms () - start;

  g_print ("answer: %" G_GSIZE_FORMAT " bytes\n", answer->len);
  g_print ("one parse of the whole answer: %.3f ms CPU\n", whole);
  g_print ("%" G_GSIZE_FORMAT " parses, one per %d-byte batch: %.1f ms CPU in all, %.3f ms per batch\n",
           n_prefixes, BATCH_BYTES, streamed, streamed / (double) n_prefixes);
  return 0;
}
