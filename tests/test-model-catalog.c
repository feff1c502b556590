#define G_LOG_DOMAIN "hearth-test"

/* Model catalog: a fake home folder with every place models hide in
 * (Hearth's folder, a user folder, the llama.cpp cache, LM Studio, Ollama),
 * filled with tiny GGUF files written here, plus the traps a real disk has
 * (a corrupt file, a symlink loop, a hidden folder). */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model-catalog.h"

/* ---- A tiny GGUF writer ------------------------------------------------- */

#define N_EMBD 256
#define N_VOCAB 100
#define N_LAYER 2
#define N_HEAD 4
#define N_HEAD_KV 2
#define N_FF 128
#define N_CTX_TRAIN 256

typedef struct {
  const char *arch;            /* general.architecture */
  const char *name;            /* general.name, NULL for none */
  int         file_type;       /* general.file_type, -1 for none */
  guint32     tensor_type;     /* type of the one matrix */
  guint32     matrix_bytes;    /* its size in that type */
  const char *projector_type;  /* clip only */
  guint32     split_count;     /* split.count, 0 for none */
  const char *rope_scaling;    /* <arch>.rope.scaling.type, NULL for none */
  guint32     width;           /* <arch>.embedding_length, or clip.vision.projection_dim;
                                * 0: N_EMBD (the tensors keep N_EMBD: the catalog reads
                                * no shapes) */
} FakeModel;

static void put_u32 (GByteArray *b, guint32 v) { guint32 le = GUINT32_TO_LE (v); g_byte_array_append (b, (guint8 *) &le, 4); }
static void put_u64 (GByteArray *b, guint64 v) { guint64 le = GUINT64_TO_LE (v); g_byte_array_append (b, (guint8 *) &le, 8); }

static void
put_string (GByteArray *b, const char *s)
{
  put_u64 (b, strlen (s));
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

static void
put_kv_string (GByteArray *b, const char *key, const char *value)
{
  put_string (b, key);
  put_u32 (b, 8 /* STRING */);
  put_string (b, value);
}

static void
put_kv_u32 (GByteArray *b, const char *arch, const char *suffix, guint32 value)
{
  g_autofree char *key = arch != NULL ? g_strconcat (arch, ".", suffix, NULL) : g_strdup (suffix);

  put_string (b, key);
  put_u32 (b, 4 /* UINT32 */);
  put_u32 (b, value);
}

static void
put_tensor_info (GByteArray *b, const char *name, guint64 ne0, guint64 ne1, guint32 type, guint64 offset)
{
  put_string (b, name);
  put_u32 (b, ne1 > 1 ? 2 : 1);
  put_u64 (b, ne0);
  if (ne1 > 1)
    put_u64 (b, ne1);
  put_u32 (b, type);
  put_u64 (b, offset);
}

/* Two tensors: a matrix [N_EMBD, N_VOCAB] of the model's type and an F32
 * norm vector [N_EMBD]; a clip projector has the matrix only. */
static void
write_fake_model (const char *path, const FakeModel *m)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();
  gboolean clip = strcmp (m->arch, "clip") == 0;
  guint64 n_kv = 1 + (m->name != NULL) + (m->file_type >= 0) + (m->split_count > 0) + (m->rope_scaling != NULL) +
                 (clip ? 2 : 8);
  guint64 norm_offset = G_GUINT64_CONSTANT (32) * ((m->matrix_bytes + 31) / 32);
  g_autoptr (GError) error = NULL;
  guint header_len;

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  put_u32 (b, 3);
  put_u64 (b, clip ? 1 : 2);
  put_u64 (b, n_kv);
  put_kv_string (b, "general.architecture", m->arch);
  if (m->name != NULL)
    put_kv_string (b, "general.name", m->name);
  if (m->file_type >= 0)
    put_kv_u32 (b, NULL, "general.file_type", m->file_type);
  if (m->split_count > 0)
    put_kv_u32 (b, NULL, "split.count", m->split_count);
  if (m->rope_scaling != NULL)
    {
      g_autofree char *key = g_strconcat (m->arch, ".rope.scaling.type", NULL);

      put_kv_string (b, key, m->rope_scaling);
    }
  if (clip)
    {
      put_kv_string (b, "clip.projector_type", m->projector_type);
      put_kv_u32 (b, NULL, "clip.vision.projection_dim", m->width > 0 ? m->width : N_EMBD);
    }
  else
    {
      put_kv_u32 (b, m->arch, "block_count", N_LAYER);
      put_kv_u32 (b, m->arch, "context_length", N_CTX_TRAIN);
      put_kv_u32 (b, m->arch, "embedding_length", m->width > 0 ? m->width : N_EMBD);
      put_kv_u32 (b, m->arch, "attention.head_count", N_HEAD);
      put_kv_u32 (b, m->arch, "attention.head_count_kv", N_HEAD_KV);
      put_kv_u32 (b, m->arch, "feed_forward_length", N_FF);
      put_kv_u32 (b, m->arch, "vocab_size", N_VOCAB);
      put_kv_u32 (b, m->arch, "rope.dimension_count", N_EMBD / N_HEAD);
    }
  put_tensor_info (b, "token_embd.weight", N_EMBD, N_VOCAB, m->tensor_type, 0);
  if (!clip)
    put_tensor_info (b, "output_norm.weight", N_EMBD, 1, 0 /* F32 */, norm_offset);
  while (b->len % 32 != 0)
    g_byte_array_append (b, (const guint8 *) "", 1);
  header_len = b->len;
  g_byte_array_set_size (b, header_len + norm_offset + (clip ? 0 : N_EMBD * 4));
  memset (b->data + header_len, 0, b->len - header_len);  /* the tensor data */

  g_file_set_contents (path, (const char *) b->data, b->len, &error);
  g_assert_no_error (error);
}

