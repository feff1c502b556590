#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli: the engine without the window, for scripts, tests and
 * benchmarks. Each subcommand lives in its own cli-*.c file. */

#include <glib.h>
#include <glib/gi18n-lib.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "hearth-cli.h"

typedef struct {
  const char *name;
  const char *summary;
  HearthCliCommand run;
} CliEntry;

static const CliEntry commands[] = {
  { "info", "Describe a GGUF model (-m FILE) and the Vulkan devices", hearth_cli_info },
  { "tokenize", "Print the token ids of a text (-m FILE TEXT or -f TEXTFILE)", hearth_cli_tokenize },
  { "detokenize", "Print the text of token ids (-m FILE ID...)", hearth_cli_detokenize },
  { "chat-template", "Render a conversation through a chat template", hearth_cli_chat_template },
  { "logits", "Print a model's top logits for a prompt or token ids", hearth_cli_logits },
  { "generate", "Generate text from a prompt (-m FILE -p PROMPT)", hearth_cli_generate },
  { "bench", "Measure prompt and generation speed (llama-bench style)", hearth_cli_bench },
  { "make-model", "Write a random-weight Llama GGUF of a real model's shape", hearth_cli_make_model },
  { "embed-image", "Image embeddings of a SmolVLM projector (--mmproj, -m, --image, --out)", hearth_cli_embed_image },
  /* the frames SmolVLM2 reads from a video */
  { "video-frames", "The frames and prompt text of a video for SmolVLM2 (-m, --mmproj, --video [--json])", hearth_cli_video_frames },
  /* catalog */
  { "models", "List the GGUF models found on disk ([--json] [DIR...])", hearth_cli_models },
  { "index", "Describe the photos of folders for search (-m TEXT.gguf --mmproj MMPROJ.gguf DIR...)", hearth_cli_index },
  { "search", "Search indexed photos by description (QUERY)", hearth_cli_search },
  { NULL, NULL, NULL },
};

static int
print_usage (FILE *stream)
{
  fprintf (stream, "Usage: hearth-cli COMMAND [OPTIONS]\n\nCommands:\n");
  for (const CliEntry *c = commands; c->name != NULL; c++)
    fprintf (stream, "  %-14s %s\n", c->name, c->summary);
  fprintf (stream, "\nRun 'hearth-cli COMMAND --help' for a command's options.\n");
  return stream == stdout ? 0 : 2;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  /* translated messages */
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  if (argc < 2)
    return print_usage (stderr);
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "help") == 0)
    return print_usage (stdout);

  for (const CliEntry *c = commands; c->name != NULL; c++)
    if (strcmp (argv[1], c->name) == 0)
      return c->run (argc - 1, argv + 1);

  fprintf (stderr, "hearth-cli: unknown command '%s'\n\n", argv[1]);
  return print_usage (stderr);
}
