#define G_LOG_DOMAIN "hearth-test-llama"

/* LlamaContext bookkeeping on stories260K: chunked prefill, KV reuse across
 * calls, rewinding, all-position logits, and the error paths. Every
 * comparison is our engine against itself, so the bound is tight. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "gguf.h"
#include "llama-context.h"
#include "shared-test-util.h"

#define N_TOKENS 40
#define SAME_BOUND 2e-3

static HearthDevice *device;
static LlamaModel   *model;
static gint32        tokens[N_TOKENS];   /* BOS then an arbitrary walk through the vocabulary */

/* FALSE (test skipped) without ../shared. */
static gboolean
ensure_model (void)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GgufFile) file = NULL;

  if (model != NULL)
    return TRUE;
  if ((path = hearth_test_shared_path ("models/stories260K.gguf")) == NULL)
    return FALSE;
  device = hearth_device_open (&error);
  g_assert_no_error (error);
  file = gguf_file_open (path, &error);
  g_assert_no_error (error);
  model = llama_model_load (device, file, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  tokens[0] = 1;
  for (guint i = 1; i < N_TOKENS; i++)
    tokens[i] = 3 + (i * 37) % 509;
  return TRUE;
}

static LlamaContext *
new_context (guint n_ctx, guint n_batch)
{
  g_autoptr (GError) error = NULL;
  LlamaContext *ctx = llama_context_new (model, n_ctx, n_batch, &error);

  g_assert_no_error (error);
  return ctx;
}

static void
forward (LlamaContext *ctx, const gint32 *ids, guint n, guint pos0, gboolean all)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (llama_context_forward (ctx, ids, n, pos0, all, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (llama_context_get_n_past (ctx), ==, pos0 + n);
}

static void
assert_same_logits (const float *a, const float *b)
{
  guint n_vocab = llama_model_get_config (model)->n_vocab;
  double worst = 0;

  for (guint i = 0; i < n_vocab; i++)
    worst = MAX (worst, fabs (a[i] - b[i]));
  g_assert_cmpfloat (worst, <=, SAME_BOUND);
}

static float *
copy_logits (LlamaContext *ctx, guint row)
{
  return g_memdup2 (llama_context_get_logits (ctx, row),
                    llama_model_get_config (model)->n_vocab * sizeof (float));
}

/* Prefill in chunks of 3 (14 submits, matrix×matrix kernels on 3 rows)
 * equals prefill in one chunk. */
static void
test_chunked_prefill (void)
{
  g_autoptr (LlamaContext) whole = NULL, chunked = NULL;

  if (!ensure_model ())
    return;
  whole = new_context (64, 512);
  chunked = new_context (64, 3);
  forward (whole, tokens, N_TOKENS, 0, FALSE);
  forward (chunked, tokens, N_TOKENS, 0, FALSE);
  assert_same_logits (llama_context_get_logits (whole, 0), llama_context_get_logits (chunked, 0));
}

/* A second call continues at n_past; a smaller pos0 rewinds and reuses the
 * cached prefix. */
static void
test_kv_reuse_and_rewind (void)
{
  g_autoptr (LlamaContext) ctx = NULL;
  g_autofree float *full = NULL;

  if (!ensure_model ())
    return;
  ctx = new_context (64, 512);
  forward (ctx, tokens, N_TOKENS, 0, FALSE);
  full = copy_logits (ctx, 0);

  forward (ctx, tokens, 20, 0, FALSE);
  forward (ctx, tokens + 20, N_TOKENS - 20, 20, FALSE);
  assert_same_logits (full, llama_context_get_logits (ctx, 0));

  forward (ctx, tokens + 30, N_TOKENS - 30, 30, FALSE);
  assert_same_logits (full, llama_context_get_logits (ctx, 0));

  for (guint pos = 35; pos < N_TOKENS; pos++)
    forward (ctx, tokens + pos, 1, pos, FALSE);
  assert_same_logits (full, llama_context_get_logits (ctx, 0));
}

/* all_logits gives one row per token; row i equals the last-token logits
 * of the prefix 0..i. */
static void
test_all_logits (void)
{
  g_autoptr (LlamaContext) ctx = NULL;
  g_autofree float *row9 = NULL, *row39 = NULL;

  if (!ensure_model ())
    return;
  ctx = new_context (64, 512);
  forward (ctx, tokens, N_TOKENS, 0, TRUE);
  g_assert_cmpuint (llama_context_get_n_outputs (ctx), ==, N_TOKENS);
  row9 = copy_logits (ctx, 9);
  row39 = copy_logits (ctx, N_TOKENS - 1);

  forward (ctx, tokens, 10, 0, FALSE);
  g_assert_cmpuint (llama_context_get_n_outputs (ctx), ==, 1);
  assert_same_logits (row9, llama_context_get_logits (ctx, 0));
  forward (ctx, tokens, N_TOKENS, 0, FALSE);
  assert_same_logits (row39, llama_context_get_logits (ctx, 0));
}

static void
test_errors (void)
{
  g_autoptr (LlamaContext) ctx = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;
  gint32 bad = 512;

  if (!ensure_model ())
    return;
  ctx = new_context (16, 512);

  g_assert_false (llama_context_forward (ctx, tokens, 17, 0, FALSE, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL);
  g_clear_error (&error);

  forward (ctx, tokens, 10, 0, FALSE);
  g_assert_false (llama_context_forward (ctx, tokens, 7, 10, FALSE, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL);
  g_clear_error (&error);

  g_assert_false (llama_context_forward (ctx, tokens, 1, 11, FALSE, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_false (llama_context_forward (ctx, &bad, 1, 10, FALSE, NULL, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_false (llama_context_forward (ctx, tokens, 1, 10, FALSE, cancellable, &error));
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpuint (llama_context_get_n_past (ctx), ==, 10);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/llama/session/chunked-prefill", test_chunked_prefill);
  g_test_add_func ("/llama/session/kv-reuse-and-rewind", test_kv_reuse_and_rewind);
  g_test_add_func ("/llama/session/all-logits", test_all_logits);
  g_test_add_func ("/llama/session/errors", test_errors);
  status = g_test_run ();

  g_clear_pointer (&model, llama_model_free);
  g_clear_pointer (&device, hearth_device_free);
  return status;
}
