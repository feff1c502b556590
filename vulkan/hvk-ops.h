/* hvk-ops.h: the kernel set. Each op records one or more dispatches of an
 * embedded compute shader into a recorder. Activations are f32, the KV
 * cache is f16, weights are any HvkType exactly as stored in GGUF.
 *
 * Row-major everywhere: a matrix [rows][cols] has cols contiguous. Weights
 * follow GGUF/ggml: a weight of n_out rows holds n_in contiguous (possibly
 * quantized) elements per row, and y = W·x means y[r] = Σ_k W[r][k]·x[k].
 *
 * Ops that read a large tensor (weights, embedding tables) split their work
 * into dispatches whose bindings each stay within the device's
 * max_storage_buffer_range. Pipelines are created on first use; that is the
 * only way an op can fail, hence the GError. */
#pragma once

#include "hvk.h"
#include "hvk-types.h"

G_BEGIN_DECLS

/* A tensor: a buffer and a byte offset into it.
 *
 * Contract for every op: each view's offset is a multiple of the device's
 * min_storage_buffer_offset_alignment (HvkDeviceInfo); the engine lays out
 * its tensors to guarantee this. Ops assert it (programmer error). */
typedef struct {
  HvkBuffer *buffer;
  guint64    offset;
} HvkView;

typedef struct _HvkOps HvkOps;

HvkOps  *hvk_ops_new  (HvkDevice *device);
void     hvk_ops_free (HvkOps *ops);
HvkDevice *hvk_ops_get_device (HvkOps *ops);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HvkOps, hvk_ops_free)

/* ---- matrix products ------------------------------------------------------ */

/* y[t][r] = Σ_k W[r][k] · x[t][k]   for t < n_tokens, r < n_out, k < n_in.
 * W: [n_out][n_in] of wtype; x: f32 [n_tokens][n_in]; y: f32 [n_tokens][n_out].
 * n_tokens == 1 uses the matrix×vector kernel, larger batches the tiled
 * matrix×matrix kernel (on CPU drivers a register-blocked one). */
gboolean hvk_op_matmul (HvkOps *ops, HvkRecorder *rec, HvkType wtype, HvkView w,
                        HvkView x, HvkView y, guint n_in, guint n_out, guint n_tokens,
                        GError **error);

/* Mixture of experts, y[r] = W[ids[r]] · x[r] for r < n_rows:
 * W: [n_expert][n_out][n_in] of wtype (one contiguous slab per expert);
 * ids: i32 [n_rows], read on the device; x: f32 [n_rows][n_in];
 * y: f32 [n_rows][n_out]. n_rows <= max_workgroup_count[2]. */
gboolean hvk_op_matmul_id (HvkOps *ops, HvkRecorder *rec, HvkType wtype, HvkView w, guint n_expert,
                           HvkView ids, HvkView x, HvkView y, guint n_in, guint n_out, guint n_rows,
                           GError **error);

/* Llama 4 routing, per token t: the n_used experts with the largest
 * logits (raw, lowest index on ties), and for slot j with expert e_j:
 * ids[j][t] = e_j and xs[j][t] = sigmoid(logits[t][e_j]) · x[t].
 * logits: f32 [n_tokens][n_expert]; x: f32 [n_tokens][n_embd];
 * ids: i32 [n_used][n_tokens]; xs: f32 [n_used][n_tokens][n_embd]. */
gboolean hvk_op_moe_route (HvkOps *ops, HvkRecorder *rec, HvkView logits, HvkView x, HvkView ids,
                           HvkView xs, guint n_tokens, guint n_expert, guint n_used, guint n_embd,
                           GError **error);

/* out[i][c] = dequant(table[ids[i]][c]); table: [n_rows][n_cols] of type;
 * ids: i32 [n_ids]; out: f32 [n_ids][n_cols]. */
gboolean hvk_op_get_rows (HvkOps *ops, HvkRecorder *rec, HvkType type, HvkView table,
                          guint n_rows, guint n_cols, HvkView ids, HvkView out,
                          guint n_ids, GError **error);

/* ---- normalisation -------------------------------------------------------- */

/* y[r] = x[r] / sqrt(mean(x[r]²) + eps) · weight      (weight f32 [n], or NULL view) */
gboolean hvk_op_rms_norm   (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView weight, HvkView y,
                            guint n, guint rows, float eps, GError **error);
/* y[r] = (x[r] - mean) / sqrt(var + eps) · weight + bias   (either may be a NULL view) */
gboolean hvk_op_layer_norm (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView weight, HvkView bias,
                            HvkView y, guint n, guint rows, float eps, GError **error);
/* In place, per row: x = softmax(x · scale). */
gboolean hvk_op_softmax    (HvkOps *ops, HvkRecorder *rec, HvkView x, guint n, guint rows,
                            float scale, GError **error);

/* ---- positions and attention ---------------------------------------------- */

typedef enum {
  HVK_ROPE_NORMAL,  /* rotate adjacent pairs (x[2i], x[2i+1]): Llama GGUF layout */
  HVK_ROPE_NEOX,    /* rotate (x[i], x[i + n_rot/2]) */
} HvkRopeMode;

