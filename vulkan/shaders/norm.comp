#version 450
/* norm.comp: RMS norm (RMS_NORM) or layer norm (LAYER_NORM) of each row,
 * with an optional f32 weight (and, for layer norm, bias) fused.
 * One workgroup per row; the row's statistics are reduced in f32. */

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

#include "wg-reduce.glsl"

const uint HAS_WEIGHT = 1u;
const uint HAS_BIAS   = 2u;

layout(push_constant) uniform Push {
  uint  n;
  uint  rows;
  float eps;
  uint  flags;
} p;

layout(std430, binding = 0) readonly  buffer X { float x[]; };
layout(std430, binding = 1) readonly  buffer W { float weight[]; };
layout(std430, binding = 2) readonly  buffer B { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

void
main ()
{
  const uint row = gl_WorkGroupID.x;
  const uint tid = gl_LocalInvocationID.x;
  const uint base = row * p.n;

#ifdef LAYER_NORM
  float s = 0.0;
  for (uint i = tid; i < p.n; i += BLOCK)
    s += x[base + i];
  const float mean = wg_sum (s) / float (p.n);
  /* Variance around the mean (two passes) rather than E[x²] - mean²,
   * which cancels catastrophically for rows with a large mean. */
  float ss = 0.0;
  for (uint i = tid; i < p.n; i += BLOCK) {
    const float d = x[base + i] - mean;
    ss += d * d;
  }
#else
  const float mean = 0.0;
  float ss = 0.0;
  for (uint i = tid; i < p.n; i += BLOCK) {
    const float v = x[base + i];
    ss += v * v;
  }
#endif
  const float inv = inversesqrt (wg_sum (ss) / float (p.n) + p.eps);

  for (uint i = tid; i < p.n; i += BLOCK) {
    float v = (x[base + i] - mean) * inv;
    if ((p.flags & HAS_WEIGHT) != 0u)
      v *= weight[i];
    if ((p.flags & HAS_BIAS) != 0u)
      v += bias[i];
    y[base + i] = v;
  }
}
