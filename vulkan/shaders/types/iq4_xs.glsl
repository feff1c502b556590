// iq4_xs.glsl: IQ4_XS, super-blocks of 256 elements, 136 bytes: 8
// sub-blocks of 32 laid out as IQ4_NL's, each with a 6-bit scale,
// x = d·(scale - 32) · IQ4_NL_VALUES[nibble].
#define QK 256
struct block_iq4_xs {
  float16_t d;
  uint16_t  scales_h;   // bits 2s..2s+1: high bits of sub-block s's scale
  uint16_t  scales_l[2];// u8 scales_l[4]: nibble s of the 4 bytes: low bits of scale s
  uint16_t  qs[64];     // u8 qs[128]: 16 bytes per sub-block
};
#include "words.glsl"
#include "iq-tables.h"

const float iq4_nl_values[16] = float[16](IQ4_NL_VALUES);

// 136 bytes = 34 words: word 0 holds d and scales_h, word 1 scales_l,
// sub-block s's quants words 2 + 4s.. (unit u = 2s + nibble).
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  uint s = u / 2u;
  uint w0 = 34u * ib;
  uint head = w_words[w0];
  uint ls = ((w_words[w0 + 1u] >> (4u * s)) & 15u) | (((head >> (16u + 2u * s)) & 3u) << 4);
  float dl = unpackHalf2x16 (head).x * (float (ls) - 32.0);
  uint shift = 4u * (u % 2u);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[w0 + 2u + 4u * s + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * iq4_nl_values[(p >> (8u * j)) & 15u];
  }
}
