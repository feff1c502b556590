// q4_k.glsl: Q4_K, super-blocks of 256 elements, 144 bytes: 8 sub-blocks
// of 32 with six-bit scale and min, x = d·scale · q - dmin·min.
#define QK 256
struct block_q4_K {
  float16_t d;
  float16_t dmin;
  uint16_t  scales[6];  // u8 scales[12]: 8 six-bit scales and 8 six-bit mins
  uint16_t  qs[64];     // u8 qs[128]
};
layout(binding = W_BINDING) readonly buffer WeightQ4_K { block_q4_K w_blocks[]; };
#define BLOCK_WORDS 36u   // 144 bytes: blocks stay 4-byte aligned, see w_words
#include "words.glsl"
#include "k-scales.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  // Sub-block s = u/2 of 32 elements; sub-blocks 2p and 2p+1 share the 32
  // bytes qs[32p..32p+32) as low and high nibbles.
  uint s = u / 2u;
  vec2 scaled = k_scale_min (ib, s) * k_d_dmin (ib);
  float dl = scaled.x;   // d · scale
  float ml = scaled.y;   // dmin · min
  // qs starts at byte 16 (word 4); this unit's 16 bytes at 32·(s/2) + 16·(u%2).
  uint q0 = ib * BLOCK_WORDS + 4u + (s / 2u) * 8u + (u % 2u) * 4u;
  uint shift = 4u * (s % 2u);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[q0 + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * float ((p >> (8u * j)) & 15u) - ml;
  }
}
