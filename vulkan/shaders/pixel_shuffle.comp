#version 450
// Pixel shuffle (space-to-depth) of vision patches, per tile:
// x f32 [n_tiles][grid·grid][d] -> y f32 [n_tiles][(grid/s)²][d·s·s] with
// y[t][Y·(grid/s) + X][e + d·(dx + s·dy)] = x[t][(s·Y + dy)·grid + s·X + dx][e].
// One invocation per output element.

layout(local_size_x = 256, local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint n;      // elements in all tiles
  uint d;      // features per patch
  uint grid;   // patches per tile side
  uint s;      // scale factor
} p;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };

void main ()
{
  uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  uint i = group * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= p.n)
    return;

  uint tile_len = p.grid * p.grid * p.d;
  uint out_len = p.d * p.s * p.s;
  uint tile = i / tile_len;
  uint r = i - tile * tile_len;
  uint token = r / out_len;
  uint f = r - token * out_len;
  uint e = f % p.d;
  uint q = f / p.d;
  uint dx = q % p.s;
  uint dy = q / p.s;
  uint side = p.grid / p.s;
  uint ty = token / side;
  uint tx = token - ty * side;
  uint src = (p.s * ty + dy) * p.grid + p.s * tx + dx;
  y[i] = x[tile * tile_len + src * p.d + e];
}