/* In place on x: f32 [n_tokens][n_heads][head_dim]; token t has position
 * pos0 + t. The first n_rot dims of each head rotate with
 * theta_i = pos · freq_scale · base^(-2i/n_rot) / factor_i, where factor_i
 * comes from freq_factors (f32 [n_rot/2]) or is 1 for a NULL view. */
gboolean hvk_op_rope (HvkOps *ops, HvkRecorder *rec, HvkView x, guint n_tokens, guint n_heads,
                      guint head_dim, guint n_rot, guint pos0, float freq_base, float freq_scale,
                      HvkRopeMode mode, HvkView freq_factors, GError **error);

/* Writes src f32 [n_tokens][width] as f16 into cache rows pos0..pos0+n_tokens-1
 * of cache f16 [n_ctx][width]. */
gboolean hvk_op_kv_store (HvkOps *ops, HvkRecorder *rec, HvkView src, HvkView cache,
                          guint width, guint pos0, guint n_tokens, GError **error);

/* out[t][h] = Σ_j softmax_j(scale · q[t][h]·k[j][h/g]) · v[j][h/g]
 * q: f32 [n_tokens][n_head][head_dim]; k, v: f16 [n_kv][n_head_kv][head_dim];
 * out: f32 [n_tokens][n_head][head_dim]; g = n_head / n_head_kv (grouped-query).
 * causal: query t sits at position q_pos0 + t and sees keys j <= q_pos0 + t;
 * otherwise every query sees all n_kv keys (vision encoders: pass f16 k/v). */
gboolean hvk_op_attention (HvkOps *ops, HvkRecorder *rec, HvkView q, HvkView k, HvkView v,
                           HvkView out, guint n_tokens, guint n_kv, guint q_pos0,
                           guint n_head, guint n_head_kv, guint head_dim, float scale,
                           gboolean causal, GError **error);

/* Which keys a query sees, and how its scores are scaled, beyond
 * hvk_op_attention's plain causal mask (query at position P = q_pos0 + t):
 *   chunk > 0:      only keys j >= chunk·⌊P/chunk⌋ (chunked local attention)
 *   temp_scale > 0: scores times 1 + temp_scale·ln(1 + ⌊(P+1)/temp_floor⌋),
 *                   the same as scaling q (Llama 4's NoPE temperature). */
typedef struct {
  gboolean causal;
  guint    chunk;
  guint    temp_floor;
  float    temp_scale;
} HvkAttentionMask;

gboolean hvk_op_attention_masked (HvkOps *ops, HvkRecorder *rec, HvkView q, HvkView k, HvkView v,
                                  HvkView out, guint n_tokens, guint n_kv, guint q_pos0,
                                  guint n_head, guint n_head_kv, guint head_dim, float scale,
                                  const HvkAttentionMask *mask, GError **error);

/* ---- element-wise --------------------------------------------------------- */

typedef enum {
  HVK_UNARY_SILU,
  HVK_UNARY_GELU_TANH,
  HVK_UNARY_GELU_ERF,
} HvkUnary;

/* y = act(x), n elements (y may alias x). */
gboolean hvk_op_unary  (HvkOps *ops, HvkRecorder *rec, HvkUnary act, HvkView x, HvkView y,
                        guint64 n, GError **error);
/* y = act(gate) · up, n elements (SwiGLU / GeGLU). */
gboolean hvk_op_gated  (HvkOps *ops, HvkRecorder *rec, HvkUnary act, HvkView gate, HvkView up,
                        HvkView y, guint64 n, GError **error);
/* y = a + b and y = a · b, a: f32 [rows][n]; b: f32 [rows][n] or, with
 * b_rows == 1, one row broadcast over all rows (bias, per-channel weight). */
gboolean hvk_op_add    (HvkOps *ops, HvkRecorder *rec, HvkView a, HvkView b, HvkView y,
                        guint n, guint rows, guint b_rows, GError **error);
gboolean hvk_op_mul    (HvkOps *ops, HvkRecorder *rec, HvkView a, HvkView b, HvkView y,
                        guint n, guint rows, guint b_rows, GError **error);
/* y = x · s, n elements. */
gboolean hvk_op_scale  (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView y, guint64 n,
                        float s, GError **error);
/* out: u32 [rows]: index of the largest value of each row of x f32 [rows][n]
 * (lowest index on ties). */
gboolean hvk_op_argmax (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView out, guint n,
                        guint rows, GError **error);

/* ---- vision ---------------------------------------------------------------- */

/* Pixel shuffle (space-to-depth) per tile: x f32 [n_tiles][grid·grid][d]
 * (patches row-major) -> y f32 [n_tiles][(grid/s)²][d·s²] with
 * y[t][Y·grid/s + X][e + d·(dx + s·dy)] = x[t][(s·Y + dy)·grid + s·X + dx][e].
 * grid must be a multiple of s; both tensors within one binding range. */
gboolean hvk_op_pixel_shuffle (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView y, guint n_tiles,
                               guint grid, guint d, guint s, GError **error);

G_END_DECLS
