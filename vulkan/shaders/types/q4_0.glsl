// q4_0.glsl: Q4_0, blocks of 32 elements, 18 bytes: x = d · (q - 8).
#define QK 32
struct block_q4_0 {
  float16_t d;
  uint16_t  qs[8];      // u8 qs[16]: element j low nibble, element j+16 high nibble
};
layout(binding = W_BINDING) readonly buffer WeightQ4_0 { block_q4_0 w_blocks[]; };
#include "words.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  // The 16 quant bytes sit at bytes 2..17 of the block; unit u takes
  // nibble u of each.
  float d = float (w_blocks[ib].d);
  uint p[4];
  load_bytes16 (18u * ib + 2u, uint (w_blocks[ib].qs[7]), p);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * (float ((p[i] >> (8u * j + shift)) & 15u) - 8.0);
}
