#define G_LOG_DOMAIN "hearth-llama"

/* lm-graph.c: the graph helpers of lm-graph.h, each a thin layer over the
 * kernels of hvk-ops.h with the chunk's sizes filled in. */

#include "lm-graph.h"

#include <math.h>

static HvkView
whole (HvkBuffer *b)
{
  return (HvkView) { .buffer = b, .offset = 0 };
}

/* Whether an earlier helper failed (the rest of the graph is skipped). */
static gboolean
failed (LmGraph *g)
{
  return g->error != NULL;
}

HvkBuffer *
lm_x (LmGraph *g)
{
  return g->s->x[g->cur];
}

void
lm_rms_norm (LmGraph *g, HvkBuffer *x, HvkView weight, HvkBuffer *y)
{
  if (failed (g))
    return;
  hvk_op_rms_norm (g->ops, g->rec, whole (x), weight, whole (y), g->cfg->n_embd, g->n,
                   g->cfg->rms_eps, &g->error);
}

void
lm_linear (LmGraph *g, const LlamaMatrix *w, HvkBuffer *x, HvkBuffer *y)
{
  if (failed (g))
    return;
  hvk_op_matmul (g->ops, g->rec, w->type, w->view, whole (x), whole (y), w->n_in, w->n_out, g->n,
                 &g->error);
}

void
lm_rope (LmGraph *g, HvkBuffer *x, guint n_heads)
{
  const LlamaConfig *c = g->cfg;

  if (failed (g))
    return;
  hvk_op_rope (g->ops, g->rec, whole (x), g->n, n_heads, c->head_dim_k, c->n_rot, g->pos0,
               c->rope_freq_base, c->rope_freq_scale, HVK_ROPE_NORMAL, g->w->rope_freqs,
               &g->error);
}

void
lm_head_norm (LmGraph *g, HvkBuffer *x, guint n_heads, HvkBuffer *y)
{
  if (failed (g))
    return;
  hvk_op_rms_norm (g->ops, g->rec, whole (x), (HvkView) { 0 }, whole (y), g->cfg->head_dim_k,
                   g->n * n_heads, g->cfg->rms_eps, &g->error);
}

void
lm_attention (LmGraph *g, guint il, HvkBuffer *q, HvkBuffer *k, HvkBuffer *v, HvkBuffer *att)
{
  const LlamaConfig *c = g->cfg;
  const LlamaLayerConfig *lc = &c->layers[il];
  HvkBuffer *k_cache = g->s->k_cache[il], *v_cache = g->s->v_cache[il];
  guint hd = c->head_dim_k, width = c->n_head_kv * hd;
  HvkAttentionMask mask = {
    .causal = TRUE,
    .chunk = lc->attn_chunk,
    .temp_floor = c->attn_temp_floor,
    .temp_scale = lc->attn_temp_scale,
  };

  if (failed (g) ||
      !hvk_op_kv_store (g->ops, g->rec, whole (k), whole (k_cache), width, g->pos0, g->n, &g->error) ||
      !hvk_op_kv_store (g->ops, g->rec, whole (v), whole (v_cache), width, g->pos0, g->n, &g->error))
    return;
  hvk_op_attention_masked (g->ops, g->rec, whole (q), whole (k_cache), whole (v_cache), whole (att),
                           g->n, g->pos0 + g->n, g->pos0, c->n_head, c->n_head_kv, hd,
                           1.0f / sqrtf ((float) hd), &mask, &g->error);
}

void
lm_swiglu (LmGraph *g, const LlamaMatrix *gate, const LlamaMatrix *up, const LlamaMatrix *down,
           HvkBuffer *x, HvkBuffer *out)
{
  LmRunState *s = g->s;

  lm_linear (g, gate, x, s->gate);
  lm_linear (g, up, x, s->up);
  if (!failed (g))
    hvk_op_gated (g->ops, g->rec, HVK_UNARY_SILU, whole (s->gate), whole (s->up), whole (s->ffn),
                  (guint64) g->n * gate->n_out, &g->error);
  lm_linear (g, down, s->ffn, out);
}

/* x = x + rows. The sum goes to the other ping-pong buffer so no op ever
 * reads and writes the same binding. */
static void
add_to_stream (LmGraph *g, HvkView rows)
{
  HvkBuffer *x = g->s->x[g->cur], *next = g->s->x[!g->cur];

  if (failed (g))
    return;
  g->cur = !g->cur;
  hvk_op_add (g->ops, g->rec, whole (x), rows, whole (next), g->cfg->n_embd, g->n, g->n, &g->error);
}

void
lm_residual (LmGraph *g, HvkBuffer *delta)
{
  add_to_stream (g, whole (delta));
}

void
lm_residual_slot (LmGraph *g, guint slot)
{
  guint64 block = (guint64) g->n * g->cfg->n_embd * 4;

  add_to_stream (g, (HvkView) { .buffer = g->s->moe_out, .offset = slot * block });
}

/* y [k·n][e.n_out] = E[ids[r]] · x [k·n][e.n_in]: every slot row with its own expert. */
static void
experts_linear (LmGraph *g, const LlamaExperts *e, HvkBuffer *x, HvkBuffer *y)
{
  if (failed (g))
    return;
  hvk_op_matmul_id (g->ops, g->rec, e->type, e->view, e->n_expert, whole (g->s->expert_id),
                    whole (x), whole (y), e->n_in, e->n_out, g->n * g->cfg->n_expert_used, &g->error);
}

void
lm_moe_swiglu (LmGraph *g, const LlamaLayerWeights *l, HvkBuffer *x)
{
  const LlamaConfig *c = g->cfg;
  LmRunState *s = g->s;
  guint n_rows = g->n * c->n_expert_used;

  lm_linear (g, &l->router, x, s->router);
  if (!failed (g))
    hvk_op_moe_route (g->ops, g->rec, whole (s->router), whole (x), whole (s->expert_id),
                      whole (s->moe_in), g->n, c->n_expert, c->n_expert_used, c->n_embd, &g->error);
  experts_linear (g, &l->gate_exps, s->moe_in, s->moe_gate);
  experts_linear (g, &l->up_exps, s->moe_in, s->moe_up);
  if (!failed (g))
    hvk_op_gated (g->ops, g->rec, HVK_UNARY_SILU, whole (s->moe_gate), whole (s->moe_up),
                  whole (s->moe_ffn), (guint64) n_rows * c->n_ff_exp, &g->error);
  experts_linear (g, &l->down_exps, s->moe_ffn, s->moe_out);
}
