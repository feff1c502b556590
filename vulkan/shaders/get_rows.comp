#version 450
// get_rows.comp: out[i] = dequant(table[ids[i]]) for the ids whose row lies
// in this dispatch's slice of the table [row0, row0 + n_rows). One thread
// per 16-element unit of a row; workgroups over y (and a loop) cover ids.

layout(local_size_x = 64) in;

// Mirrored by GetRowsPush in ops-matmul.c.
layout(push_constant) uniform Push {
  uint n_cols;
  uint row0;      // first table row bound in this dispatch
  uint n_rows;    // table rows bound in this dispatch
  uint n_ids;
} pc;

#define W_BINDING 0
#include "quant.glsl"
layout(binding = 1) readonly buffer Ids { int ids[]; };
layout(binding = 2) writeonly buffer Out { float out_[]; };

void main ()
{
  uint unit = gl_GlobalInvocationID.x;
  if (unit * UNIT >= pc.n_cols)
    return;
  for (uint i = gl_WorkGroupID.y; i < pc.n_ids; i += gl_NumWorkGroups.y) {
    int id = ids[i];
    // Ids outside this slice belong to another dispatch (or to no row).
    if (id < int (pc.row0) || id >= int (pc.row0 + pc.n_rows))
      continue;
    float v[UNIT];
    load_unit (uint (id) - pc.row0, unit, pc.n_cols, v);
    uint base = i * pc.n_cols + unit * UNIT;
    [[unroll]] for (uint j = 0; j < UNIT; j++)
      if (unit * UNIT + j < pc.n_cols)
        out_[base + j] = v[j];
  }
}
