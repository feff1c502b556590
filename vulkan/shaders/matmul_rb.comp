#version 450
// matmul_rb.comp: y[t][r] = Σ_k W[r][k]·x[t][k] for a batch of tokens
// (prefill), register-blocked for CPU drivers (lavapipe), which run a
// subgroup as SIMD lanes of one CPU thread but every load a thread makes as
// one scalar access per thread: loads, not arithmetic, set the speed.
// A workgroup is one subgroup of LANES threads; each thread owns ROWS weight
// rows (neighbouring threads, neighbouring rows) and the workgroup's TOKENS
// tokens. All threads walk the same 16-element unit of k together: each
// dequantizes its rows' unit once into registers and multiplies it with
// that unit of every token. A token's unit of x is loaded once per subgroup
// (UNIT / LANES floats per thread) and handed to every thread with
// subgroupBroadcast; each broadcast value feeds ROWS products. No shared
// memory, no barrier, no cross-thread reduction. Rows and tokens past the
// end read the last valid one and are not written, so control flow stays
// uniform.

#extension GL_KHR_shader_subgroup_ballot : require

#define TOKENS 8   // tokens per workgroup, kept in registers (unrolled)
#define ROWS 4     // weight rows per thread
#define LANES 8    // threads = subgroup size (ops-matmul.c checks)
layout(local_size_x = LANES) in;

#include "matmul-push.glsl"

#define W_BINDING 0
#include "quant.glsl"
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 2) writeonly buffer Y { float y[]; };

void main ()
{
  uint lane = gl_LocalInvocationID.x;
  uint tok0 = gl_WorkGroupID.y * TOKENS;
  // This thread's rows: neighbouring threads take neighbouring rows.
  uint row[ROWS], load_row[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; r++) {
    row[r] = gl_WorkGroupID.x * ROWS * LANES + r * LANES + lane;
    load_row[r] = min (row[r], pc.n_out - 1);
  }

  // Offsets of this workgroup's token rows of x (clamped to the last token).
  uint xrow[TOKENS];
  float acc[ROWS][TOKENS];
  [[unroll]] for (uint t = 0; t < TOKENS; t++) {
    xrow[t] = min (tok0 + t, pc.n_tokens - 1) * pc.n_in;
    [[unroll]] for (uint r = 0; r < ROWS; r++)
      acc[r][t] = 0.0;
  }

  uint n_units = (pc.n_in + UNIT - 1) / UNIT;
  for (uint unit = 0; unit < n_units; unit++) {
    float wv[ROWS][UNIT];
    [[unroll]] for (uint r = 0; r < ROWS; r++)
      load_unit (load_row[r], unit, pc.n_in, wv[r]);
    uint k0 = unit * UNIT;
    // This thread's share of the unit: elements lane, lane + LANES, ...
    // Past n_in (float weights only) the weights read as 0: keep x in bounds.
    uint kl[UNIT / LANES];
    [[unroll]] for (uint j = 0; j < UNIT / LANES; j++)
      kl[j] = min (k0 + lane + j * LANES, pc.n_in - 1);
    [[unroll]] for (uint t = 0; t < TOKENS; t++) {
      float mine[UNIT / LANES];
      [[unroll]] for (uint j = 0; j < UNIT / LANES; j++)
        mine[j] = X_ROUND (x[xrow[t] + kl[j]]);
      [[unroll]] for (uint i = 0; i < UNIT; i++) {
        float xi = subgroupBroadcast (mine[i / LANES], i % LANES);
        [[unroll]] for (uint r = 0; r < ROWS; r++)
          acc[r][t] += wv[r][i] * xi;
      }
    }
  }

  [[unroll]] for (uint r = 0; r < ROWS; r++)
    [[unroll]] for (uint t = 0; t < TOKENS; t++)
      if (row[r] < pc.n_out && tok0 + t < pc.n_tokens)
        y[(tok0 + t) * pc.y_stride + pc.row0 + row[r]] = acc[r][t];
}
