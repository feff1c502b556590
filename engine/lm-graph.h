/* lm-graph.h: the run state of a session and the helpers from which an
 * architecture's forward pass is written (arch-*.c).
 *
 * Every helper records dispatches for the g->n tokens of the current chunk
 * (positions g->pos0 ..) into g->rec. Errors are sticky: the first one is
 * kept in g->error and every later helper does nothing, so a forward pass
 * is a plain sequence of statements; lm-context.c checks g->error once. */
#pragma once

#include "lm-arch.h"

G_BEGIN_DECLS

/* Scratch activations for up to n_batch tokens, allocated once. B = n_batch,
 * k = n_expert_used. */
typedef struct {
  HvkBuffer  *ids;       /* i32 [B], host-visible: the chunk's token ids */
  HvkBuffer  *embd_in;   /* f32 [B][n_embd], host-visible: the chunk's input
                          * embeddings at their rows; allocated by the first use */
  HvkBuffer  *x[2];      /* f32 [B][n_embd]: residual stream, ping-pong (see lm_residual) */
  HvkBuffer  *xb;        /* f32 [B][n_embd]: normed input of a sublayer */
  HvkBuffer  *delta;     /* f32 [B][n_embd]: sublayer output before the residual add */
  HvkBuffer  *q;         /* f32 [B][n_head][head_dim] */
  HvkBuffer  *k;         /* f32 [B][n_head_kv][head_dim] */
  HvkBuffer  *v;         /* f32 [B][n_head_kv][head_dim] */
  HvkBuffer  *qn;        /* f32 [B][n_head][head_dim]: q after the q/k norm (qk_norm layers) */
  HvkBuffer  *kn;        /* f32 [B][n_head_kv][head_dim]: k after the q/k norm */
  HvkBuffer  *att;       /* f32 [B][n_head][head_dim]: attention output */
  HvkBuffer  *gate;      /* f32 [B][max(n_ff, n_ff_exp)] */
  HvkBuffer  *up;        /* f32 [B][max(n_ff, n_ff_exp)] */
  HvkBuffer  *ffn;       /* f32 [B][max(n_ff, n_ff_exp)]: silu(gate) · up */
  /* MoE layers only (n_expert > 0); slot-major, so slot j's rows are one block */
  HvkBuffer  *router;    /* f32 [B][n_expert]: router logits */
  HvkBuffer  *expert_id; /* i32 [k][B]: the expert of slot j for token t */
  HvkBuffer  *moe_in;    /* f32 [k][B][n_embd]: sigmoid(logit) · xb, each slot's expert input */
  HvkBuffer  *moe_gate;  /* f32 [k][B][n_ff_exp] */
  HvkBuffer  *moe_up;    /* f32 [k][B][n_ff_exp] */
  HvkBuffer  *moe_ffn;   /* f32 [k][B][n_ff_exp] */
  HvkBuffer  *moe_out;   /* f32 [k][B][n_embd]: each slot's expert output */
  HvkBuffer  *logits;    /* f32 [n_logit_rows][n_vocab], host-visible */
  HvkBuffer **k_cache;   /* [n_layer] of f16 [n_ctx][n_head_kv][head_dim] */
  HvkBuffer **v_cache;   /* [n_layer] of f16 [n_ctx][n_head_kv][head_dim] */
} LmRunState;

struct _LmGraph {
  HvkOps             *ops;
  HvkRecorder        *rec;
  const LlamaConfig  *cfg;
  const LlamaWeights *w;
  LmRunState         *s;
  guint               n;      /* tokens in this chunk */
  guint               pos0;   /* position of its first token */
  guint               cur;    /* which s->x[] holds the residual stream */
  GError             *error;  /* the first failure; later helpers do nothing */
};

/* The residual stream: f32 [n][n_embd]. */
HvkBuffer *lm_x (LmGraph *g);

/* y = rms_norm(x) · weight, rows of n_embd. */
void lm_rms_norm  (LmGraph *g, HvkBuffer *x, HvkView weight, HvkBuffer *y);
/* y [n][w.n_out] = W · x [n][w.n_in] */
void lm_linear    (LmGraph *g, const LlamaMatrix *w, HvkBuffer *x, HvkBuffer *y);
/* Rotates the n_heads heads of x (NORMAL mode: adjacent pairs), with the
 * model's rope_freqs divisors when it has them. */
void lm_rope      (LmGraph *g, HvkBuffer *x, guint n_heads);
/* y = x / sqrt(mean(x²) + eps) per head vector, no weight. */
void lm_head_norm (LmGraph *g, HvkBuffer *x, guint n_heads, HvkBuffer *y);
/* Stores k, v at the chunk's positions of layer il's cache and writes
 * att = softmax(q·kᵀ/√d + mask)·v with layer il's mask (causal, or chunked)
 * and NoPE query temperature (LlamaLayerConfig). */
void lm_attention (LmGraph *g, guint il, HvkBuffer *q, HvkBuffer *k, HvkBuffer *v, HvkBuffer *att);
/* out = down(silu(gate·x) · up·x), the dense FFN of width gate->n_out. */
void lm_swiglu    (LmGraph *g, const LlamaMatrix *gate, const LlamaMatrix *up,
                   const LlamaMatrix *down, HvkBuffer *x, HvkBuffer *out);
/* Routed experts of layer l: for each token the top-k experts by router
 * logit, each run on sigmoid(logit) · x (Llama 4 weights the expert's
 * input); slot j's outputs land in block j of s->moe_out. */
void lm_moe_swiglu (LmGraph *g, const LlamaLayerWeights *l, HvkBuffer *x);
/* x = x + delta */
void lm_residual  (LmGraph *g, HvkBuffer *delta);
/* x = x + block slot of s->moe_out */
void lm_residual_slot (LmGraph *g, guint slot);

G_END_DECLS
