#version 450
// y = x * s, element-wise over n elements.

layout(local_size_x = 128, local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint  n;
  float s;
} p;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

void main ()
{
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint i = group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.n)
    return;
  y[i] = x[i] * p.s;
}