/* Bytes of the N_EMBD x N_VOCAB matrix per type. */
#define BYTES_F16    (N_EMBD * N_VOCAB * 2)
#define BYTES_Q8_0   (N_EMBD * N_VOCAB / 32 * 34)
#define BYTES_Q4_K   (N_EMBD * N_VOCAB / 256 * 144)
#define BYTES_IQ2XXS (N_EMBD * N_VOCAB / 256 * 66)

static const FakeModel llama_q8 = { "llama", NULL, 7, 8, BYTES_Q8_0, NULL };
static const FakeModel projector = { "clip", "SmolTest projector", 1, 1, BYTES_F16, "idefics3" };

/* ---- The fake home ------------------------------------------------------ */

typedef struct {
  char *root;
  char *home;
  char *data;
  char *user;
} FakeHome;

static char *
fake_file (FakeHome *h, const char *relative)
{
  char *path = g_build_filename (h->root, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return path;
}

static void
add_model (FakeHome *h, const char *relative, const FakeModel *m)
{
  g_autofree char *path = fake_file (h, relative);

  write_fake_model (path, m);
}

static const char model_digest[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char projector_digest[] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

static void
add_ollama (FakeHome *h)
{
  g_autofree char *manifest = fake_file (h, "home/.ollama/models/manifests/registry.ollama.ai/library/eps/latest");
  g_autofree char *json = g_strdup_printf (
    "{\"schemaVersion\":2,\"layers\":["
    "{\"mediaType\":\"application/vnd.ollama.image.model\",\"digest\":\"sha256:%s\",\"size\":1},"
    "{\"mediaType\":\"application/vnd.ollama.image.projector\",\"digest\":\"sha256:%s\",\"size\":1},"
    "{\"mediaType\":\"application/vnd.ollama.image.template\",\"digest\":\"sha256:%s\",\"size\":1}]}",
    model_digest, projector_digest, projector_digest);
  g_autofree char *bad = fake_file (h, "home/.ollama/models/manifests/registry.ollama.ai/library/broken/latest");
  g_autofree char *model_blob = g_strconcat ("home/.ollama/models/blobs/sha256-", model_digest, NULL);
  g_autofree char *projector_blob = g_strconcat ("home/.ollama/models/blobs/sha256-", projector_digest, NULL);
  const FakeModel eps = { "llama", "Eps", 1, 1, BYTES_F16, NULL };

  g_assert_true (g_file_set_contents (manifest, json, -1, NULL));
  g_assert_true (g_file_set_contents (bad, "{\"layers\": 7", -1, NULL));
  add_model (h, model_blob, &eps);
  add_model (h, projector_blob, &projector);
}

static void
fake_home_init (FakeHome *h)
{
  const FakeModel alpha = { "llama", "Alpha", 7, 8, BYTES_Q8_0, NULL };
  const FakeModel other = { "llama", "Other", 1, 1, BYTES_F16, NULL, 0, "yarn" };
  const FakeModel beta = { "llama", "Beta", 15, 12, BYTES_Q4_K, NULL };
  const FakeModel gamma = { "llama", "Gamma", -1, 16, BYTES_IQ2XXS, NULL };
  const FakeModel delta = { "qwen2", "Delta", 1, 1, BYTES_F16, NULL };
  const FakeModel secret = { "llama", "Secret", 1, 1, BYTES_F16, NULL };
  const FakeModel split = { "llama", "Split", 1, 1, BYTES_F16, NULL, 2 };
  g_autofree char *corrupt = NULL;
  g_autofree char *loop = NULL;
  g_autofree char *self = NULL;
  g_autoptr (GError) error = NULL;

  h->root = g_dir_make_tmp ("hearth-catalog-XXXXXX", &error);
  g_assert_no_error (error);
  h->home = g_build_filename (h->root, "home", NULL);
  h->data = g_build_filename (h->root, "home", ".local", "share", NULL);
  h->user = g_build_filename (h->root, "user", NULL);

  add_model (h, "home/.local/share/hearth/models/alpha-Q8_0.gguf", &alpha);
  add_model (h, "user/vision/SmolTest-Q8_0.gguf", &llama_q8);
  add_model (h, "user/vision/mmproj-SmolTest-F16.gguf", &projector);
  add_model (h, "user/vision/other-F16.gguf", &other);
  add_model (h, "user/vision/mmproj-Unrelated-F16.gguf", &projector);
  add_model (h, "user/.hidden/secret.gguf", &secret);
  add_model (h, "user/split-00001-of-00002.gguf", &split);
  add_model (h, "user/split-00002-of-00002.gguf", &split);
  add_model (h, "home/.cache/llama.cpp/org_repo_beta-q4_k_m.gguf", &beta);
  add_model (h, "home/.lmstudio/models/pub/gamma-GGUF/gamma-IQ2_XXS.gguf", &gamma);
  add_model (h, "home/.cache/lm-studio/models/pub/delta-GGUF/delta-F16.gguf", &delta);
  add_ollama (h);

  corrupt = fake_file (h, "user/corrupt.gguf");
  g_assert_true (g_file_set_contents (corrupt, "GGUF\3\0\0\0 this is not a model", -1, NULL));
  loop = fake_file (h, "user/vision/loop");
  g_assert_cmpint (symlink ("..", loop), ==, 0);
  self = fake_file (h, "user/self");
  g_assert_cmpint (symlink ("self", self), ==, 0);
}

static void
fake_home_clear (FakeHome *h)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", h->root);

  g_assert_cmpint (system (command), ==, 0);
  g_free (h->root);
  g_free (h->home);
  g_free (h->data);
  g_free (h->user);
}

static GPtrArray *
fake_home_locations (FakeHome *h)
{
  /* The second user folder is inside the first: its files must not repeat.
   * The third is Ollama's store: its models must still be found as Ollama's. */
  g_autofree char *inner = g_build_filename (h->user, "vision", NULL);
  g_autofree char *ollama = g_build_filename (h->home, ".ollama", "models", NULL);
  const char *const user_dirs[] = { h->user, inner, ollama, NULL };

  g_unsetenv ("LLAMA_CACHE");
  g_unsetenv ("OLLAMA_MODELS");
  return hearth_model_catalog_default_locations (h->home, h->data, user_dirs);
}

static const HearthModelInfo *
find_model (GPtrArray *models, const char *name)
{
  for (guint i = 0; i < models->len; i++)
    {
      const HearthModelInfo *m = g_ptr_array_index (models, i);

      if (strcmp (m->name, name) == 0)
        return m;
    }
  g_test_message ("no model named %s", name);
  g_test_fail ();
  return NULL;
}

static void
assert_path_ends (const char *path, const char *suffix)
{
  if (path == NULL || !g_str_has_suffix (path, suffix))
    {
      g_test_message ("path %s does not end with %s", path ? path : "(null)", suffix);
      g_test_fail ();
    }
}

/* What the estimate must be for a fake model of matrix_bytes at N_CTX_TRAIN. */
static guint64
expected_memory (guint64 matrix_bytes)
{
  guint64 weights = matrix_bytes + N_EMBD * 4;
  guint64 kv = 2ull * N_LAYER * N_CTX_TRAIN * N_HEAD_KV * (N_EMBD / N_HEAD) * 2;
  guint64 scratch = N_VOCAB * 4 + 512ull * (4 * N_EMBD + 2 * N_FF) * 4;

  return weights + kv + scratch;
}

/* ---- Tests -------------------------------------------------------------- */

static void
check_fake_home_models (GPtrArray *models)
{
  const HearthModelInfo *m;

  g_assert_cmpuint (models->len, ==, 9);
  for (guint i = 0; i < models->len; i++)
    {
      const HearthModelInfo *m = g_ptr_array_index (models, i);
      g_autofree char *base = g_path_get_basename (m->path);

      g_assert_null (strstr (m->path, "/.hidden/"));
      g_assert_null (strstr (m->path, "/loop/"));
      g_assert_false (g_str_has_prefix (base, "mmproj"));
    }
  for (guint i = 1; i < models->len; i++)
    {
      const HearthModelInfo *a = g_ptr_array_index (models, i - 1);
      const HearthModelInfo *b = g_ptr_array_index (models, i);

      g_assert_cmpint (g_utf8_collate (a->name, b->name), <=, 0);
    }

  m = find_model (models, "Alpha");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_HEARTH);
  assert_path_ends (m->path, "/hearth/models/alpha-Q8_0.gguf");
  g_assert_cmpstr (m->architecture, ==, "llama");
  g_assert_cmpstr (m->quantization, ==, "Q8_0");
  g_assert_cmpuint (m->n_params, ==, N_EMBD * N_VOCAB + N_EMBD);
  g_assert_cmpuint (m->context_length, ==, N_CTX_TRAIN);
  g_assert_cmpuint (m->n_ctx, ==, N_CTX_TRAIN);
  g_assert_cmpuint (m->memory_estimate, ==, expected_memory (BYTES_Q8_0));
  g_assert_cmpuint (m->file_size, >, BYTES_Q8_0);
  g_assert_true (m->runnable);
  g_assert_null (m->unsupported_reason);
  g_assert_null (m->error);
  g_assert_false (hearth_model_info_has_vision (m));

  /* No general.name: the file name. A projector with the same base name. */
  m = find_model (models, "SmolTest-Q8_0");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_USER);
  assert_path_ends (m->mmproj_path, "/user/vision/mmproj-SmolTest-F16.gguf");
  g_assert_cmpstr (m->projector_type, ==, "idefics3");
  g_assert_true (hearth_model_info_has_vision (m));
  g_assert_cmpuint (m->memory_estimate, >, expected_memory (BYTES_Q8_0) + BYTES_F16);

  /* Two projectors, neither named like it: no vision. A rope scaling the
   * engine lacks. */
  m = find_model (models, "Other");
  g_assert_nonnull (m);
  g_assert_null (m->mmproj_path);
  g_assert_false (hearth_model_info_has_vision (m));
  g_assert_cmpstr (m->quantization, ==, "F16");
  g_assert_false (m->runnable);
  g_assert_nonnull (strstr (m->unsupported_reason, "yarn"));

  m = find_model (models, "corrupt");
  g_assert_nonnull (m);
  g_assert_nonnull (m->error);
  g_assert_nonnull (strstr (m->error, "corrupt.gguf"));
  g_assert_false (m->runnable);
  g_assert_null (m->architecture);

  /* Listed once, through its first part, and not runnable. */
  m = find_model (models, "Split");
  g_assert_nonnull (m);
  assert_path_ends (m->path, "/user/split-00001-of-00002.gguf");
  g_assert_false (m->runnable);
  g_assert_nonnull (strstr (m->unsupported_reason, "llama-gguf-split"));

  m = find_model (models, "Beta");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_LLAMA_CPP);
  g_assert_cmpstr (m->quantization, ==, "Q4_K - Medium");
  g_assert_true (m->runnable);

  /* No general.file_type: the dominant tensor type; a type Hearth lacks. */
  m = find_model (models, "Gamma");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_LM_STUDIO);
  g_assert_cmpstr (m->quantization, ==, "IQ2_XXS");
  g_assert_false (m->runnable);
  g_assert_nonnull (strstr (m->unsupported_reason, "IQ2_XXS"));
  g_assert_nonnull (strstr (m->unsupported_reason, "token_embd.weight"));

  m = find_model (models, "Delta");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_LM_STUDIO);
  g_assert_false (m->runnable);
  g_assert_nonnull (strstr (m->unsupported_reason, "qwen2"));

  m = find_model (models, "eps:latest");
  g_assert_nonnull (m);
  g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_OLLAMA);
  assert_path_ends (m->path, model_digest);
  assert_path_ends (m->mmproj_path, projector_digest);
  g_assert_true (hearth_model_info_has_vision (m));
  g_assert_true (m->runnable);
}

