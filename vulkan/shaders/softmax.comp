#version 450
/* softmax.comp: in place, per row, x = softmax(x · scale). One workgroup
 * per row; the row maximum is subtracted before exp so no term overflows. */

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

#include "wg-reduce.glsl"

layout(push_constant) uniform Push {
  uint  n;
  uint  rows;
  float scale;
  uint  pad;
} p;

layout(std430, binding = 0) buffer X { float x[]; };

void
main ()
{
  const uint base = gl_WorkGroupID.x * p.n;
  const uint tid = gl_LocalInvocationID.x;

  float m = WG_NEG_BIG;
  for (uint i = tid; i < p.n; i += BLOCK)
    m = max (m, x[base + i] * p.scale);
  m = wg_max (m);

  float s = 0.0;
  for (uint i = tid; i < p.n; i += BLOCK) {
    const float e = exp (x[base + i] * p.scale - m);
    x[base + i] = e;
    s += e;
  }
  const float inv = 1.0 / wg_sum (s);

  /* Each invocation rescales exactly the elements it wrote above. */
  for (uint i = tid; i < p.n; i += BLOCK)
    x[base + i] *= inv;
}
