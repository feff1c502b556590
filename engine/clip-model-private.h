/* clip-model-private.h: a ClipModel's weights on the device and the
 * device objects that run it, for the encoder's graph (vision-encoder.c);
 * app/ sees only clip-model.h. */
#pragma once

#include "clip-model.h"
#include "weight-upload.h"

G_BEGIN_DECLS

typedef WeightMatrix ClipMatrix;

typedef struct {
  HvkView    ln1_w, ln1_b;      /* f32 [n_embd] */
  ClipMatrix q, k, v, out;      /* [n_embd][n_embd] */
  HvkView    q_b, k_b, v_b, out_b;
  HvkView    ln2_w, ln2_b;
  ClipMatrix up;                /* [n_ff][n_embd] (HF mlp.fc1) */
  HvkView    up_b;              /* f32 [n_ff] */
  ClipMatrix down;              /* [n_embd][n_ff] (HF mlp.fc2) */
  HvkView    down_b;
} ClipLayerWeights;

typedef struct {
  ClipMatrix        patch_embd;     /* conv as a matrix [n_embd][3 · patch²], input (c, ky, kx) */
  HvkView           patch_b;        /* f32 [n_embd] */
  HvkView           position_embd;  /* f32 [n_patches][n_embd] */
  ClipLayerWeights *layers;         /* [n_layer] */
  HvkView           post_ln_w, post_ln_b;
  ClipMatrix        proj;           /* mm.model.fc [projection_dim][n_embd · scale_factor²], no bias */
} ClipWeights;

const ClipWeights *_clip_model_get_weights (ClipModel *model);
HvkDevice         *_clip_model_get_device  (ClipModel *model);
HvkOps            *_clip_model_get_ops     (ClipModel *model);

G_END_DECLS
