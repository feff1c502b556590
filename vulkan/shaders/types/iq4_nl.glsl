// iq4_nl.glsl: IQ4_NL, blocks of 32 elements, 18 bytes laid out as Q4_0:
// x = d · IQ4_NL_VALUES[nibble].
#define QK 32
struct block_iq4_nl {
  float16_t d;
  uint16_t  qs[8];      // u8 qs[16]: element j low nibble, element j+16 high nibble
};
layout(binding = W_BINDING) readonly buffer WeightIQ4_NL { block_iq4_nl w_blocks[]; };
#include "words.glsl"
#include "iq-tables.h"

const float iq4_nl_values[16] = float[16](IQ4_NL_VALUES);

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  float d = float (w_blocks[ib].d);
  uint p[4];
  load_bytes16 (18u * ib + 2u, uint (w_blocks[ib].qs[7]), p);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * iq4_nl_values[(p[i] >> (8u * j + shift)) & 15u];
}
