#version 450
/* argmax.comp: index of the largest value of each row, the lowest index on
 * ties. One workgroup per row. */

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

#include "wg-reduce.glsl"

layout(push_constant) uniform Push {
  uint n;
  uint rows;
} p;

layout(std430, binding = 0) readonly  buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer O { uint out_idx[]; };

void
main ()
{
  const uint base = gl_WorkGroupID.x * p.n;
  const uint tid = gl_LocalInvocationID.x;

  /* Scanning upwards with a strict '>' keeps each invocation's lowest
   * index of its maximum. */
  const float NEG_INF = uintBitsToFloat (0xff800000u);
  float best = NEG_INF;
  uint best_i = 0xffffffffu;
  for (uint i = tid; i < p.n; i += BLOCK) {
    const float v = x[base + i];
    if (best_i == 0xffffffffu || v > best) {
      best = v;
      best_i = i;
    }
  }

  /* -inf as the neutral value, so a row of -inf still has an argmax. */
  const float row_max = wg_max (best);
  const bool holds_max = best_i != 0xffffffffu && best == row_max;
  const uint idx = wg_min_u (holds_max ? best_i : 0xffffffffu);
  if (tid == 0u)
    out_idx[gl_WorkGroupID.x] = idx;
}
