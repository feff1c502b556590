#define G_LOG_DOMAIN "hearth-llama"

/* arch-llama4.c: Llama 4 (`llama4`), dense or mixture-of-experts, with
 * llama.cpp's rules (../shared/notes/llama4.md):
 *
 *   for each layer il:
 *     xb = rms_norm(x) · attn_norm
 *     q, k, v = Wq·xb, Wk·xb, Wv·xb
 *     il % 4 < 3:  rope(q), rope(k) (adjacent pairs, rope_freqs divisors), then
 *                  q, k = q / rms(q), k / rms(k) per head (no weight; off with 128 experts),
 *                  and attention sees only the current 8192-token chunk
 *     il % 4 == 3: no RoPE; q · (1 + 0.1·ln(1 + ⌊(p+1)/8192⌋)); full causal attention
 *     x = x + Wo · attention(q, k, v)
 *     xb = rms_norm(x) · ffn_norm
 *     dense layer: x = x + W_down · (silu(W_gate·xb) · W_up·xb)
 *     MoE layer:   x = x + shared(xb) + Σ_top-k expert_e(sigmoid(router_e · xb) · xb)
 *
 * Most of this is not in the GGUF: the chunk (8192), the 4-layer pattern,
 * the temperature constants and the q/k norm rule are llama.cpp's constants.
 * A layer is MoE when the file has its router (ffn_gate_inp), so files with
 * expert_count 0 (Llama Guard 4, which llama.cpp refuses) run as dense. */

#include "lm-graph.h"

#define LLAMA4_CHUNK          8192   /* attention chunk and temperature step */
#define LLAMA4_PATTERN        4      /* layers il % 4 < 3 chunked with RoPE, il % 4 == 3 full NoPE */
#define LLAMA4_TEMP_SCALE     0.1f
#define LLAMA4_NO_QK_NORM_EXPERTS 128 /* Maverick: no q/k norm */
#define LLAMA4_MAX_USED_EXPERTS   16  /* moe_route.comp's bound on experts per token */

static gboolean
llama4_read_experts (GgufFile *file, LlamaConfig *c, GError **error)
{
  const char *arch = c->arch;

  if (!_llama_read_u32 (file, arch, "expert_count", FALSE, &c->n_expert, error) ||
      !_llama_read_u32 (file, arch, "expert_used_count", FALSE, &c->n_expert_used, error) ||
      !_llama_read_u32 (file, arch, "expert_feed_forward_length", FALSE, &c->n_ff_exp, error))
    return FALSE;
  if (c->n_expert == 0)
    {
      c->n_expert_used = 0;
      return TRUE;
    }
  if (c->n_expert_used == 0 || c->n_expert_used > c->n_expert || c->n_ff_exp == 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "%s.expert_used_count = %u must be between 1 and expert_count = %u, "
                              "and expert_feed_forward_length (%u) positive",
                              arch, c->n_expert_used, c->n_expert, c->n_ff_exp);
  if (c->n_expert_used > LLAMA4_MAX_USED_EXPERTS)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "%s: %s.expert_used_count = %u; Hearth runs at most %u experts per token",
                   gguf_file_get_path (file), arch, c->n_expert_used, LLAMA4_MAX_USED_EXPERTS);
      return FALSE;
    }
  return TRUE;
}

static gboolean
llama4_read_config (GgufFile *file, LlamaConfig *c, GError **error)
{
  guint32 sliding_window = LLAMA4_CHUNK;
  gboolean chunked;

  if (!llama4_read_experts (file, c, error) ||
      !_llama_read_u32 (file, c->arch, "attention.sliding_window", FALSE, &sliding_window, error))
    return FALSE;

  /* Only "present and 0" matters: it turns chunking and the temperature
   * off, and llama.cpp then drops RoPE on the last layer alone. */
  chunked = sliding_window != 0;
  c->attn_temp_floor = LLAMA4_CHUNK;
  for (guint il = 0; il < c->n_layer; il++)
    {
      LlamaLayerConfig *lc = &c->layers[il];
      guint nope_step = chunked ? LLAMA4_PATTERN : c->n_layer;

      lc->use_rope = (il + 1) % nope_step != 0;
      lc->qk_norm = lc->use_rope && c->n_expert != LLAMA4_NO_QK_NORM_EXPERTS;
      lc->attn_chunk = chunked && il % LLAMA4_PATTERN < LLAMA4_PATTERN - 1 ? LLAMA4_CHUNK : 0;
      lc->attn_temp_scale = chunked && !lc->use_rope ? LLAMA4_TEMP_SCALE : 0.0f;
    }
  return TRUE;
}

