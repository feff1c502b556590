// q2_k.glsl: Q2_K, super-blocks of 256 elements, 84 bytes: 16 sub-blocks of
// 16 (one unit each) with a 4-bit scale and a 4-bit min,
// x = d·scale · q - dmin·min, q of 2 bits.
#define QK 256
struct block_q2_K {
  uint16_t  scales[8];  // u8 scales[16]: scale in the low nibble, min in the high one
  uint16_t  qs[32];     // u8 qs[64]
  float16_t d;
  float16_t dmin;
};
#include "words.glsl"

// 84 bytes = 21 words: scales at word 0, qs at word 4, d and dmin word 20.
// Each half of 128 elements uses 32 qs bytes; its quarter q (32 elements)
// takes bits 2q..2q+1 of them, the first 16 elements bytes 0..15, the
// next 16 bytes 16..31. Unit u = half·8 + quarter·2 + (u % 2) has scale u.
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  uint w0 = 21u * ib;
  vec2 dm = unpackHalf2x16 (w_words[w0 + 20u]);
  uint sc = (w_words[w0 + u / 4u] >> (8u * (u % 4u))) & 0xffu;
  float dl = dm.x * float (sc & 15u);
  float ml = dm.y * float (sc >> 4);
  uint q0 = w0 + 4u + (u / 8u) * 8u + (u % 2u) * 4u;
  uint shift = 2u * ((u % 8u) / 2u);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[q0 + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * float ((p >> (8u * j)) & 3u) - ml;
  }
}
