// q5_1.glsl: Q5_1, blocks of 32 elements, 24 bytes: x = d · q + m, q of 5
// bits as in Q5_0.
#define QK 32
struct block_q5_1 {
  float16_t d;
  float16_t m;
  uint16_t  qh[2];      // u32 qh
  uint16_t  qs[8];      // u8 qs[16]
};
#include "words.glsl"

// 24 bytes = 6 words: word 0 holds d and m, word 1 qh, words 2..5 qs.
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  uint w0 = 6u * ib;
  vec2 dm = unpackHalf2x16 (w_words[w0]);
  uint qh = w_words[w0 + 1u] >> (16u * u);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[w0 + 2u + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dm.x * float (((p >> (8u * j)) & 15u) | (((qh >> (4u * i + j)) & 1u) << 4)) + dm.y;
  }
}
