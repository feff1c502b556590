#define G_LOG_DOMAIN "hearth-test"

/* Our tokenizer against the reference ids in ../shared/fixtures/tokenizer:
 * every case of every vocabulary that has a .gguf and an .inp/.out pair
 * (Hugging Face's encode(add_special_tokens=False), or llama.cpp's
 * llama-tokenize for llama3/smolvlm), encoded with add_special = FALSE and
 * parse_special = FALSE. Also: decode(encode(x)) == x for each case, and
 * the prompt ids and generated pieces recorded with real models in
 * ../shared/fixtures/reference (add_special = TRUE: BOS as the vocabulary
 * asks, e.g. none for smollm-tiny). */

#include <json-glib/json-glib.h>
#include <string.h>

#include "gguf.h"
#include "tokenizer.h"

#define SEPARATOR "\n__ggml_vocab_test__\n"

/* Vocabularies we refuse on purpose; their pairs must fail to load with
 * UNSUPPORTED rather than be skipped silently. */
static const char *const unsupported[] = { "bert-bge", NULL };

/* Pairs that run against a differently named vocabulary. */
static const char *const aliases[][2] = { { "llama-bpe", "llama3" } };

static const char *
fixtures_dir (void)
{
  static char *dir = NULL;
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");

  if (dir == NULL && shared != NULL)
    dir = g_build_filename (shared, "fixtures", "tokenizer", NULL);
  return dir;
}

/* A fixture pair: dir/ggml-vocab-<name>.gguf.inp and .out. Pairs of a
 * pre-tokenizer still under review sit in their model's fixture folder
 * (../shared/fixtures/llama4) rather than in fixtures/tokenizer. */
typedef struct {
  char *dir;
  char *name;
} VocabPair;

static void
vocab_pair_free (gpointer data)
{
  VocabPair *pair = data;

  g_free (pair->dir);
  g_free (pair->name);
  g_free (pair);
}

static char *
vocab_path (const char *dir, const char *name)
{
  g_autofree char *file = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (strcmp (name, aliases[i][0]) == 0)
      name = aliases[i][1];
  file = g_strdup_printf ("ggml-vocab-%s.gguf", name);
  return g_build_filename (dir, file, NULL);
}

/* The cases of an .inp file: split on the separator, which also ends the
 * file, so the piece after the last separator is not a case. */
static GPtrArray *
read_cases (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  const char *pos, *end, *sep;
  g_autoptr (GError) error = NULL;

  if (!g_file_get_contents (path, &data, &len, &error))
    g_error ("%s", error->message);
  pos = data, end = data + len;
  while ((sep = memmem (pos, end - pos, SEPARATOR, strlen (SEPARATOR))) != NULL)
    {
      g_ptr_array_add (cases, g_bytes_new (pos, sep - pos));
      pos = sep + strlen (SEPARATOR);
    }
  g_assert_true (pos == end);
  return cases;
}

/* One GArray of gint32 per line of the .out file. */
static GPtrArray *
read_expected (const char *path)
{
  g_autofree char *data = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *expected = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr (GError) error = NULL;
  guint n_lines;

  if (!g_file_get_contents (path, &data, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (data, "\n", -1);
  n_lines = g_strv_length (lines);
  g_assert_cmpuint (n_lines, >, 0);
  g_assert_cmpstr (lines[n_lines - 1], ==, ""); /* every line ends with \n */
  for (guint i = 0; i + 1 < n_lines; i++)
    {
      g_auto (GStrv) fields = g_strsplit (g_strstrip (lines[i]), " ", -1);
      GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));
      for (guint k = 0; fields[k] != NULL; k++)
        {
          gint64 id;
          if (*fields[k] == '\0')
            continue;
          g_assert_true (g_ascii_string_to_signed (fields[k], 10, 0, G_MAXINT32, &id, NULL));
          gint32 id32 = (gint32) id;
          g_array_append_val (ids, id32);
        }
      g_ptr_array_add (expected, ids);
    }
  return expected;
}

static char *
format_ids (const GArray *ids)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (s, i ? " %d" : "%d", g_array_index (ids, gint32, i));
  return g_string_free (s, FALSE);
}

