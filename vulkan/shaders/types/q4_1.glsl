// q4_1.glsl: Q4_1, blocks of 32 elements, 20 bytes: x = d · q + m.
#define QK 32
struct block_q4_1 {
  float16_t d;
  float16_t m;
  uint16_t  qs[8];      // u8 qs[16]: element j low nibble, element j+16 high nibble
};
#include "words.glsl"

// 20 bytes = 5 words: every block is word-aligned; word 0 holds d and m,
// words 1..4 the 16 quant bytes, whose nibble u is unit u.
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  vec2 dm = unpackHalf2x16 (w_words[5u * ib]);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[5u * ib + 1u + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dm.x * float ((p >> (8u * j)) & 15u) + dm.y;
  }
}
