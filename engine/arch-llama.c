#define G_LOG_DOMAIN "hearth-llama"

/* arch-llama.c: Llama (and Mistral, the same graph under another name).
 *
 *   for each layer:
 *     xb = rms_norm(x) · attn_norm
 *     q, k, v = Wq·xb, Wk·xb, Wv·xb;  rope(q), rope(k)     (NORMAL: adjacent pairs)
 *     x = x + Wo · attention(q, k, v)                       (causal, grouped-query, f16 cache)
 *     xb = rms_norm(x) · ffn_norm
 *     x = x + W_down · (silu(W_gate·xb) · W_up·xb)
 */

#include "lm-graph.h"

static gboolean
llama_read_config (GgufFile *file, LlamaConfig *c, GError **error)
{
  for (guint il = 0; il < c->n_layer; il++)
    c->layers[il] = (LlamaLayerConfig) { .use_rope = TRUE };
  return TRUE;
}

static gboolean
llama_plan_layer (WeightPlan *plan, LlamaConfig *c, guint il, LlamaLayerWeights *l, GError **error)
{
  return _weight_plan_attention (plan, c, il, l, error) &&
         _weight_plan_dense_ffn (plan, c, il, l, error);
}

static void
llama_forward (LmGraph *g)
{
  const LlamaConfig *c = g->cfg;
  LmRunState *s = g->s;

  for (guint il = 0; il < c->n_layer; il++)
    {
      const LlamaLayerWeights *L = &g->w->layers[il];

      lm_rms_norm (g, lm_x (g), L->attn_norm, s->xb);
      lm_linear (g, &L->wq, s->xb, s->q);
      lm_linear (g, &L->wk, s->xb, s->k);
      lm_linear (g, &L->wv, s->xb, s->v);
      lm_rope (g, s->q, c->n_head);
      lm_rope (g, s->k, c->n_head_kv);
      lm_attention (g, il, s->q, s->k, s->v, s->att);
      lm_linear (g, &L->wo, s->att, s->delta);
      lm_residual (g, s->delta);

      lm_rms_norm (g, lm_x (g), L->ffn_norm, s->xb);
      lm_swiglu (g, &L->w_gate, &L->w_up, &L->w_down, s->xb, s->delta);
      lm_residual (g, s->delta);
    }
}

static const char *const llama_aliases[] = { "mistral", NULL };

const LmArch lm_arch_llama = {
  .name = "llama",
  .aliases = llama_aliases,
  .label = "Llama",
  .accepts_projector = TRUE,
  .read_config = llama_read_config,
  .plan_layer = llama_plan_layer,
  .forward = llama_forward,
};