static gboolean
same_ids (const GArray *a, const GArray *b)
{
  return a->len == b->len && (a->len == 0 || memcmp (a->data, b->data, a->len * sizeof (gint32)) == 0);
}

static HearthTokenizer *
load (const char *path, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (path, error);

  return file ? hearth_tokenizer_new_from_gguf (file, error) : NULL;
}

static gboolean
is_unsupported (const char *name)
{
  return g_strv_contains (unsupported, name);
}

/* decode(encode(x)) == x for random strings made of the code points of
 * all cases (every script, emoji, space and control character in them). */
static guint
round_trip_shuffled (HearthTokenizer *tok, const char *name, GPtrArray *cases)
{
  g_autoptr (GArray) pool = g_array_new (FALSE, FALSE, sizeof (gunichar));
  g_autoptr (GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  guint failed = 0;

  for (guint c = 0; c < cases->len; c++)
    {
      gsize len;
      const char *text = g_bytes_get_data (cases->pdata[c], &len);
      for (const char *p = text; p != NULL && p < text + len; p = g_utf8_next_char (p))
        {
          gunichar u = g_utf8_get_char (p);
          g_array_append_val (pool, u);
        }
    }
  for (guint iter = 0; iter < 200 && pool->len > 0; iter++)
    {
      g_autoptr (GString) text = g_string_new (NULL);
      g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
      g_autofree char *decoded = NULL;
      guint n = g_rand_int_range (rand, 1, 60);

      for (guint i = 0; i < n; i++)
        g_string_append_unichar (text, g_array_index (pool, gunichar, g_rand_int_range (rand, 0, pool->len)));
      g_assert_true (hearth_tokenizer_encode (tok, text->str, text->len, TRUE, FALSE, ids, NULL));
      decoded = hearth_tokenizer_decode (tok, (const gint32 *) ids->data, ids->len, FALSE, NULL, NULL);
      if (strcmp (decoded, text->str) != 0)
        {
          g_autofree char *shown = g_strescape (text->str, NULL);
          g_autofree char *back = g_strescape (decoded, NULL);
          g_test_message ("%s: decode(encode(\"%s\")) gave \"%s\"", name, shown, back);
          failed++;
        }
    }
  return failed;
}

static void
test_pair (gconstpointer data)
{
  const VocabPair *pair = data;
  const char *name = pair->name;
  g_autofree char *gguf = vocab_path (pair->dir, name);
  g_autofree char *base = g_strdup_printf ("ggml-vocab-%s.gguf", name);
  g_autofree char *inp = g_strdup_printf ("%s/%s.inp", pair->dir, base);
  g_autofree char *out = g_strdup_printf ("%s/%s.out", pair->dir, base);
  g_autoptr (GPtrArray) cases = read_cases (inp);
  g_autoptr (GPtrArray) expected = read_expected (out);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = load (gguf, &error);
  guint failed = 0;

  g_assert_cmpuint (cases->len, ==, expected->len);
  if (is_unsupported (name))
    {
      g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
      g_test_message ("%s: not supported (%s); its %u cases are not run", name, error->message, cases->len);
      return;
    }
  g_assert_no_error (error);

  for (guint c = 0; c < cases->len; c++)
    {
      gsize len;
      const char *text = g_bytes_get_data (cases->pdata[c], &len);
      g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
      g_autofree char *decoded = NULL;
      gsize decoded_len = 0;

      g_assert_true (hearth_tokenizer_encode (tok, text, len, FALSE, FALSE, ids, &error));
      g_assert_no_error (error);
      if (!same_ids (ids, expected->pdata[c]))
        {
          g_autofree char *want = format_ids (expected->pdata[c]);
          g_autofree char *got = format_ids (ids);
          g_autofree char *copy = g_strndup (text, len);
          g_autofree char *shown = g_strescape (copy, NULL);
          g_test_message ("%s case %u \"%s\":\n  expected %s\n  got      %s", name, c, shown, want, got);
          failed++;
          continue;
        }
      decoded = hearth_tokenizer_decode (tok, (gint32 *) ids->data, ids->len, FALSE, &decoded_len, &error);
      g_assert_no_error (error);
      if (decoded_len != len || (len > 0 && memcmp (decoded, text, len) != 0))
        {
          g_autofree char *copy = g_strndup (text, len);
          g_autofree char *shown = g_strescape (copy, NULL);
          g_autofree char *back = g_strescape (decoded, NULL);
          g_test_message ("%s case %u: decode(encode(\"%s\")) gave \"%s\"", name, c, shown, back);
          failed++;
        }
    }
  failed += round_trip_shuffled (tok, name, cases);
  if (failed > 0)
    {
      g_test_message ("%s: %u of %u cases differ", name, failed, cases->len);
      g_test_fail ();
    }
}

/* Vocabularies without a pair still have to load. */
static void
test_load_only (gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = load (data, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (hearth_tokenizer_n_vocab (tok), >, 0);
}

static void
compare_reference_case (HearthTokenizer *tok, const char *ref, JsonObject *c, guint index,
                        gboolean add_special, gboolean parse_special, guint *failed)
{
  const char *prompt = json_object_get_string_member (c, "prompt");
  JsonArray *want = json_object_get_array_member (c, "prompt_ids");
  /* only llama-ref-v1 records the pieces of its generated ids */
  JsonArray *gen_ids = json_object_has_member (c, "greedy_pieces")
                         ? json_object_get_array_member (c, "greedy_ids") : NULL;
  JsonArray *gen_pieces = gen_ids ? json_object_get_array_member (c, "greedy_pieces") : NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GArray) want_ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < json_array_get_length (want); i++)
    {
      gint32 id = (gint32) json_array_get_int_element (want, i);
      g_array_append_val (want_ids, id);
    }
  g_assert_true (hearth_tokenizer_encode (tok, prompt, -1, add_special, parse_special, ids, &error));
  if (!same_ids (ids, want_ids))
    {
      g_autofree char *w = format_ids (want_ids);
      g_autofree char *g = format_ids (ids);
      g_test_message ("%s case %u prompt ids:\n  expected %s\n  got      %s", ref, index, w, g);
      (*failed)++;
    }
  for (guint i = 0; gen_pieces != NULL && i < json_array_get_length (gen_ids); i++)
    {
      gsize len;
      const char *piece = hearth_tokenizer_token_to_piece (tok, (gint32) json_array_get_int_element (gen_ids, i),
                                                           FALSE, &len);
      const char *want_piece = json_array_get_string_element (gen_pieces, i);
      /* JSON holds text: the recorder wrote a lone byte such as 0x9B as U+FFFD */
      g_autofree char *shown = g_utf8_make_valid (piece, len);
      if (strcmp (shown, want_piece) != 0)
        {
          g_test_message ("%s case %u: piece of generated id %" G_GINT64_FORMAT " differs", ref, index,
                          json_array_get_int_element (gen_ids, i));
          (*failed)++;
        }
    }
}

