/* llama-model-private.h: a LlamaModel's weights on the device and the
 * device objects that run it, for the engine's forward pass (llama-context.c);
 * app/ sees only llama-model.h. */
#pragma once

#include "llama-model.h"
#include "weight-upload.h"

G_BEGIN_DECLS

typedef WeightMatrix LlamaMatrix;

typedef struct {
  HvkView     attn_norm;   /* f32 [n_embd] */
  LlamaMatrix wq;          /* [n_head · head_dim_k][n_embd] */
  LlamaMatrix wk;          /* [n_head_kv · head_dim_k][n_embd] */
  LlamaMatrix wv;          /* [n_head_kv · head_dim_v][n_embd] */
  LlamaMatrix wo;          /* [n_embd][n_head · head_dim_v] */
  HvkView     ffn_norm;    /* f32 [n_embd] */
  LlamaMatrix w_gate;      /* [n_ff][n_embd] */
  LlamaMatrix w_up;        /* [n_ff][n_embd] */
  LlamaMatrix w_down;      /* [n_embd][n_ff] */
} LlamaLayerWeights;

typedef struct {
  LlamaMatrix        token_embd;  /* [n_vocab][n_embd], read with get_rows */
  LlamaLayerWeights *layers;      /* [n_layer] */
  HvkView            output_norm; /* f32 [n_embd] */
  LlamaMatrix        output;      /* [n_vocab][n_embd]; token_embd when tied */
  HvkView            rope_freqs;  /* f32 [n_rot / 2] (Llama 3 frequency factors), or a NULL view */
} LlamaWeights;

const LlamaWeights *_llama_model_get_weights (LlamaModel *model);
HvkOps             *_llama_model_get_ops     (LlamaModel *model);
HvkDevice          *_llama_model_get_device  (LlamaModel *model);

G_END_DECLS
