#define G_LOG_DOMAIN "hearth-llama"

/* lm-context.c: a session of a language model on the device, whatever its
 * architecture: run state, KV cache, the chunk loop, token or embedding
 * inputs, the LM head and the logits.
 *
 * One chunk of tokens is one command buffer with one submit:
 *   x = embed(tokens)                                       (or input embeddings, row by row)
 *   every layer: the architecture's forward (arch-*.c)
 *   logits = W_out · (rms_norm(x) · output_norm)            (last row, or every row)
 */

#include "llama-context.h"
#include "lm-graph.h"

#include <math.h>
#include <string.h>

#define DEFAULT_N_BATCH 512

struct _LlamaContext {
  LlamaModel        *model;      /* not owned */
  const LlamaConfig *cfg;
  const LlamaWeights *w;
  const LmArch      *arch;
  HvkOps            *ops;
  HvkRecorder       *rec;
  LmRunState      s;
  guint              n_ctx;
  guint              n_batch;
  guint              n_logit_rows; /* rows of s.logits: one binding range at most */
  guint              n_past;
  float             *logits;       /* f32 [n_outputs][n_vocab]: the last forward's result */
  guint              n_outputs;
};

/* ---- run state ---------------------------------------------------------------- */

static HvkBuffer *
new_scratch (HvkDevice *device, guint64 size, HvkBufferKind kind, GError **error)
{
  return hvk_buffer_new (device, MAX (size, 16), kind, error);
}

/* The MoE scratch of build_run_state, for models with experts. */
static gboolean
build_moe_state (LlamaContext *ctx, GError **error)
{
  const LlamaConfig *c = ctx->cfg;
  LmRunState *s = &ctx->s;
  HvkDevice *dev = _llama_model_get_device (ctx->model);
  guint64 B = ctx->n_batch, slots = B * c->n_expert_used;

  return (s->router    = new_scratch (dev, B * c->n_expert * 4, HVK_BUFFER_DEVICE, error)) &&
         (s->expert_id = new_scratch (dev, slots * sizeof (gint32), HVK_BUFFER_DEVICE, error)) &&
         (s->moe_in    = new_scratch (dev, slots * c->n_embd * 4, HVK_BUFFER_DEVICE, error)) &&
         (s->moe_gate  = new_scratch (dev, slots * c->n_ff_exp * 4, HVK_BUFFER_DEVICE, error)) &&
         (s->moe_up    = new_scratch (dev, slots * c->n_ff_exp * 4, HVK_BUFFER_DEVICE, error)) &&
         (s->moe_ffn   = new_scratch (dev, slots * c->n_ff_exp * 4, HVK_BUFFER_DEVICE, error)) &&
         (s->moe_out   = new_scratch (dev, slots * c->n_embd * 4, HVK_BUFFER_DEVICE, error));
}

