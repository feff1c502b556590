/* llama-model.h: a Llama-family model (a GGUF architecture of the registry
 * in lm-arch.h: `llama`, `mistral`, `llama4`) with its weights on the Vulkan
 * device.
 *
 * Three parts, kept apart as in llama2.c: LlamaConfig (hyperparameters from
 * the GGUF metadata), LlamaWeights (device views of every tensor, in
 * llama-model-private.h for the engine's graphs) and, in llama-context.h,
 * the run state of one session. */
#pragma once

#include <gio/gio.h>

#include "gguf.h"
#include "hearth-devices.h"

G_BEGIN_DECLS

/* What one layer does, decided when the model loads: the architecture's
 * layer schedule, and the tensors present for the FFN. */
typedef struct {
  guint    use_rope : 1;     /* rotate q and k (NoPE layers do not) */
  guint    qk_norm  : 1;     /* weightless RMS norm of each q and k head after RoPE */
  guint    moe      : 1;     /* routed experts plus a shared expert instead of a dense FFN */
  guint32  attn_chunk;       /* 0: causal over every key; else a query at p sees keys
                              * in [chunk·⌊p/chunk⌋, p] */
  float    attn_temp_scale;  /* 0, or the NoPE query temperature
                              * 1 + scale·ln(1 + ⌊(p+1)/attn_temp_floor⌋) */
} LlamaLayerConfig;

typedef struct {
  char    *arch;            /* general.architecture, a name of lm-arch.c's registry */
  guint32  n_layer;         /* block_count */
  guint32  n_embd;          /* embedding_length */
  guint32  n_ff;            /* feed_forward_length */
  guint32  n_head;          /* attention.head_count */
  guint32  n_head_kv;       /* attention.head_count_kv (= n_head without GQA) */
  guint32  head_dim_k;      /* attention.key_length, default n_embd / n_head */
  guint32  head_dim_v;      /* attention.value_length, default n_embd / n_head */
  guint32  n_rot;           /* rope.dimension_count, default head_dim_k */
  guint32  n_vocab;         /* rows of token_embd */
  guint32  n_ctx_train;     /* context_length */
  float    rope_freq_base;  /* rope.freq_base, default 10000 */
  float    rope_freq_scale; /* 1 / rope.scaling.factor for linear scaling, else 1 */
  float    rms_eps;         /* attention.layer_norm_rms_epsilon */
  guint32  n_expert;        /* expert_count: routed experts per MoE layer (0: dense model) */
  guint32  n_expert_used;   /* expert_used_count: experts each token runs (top-k) */
  guint32  n_ff_exp;        /* expert_feed_forward_length: width of each expert and the shared one */
  guint32  attn_temp_floor; /* positions per step of the NoPE query temperature */
  LlamaLayerConfig *layers; /* [n_layer] */
} LlamaConfig;

typedef struct _LlamaModel LlamaModel;

/* Called after each tensor is uploaded. */
typedef void (*LlamaProgressFunc) (guint64 done_bytes, guint64 total_bytes, gpointer user_data);

/* Reads the hyperparameters of file, validates every tensor's type and
 * shape against them and uploads the weights straight from the mapping
 * (file may be freed afterwards). Errors: HEARTH_ENGINE_ERROR_UNSUPPORTED
 * (architecture, tensor type, rope scaling), _CORRUPT_FILE (missing key or
 * tensor, wrong shape), _CANCELLED; HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY. */
LlamaModel         *llama_model_load (HearthDevice *device, GgufFile *file,
                                      LlamaProgressFunc progress, gpointer user_data,
                                      GCancellable *cancellable, GError **error);
void                llama_model_free (LlamaModel *model);
const LlamaConfig  *llama_model_get_config  (LlamaModel *model);
/* Bytes of weights held on the device. */
guint64             llama_model_get_weight_bytes (LlamaModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LlamaModel, llama_model_free)

G_END_DECLS
