#version 450
// matvec.comp: y[r] = Σ_k W[r][k]·x[k] for one token (decode). Memory-bound:
// each workgroup computes NUM_ROWS consecutive rows; its threads stride over
// the 16-element units of those rows, dequantize in registers and
// accumulate in f32; a subgroup sum (plus, unless ONE_SUBGROUP, one
// shared-memory step) reduces.
// Workgroups are numbered over x and y so more than 65535 of them fit.
//
// MUL_MAT_ID (mixture-of-experts): W holds experts expert0 .. expert0 +
// n_experts - 1 of a stack [expert][n_out][n_in], and workgroup z handles
// input row z: y[z][r] = Σ_k W[ids[z]][r][k]·x[z][k]. Rows routed to an
// expert outside the bound range are left to another dispatch. The expert
// ids never leave the device.

#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint NUM_ROWS = 2;
// True when the workgroup is exactly one subgroup (set only where the
// subgroup size is fixed): the subgroup sum is final and the shader needs no
// barrier, which CPU drivers run as a costly switch between invocations.
layout(constant_id = 2) const bool ONE_SUBGROUP = false;
layout(local_size_x_id = 0) in;

#include "matmul-push.glsl"

#define W_BINDING 0
#include "quant.glsl"
layout(binding = 1) readonly buffer X { float x[]; };
layout(binding = 1) readonly buffer X4 { vec4 x4[]; };   // x is 16-byte aligned (ops contract)
layout(binding = 2) writeonly buffer Y { float y[]; };
#ifdef MUL_MAT_ID
layout(binding = 3) readonly buffer Ids { int ids[]; };
#endif

// One partial sum per row and subgroup: WG <= 64 · subgroup size.
shared float partial[NUM_ROWS][64];

void main ()
{
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint row0 = group * NUM_ROWS;
  if (row0 >= pc.n_out)
    return;   // uniform across the workgroup
#ifdef MUL_MAT_ID
  const uint token = gl_WorkGroupID.z;
  const int expert = ids[token] - int (pc.expert0);
  if (expert < 0 || expert >= int (pc.n_experts))
    return;   // uniform: another dispatch binds this row's expert
  const uint w_row0 = uint (expert) * pc.n_out;
  const uint x_base = token * pc.n_in;
  const uint y_base = token * pc.y_stride;
  const bool x_aligned = (pc.n_in & 3u) == 0u;
#else
  const uint w_row0 = 0u, x_base = 0u, y_base = 0u;
  const bool x_aligned = true;
#endif

  float acc[NUM_ROWS];
  [[unroll]] for (uint r = 0; r < NUM_ROWS; r++)
    acc[r] = 0.0;

  uint n_units = (pc.n_in + UNIT - 1) / UNIT;
  for (uint unit = gl_LocalInvocationID.x; unit < n_units; unit += WG) {
    float xv[UNIT];
    uint k0 = unit * UNIT;
#ifdef WEIGHT_IS_FLOAT
    if (k0 + UNIT > pc.n_in || !x_aligned) {
      [[unroll]] for (uint i = 0; i < UNIT; i++)
        xv[i] = k0 + i < pc.n_in ? X_ROUND (x[x_base + k0 + i]) : 0.0;
    } else
#endif
    {
      [[unroll]] for (uint i = 0; i < UNIT / 4; i++) {
        vec4 q = X_ROUND (x4[(x_base + k0) / 4 + i]);
        xv[4 * i] = q.x; xv[4 * i + 1] = q.y; xv[4 * i + 2] = q.z; xv[4 * i + 3] = q.w;
      }
    }
    [[unroll]] for (uint r = 0; r < NUM_ROWS; r++) {
      if (row0 + r < pc.n_out) {
        float wv[UNIT];
        load_unit (w_row0 + row0 + r, unit, pc.n_in, wv);
        float s = 0.0;
        [[unroll]] for (uint i = 0; i < UNIT; i++)
          s += wv[i] * xv[i];
        acc[r] += s;
      }
    }
  }

  if (ONE_SUBGROUP) {
    [[unroll]] for (uint r = 0; r < NUM_ROWS; r++) {
      float s = subgroupAdd (acc[r]);
      if (subgroupElect () && row0 + r < pc.n_out)
        y[y_base + pc.row0 + row0 + r] = s;
    }
    return;
  }

  [[unroll]] for (uint r = 0; r < NUM_ROWS; r++) {
    float s = subgroupAdd (acc[r]);
    if (subgroupElect ())
      partial[r][gl_SubgroupID] = s;
  }
  barrier ();
  if (gl_LocalInvocationID.x < NUM_ROWS) {
    uint r = gl_LocalInvocationID.x;
    if (row0 + r < pc.n_out) {
      float s = 0.0;
      for (uint g = 0; g < gl_NumSubgroups; g++)
        s += partial[r][g];
      y[y_base + pc.row0 + row0 + r] = s;
    }
  }
}
