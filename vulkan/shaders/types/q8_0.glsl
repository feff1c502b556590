// q8_0.glsl: Q8_0, blocks of 32 elements, 34 bytes: x = d · q.
#define QK 32
struct block_q8_0 {
  float16_t d;
  uint16_t  qs[16];     // i8 qs[32]
};
layout(binding = W_BINDING) readonly buffer WeightQ8_0 { block_q8_0 w_blocks[]; };
#include "words.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  // Unit u's 16 quant bytes sit at bytes 2 + 16·u.. of the block.
  float d = float (w_blocks[ib].d);
  uint p[4];
  load_bytes16 (34u * ib + 2u + 16u * u, uint (w_blocks[ib].qs[8u * u + 7u]), p);
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * float (bitfieldExtract (int (p[i]), int (8u * j), 8));
}
