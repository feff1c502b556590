#version 450
/* attention.comp: out = softmax(scale · q·kᵀ) · v over an f16 KV cache,
 * flash-attention style.
 *
 * Rows: query row R = t · g + (h mod g) of KV head hk = h / g, where
 * g = n_head / n_head_kv. Workgroup (hk, tile) handles the TILE = 4 rows
 * tile·4 .. tile·4+3 of KV head hk together, one per vec4 lane, so every
 * key and value row read from memory serves four queries: the g heads of
 * one token in decode (grouped-query attention), consecutive tokens in
 * prefill.
 *
 * Keys are streamed in blocks of BLOCK with an online softmax (running max
 * m, running sum l, the output rescaled by exp(m_old - m_new)), so any
 * number of keys runs in O(BLOCK + head_dim) memory:
 *   - invocation i scores key (block + i) against the four queries (q in
 *     shared memory),
 *   - each row's block max and exp-sum are workgroup reductions of vec4s,
 *   - invocation d accumulates output dims d, d + BLOCK, ... of the four
 *     rows (reads of a v row are contiguous across the workgroup).
 * Everything accumulates in f32. HEAD_DIM_X8 (head_dim a multiple of 8,
 * every real model) reads k 16 bytes at a time.
 *
 * Masks: causal (a query at position P sees keys j <= P); with chunk > 0
 * also j >= chunk·⌊P/chunk⌋ (Llama 4's chunked attention: position 8192
 * sees only itself). temp_scale > 0 multiplies the query at P by
 * 1 + temp_scale·ln(1 + ⌊(P+1)/temp_floor⌋) (Llama 4's NoPE layers). */
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

#include "wg-reduce.glsl"

/* head_dim <= MAX_HEAD_DIM <= BLOCK · ACC_SLOTS, checked on the host. */
#define ACC_SLOTS 4
#define MAX_HEAD_DIM 256
#define TILE 4

layout(push_constant) uniform Push {
  uint  n_tokens;
  uint  n_kv;
  uint  q_pos0;
  uint  n_head;
  uint  n_head_kv;
  uint  head_dim;
  float scale;
  uint  causal;
  uint  chunk;
  uint  temp_floor;
  float temp_scale;
  uint  pad0;
} p;

layout(std430, binding = 0) readonly  buffer Q { float q[]; };
#ifdef HEAD_DIM_X8
layout(std430, binding = 1) readonly  buffer K { uvec4 k8[]; };   /* 8 f16 each */
#else
layout(std430, binding = 1) readonly  buffer K { float16_t k[]; };
#endif
layout(std430, binding = 2) readonly  buffer V { float16_t v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };

shared vec4 sh_q[MAX_HEAD_DIM];   /* [d][row], scaled */
shared vec4 sh_p[BLOCK];          /* [key in block][row] */

