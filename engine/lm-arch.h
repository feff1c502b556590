/* lm-arch.h: the language-model architectures Hearth runs, one registry
 * that the loader, the model catalog and the messages read.
 *
 * An architecture is one file (arch-llama.c, arch-llama4.c) with three
 * parts, as in llama.cpp's src/models/: its hyperparameters and layer
 * schedule, its tensors, and its forward pass, which reads top to bottom
 * over the graph helpers of lm-graph.h. Run state, KV cache, chunking,
 * inputs and the LM head are shared (lm-context.c). */
#pragma once

#include "llama-model-private.h"

G_BEGIN_DECLS

typedef struct _LmGraph LmGraph;

struct _LmArch {
  const char        *name;         /* general.architecture */
  const char *const *aliases;      /* other names with the same graph, NULL-terminated, or NULL */
  const char        *label;        /* for people: "Llama", "Llama 4" */
  gboolean           has_experts;  /* the family has mixture-of-experts models */
  gboolean           accepts_projector; /* a vision projector's embeddings may feed it */
  /* Reads the architecture's own keys and fills cfg->layers, after the keys
   * every architecture shares have been read into cfg. */
  gboolean (*read_config) (GgufFile *file, LlamaConfig *cfg, GError **error);
  /* Plans the tensors of layer il (may settle cfg->layers[il].moe from the
   * tensors present). */
  gboolean (*plan_layer)  (WeightPlan *plan, LlamaConfig *cfg, guint il, LlamaLayerWeights *l,
                           GError **error);
  /* Records every layer of one chunk: g->x holds its inputs, and holds the
   * last layer's output afterwards. Errors are sticky in g. */
  void     (*forward)     (LmGraph *g);
};

/* The architecture called name (or one of its aliases), or NULL. */
const LmArch *lm_arch_lookup (const char *name);
gboolean      lm_arch_is_runnable (const char *name);
/* "'llama', 'mistral', 'llama4'": the names for messages. */
char         *lm_arch_list_names (void);

/* Reads the hyperparameters of file (any registered architecture), without
 * tensors: enough to size a model. Free with lm_config_clear(). */
gboolean      lm_config_read  (GgufFile *file, LlamaConfig *cfg, GError **error);
void          lm_config_clear (LlamaConfig *cfg);
/* Bytes of the KV cache of a session of n_ctx positions. */
guint64       lm_config_kv_bytes (const LlamaConfig *cfg, guint64 n_ctx);

extern const LmArch lm_arch_llama;
extern const LmArch lm_arch_llama4;

G_END_DECLS