/* A reference run of llama.cpp: schema llama-ref-v1 ("model_file" under
 * models/ or models/random/, "cases", add_special on, parse_special off) or
 * the other helpers' schema ("model" relative to shared, "results", the
 * flags spelled out in "tokenize"). */
static void
test_reference (gconstpointer data)
{
  const char *path = data;
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthTokenizer) tok = NULL;
  g_autofree char *model = NULL;
  gboolean add_special = TRUE, parse_special = FALSE;
  JsonObject *root;
  JsonArray *cases;
  guint failed = 0;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (root, "model_file"))
    {
      model = g_build_filename (shared, "models", json_object_get_string_member (root, "model_file"), NULL);
      if (!g_file_test (model, G_FILE_TEST_EXISTS))
        {
          g_free (model);
          model = g_build_filename (shared, "models", "random", json_object_get_string_member (root, "model_file"), NULL);
        }
      cases = json_object_get_array_member (root, "cases");
    }
  else
    {
      const char *how = json_object_get_string_member (root, "tokenize");
      /* "models/random/x.gguf (a note)": the path ends at the first space */
      g_auto (GStrv) words = g_strsplit (json_object_get_string_member (root, "model"), " ", 2);
      add_special = strstr (how, "add_special=true") != NULL;
      parse_special = strstr (how, "parse_special=true") != NULL;
      model = g_build_filename (shared, words[0], NULL);
      cases = json_object_get_array_member (root, "results");
    }
  if (!g_file_test (model, G_FILE_TEST_EXISTS))
    {
      g_autofree char *message = g_strdup_printf ("%s: its model %s is not in shared", path, model);
      g_test_skip (message);
      return;
    }
  tok = load (model, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    compare_reference_case (tok, path, json_array_get_object_element (cases, i), i,
                            add_special, parse_special, &failed);
  if (failed > 0)
    g_test_fail ();
}

