#version 450
// matmul.comp: y[t][r] = Σ_k W[r][k]·x[t][k] for a batch of tokens
// (prefill). Each workgroup computes a tile of TM tokens × TN rows: per step
// of TK elements it dequantizes a TN×TK weight tile and loads a TM×TK
// activation tile into shared memory (12 KiB), then every thread
// accumulates a 4×4 block of the tile in f32. Rows and tokens past the end
// load as zeros and are not written.

#define TN 64    // weight rows per tile
#define TM 32    // tokens per tile
#define TK 32    // elements of k per step: two units
#define WG 128   // threads: (TN / 4) row lanes × (TM / 4) token lanes
layout(local_size_x = WG) in;

#include "matmul-push.glsl"

#define W_BINDING 0
#include "quant.glsl"
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

// k-major, so that in the k loop neighbouring threads read neighbouring
// words (one vector load on CPU drivers, distinct banks on GPUs).
shared float w_tile[TK][TN];
shared float x_tile[TK][TM];

void main ()
{
  uint tid = gl_LocalInvocationID.x;
  uint row_base = gl_WorkGroupID.x * TN;
  uint tok_base = gl_WorkGroupID.y * TM;
  // This thread's outputs: rows lane_r + 16·i, tokens lane_t + 8·j.
  uint lane_r = tid % (TN / 4);
  uint lane_t = tid / (TN / 4);

  float acc[4][4];
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      acc[i][j] = 0.0;

  uint n_units = (pc.n_in + UNIT - 1) / UNIT;
  for (uint k0 = 0; k0 < pc.n_in; k0 += TK) {
    // Weight tile: TN rows × 2 units, one unit per thread.
    {
      uint r = tid / 2;
      uint unit = k0 / UNIT + tid % 2;
      float wv[UNIT];
      if (row_base + r < pc.n_out && unit < n_units) {
        load_unit (row_base + r, unit, pc.n_in, wv);
      } else {
        [[unroll]] for (uint i = 0; i < UNIT; i++)
          wv[i] = 0.0;
      }
      [[unroll]] for (uint i = 0; i < UNIT; i++)
        w_tile[(tid % 2) * UNIT + i][r] = wv[i];
    }
    // Activation tile: TM × TK floats, TM·TK/WG per thread.
    [[unroll]] for (uint i = 0; i < TM * TK / WG; i++) {
      uint idx = tid + i * WG;
      uint t = idx / TK;
      uint kk = idx % TK;
      bool inside = tok_base + t < pc.n_tokens && k0 + kk < pc.n_in;
      x_tile[kk][t] = inside ? X_ROUND (x[(tok_base + t) * pc.n_in + k0 + kk]) : 0.0;
    }
    barrier ();

    for (uint kk = 0; kk < TK; kk++) {
      float a[4], b[4];
      [[unroll]] for (uint i = 0; i < 4; i++)
        a[i] = w_tile[kk][lane_r + 16 * i];
      [[unroll]] for (uint j = 0; j < 4; j++)
        b[j] = x_tile[kk][lane_t + 8 * j];
      [[unroll]] for (uint i = 0; i < 4; i++)
        [[unroll]] for (uint j = 0; j < 4; j++)
          acc[i][j] += a[i] * b[j];
    }
    barrier ();
  }

  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint r = row_base + lane_r + 16 * i;
    [[unroll]] for (uint j = 0; j < 4; j++) {
      uint t = tok_base + lane_t + 8 * j;
      if (r < pc.n_out && t < pc.n_tokens)
        y[t * pc.y_stride + pc.row0 + r] = acc[i][j];
    }
  }
}
