// q3_k.glsl: Q3_K, super-blocks of 256 elements, 110 bytes: 16 sub-blocks of
// 16 (one unit each) with a signed 6-bit scale, x = d·(scale - 32) · q,
// q = 2 low bits - (the hmask bit ? 0 : 4).
#define QK 256
struct block_q3_K {
  uint16_t  hmask[16];  // u8 hmask[32]
  uint16_t  qs[32];     // u8 qs[64]
  uint16_t  scales[6];  // u8 scales[12]: 16 six-bit scales
  float16_t d;
};
layout(binding = W_BINDING) readonly buffer WeightQ3_K { block_q3_K w_blocks[]; };
#include "words.glsl"

// Byte k of the packed scales.
uint q3_k_scale_byte (uint ib, uint k)
{
  return uint (w_blocks[ib].scales[k / 2u]) >> (8u * (k % 2u));
}

// Unit u = half·8 + quarter·2 + (u % 2), as in Q2_K: qs bytes
// 32·half + 16·(u % 2).., bits 2·quarter; hmask bytes 16·(u % 2).., bit
// 4·half + quarter. Scale u: low 4 bits in byte u % 8 (nibble u / 8), high
// 2 bits in byte 8 + u % 4 (bits 2·(u / 4)).
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  uint half_ = u / 8u;
  uint quarter = (u % 8u) / 2u;
  uint l0 = (u % 2u) * 16u;
  uint b0 = 110u * ib;
  uint q[4], m[4];
  load_bytes16 (b0 + 32u + 32u * half_ + l0, uint (w_blocks[ib].qs[16u * half_ + l0 / 2u + 7u]), q);
  load_bytes16 (b0 + l0, uint (w_blocks[ib].hmask[l0 / 2u + 7u]), m);
  uint lo = (q3_k_scale_byte (ib, u % 8u) >> (4u * (u / 8u))) & 15u;
  uint hi = (q3_k_scale_byte (ib, 8u + u % 4u) >> (2u * (u / 4u))) & 3u;
  float dl = float (w_blocks[ib].d) * (float (lo | (hi << 4)) - 32.0);
  uint qshift = 2u * quarter;
  uint mshift = 4u * half_ + quarter;
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++) {
      float low = float ((q[i] >> (8u * j + qshift)) & 3u);
      float high = ((m[i] >> (8u * j + mshift)) & 1u) != 0u ? 0.0 : 4.0;
      v[4 * i + j] = dl * (low - high);
    }
}