static void
test_scan_fake_home (void)
{
  FakeHome h;
  g_autoptr (GPtrArray) locations = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GError) error = NULL;

  fake_home_init (&h);
  locations = fake_home_locations (&h);
  models = hearth_model_catalog_scan (locations, 0, NULL, &error);
  g_assert_no_error (error);
  check_fake_home_models (models);
  fake_home_clear (&h);
}

static void
scan_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GPtrArray *
scan_async_and_wait (GPtrArray *locations, GCancellable *cancellable, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  hearth_model_catalog_scan_async (locations, 0, cancellable, scan_done, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return hearth_model_catalog_scan_finish (result, error);
}

static void
test_scan_async (void)
{
  FakeHome h;
  g_autoptr (GPtrArray) locations = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  fake_home_init (&h);
  locations = fake_home_locations (&h);
  models = scan_async_and_wait (locations, NULL, &error);
  g_assert_no_error (error);
  check_fake_home_models (models);

  g_cancellable_cancel (cancellable);
  g_assert_null (scan_async_and_wait (locations, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fake_home_clear (&h);
}

static void
test_locations (void)
{
  const char *const user_dirs[] = { "/u1", NULL };
  g_autoptr (GPtrArray) locations = NULL;
  static const struct { HearthModelSource source; const char *path; } expected[] = {
    { HEARTH_MODEL_SOURCE_HEARTH, "/d/hearth/models" },
    { HEARTH_MODEL_SOURCE_USER, "/u1" },
    { HEARTH_MODEL_SOURCE_LLAMA_CPP, "/llama-cache" },
    { HEARTH_MODEL_SOURCE_LM_STUDIO, "/h/.lmstudio/models" },
    { HEARTH_MODEL_SOURCE_LM_STUDIO, "/h/.cache/lm-studio/models" },
    { HEARTH_MODEL_SOURCE_OLLAMA, "/h/.ollama/models" },
  };

  g_setenv ("LLAMA_CACHE", "/llama-cache", TRUE);
  g_unsetenv ("OLLAMA_MODELS");
  locations = hearth_model_catalog_default_locations ("/h", "/d", user_dirs);
  g_assert_cmpuint (locations->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < locations->len; i++)
    {
      const HearthModelLocation *l = g_ptr_array_index (locations, i);

      g_assert_cmpint (l->source, ==, expected[i].source);
      g_assert_cmpstr (l->path, ==, expected[i].path);
    }
  g_ptr_array_unref (g_steal_pointer (&locations));

  g_setenv ("OLLAMA_MODELS", "/ollama", TRUE);
  locations = hearth_model_catalog_default_locations ("/h", "/d", NULL);
  g_assert_cmpstr (((HearthModelLocation *) g_ptr_array_index (locations, 4))->path, ==, "/ollama");
  g_unsetenv ("LLAMA_CACHE");
  g_unsetenv ("OLLAMA_MODELS");
}

/* Real files from ../shared: a SmolVLM text model with its projector. */
static void
test_shared_smolvlm (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  static const char *const files[] = { "smolvlm-tiny-text-f16.gguf", "smolvlm-tiny-mmproj-f16.gguf" };
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autoptr (GPtrArray) locations = NULL;
  g_autoptr (GPtrArray) models = NULL;
  const HearthModelInfo *m;

  for (gsize i = 0; shared != NULL && i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (shared, "models", "random", files[i], NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        shared = NULL;
    }
  if (shared == NULL)
    {
      g_test_skip ("needs HEARTH_SHARED_DIR with models/random/smolvlm-tiny-*.gguf");
      return;
    }

  dir = g_dir_make_tmp ("hearth-catalog-shared-XXXXXX", &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (shared, "models", "random", files[i], NULL);
      g_autofree char *to = g_build_filename (dir, files[i], NULL);
      g_autoptr (GFile) source = g_file_new_for_path (from);
      g_autoptr (GFile) target = g_file_new_for_path (to);

      g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }

  locations = hearth_model_catalog_default_locations (dir, dir, (const char *const[]) { dir, NULL });
  models = hearth_model_catalog_scan (locations, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 1);
  m = g_ptr_array_index (models, 0);
  g_assert_cmpstr (m->architecture, ==, "llama");
  g_assert_cmpstr (m->quantization, ==, "F16");
  g_assert_true (m->runnable);
  g_assert_true (hearth_model_info_has_vision (m));
  assert_path_ends (m->mmproj_path, files[1]);

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *to = g_build_filename (dir, files[i], NULL);

      g_assert_cmpint (g_unlink (to), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- Pairing projectors by width --------------------------------------- */

typedef struct {
  const char *file;
  FakeModel   model;
} FakeFile;

/* stories260K is a 64-wide Llama, SmolVLM2's text model 576 wide; the
 * 2.2B one is 2048 wide. "mmproj-model-f16.gguf" is a name people really
 * download projectors under. */
static const FakeFile mixed_folder[] = {
  { "mixed/stories260K.gguf", { "llama", "stories260K", 1, 1, BYTES_F16, NULL, 0, NULL, 64 } },
  { "mixed/SmolVLM2-256M-Video-Instruct-Q8_0.gguf", { "llama", NULL, 7, 8, BYTES_Q8_0, NULL, 0, NULL, 576 } },
  { "mixed/mmproj-model-f16.gguf", { "clip", NULL, 1, 1, BYTES_F16, "idefics3", 0, NULL, 576 } },
  /* Several that fit: the name decides; one named like Tiny that does not fit it. */
  { "several/SmolVLM2-2.2B-Instruct-Q4_K_M.gguf", { "llama", NULL, 15, 12, BYTES_Q4_K, NULL, 0, NULL, 2048 } },
  { "several/Tiny-F16.gguf", { "llama", NULL, 1, 1, BYTES_F16, NULL, 0, NULL, 64 } },
  { "several/mmproj-Other-2.2B-f16.gguf", { "clip", NULL, 1, 1, BYTES_F16, "idefics3", 0, NULL, 2048 } },
  { "several/mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf", { "clip", NULL, 7, 8, BYTES_Q8_0, "idefics3", 0, NULL, 2048 } },
  { "several/mmproj-Tiny-F16.gguf", { "clip", NULL, 1, 1, BYTES_F16, "idefics3", 0, NULL, 2048 } },
};

/* Model file -> the projector it must get (NULL: none). */
static const struct { const char *model; const char *projector; } expected_pairs[] = {
  { "mixed/stories260K.gguf", NULL },
  { "mixed/SmolVLM2-256M-Video-Instruct-Q8_0.gguf", "mixed/mmproj-model-f16.gguf" },
  { "several/SmolVLM2-2.2B-Instruct-Q4_K_M.gguf", "several/mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf" },
  { "several/Tiny-F16.gguf", NULL },
};

static char *
make_pairing_folders (void)
{
  g_autoptr (GError) error = NULL;
  char *root = g_dir_make_tmp ("hearth-catalog-pairs-XXXXXX", &error);

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (mixed_folder); i++)
    {
      g_autofree char *path = g_build_filename (root, mixed_folder[i].file, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
      write_fake_model (path, &mixed_folder[i].model);
    }
  return root;
}

static void
remove_tree (const char *root)
{
  g_autofree char *command = g_strdup_printf ("rm -rf '%s'", root);

  g_assert_cmpint (system (command), ==, 0);
}

static void
check_pair (const HearthModelInfo *m, const char *root, const char *projector)
{
  g_autofree char *expected = projector != NULL ? g_build_filename (root, projector, NULL) : NULL;

  g_test_message ("%s: projector %s", m->path, m->mmproj_path != NULL ? m->mmproj_path : "(none)");
  g_assert_null (m->error);
  g_assert_cmpstr (m->mmproj_path, ==, expected);
  g_assert_true (hearth_model_info_has_vision (m) == (projector != NULL));
}

/* The scan gives a projector only to the models it fits, the name deciding
 * among several that do. */
static void
test_pair_by_width (void)
{
  g_autofree char *root = make_pairing_folders ();
  g_autoptr (GPtrArray) locations = NULL;
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GError) error = NULL;

  g_unsetenv ("LLAMA_CACHE");
  g_unsetenv ("OLLAMA_MODELS");
  locations = hearth_model_catalog_default_locations (root, root, (const char *const[]) { root, NULL });
  models = hearth_model_catalog_scan (locations, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, G_N_ELEMENTS (expected_pairs));
  for (gsize i = 0; i < G_N_ELEMENTS (expected_pairs); i++)
    {
      g_autofree char *path = g_build_filename (root, expected_pairs[i].model, NULL);
      const HearthModelInfo *m = NULL;

      for (guint j = 0; j < models->len; j++)
        if (g_str_equal (((HearthModelInfo *) models->pdata[j])->path, path))
          m = models->pdata[j];
      g_assert_nonnull (m);
      check_pair (m, root, expected_pairs[i].projector);
    }
  remove_tree (root);
}

static void
describe_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* A model opened directly gets the projector the scan would give it: the
 * same rule, from the files beside it. Cancelled, nothing comes back. */
static void
test_describe_beside (void)
{
  g_autofree char *root = make_pairing_folders ();
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (expected_pairs); i++)
    {
      g_autofree char *path = g_build_filename (root, expected_pairs[i].model, NULL);
      g_autoptr (HearthModelInfo) m = hearth_model_catalog_describe (path, 0, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (m->source, ==, HEARTH_MODEL_SOURCE_USER);
      check_pair (m, root, expected_pairs[i].projector);
    }

  {
    g_autofree char *path = g_build_filename (root, expected_pairs[1].model, NULL);
    g_autoptr (GAsyncResult) result = NULL;
    g_autoptr (GAsyncResult) cancelled_result = NULL;
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    g_autoptr (HearthModelInfo) m = NULL;

    hearth_model_catalog_describe_async (path, 0, NULL, describe_done, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    m = hearth_model_catalog_describe_finish (result, &error);
    g_assert_no_error (error);
    check_pair (m, root, expected_pairs[1].projector);

    g_cancellable_cancel (cancellable);
    hearth_model_catalog_describe_async (path, 0, cancellable, describe_done, &cancelled_result);
    while (cancelled_result == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_null (hearth_model_catalog_describe_finish (cancelled_result, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
  remove_tree (root);
}

/* Runs hearth-cli models ARGS... with the fake home as $HOME; returns the exit status. */
static int
run_cli (FakeHome *h, const char *const *args, char **out)
{
  const char *cli = g_getenv ("HEARTH_CLI");
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_auto (GStrv) env = g_get_environ ();
  g_autoptr (GError) error = NULL;
  int status;

  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, (char *) "models");
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  env = g_environ_setenv (env, "HOME", h->home, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", h->data, TRUE);
  env = g_environ_setenv (env, "LC_ALL", "C", TRUE);
  env = g_environ_unsetenv (env, "LLAMA_CACHE");
  env = g_environ_unsetenv (env, "OLLAMA_MODELS");
  g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL, out, NULL, &status, &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static JsonObject *
json_model (JsonArray *models, const char *name)
{
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *m = json_array_get_object_element (models, i);

      if (g_strcmp0 (json_object_get_string_member (m, "name"), name) == 0)
        return m;
    }
  g_test_message ("no model named %s in the JSON", name);
  g_test_fail ();
  return NULL;
}

static void
test_cli (void)
{
  FakeHome h;
  g_autofree char *json = NULL;
  g_autofree char *text = NULL;
  g_autofree char *nothing = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *models;
  JsonObject *m;

  if (g_getenv ("HEARTH_CLI") == NULL)
    {
      g_test_skip ("needs HEARTH_CLI (run through meson test)");
      return;
    }
  fake_home_init (&h);

  g_assert_cmpint (run_cli (&h, (const char *const[]) { "--json", h.user, NULL }, &json), ==, 0);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  models = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (models), ==, 9);
  m = json_model (models, "eps:latest");
  g_assert_nonnull (m);
  g_assert_cmpstr (json_object_get_string_member (m, "source"), ==, "ollama");
  g_assert_true (json_object_get_boolean_member (m, "vision"));
  g_assert_true (json_object_get_boolean_member (m, "runnable"));
  m = json_model (models, "Alpha");
  g_assert_nonnull (m);
  g_assert_cmpstr (json_object_get_string_member (m, "quantization"), ==, "Q8_0");
  g_assert_cmpint (json_object_get_int_member (m, "memory_estimate"), ==, expected_memory (BYTES_Q8_0));
  m = json_model (models, "corrupt");
  g_assert_nonnull (m);
  g_assert_true (json_object_has_member (m, "error"));

  g_assert_cmpint (run_cli (&h, (const char *const[]) { h.user, NULL }, &text), ==, 0);
  g_assert_nonnull (strstr (text, "Alpha\n"));
  g_assert_nonnull (strstr (text, "Q4_K - Medium"));
  g_assert_nonnull (strstr (text, "IQ2_XXS"));

  g_assert_cmpint (run_cli (&h, (const char *const[]) { "--context", "-1", NULL }, &nothing), ==, 2);
  g_clear_pointer (&nothing, g_free);
  g_assert_cmpint (run_cli (&h, (const char *const[]) { "/nonexistent-folder", NULL }, &nothing), ==, 1);
  fake_home_clear (&h);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/catalog/locations", test_locations);
  g_test_add_func ("/catalog/scan-fake-home", test_scan_fake_home);
  g_test_add_func ("/catalog/scan-async", test_scan_async);
  g_test_add_func ("/catalog/shared-smolvlm", test_shared_smolvlm);
  g_test_add_func ("/catalog/cli", test_cli);
  g_test_add_func ("/catalog/pair-by-width", test_pair_by_width);
  g_test_add_func ("/catalog/describe-beside", test_describe_beside);
  return g_test_run ();
}