static gboolean
build_run_state (LlamaContext *ctx, GError **error)
{
  const LlamaConfig *c = ctx->cfg;
  LmRunState *s = &ctx->s;
  HvkDevice *dev = _llama_model_get_device (ctx->model);
  guint64 B = ctx->n_batch, hd = c->head_dim_k, ff = MAX (c->n_ff, c->n_ff_exp);
  guint64 kv_bytes = lm_config_kv_bytes (c, ctx->n_ctx) / c->n_layer / 2;

  s->k_cache = g_new0 (HvkBuffer *, c->n_layer);
  s->v_cache = g_new0 (HvkBuffer *, c->n_layer);
  if (!(s->ids    = new_scratch (dev, B * sizeof (gint32), HVK_BUFFER_HOST, error)) ||
      !(s->x[0]   = new_scratch (dev, B * c->n_embd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->x[1]   = new_scratch (dev, B * c->n_embd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->xb     = new_scratch (dev, B * c->n_embd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->delta  = new_scratch (dev, B * c->n_embd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->q      = new_scratch (dev, B * c->n_head * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->k      = new_scratch (dev, B * c->n_head_kv * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->v      = new_scratch (dev, B * c->n_head_kv * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->qn     = new_scratch (dev, B * c->n_head * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->kn     = new_scratch (dev, B * c->n_head_kv * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->att    = new_scratch (dev, B * c->n_head * hd * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->gate   = new_scratch (dev, B * ff * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->up     = new_scratch (dev, B * ff * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->ffn    = new_scratch (dev, B * ff * 4, HVK_BUFFER_DEVICE, error)) ||
      !(s->logits = new_scratch (dev, (guint64) ctx->n_logit_rows * c->n_vocab * 4,
                                 HVK_BUFFER_HOST, error)) ||
      (c->n_expert > 0 && !build_moe_state (ctx, error)))
    return FALSE;
  for (guint il = 0; il < c->n_layer; il++)
    if (!(s->k_cache[il] = new_scratch (dev, kv_bytes, HVK_BUFFER_DEVICE, error)) ||
        !(s->v_cache[il] = new_scratch (dev, kv_bytes, HVK_BUFFER_DEVICE, error)))
      return FALSE;
  return TRUE;
}

static void
free_run_state (LmRunState *s, guint n_layer)
{
  HvkBuffer **scratch[] = { &s->ids, &s->embd_in, &s->x[0], &s->x[1], &s->xb, &s->delta, &s->q, &s->k,
                            &s->v, &s->qn, &s->kn, &s->att, &s->gate, &s->up, &s->ffn, &s->router,
                            &s->expert_id, &s->moe_in, &s->moe_gate, &s->moe_up, &s->moe_ffn,
                            &s->moe_out, &s->logits };

  for (guint i = 0; i < G_N_ELEMENTS (scratch); i++)
    g_clear_pointer (scratch[i], hvk_buffer_free);
  for (guint il = 0; s->k_cache != NULL && il < n_layer; il++)
    {
      g_clear_pointer (&s->k_cache[il], hvk_buffer_free);
      g_clear_pointer (&s->v_cache[il], hvk_buffer_free);
    }
  g_clear_pointer (&s->k_cache, g_free);
  g_clear_pointer (&s->v_cache, g_free);
}

/* Every scratch buffer is bound whole, so each must fit one binding range:
 * shrink the batch until the widest activation does, and check the cache. */
static gboolean
choose_sizes (LlamaContext *ctx, guint n_batch, GError **error)
{
  const LlamaConfig *c = ctx->cfg;
  guint64 range = hvk_device_get_info (_llama_model_get_device (ctx->model))->max_storage_buffer_range;
  guint64 widest = MAX (MAX (c->n_embd, MAX (c->n_ff, c->n_ff_exp)), c->n_head * c->head_dim_k) * 4ull;
  guint64 moe_widest = (guint64) MAX (c->n_embd, c->n_ff_exp) * MAX (c->n_expert_used, 1) * 4ull;
  guint64 kv_row = (guint64) c->n_head_kv * c->head_dim_k * sizeof (guint16);

  if (ctx->n_ctx == 0 || (guint64) ctx->n_ctx * kv_row > range)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a context of %u tokens is not possible for this model on this device; "
                   "choose between 1 and %" G_GUINT64_FORMAT " tokens", ctx->n_ctx, range / kv_row);
      return FALSE;
    }
  ctx->n_batch = MAX (1, MIN (n_batch, range / MAX (widest, moe_widest)));
  ctx->n_logit_rows = MAX (1, MIN (ctx->n_batch, range / (c->n_vocab * 4ull)));
  return TRUE;
}

LlamaContext *
llama_context_new (LlamaModel *model, guint n_ctx, guint n_batch, GError **error)
{
  g_autoptr (LlamaContext) ctx = g_new0 (LlamaContext, 1);

  ctx->model = model;
  ctx->cfg = llama_model_get_config (model);
  ctx->w = _llama_model_get_weights (model);
  ctx->arch = _llama_model_get_arch (model);
  ctx->ops = _llama_model_get_ops (model);
  ctx->n_ctx = n_ctx;

  if (ctx->cfg->head_dim_k != ctx->cfg->head_dim_v)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "key and value heads of different sizes (%u, %u) are not supported",
                   ctx->cfg->head_dim_k, ctx->cfg->head_dim_v);
      return NULL;
    }
  if (!choose_sizes (ctx, n_batch > 0 ? n_batch : DEFAULT_N_BATCH, error) ||
      !(ctx->rec = hvk_recorder_new (_llama_model_get_device (model), error)) ||
      !build_run_state (ctx, error))
    return NULL;
  return g_steal_pointer (&ctx);
}

void
llama_context_free (LlamaContext *ctx)
{
  if (ctx == NULL)
    return;
  free_run_state (&ctx->s, ctx->cfg->n_layer);
  g_clear_pointer (&ctx->rec, hvk_recorder_free);
  g_free (ctx->logits);
  g_free (ctx);
}

/* ---- the forward pass ------------------------------------------------------------ */

static HvkView
whole (HvkBuffer *b)
{
  return (HvkView) { .buffer = b, .offset = 0 };
}

/* The LM head on the last row only (copied to row 0 of delta first, since
 * an arbitrary row need not sit at an aligned offset), or on every row. */
static gboolean
record_output (LlamaContext *ctx, HvkBuffer *rows, guint n, gboolean all_rows, GError **error)
{
  const LlamaConfig *c = ctx->cfg;
  const LlamaMatrix *out = &ctx->w->output;
  LmRunState *s = &ctx->s;
  guint n_rows = n;

  if (!all_rows)
    {
      guint64 row_bytes = c->n_embd * 4ull;
      hvk_recorder_copy (ctx->rec, rows, (n - 1) * row_bytes, s->delta, 0, row_bytes);
      rows = s->delta;
      n_rows = 1;
    }
  return hvk_op_rms_norm (ctx->ops, ctx->rec, whole (rows), ctx->w->output_norm, whole (s->xb),
                          c->n_embd, n_rows, c->rms_eps, error) &&
         hvk_op_matmul (ctx->ops, ctx->rec, out->type, out->view, whole (s->xb), whole (s->logits),
                        out->n_in, out->n_out, n_rows, error);
}

typedef enum {
  LOGITS_NONE,   /* an inner chunk of a long prefill */
  LOGITS_LAST,
  LOGITS_ALL,
} WantLogits;

/* Stages a chunk's inputs in the host-visible buffers: the token ids, with
 * a valid id (0) at each embedding row so that get_rows can run over the
 * whole chunk, and the embedding rows at their rows of s.embd_in.
 * Returns the number of embedding rows, or -1 with error. */
static gint
stage_inputs (LlamaContext *ctx, const gint32 *tokens, const float *embd, guint n,
              GError **error)
{
  LmRunState *s = &ctx->s;
  gsize row_floats = ctx->cfg->n_embd;
  gint32 *ids = hvk_buffer_map (s->ids);
  float *rows = NULL;
  gint n_rows = 0;

  for (guint i = 0; i < n; i++)
    {
      ids[i] = MAX (tokens[i], 0);
      if (tokens[i] >= 0)
        continue;
      if (s->embd_in == NULL &&
          !(s->embd_in = new_scratch (_llama_model_get_device (ctx->model),
                                      (guint64) ctx->n_batch * row_floats * 4, HVK_BUFFER_HOST,
                                      error)))
        return -1;
      rows = rows != NULL ? rows : hvk_buffer_map (s->embd_in);
      memcpy (rows + i * row_floats, embd + n_rows * row_floats, row_floats * 4);
      n_rows++;
    }
  return n_rows;
}

/* x[0] = the chunk's inputs: token embeddings looked up for every row,
 * then each run of embedding rows copied over its rows. */
static gboolean
record_inputs (LlamaContext *ctx, const gint32 *tokens, guint n, guint n_embd_rows,
               GError **error)
{
  const LlamaConfig *c = ctx->cfg;
  guint64 row_bytes = c->n_embd * 4ull;

  if (n_embd_rows < n &&
      !hvk_op_get_rows (ctx->ops, ctx->rec, ctx->w->token_embd.type, ctx->w->token_embd.view,
                        c->n_vocab, c->n_embd, whole (ctx->s.ids), whole (ctx->s.x[0]), n, error))
    return FALSE;
  for (guint i = 0; n_embd_rows > 0 && i < n; )
    {
      guint end = i;
      while (end < n && tokens[end] < 0)
        end++;
      if (end > i)
        hvk_recorder_copy (ctx->rec, ctx->s.embd_in, i * row_bytes, ctx->s.x[0], i * row_bytes,
                           (end - i) * row_bytes);
      i = end + 1;
    }
  return TRUE;
}

/* Records and submits one chunk: n <= n_batch inputs at pos0, token ids
 * and (negative ids) the next rows of embd f32 [][n_embd], mixed freely. */
static gboolean
run_chunk (LlamaContext *ctx, const gint32 *tokens, const float *embd, guint n, guint pos0,
           WantLogits want, GCancellable *cancellable, GError **error)
{
  gint n_embd_rows = stage_inputs (ctx, tokens, embd, n, error);
  LmGraph g = {
    .ops = ctx->ops, .rec = ctx->rec, .cfg = ctx->cfg, .w = ctx->w, .s = &ctx->s,
    .n = n, .pos0 = pos0, .cur = 0,
  };
  gboolean ok;

  if (n_embd_rows < 0)
    return FALSE;
  hvk_recorder_begin (ctx->rec);
  ok = record_inputs (ctx, tokens, n, n_embd_rows, error);
  if (ok)
    {
      ctx->arch->forward (&g);
      ok = g.error == NULL;
      if (!ok)
        g_propagate_error (error, g.error);
    }
  if (ok && want != LOGITS_NONE)
    ok = record_output (ctx, lm_x (&g), n, want == LOGITS_ALL, error);
  if (!ok)
    {
      /* The command buffer must still be ended; its result is not used. */
      hvk_recorder_submit (ctx->rec, NULL, NULL);
      return FALSE;
    }
  return hvk_recorder_submit (ctx->rec, cancellable, error);
}

static gboolean
check_forward_args (LlamaContext *ctx, const gint32 *tokens, gboolean embd, guint n, guint pos0,
                    GError **error)
{
  if (n == 0 || pos0 > ctx->n_past)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "cannot run %u tokens at position %u: the context holds %u positions",
                   n, pos0, ctx->n_past);
      return FALSE;
    }
  if ((guint64) pos0 + n > ctx->n_ctx)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL,
                   "%u tokens at position %u do not fit the context of %u tokens; start a "
                   "new conversation or choose a larger context", n, pos0, ctx->n_ctx);
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    if ((tokens[i] < 0 && !embd) || (tokens[i] >= 0 && (guint32) tokens[i] >= ctx->cfg->n_vocab))
      {
        g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                     "token id %d (input %u) is outside the vocabulary of %u tokens",
                     tokens[i], i, ctx->cfg->n_vocab);
        return FALSE;
      }
  return TRUE;
}

/* Turns the Vulkan and GIO flavours of "cancelled" into the engine's. */
static gboolean
set_cancelled (GError **error)
{
  g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                       "the forward pass was cancelled");
  return FALSE;
}

/* The forward of n inputs: token ids, and with embd the rows of embd
 * where an id is negative. */
static gboolean
forward (LlamaContext *ctx, const gint32 *tokens, const float *embd, guint n, guint pos0,
         gboolean all_logits, GCancellable *cancellable, GError **error)
{
  guint n_vocab = ctx->cfg->n_vocab;
  guint chunk = all_logits ? ctx->n_logit_rows : ctx->n_batch;
  gsize embd_row = 0;

  if (!check_forward_args (ctx, tokens, embd != NULL, n, pos0, error))
    return FALSE;

  ctx->n_past = pos0;
  ctx->n_outputs = all_logits ? n : 1;
  ctx->logits = g_renew (float, ctx->logits, (gsize) ctx->n_outputs * n_vocab);

  for (guint done = 0; done < n; )
    {
      guint m = MIN (chunk, n - done);
      gboolean last = done + m == n;
      WantLogits want = all_logits ? LOGITS_ALL : last ? LOGITS_LAST : LOGITS_NONE;
      GError *local = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        return set_cancelled (error);
      if (!run_chunk (ctx, tokens + done, embd != NULL ? embd + embd_row * ctx->cfg->n_embd : NULL,
                      m, pos0 + done, want, cancellable, &local))
        {
          if (g_error_matches (local, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED))
            {
              g_error_free (local);
              return set_cancelled (error);
            }
          g_propagate_error (error, local);
          return FALSE;
        }
      if (want != LOGITS_NONE)
        memcpy (ctx->logits + (gsize) (all_logits ? done : 0) * n_vocab,
                hvk_buffer_map (ctx->s.logits), (gsize) (all_logits ? m : 1) * n_vocab * 4);
      for (guint i = 0; i < m; i++)
        embd_row += tokens[done + i] < 0;
      done += m;
      ctx->n_past = pos0 + done;
    }
  return TRUE;
}

gboolean
llama_context_forward (LlamaContext *ctx, const gint32 *tokens, guint n, guint pos0,
                       gboolean all_logits, GCancellable *cancellable, GError **error)
{
  return forward (ctx, tokens, NULL, n, pos0, all_logits, cancellable, error);
}

gboolean
llama_context_forward_mixed (LlamaContext *ctx, const gint32 *tokens, const float *embd, guint n,
                             guint pos0, gboolean all_logits, GCancellable *cancellable,
                             GError **error)
{
  return forward (ctx, tokens, embd, n, pos0, all_logits, cancellable, error);
}

const float *
llama_context_get_logits (LlamaContext *ctx, guint i)
{
  g_return_val_if_fail (i < ctx->n_outputs, NULL);
  return ctx->logits + (gsize) i * ctx->cfg->n_vocab;
}

guint
llama_context_get_n_outputs (LlamaContext *ctx)
{
  return ctx->n_outputs;
}

guint
llama_context_get_n_past (LlamaContext *ctx)
{
  return ctx->n_past;
}

guint
llama_context_get_n_ctx (LlamaContext *ctx)
{
  return ctx->n_ctx;
}

LlamaModel *
llama_context_get_model (LlamaContext *ctx)
{
  return ctx->model;
}
