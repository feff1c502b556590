// q6_k.glsl: Q6_K, super-blocks of 256 elements, 210 bytes: six-bit quants
// with a signed 8-bit scale per 16 elements, x = d·scale · (q - 32).
#define QK 256
struct block_q6_K {
  uint16_t  ql[64];     // u8 ql[128]: low 4 bits
  uint16_t  qh[32];     // u8 qh[64]: high 2 bits
  uint16_t  scales[8];  // i8 scales[16]: one per 16 elements
  float16_t d;
};
layout(binding = W_BINDING) readonly buffer WeightQ6_K { block_q6_K w_blocks[]; };
#include "words.glsl"

void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;
  // Each half of 128 elements uses 64 ql and 32 qh bytes; its quarter q
  // (32 elements) takes ql nibble q/2 of bytes (q%2)·32.. and qh bits 2q..2q+1.
  // The scale of unit u is the signed byte scales[u]. Byte offsets in the
  // block: ql 0, qh 128, scales 192, d 208.
  uint half_ = u / 8u;
  uint q = (u % 8u) / 2u;
  uint l0 = (u % 2u) * 16u;
  uint b0 = 210u * ib;
  uint lshift = 4u * (q / 2u);
  uint hshift = 2u * q;
  uint ql0 = half_ * 64u + (q % 2u) * 32u + l0;
  uint qh0 = half_ * 32u + l0;
  uint ql[4], qh[4];
  load_bytes16 (b0 + ql0, uint (w_blocks[ib].ql[ql0 / 2u + 7u]), ql);
  load_bytes16 (b0 + 128u + qh0, uint (w_blocks[ib].qh[qh0 / 2u + 7u]), qh);
  uint sb = b0 + 192u + u;
  int sc = bitfieldExtract (int (w_words[sb / 4u]), int (8u * (sb % 4u)), 8);
  float dl = float (w_blocks[ib].d) * float (sc);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = ql[i] >> lshift;
    uint h = qh[i] >> hshift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * (float (((p >> (8u * j)) & 15u) | (((h >> (8u * j)) & 3u) << 4)) - 32.0);
  }
}
