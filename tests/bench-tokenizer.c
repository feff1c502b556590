#define G_LOG_DOMAIN "hearth-bench"

/* Tokenizer throughput: 1 MB of generated English prose, C code and CJK
 * text through the 128k-token Llama 3 byte-level vocabulary. Prints MB/s
 * by wall clock and by CPU time (the build machine is shared, so CPU time
 * is the steadier figure). Not a test: nothing here can fail on speed. */

#include <string.h>
#include <time.h>

#include "gguf.h"
#include "tokenizer.h"

#define TARGET_BYTES (1024 * 1024)

static const char *const english[] = {
  "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "and", "while", "Hearth",
  "tokenizer", "runs", "offline", "on", "your", "desktop,", "it's", "privacy-first.", "Models",
  "answer", "questions", "about", "1984", "or", "3.14159", "quickly!", "Don't", "worry:",
};
static const char *const code[] = {
  "for (int i = 0; i < n; i++) {\n", "    sum += x[i] * w[i];\n", "}\n",
  "static gboolean\nload_tokens (HearthTokenizer *tok)\n", "  return g_steal_pointer (&tok);\n",
  "def forward(self, x):\n    return self.norm(x) @ self.w\n", "\t\t// TODO: fuse the kernels\n",
};
static const char *const cjk[] = {
  "你好，世界。", "今日は良い天気ですね。", "안녕하세요 ", "机器学习模型", "東京タワー", "汉字和かな混在テキスト。",
};

static char *
generate_text (gsize *len)
{
  GString *s = g_string_new (NULL);
  GRand *rand = g_rand_new_with_seed (42);

  while (s->len < TARGET_BYTES)
    {
      guint kind = g_rand_int_range (rand, 0, 10);
      if (kind < 6)
        {
          g_string_append (s, english[g_rand_int_range (rand, 0, G_N_ELEMENTS (english))]);
          g_string_append_c (s, g_rand_int_range (rand, 0, 12) == 0 ? '\n' : ' ');
        }
      else if (kind < 8)
        g_string_append (s, code[g_rand_int_range (rand, 0, G_N_ELEMENTS (code))]);
      else
        g_string_append (s, cjk[g_rand_int_range (rand, 0, G_N_ELEMENTS (cjk))]);
    }
  g_rand_free (rand);
  *len = s->len;
  return g_string_free (s, FALSE);
}

int
main (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *path = NULL;
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (HearthTokenizer) tok = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autofree char *text = NULL;
  gsize len;
  gint64 t0, t1, t2, t3;
  clock_t c0;
  double mb, cpu_s;

  if (shared == NULL)
    {
      g_print ("bench-tokenizer: HEARTH_SHARED_DIR not set; skipped\n");
      return 77;
    }
  path = g_build_filename (shared, "fixtures", "tokenizer", "ggml-vocab-llama3.gguf", NULL);
  t0 = g_get_monotonic_time ();
  file = gguf_file_open (path, &error);
  if (file != NULL)
    tok = hearth_tokenizer_new_from_gguf (file, &error);
  if (tok == NULL)
    {
      g_printerr ("bench-tokenizer: %s\n", error->message);
      return 1;
    }
  t1 = g_get_monotonic_time ();
  text = generate_text (&len);
  t2 = g_get_monotonic_time ();
  c0 = clock ();
  if (!hearth_tokenizer_encode (tok, text, len, FALSE, FALSE, ids, &error))
    {
      g_printerr ("bench-tokenizer: %s\n", error->message);
      return 1;
    }
  cpu_s = (double) (clock () - c0) / CLOCKS_PER_SEC;
  t3 = g_get_monotonic_time ();
  mb = (double) len / (1024.0 * 1024.0);
  g_print ("vocab load: %.1f ms wall (128256 tokens, 280147 merges)\n", (t1 - t0) / 1000.0);
  g_print ("encode: %.2f MB (%u tokens) in %.1f ms wall = %.2f MB/s; %.1f ms CPU = %.2f MB/s\n",
           mb, ids->len, (t3 - t2) / 1000.0, mb / ((t3 - t2) / 1e6), cpu_s * 1000.0, mb / cpu_s);
  return 0;
}