static gboolean
llama4_plan_moe (WeightPlan *plan, LlamaConfig *c, guint il, LlamaLayerWeights *l, GError **error)
{
  guint32 E = c->n_expert, ff = c->n_ff_exp, d = c->n_embd;
  char name[96];

  if (E == 0)
    return weight_file_error (plan->file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "layer %u has a router (ffn_gate_inp) but %s.expert_count is 0",
                              il, c->arch);
#define BLK(suffix) (g_snprintf (name, sizeof name, "blk.%u." suffix, il), name)
  return _weight_plan_matrix (plan, BLK ("ffn_gate_inp.weight"), d, E, &l->router, error) &&
         _weight_plan_experts (plan, BLK ("ffn_gate_exps.weight"), d, ff, E, &l->gate_exps, error) &&
         _weight_plan_experts (plan, BLK ("ffn_up_exps.weight"), d, ff, E, &l->up_exps, error) &&
         _weight_plan_experts (plan, BLK ("ffn_down_exps.weight"), ff, d, E, &l->down_exps, error) &&
         _weight_plan_matrix (plan, BLK ("ffn_gate_shexp.weight"), d, ff, &l->gate_shexp, error) &&
         _weight_plan_matrix (plan, BLK ("ffn_up_shexp.weight"), d, ff, &l->up_shexp, error) &&
         _weight_plan_matrix (plan, BLK ("ffn_down_shexp.weight"), ff, d, &l->down_shexp, error);
}

static gboolean
llama4_plan_layer (WeightPlan *plan, LlamaConfig *c, guint il, LlamaLayerWeights *l, GError **error)
{
  char name[96];

  if (!_weight_plan_attention (plan, c, il, l, error))
    return FALSE;
  c->layers[il].moe = _weight_plan_has (plan, BLK ("ffn_gate_inp.weight"));
#undef BLK
  return c->layers[il].moe ? llama4_plan_moe (plan, c, il, l, error)
                           : _weight_plan_dense_ffn (plan, c, il, l, error);
}

static void
llama4_forward (LmGraph *g)
{
  const LlamaConfig *c = g->cfg;
  LmRunState *s = g->s;

  for (guint il = 0; il < c->n_layer; il++)
    {
      const LlamaLayerWeights *L = &g->w->layers[il];
      const LlamaLayerConfig *lc = &c->layers[il];
      HvkBuffer *q = s->q, *k = s->k;

      lm_rms_norm (g, lm_x (g), L->attn_norm, s->xb);
      lm_linear (g, &L->wq, s->xb, s->q);
      lm_linear (g, &L->wk, s->xb, s->k);
      lm_linear (g, &L->wv, s->xb, s->v);
      if (lc->use_rope)
        {
          lm_rope (g, s->q, c->n_head);
          lm_rope (g, s->k, c->n_head_kv);
        }
      if (lc->qk_norm)
        {
          lm_head_norm (g, s->q, c->n_head, s->qn);
          lm_head_norm (g, s->k, c->n_head_kv, s->kn);
          q = s->qn, k = s->kn;
        }
      /* The chunk mask and, on NoPE layers, the query temperature are
       * the layer's (lc->attn_chunk, lc->attn_temp_scale). */
      lm_attention (g, il, q, k, s->v, s->att);
      lm_linear (g, &L->wo, s->att, s->delta);
      lm_residual (g, s->delta);

      lm_rms_norm (g, lm_x (g), L->ffn_norm, s->xb);
      if (lc->moe)
        {
          lm_swiglu (g, &L->gate_shexp, &L->up_shexp, &L->down_shexp, s->xb, s->delta);
          lm_residual (g, s->delta);
          lm_moe_swiglu (g, L, s->xb);
          for (guint slot = 0; slot < c->n_expert_used; slot++)
            lm_residual_slot (g, slot);
        }
      else
        {
          lm_swiglu (g, &L->w_gate, &L->w_up, &L->w_down, s->xb, s->delta);
          lm_residual (g, s->delta);
        }
    }
}

const LmArch lm_arch_llama4 = {
  .name = "llama4",
  .label = "Llama 4",
  .has_experts = TRUE,
  .read_config = llama4_read_config,
  .plan_layer = llama4_plan_layer,
  .forward = llama4_forward,
};
