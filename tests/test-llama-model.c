#define G_LOG_DOMAIN "hearth-test-llama"

/* llama_model_load: hyperparameters, tied output, progress, cancellation,
 * and the errors for files that lie. The bad files are stories260K.gguf
 * with one header field patched in a copy. */

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "gguf.h"
#include "llama-model-private.h"
#include "shared-test-util.h"

static HearthDevice *device;

static char *
model_path (const char *name)
{
  g_autofree char *relative = g_build_filename ("models", name, NULL);
  char *path = hearth_test_shared_path (relative);

  if (path == NULL)
    return NULL;
  if (device == NULL)
    {
      g_autoptr (GError) error = NULL;
      device = hearth_device_open (&error);
      g_assert_no_error (error);
    }
  return path;
}

static LlamaModel *
load (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (path, error);

  return file ? llama_model_load (device, file, NULL, NULL, cancellable, error) : NULL;
}

static void
test_config_stories (void)
{
  g_autofree char *path = model_path ("stories260K.gguf");
  g_autoptr (GError) error = NULL;
  g_autoptr (LlamaModel) model = NULL;
  const LlamaConfig *c;

  if (path == NULL)
    return;
  model = load (path, NULL, &error);
  g_assert_no_error (error);
  c = llama_model_get_config (model);
  g_assert_cmpstr (c->arch, ==, "llama");
  g_assert_cmpuint (c->n_layer, ==, 5);
  g_assert_cmpuint (c->n_embd, ==, 64);
  g_assert_cmpuint (c->n_ff, ==, 172);
  g_assert_cmpuint (c->n_head, ==, 8);
  g_assert_cmpuint (c->n_head_kv, ==, 4);
  g_assert_cmpuint (c->head_dim_k, ==, 8);
  g_assert_cmpuint (c->n_rot, ==, 8);
  g_assert_cmpuint (c->n_vocab, ==, 512);
  g_assert_cmpfloat (c->rope_freq_base, ==, 10000.0f);   /* no key: the default */
  g_assert_cmpfloat (c->rms_eps, ==, 1e-5f);
  /* An output.weight of its own: not tied. */
  g_assert_true (_llama_model_get_weights (model)->output.view.buffer != NULL);
  g_assert_false (_llama_model_get_weights (model)->output.view.offset ==
                  _llama_model_get_weights (model)->token_embd.view.offset &&
                  _llama_model_get_weights (model)->output.view.buffer ==
                  _llama_model_get_weights (model)->token_embd.view.buffer);
}

static void
count_progress (guint64 done, guint64 total, gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >, last[0]);
  g_assert_cmpuint (done, <=, total);
  last[0] = done;
  last[1] = total;
}

/* smollm-tiny: rope base 1e5, tied embeddings, progress up to the total. */
static void
test_config_smollm_tied (void)
{
  g_autofree char *path = model_path ("random/smollm-tiny-q4_k_m.gguf");
  g_autoptr (GError) error = NULL;
  g_autoptr (GgufFile) file = NULL;
  g_autoptr (LlamaModel) model = NULL;
  const LlamaWeights *w;
  guint64 progress[2] = { 0, 0 };

  if (path == NULL)
    return;
  file = gguf_file_open (path, &error);
  g_assert_no_error (error);
  model = llama_model_load (device, file, count_progress, progress, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (progress[0], ==, progress[1]);
  g_assert_cmpuint (progress[1], >, 12000000);   /* the tensors, not the vocabulary */

  g_assert_cmpfloat (llama_model_get_config (model)->rope_freq_base, ==, 100000.0f);
  g_assert_cmpuint (llama_model_get_config (model)->n_vocab, ==, 49152);
  w = _llama_model_get_weights (model);
  g_assert_true (w->output.view.buffer == w->token_embd.view.buffer);
  g_assert_cmpuint (w->output.view.offset, ==, w->token_embd.view.offset);
  g_assert_cmpint (w->output.type, ==, HVK_TYPE_Q6_K);
  g_assert_cmpint (w->layers[0].wq.type, ==, HVK_TYPE_Q4_K);
}

static void
test_cancelled (void)
{
  g_autofree char *path = model_path ("stories260K.gguf");
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (LlamaModel) model = NULL;

  if (path == NULL)
    return;
  g_cancellable_cancel (cancellable);
  model = load (path, cancellable, &error);
  g_assert_null (model);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
}

/* Copies stories260K.gguf with the first occurrence of `find` in its
 * header replaced by `replace` (same length), or with the u32 right after
 * it (skipping `skip` bytes) set to `value`. Returns the copy's path. */
static char *
patched_copy (const char *path, const char *find, const char *replace, gsize skip, gint64 value)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  char *at, *out;
  int fd;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  at = memmem (data, MIN (len, 16384), find, strlen (find));
  g_assert_nonnull (at);
  if (replace != NULL)
    memcpy (at, replace, strlen (replace));
  else
    memcpy (at + strlen (find) + skip, &(guint32) { value }, 4);

  fd = g_file_open_tmp ("hearth-llama-XXXXXX.gguf", &out, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (out, data, len, &error);
  g_assert_no_error (error);
  return out;
}

static void
expect_load_error (char *bad_path, int code, const char *in_message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (LlamaModel) model = load (bad_path, NULL, &error);

  g_assert_null (model);
  g_assert_error (error, HEARTH_ENGINE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, in_message));
  g_unlink (bad_path);
  g_free (bad_path);
}

static void
test_bad_files (void)
{
  g_autofree char *path = model_path ("stories260K.gguf");

  if (path == NULL)
    return;
  /* Tensor info: name, n_dims u32, ne u64 × 2, type u32. MXFP4 (39) is a
   * real type Hearth does not run; the message names it and the tensor. */
  expect_load_error (patched_copy (path, "blk.0.attn_q.weight", NULL, 4 + 16, 39),
                     HEARTH_ENGINE_ERROR_UNSUPPORTED, "'blk.0.attn_q.weight' has type MXFP4");
  /* Metadata: key, type u32, value. */
  expect_load_error (patched_copy (path, "llama.feed_forward_length", NULL, 4, 176),
                     HEARTH_ENGINE_ERROR_CORRUPT_FILE, "'blk.0.ffn_gate.weight' has shape");
  expect_load_error (patched_copy (path, "blk.3.ffn_up.weight", "blk.3.ffn_uq.weight", 0, 0),
                     HEARTH_ENGINE_ERROR_CORRUPT_FILE, "'blk.3.ffn_up.weight' is missing");
  expect_load_error (patched_copy (path, "llama.block_count", "llama.block_counx", 0, 0),
                     HEARTH_ENGINE_ERROR_CORRUPT_FILE, "'llama.block_count' is missing");
  expect_load_error (patched_copy (path, "llama.attention.head_count_kv", NULL, 4, 3),
                     HEARTH_ENGINE_ERROR_CORRUPT_FILE, "head_count_kv = 3");
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/llama/model/config-stories", test_config_stories);
  g_test_add_func ("/llama/model/config-smollm-tied", test_config_smollm_tied);
  g_test_add_func ("/llama/model/cancelled", test_cancelled);
  g_test_add_func ("/llama/model/bad-files", test_bad_files);
  status = g_test_run ();
  g_clear_pointer (&device, hearth_device_free);
  return status;
}
