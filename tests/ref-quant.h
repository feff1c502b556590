/* ref-quant.h: scalar C reference for the weight types of hvk-ops.h:
 * block layouts as ggml stores them in GGUF, random blocks to test with,
 * dequantization and a matrix product in double. Written for clarity, not
 * speed, from the formats' definitions; shares no code with the shaders.
 * Block sizes come from hvk-types.def (test-matmul checks them against
 * ggml-types.c). */
#pragma once

#include <glib.h>

#include "hvk-ops.h"

G_BEGIN_DECLS

guint16  ref_f16_from_f32 (float f);
float    ref_f32_from_f16 (guint16 h);

/* Bytes of one row of n elements (n a multiple of the block size). */
gsize    ref_row_bytes (HvkType type, guint n);
/* n_out rows of n_in elements: random quants, scales d (and dmin) in
 * [0.001, 0.01]; floats in [-1, 1]. Free with g_free(). */
guint8  *ref_random_weights (HvkType type, guint n_in, guint n_out, guint32 seed);
/* out[0..n) = the n elements of one row. */
void     ref_dequant_row (HvkType type, const guint8 *row, guint n, float *out);
/* y[t][r] = Σ_k W[r][k]·x[t][k], accumulated in double from the
 * dequantized weights (for BF16 weights, x rounded to BF16 first, as the
 * kernels do); magnitude (may be NULL) gets Σ_k |W[r][k]·x[t][k]|. */
void     ref_matmul (HvkType type, const guint8 *w, const float *x, float *y, float *magnitude,
                     guint n_in, guint n_out, guint n_tokens);

G_END_DECLS
