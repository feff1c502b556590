#version 450
// dst = src, 16 bytes per invocation: the device's memory bandwidth as a
// plain streaming read and write (hvk-bandwidth.c).

layout(local_size_x = 256, local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint n;   // uvec4 elements
} p;

layout(std430, binding = 0) readonly buffer Src { uvec4 src[]; };
layout(std430, binding = 1) writeonly buffer Dst { uvec4 dst[]; };

void main ()
{
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint i = group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i < p.n)
    dst[i] = src[i];
}
