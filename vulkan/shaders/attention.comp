#version 450
/* attention.comp: softmax(scale · q·kᵀ) · v for one query row per
 * workgroup: workgroup (h, t) handles query head h of token t.
 *
 * Keys are processed in blocks of BLOCK with an online softmax (running
 * max m, running sum l, output rescaled by exp(m_old - m_new)), so one
 * workgroup streams any number of keys in O(BLOCK + head_dim) memory:
 *   - invocation i scores key (block + i) against q (kept in shared memory),
 *   - the block's max and exp-sum are workgroup reductions,
 *   - invocation d accumulates output dims d, d + BLOCK, ... over the block
 *     (reads of v rows are contiguous across the workgroup).
 * Everything accumulates in f32; k and v are f16 [n_kv][n_head_kv][head_dim]. */
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

#include "wg-reduce.glsl"

/* head_dim <= BLOCK · ACC_SLOTS, checked on the host. */
#define ACC_SLOTS 4
#define MAX_HEAD_DIM 512

layout(push_constant) uniform Push {
  uint  n_kv;
  uint  q_pos0;
  uint  n_head;
  uint  n_head_kv;
  uint  head_dim;
  float scale;
  uint  causal;
  uint  pad;
} p;

layout(std430, binding = 0) readonly  buffer Q { float q[]; };
layout(std430, binding = 1) readonly  buffer K { float16_t k[]; };
layout(std430, binding = 2) readonly  buffer V { float16_t v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };

shared float sh_q[MAX_HEAD_DIM];
shared float sh_p[BLOCK];

void
main ()
{
  const uint h = gl_WorkGroupID.x;
  const uint t = gl_WorkGroupID.y;
  const uint tid = gl_LocalInvocationID.x;
  const uint hk = h / (p.n_head / p.n_head_kv);
  const uint q_base = (t * p.n_head + h) * p.head_dim;
  const uint kv_stride = p.n_head_kv * p.head_dim;   /* between keys j and j+1 */
  const uint kv_base = hk * p.head_dim;
  const uint n_visible = p.causal != 0u ? min (p.n_kv, p.q_pos0 + t + 1u) : p.n_kv;

  for (uint d = tid; d < p.head_dim; d += BLOCK)
    sh_q[d] = q[q_base + d] * p.scale;
  barrier ();

  float m = WG_NEG_BIG;
  float l = 0.0;
  float acc[ACC_SLOTS];
  [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++)
    acc[s] = 0.0;

  for (uint block = 0; block < n_visible; block += BLOCK) {
    const uint j = block + tid;
    float score = WG_NEG_BIG;
    if (j < n_visible) {
      const uint kb = j * kv_stride + kv_base;
      float dot = 0.0;
      for (uint d = 0; d < p.head_dim; d++)
        dot += sh_q[d] * float (k[kb + d]);
      score = dot;
    }
    const float m_new = max (m, wg_max (score));
    const float e = j < n_visible ? exp (score - m_new) : 0.0;
    sh_p[tid] = e;
    /* wg_sum's barriers also publish sh_p to the whole workgroup. */
    const float block_sum = wg_sum (e);
    const float correction = exp (m - m_new);
    l = l * correction + block_sum;
    m = m_new;

    const uint n_in_block = min (BLOCK, n_visible - block);
    [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++) {
      const uint d = tid + s * BLOCK;
      if (d < p.head_dim) {
        float a = acc[s] * correction;
        uint vb = block * kv_stride + kv_base + d;
        for (uint jj = 0; jj < n_in_block; jj++, vb += kv_stride)
          a += sh_p[jj] * float (v[vb]);
        acc[s] = a;
      }
    }
    barrier ();   /* sh_p is rewritten by the next block */
  }

  const float inv_l = 1.0 / l;
  [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++) {
    const uint d = tid + s * BLOCK;
    if (d < p.head_dim)
      o[q_base + d] = acc[s] * inv_l;
  }
}
