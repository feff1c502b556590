/* cli-make-model-private.h: the GGUF writing of hearth-cli make-model
 * (cli-make-model.c), shared with the writer of SmolVLM2 pairs
 * (cli-make-model-vision.c). */
#pragma once

#include <glib.h>

#include "ggml-types.h"

G_BEGIN_DECLS

/* --type q4_k_m: not a tensor type but llama-quantize's mix (an id no ggml
 * type uses). */
#define MAKE_MODEL_Q4_K_M ((GgmlType) 0x7fff)

/* The shape of a Llama text model. */
typedef struct {
  const char *name;
  guint32 n_embd, n_ff, n_layer, n_head, n_head_kv, head_dim, n_vocab;
  float   rope_base;
  gboolean tied;
  const char *arch;         /* general.architecture (NULL: llama) */
  const char *size_label;   /* general.size_label, or NULL */
  guint32 n_expert, n_expert_used, n_ff_exp, moe_step;  /* llama4 only */
} Preset;

typedef struct {
  char    name[64];
  guint64 ne0, ne1;       /* ne1 == 0: a vector */
  guint64 ne2, ne3;       /* 0: fewer than three / four dimensions */
  GgmlType type;
  guint64 offset;
  guint64 n_bytes;
} TensorSpec;

/* Appends a tensor of ne0 × ne1 × ne2 × ne3 (trailing zeros: fewer
 * dimensions) after the last one in specs, aligned. */
void     add_tensor_nd  (GArray *specs, const char *name, guint64 ne0, guint64 ne1, guint64 ne2,
                         guint64 ne3, GgmlType type);
/* A Llama model's tensors (TensorSpec) for ftype (a tensor type or
 * MAKE_MODEL_Q4_K_M). */
GArray  *plan_tensors   (const Preset *p, guint n_layer, GgmlType ftype);
/* The header of that model; extra_kv (may be NULL) holds n_extra_kv more
 * key-value pairs, written by the kv_*() functions. */
GString *build_header   (const Preset *p, guint n_layer, GArray *specs, const GString *extra_kv,
                         guint n_extra_kv);

void     put            (GString *s, const void *data, gsize n);
void     put_str        (GString *s, const char *str);
void     kv_u32         (GString *s, const char *key, guint32 v);
void     kv_f32         (GString *s, const char *key, float v);
void     kv_str         (GString *s, const char *key, const char *v);
/* Each tensor's name, dimensions, type and offset, then padding to the
 * data section's alignment. */
void     put_tensor_infos (GString *s, GArray *specs);

/* Writes header, then every tensor of specs filled with random values
 * from seed (norm vectors 1.0, matrices small). */
gboolean write_model    (const char *path, GString *header, GArray *specs, guint32 seed,
                         GError **error);

/* hearth-cli make-model --preset smolvlm2-*: a text model and its
 * projector. Returns the exit status, or -1 when name is no such preset. */
int      make_smolvlm2_pair (const char *name, const char *out_path, const char *mmproj_path,
                             const char *tokenizer_path, GgmlType ftype, guint n_layer,
                             guint32 seed);

G_END_DECLS
