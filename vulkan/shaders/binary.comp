#version 450
// y = a + b (OP_ADD) or y = a * b (OP_MUL), element-wise over n elements.
// b either matches a, or (broadcast) is one row of row_len elements repeated
// over every row of a; first_col is the column of a's first element here.

layout(local_size_x = 128, local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint n;
  uint row_len;
  uint broadcast;
  uint first_col;
} p;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };

void main ()
{
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint i = group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.n)
    return;
  uint j = p.broadcast != 0 ? (p.first_col + i) % p.row_len : i;
#if defined(OP_ADD)
  y[i] = a[i] + b[j];
#elif defined(OP_MUL)
  y[i] = a[i] * b[j];
#else
#error "define OP_ADD or OP_MUL"
#endif
}
