// q5_0.glsl: Q5_0, blocks of 32 elements, 22 bytes: x = d · (q - 16), q of
// 5 bits: the low 4 as in Q4_0, bit e of qh the 5th bit of element e.
#define QK 32
struct block_q5_0 {
  float16_t d;
  uint16_t  qh[2];      // u32 qh, little endian
  uint16_t  qs[8];      // u8 qs[16]: element j low nibble, element j+16 high nibble
};
layout(binding = W_BINDING) readonly buffer WeightQ5_0 { block_q5_0 w_blocks[]; };
#include "words.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  float d = float (w_blocks[ib].d);
  // Unit u's 5th bits: qh bits 16·u..16·u+15.
  uint qh = uint (w_blocks[ib].qh[u]);
  // The 16 quant bytes sit at bytes 6..21 of the block.
  uint p[4];
  load_bytes16 (22u * ib + 6u, uint (w_blocks[ib].qs[7]), p);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * (float (((p[i] >> (8u * j + shift)) & 15u) |
                                 (((qh >> (4u * i + j)) & 1u) << 4)) - 16.0);
}
