/* llama-model-private.h: a LlamaModel's weights on the device, the device
 * objects that run it, and the plan helpers with which an architecture
 * (arch-*.c) finds and checks its tensors; app/ sees only llama-model.h. */
#pragma once

#include "llama-model.h"
#include "weight-upload.h"

G_BEGIN_DECLS

typedef struct _LmArch LmArch;

typedef WeightMatrix LlamaMatrix;

/* n_expert matrices of one shape in one 3-D GGUF tensor, expert e's slab at
 * byte e · expert_bytes of view (experts are the slowest dimension). */
typedef struct {
  HvkType  type;
  HvkView  view;
  guint32  n_in;
  guint32  n_out;
  guint32  n_expert;
  guint64  expert_bytes;
} LlamaExperts;

typedef struct {
  HvkView      attn_norm;   /* f32 [n_embd] */
  LlamaMatrix  wq;          /* [n_head · head_dim_k][n_embd] */
  LlamaMatrix  wk;          /* [n_head_kv · head_dim_k][n_embd] */
  LlamaMatrix  wv;          /* [n_head_kv · head_dim_v][n_embd] */
  LlamaMatrix  wo;          /* [n_embd][n_head · head_dim_v] */
  HvkView      ffn_norm;    /* f32 [n_embd] */
  /* dense layers */
  LlamaMatrix  w_gate;      /* [n_ff][n_embd] */
  LlamaMatrix  w_up;        /* [n_ff][n_embd] */
  LlamaMatrix  w_down;      /* [n_embd][n_ff] */
  /* MoE layers (LlamaLayerConfig.moe) */
  LlamaMatrix  router;      /* [n_expert][n_embd]: ffn_gate_inp */
  LlamaExperts gate_exps;   /* [n_expert][n_ff_exp][n_embd] */
  LlamaExperts up_exps;     /* [n_expert][n_ff_exp][n_embd] */
  LlamaExperts down_exps;   /* [n_expert][n_embd][n_ff_exp] */
  LlamaMatrix  gate_shexp;  /* [n_ff_exp][n_embd]: the shared expert */
  LlamaMatrix  up_shexp;    /* [n_ff_exp][n_embd] */
  LlamaMatrix  down_shexp;  /* [n_embd][n_ff_exp] */
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
const LmArch       *_llama_model_get_arch    (LlamaModel *model);

/* ---- for the architectures' plan pass ----------------------------------------- */

/* The tensors of one file being planned for upload. */
typedef struct {
  GgufFile          *file;
  const LlamaConfig *cfg;
  WeightUpload      *upload;
} WeightPlan;

/* Reads "<arch>.<suffix>". FALSE with an error when the key has a bad type,
 * or when it is absent and required; an absent optional key leaves *out. */
gboolean _llama_read_u32 (GgufFile *file, const char *arch, const char *suffix, gboolean required,
                          guint32 *out, GError **error);
gboolean _llama_read_f32 (GgufFile *file, const char *arch, const char *suffix, float *out,
                          GError **error);

/* Whether the file has tensor name (to choose between layer kinds). */
gboolean _weight_plan_has    (WeightPlan *plan, const char *name);
/* A matrix W [n_out][n_in] of any type the kernels run. */
gboolean _weight_plan_matrix (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out,
                              LlamaMatrix *out, GError **error);
/* n_expert matrices [n_out][n_in] stacked in one 3-D tensor. */
gboolean _weight_plan_experts (WeightPlan *plan, const char *name, guint32 n_in, guint32 n_out,
                               guint32 n_expert, LlamaExperts *out, GError **error);
/* An f32 vector of n elements (norm weights, rope factors). */
gboolean _weight_plan_vector (WeightPlan *plan, const char *name, guint32 n, HvkView *out,
                              GError **error);

/* blk.<il>: attn_norm, attn_q/k/v/output (no biases) and ffn_norm, as
 * Llama-family files name them. */
gboolean _weight_plan_attention (WeightPlan *plan, const LlamaConfig *c, guint il,
                                 LlamaLayerWeights *l, GError **error);
/* blk.<il>: ffn_gate, ffn_up [n_ff][n_embd] and ffn_down [n_embd][n_ff]. */
gboolean _weight_plan_dense_ffn (WeightPlan *plan, const LlamaConfig *c, guint il,
                                 LlamaLayerWeights *l, GError **error);

G_END_DECLS