static gboolean
is_reference_run (const char *contents)
{
  return strstr (contents, "\"llama-ref-v1\"") != NULL
         || (strstr (contents, "\"tokenize\": \"llama_tokenize(") != NULL
             && strstr (contents, "\"prompt_ids\"") != NULL);
}

static void
add_reference_dir (const char *dir, const char *prefix)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    {
      char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *contents = NULL;
      g_autofree char *test_path = g_strdup_printf ("/tokenizer/reference/%s%s", prefix, entry);

      if (g_str_has_suffix (entry, ".json") && g_file_get_contents (path, &contents, NULL, NULL)
          && is_reference_run (contents))
        g_test_add_data_func_full (test_path, path, test_reference, g_free);
      else
        g_free (path);
    }
}

static void
add_reference_tests (const char *shared)
{
  g_autofree char *dir = g_build_filename (shared, "fixtures", "reference", NULL);
  g_autofree char *vlm = g_build_filename (dir, "vlm", NULL);

  add_reference_dir (dir, "");
  add_reference_dir (vlm, "vlm/");
}

static void
test_no_shared (void)
{
  g_test_skip ("HEARTH_SHARED_DIR is not set or has no fixtures/tokenizer; conformance not run");
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
add_tests (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  while ((entry = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (entry, "ggml-vocab-") && (g_str_has_suffix (entry, ".gguf.inp")
                                                    || g_str_has_suffix (entry, ".gguf")))
      g_ptr_array_add (names, g_strdup (entry));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = names->pdata[i];
      g_autofree char *full = g_build_filename (dir, file, NULL);

      if (g_str_has_suffix (file, ".gguf.inp"))
        {
          VocabPair *pair = g_new0 (VocabPair, 1);
          g_autofree char *gguf = NULL;
          g_autofree char *path = NULL;

          pair->dir = g_strdup (dir);
          pair->name = g_strndup (file + strlen ("ggml-vocab-"), strlen (file) - strlen ("ggml-vocab-.gguf.inp"));
          gguf = vocab_path (dir, pair->name);
          path = g_strdup_printf ("/tokenizer/conformance/%s", pair->name);
          if (!g_file_test (gguf, G_FILE_TEST_EXISTS))
            {
              g_test_message ("%s: no vocabulary GGUF in the fixtures; its pair cannot be run", pair->name);
              vocab_pair_free (pair);
              continue;
            }
          g_test_add_data_func_full (path, pair, test_pair, vocab_pair_free);
        }
      else
        {
          g_autofree char *inp = g_strconcat (full, ".inp", NULL);
          g_autofree char *path = g_strdup_printf ("/tokenizer/load/%s", file);
          if (!g_file_test (inp, G_FILE_TEST_EXISTS) && !strstr (file, "llama3") && !strstr (file, "bert"))
            g_test_add_data_func_full (path, g_steal_pointer (&full), test_load_only, g_free);
        }
    }
}

int
main (int argc, char **argv)
{
  const char *dir;

  g_test_init (&argc, &argv, NULL);
  dir = fixtures_dir ();
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    g_test_add_func ("/tokenizer/conformance", test_no_shared);
  else
    {
      g_autofree char *llama4 = g_build_filename (g_getenv ("HEARTH_SHARED_DIR"), "fixtures", "llama4", NULL);

      add_tests (dir);
      if (g_file_test (llama4, G_FILE_TEST_IS_DIR))
        add_tests (llama4);
      add_reference_tests (g_getenv ("HEARTH_SHARED_DIR"));
    }
  return g_test_run ();
}
