// q5_k.glsl: Q5_K, super-blocks of 256 elements, 176 bytes: Q4_K plus a
// fifth bit per element in qh.
#define QK 256
struct block_q5_K {
  float16_t d;
  float16_t dmin;
  uint16_t  scales[6];  // u8 scales[12], as in Q4_K
  uint16_t  qh[16];     // u8 qh[32]: bit s of qh[l] is the 5th bit of sub-block s, element l
  uint16_t  qs[64];     // u8 qs[128]
};
layout(binding = W_BINDING) readonly buffer WeightQ5_K { block_q5_K w_blocks[]; };
#define BLOCK_WORDS 44u   // 176 bytes
#include "words.glsl"
#include "k-scales.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  uint s = u / 2u;
  vec2 scaled = k_scale_min (ib, s) * k_d_dmin (ib);
  float dl = scaled.x;   // d · scale
  float ml = scaled.y;   // dmin · min
  // qh starts at byte 16 (word 4), qs at byte 48 (word 12).
  uint q0 = ib * BLOCK_WORDS + 12u + (s / 2u) * 8u + (u % 2u) * 4u;
  uint h0 = ib * BLOCK_WORDS + 4u + (u % 2u) * 4u;
  uint shift = 4u * (s % 2u);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[q0 + i] >> shift;
    uint h = w_words[h0 + i] >> s;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * float (((p >> (8u * j)) & 15u) | (((h >> (8u * j)) & 1u) << 4)) - ml;
  }
}
