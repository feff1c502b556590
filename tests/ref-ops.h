/* ref-ops.h: scalar C references for the kernels of vulkan/hvk-ops.h that
 * the ops tests compare against. Straightforward loops, accumulating in
 * double where the GPU accumulates in f32, so the reference is the more
 * accurate side. */
#pragma once

#include <glib.h>

/* IEEE binary16 conversions, round to nearest even. */
guint16 ref_f32_to_f16 (float f);
float   ref_f16_to_f32 (guint16 h);

/* weight/bias may be NULL. x, y: [rows][n]. */
void ref_rms_norm   (const float *x, const float *weight, float *y, guint n, guint rows, float eps);
void ref_layer_norm (const float *x, const float *weight, const float *bias, float *y,
                     guint n, guint rows, float eps);
/* In place, x: [rows][n]. */
void ref_softmax    (float *x, guint n, guint rows, float scale);
/* Index of the first largest value of x[n]. */
guint ref_argmax    (const float *x, guint n);

/* In place, x: [n_tokens][n_heads][head_dim]; factors: [n_rot/2] or NULL. */
void ref_rope (float *x, guint n_tokens, guint n_heads, guint head_dim, guint n_rot, guint pos0,
               float freq_base, float freq_scale, gboolean neox, const float *factors);

/* q, out: f32 [n_tokens][n_head][head_dim]; k, v: f16 [n_kv][n_head_kv][head_dim]. */
void ref_attention (const float *q, const guint16 *k, const guint16 *v, float *out,
                    guint n_tokens, guint n_kv, guint q_pos0, guint n_head, guint n_head_kv,
                    guint head_dim, float scale, gboolean causal);
/* The same with Llama 4's masks: chunk > 0 hides keys before
 * chunk·⌊P/chunk⌋ from the query at P; temp_scale > 0 scales that query by
 * 1 + temp_scale·ln(1 + ⌊(P+1)/temp_floor⌋). */
void ref_attention_masked (const float *q, const guint16 *k, const guint16 *v, float *out,
                           guint n_tokens, guint n_kv, guint q_pos0, guint n_head, guint n_head_kv,
                           guint head_dim, float scale, gboolean causal, guint chunk,
                           guint temp_floor, float temp_scale);

float ref_silu      (float x);
float ref_gelu_tanh (float x);
float ref_gelu_erf  (float x);