void
main ()
{
  const uint hk = gl_WorkGroupID.x;
  const uint tid = gl_LocalInvocationID.x;
  const uint g = p.n_head / p.n_head_kv;
  const uint kv_stride = p.n_head_kv * p.head_dim;   /* between keys j and j+1 */
  const uint kv_base = hk * p.head_dim;

  /* Where each of the four rows reads q and writes out, and which keys
   * first .. n_vis - 1 it sees (none for rows past the end, which are
   * computed and dropped), and its query scale. */
  uint q_base[TILE];
  uvec4 n_vis = uvec4 (0u);
  uvec4 first = uvec4 (0u);
  vec4 q_scale = vec4 (p.scale);
  uint min_first = 0xffffffffu;
  [[unroll]] for (uint r = 0; r < TILE; r++) {
    const uint row = gl_WorkGroupID.y * TILE + r;
    const uint t = row / g;
    const uint pos = p.q_pos0 + t;
    q_base[r] = (t * p.n_head + hk * g + row % g) * p.head_dim;
    if (t < p.n_tokens) {
      n_vis[r] = p.causal != 0u ? min (p.n_kv, pos + 1u) : p.n_kv;
      first[r] = p.chunk > 0u ? pos / p.chunk * p.chunk : 0u;
      min_first = min (min_first, first[r]);
      if (p.temp_scale > 0.0)
        q_scale[r] *= 1.0 + p.temp_scale * log (1.0 + float ((pos + 1u) / p.temp_floor));
    }
  }
  const uint max_vis = max (max (n_vis.x, n_vis.y), max (n_vis.z, n_vis.w));

  for (uint d = tid; d < p.head_dim; d += BLOCK) {
    vec4 qd = vec4 (0.0);
    [[unroll]] for (uint r = 0; r < TILE; r++)
      if (n_vis[r] > 0u)
        qd[r] = q[q_base[r] + d] * q_scale[r];
    sh_q[d] = qd;
  }
  barrier ();

  vec4 m = vec4 (WG_NEG_BIG);
  vec4 l = vec4 (0.0);
  vec4 acc[ACC_SLOTS];
  [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++)
    acc[s] = vec4 (0.0);

  for (uint block = min_first; block < max_vis; block += BLOCK) {
    const uint j = block + tid;
    const bvec4 visible = bvec4 (uvec4 (lessThan (uvec4 (j), n_vis)) &
                                 uvec4 (greaterThanEqual (uvec4 (j), first)));
    vec4 score = vec4 (WG_NEG_BIG);
    if (j < max_vis) {
      const uint kb = j * kv_stride + kv_base;
      vec4 qk = vec4 (0.0);
#ifdef HEAD_DIM_X8
      for (uint d = 0; d < p.head_dim; d += 8u) {
        const uvec4 w = k8[(kb + d) / 8u];
        const vec2 k01 = unpackHalf2x16 (w.x), k23 = unpackHalf2x16 (w.y);
        const vec2 k45 = unpackHalf2x16 (w.z), k67 = unpackHalf2x16 (w.w);
        qk += sh_q[d] * k01.x + sh_q[d + 1u] * k01.y + sh_q[d + 2u] * k23.x
            + sh_q[d + 3u] * k23.y + sh_q[d + 4u] * k45.x + sh_q[d + 5u] * k45.y
            + sh_q[d + 6u] * k67.x + sh_q[d + 7u] * k67.y;
      }
#else
      for (uint d = 0; d < p.head_dim; d++)
        qk += sh_q[d] * float (k[kb + d]);
#endif
      score = mix (score, qk, visible);
    }
    const vec4 m_new = max (m, wg_max4 (score));
    /* Masked keys weigh exactly 0, also for a row that has seen no key
     * yet (m_new still WG_NEG_BIG, where exp(score - m_new) would be 1). */
    const vec4 e = mix (vec4 (0.0), exp (score - m_new), visible);
    sh_p[tid] = e;
    /* wg_sum4's barriers also publish sh_p to the whole workgroup. */
    const vec4 block_sum = wg_sum4 (e);
    const vec4 correction = exp (m - m_new);
    l = l * correction + block_sum;
    m = m_new;

    const uint n_in_block = min (BLOCK, max_vis - block);
    [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++) {
      const uint d = tid + s * BLOCK;
      if (d < p.head_dim) {
        vec4 a = acc[s] * correction;
        uint vb = block * kv_stride + kv_base + d;
        for (uint jj = 0; jj < n_in_block; jj++, vb += kv_stride)
          a += sh_p[jj] * float (v[vb]);
        acc[s] = a;
      }
    }
    barrier ();   /* sh_p is rewritten by the next block */
  }

  [[unroll]] for (uint s = 0; s < ACC_SLOTS; s++) {
    const uint d = tid + s * BLOCK;
    if (d < p.head_dim) {
      const vec4 out_d = acc[s] / l;
      [[unroll]] for (uint r = 0; r < TILE; r++)
        if (n_vis[r] > 0u)
          o[q_base[r] + d] = out_d[r];
    }
  }
}
