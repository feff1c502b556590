// quant.glsl: weight blocks exactly as ggml stores them in GGUF, and their
// dequantization. Included by matvec.comp, matmul.comp and get_rows.comp,
// which are compiled once per weight type with one of -DWEIGHT_F32,
// -DWEIGHT_F16, -DWEIGHT_Q4_0, -DWEIGHT_Q8_0, -DWEIGHT_Q4_K, -DWEIGHT_Q5_K,
// -DWEIGHT_Q6_K.
//
// The block structs mirror ggml's C structs byte for byte. Their sizes (18,
// 34, 144, 176, 210 bytes) are not multiples of 4, so every member is a
// 16-bit type: the array stride then equals the C size and only 16-bit
// storage access is needed. A byte j of a u8 array is
// (arr[j / 2] >> (8 * (j % 2))) & 0xff (little endian).
//
// The unit of work everywhere is 16 consecutive elements of one row: for
// every type they share one scale and come from 16 consecutive quant bytes
// (or nibbles), so load_unit() decodes them with straight-line code.
//
// The includer declares the push-constant block before including this file
// and defines W_BINDING (the binding of the weight / table buffer).

#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_control_flow_attributes : require

#define UNIT 16

#if defined(WEIGHT_F32)
#define WEIGHT_IS_FLOAT
layout(binding = W_BINDING) readonly buffer WeightF32 { float w_f32[]; };

#elif defined(WEIGHT_F16)
#define WEIGHT_IS_FLOAT
layout(binding = W_BINDING) readonly buffer WeightF16 { float16_t w_f16[]; };

#elif defined(WEIGHT_Q4_0)
#define QK 32
#define STITCHED_WORDS
struct block_q4_0 {
  float16_t d;
  uint16_t  qs[8];      // u8 qs[16]: element j low nibble, element j+16 high nibble
};
layout(binding = W_BINDING) readonly buffer WeightQ4_0 { block_q4_0 w_blocks[]; };

#elif defined(WEIGHT_Q8_0)
#define QK 32
#define STITCHED_WORDS
struct block_q8_0 {
  float16_t d;
  uint16_t  qs[16];     // i8 qs[32]
};
layout(binding = W_BINDING) readonly buffer WeightQ8_0 { block_q8_0 w_blocks[]; };

#elif defined(WEIGHT_Q4_K)
#define QK 256
struct block_q4_K {
  float16_t d;
  float16_t dmin;
  uint16_t  scales[6];  // u8 scales[12]: 8 six-bit scales and 8 six-bit mins
  uint16_t  qs[64];     // u8 qs[128]
};
layout(binding = W_BINDING) readonly buffer WeightQ4_K { block_q4_K w_blocks[]; };
#define BLOCK_WORDS 36u   // 144 bytes: blocks stay 4-byte aligned, see w_words

#elif defined(WEIGHT_Q5_K)
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

#elif defined(WEIGHT_Q6_K)
#define QK 256
#define STITCHED_WORDS
struct block_q6_K {
  uint16_t  ql[64];     // u8 ql[128]: low 4 bits
  uint16_t  qh[32];     // u8 qh[64]: high 2 bits
  uint16_t  scales[8];  // i8 scales[16]: one per 16 elements
  float16_t d;
};
layout(binding = W_BINDING) readonly buffer WeightQ6_K { block_q6_K w_blocks[]; };

#else
#error "define one of WEIGHT_F32, WEIGHT_F16, WEIGHT_Q4_0, WEIGHT_Q8_0, WEIGHT_Q4_K, WEIGHT_Q5_K, WEIGHT_Q6_K"
#endif

#ifndef WEIGHT_IS_FLOAT
#define UNITS_PER_BLOCK (QK / UNIT)
#endif

#if defined(BLOCK_WORDS) || defined(STITCHED_WORDS)
// Q4_K and Q5_K blocks are multiples of 4 bytes, so their quants can be
// read 4 bytes per load through a 32-bit view of the same binding: half the
// loads of the 16-bit struct members (loads dominate on CPU drivers). The
// other blocks are 4-byte aligned every other block; see load_bytes16.
layout(binding = W_BINDING) readonly buffer WeightWords { uint w_words[]; };
#endif

#if defined(STITCHED_WORDS)
// The 16 bytes at byte offset o (even) of the weights as 4 little-endian
// words, for blocks of 2 mod 4 bytes (Q4_0 18, Q8_0 34, Q6_K 210): block ib
// starts 2 bytes past a word boundary when ib is odd, and each 16-byte run
// load_unit reads sits at the same place in every block, so o is
// word-aligned in every other block. Otherwise each word is stitched from
// two, the last one from tail, the 16-bit struct member holding bytes o+14
// and o+15 (a word there could pass the end of the last block). Four word
// loads and one 16-bit load where 16-bit loads took eight; no branch, as
// neighbouring lanes may be in blocks of both parities.
void load_bytes16 (uint o, uint tail, out uint p[4])
{
  uint w[5];
  [[unroll]] for (uint i = 0; i < 4; i++)
    w[i] = w_words[o / 4u + i];
  w[4] = tail;
  bool aligned = (o & 2u) == 0u;
  [[unroll]] for (uint i = 0; i < 4; i++)
    p[i] = aligned ? w[i] : (w[i] >> 16) | (w[i + 1] << 16);
}
#endif

#if defined(WEIGHT_Q4_K) || defined(WEIGHT_Q5_K)
// Block ib's super-block scale d and min scale dmin: its first word.
vec2 k_d_dmin (uint ib)
{
  return unpackHalf2x16 (w_words[ib * BLOCK_WORDS]);
}

// Six-bit scale and min of sub-block s (0..7), packed in the 12 bytes of
// words 1..3: s < 4 keeps them in the low 6 bits of bytes s and s+4; s >= 4
// splits them over the nibbles of byte s+4 and the top 2 bits of bytes s-4
// and s. All three are byte s % 4 of a word (1, 2, 3), so one word load
// each; the third only for s >= 4 (whole subgroups of matvec take one side).
vec2 k_scale_min (uint ib, uint s)
{
  uint w0 = ib * BLOCK_WORDS;
  uint shift = 8u * (s % 4u);
  uint lo = (w_words[w0 + 1u] >> shift) & 0xffu;   // byte s (s < 4) or s-4
  uint mid = (w_words[w0 + 2u] >> shift) & 0xffu;  // byte s+4 (s < 4) or s
  if (s < 4u)
    return vec2 (lo & 63u, mid & 63u);
  uint hi = (w_words[w0 + 3u] >> shift) & 0xffu;   // byte s+4
  return vec2 ((hi & 15u) | ((lo >> 6) << 4), (hi >> 4) | ((mid >> 6) << 4));
}
#endif

// v = row `row`, elements [16·unit, 16·unit + 16) of a weight with n_in
// elements per row. For float types elements at or past n_in read as 0
// (n_in need not be a multiple of 16 there; it is of 32 for quant types).
void load_unit (uint row, uint unit, uint n_in, out float v[UNIT])
{
#if defined(WEIGHT_IS_FLOAT)
  uint k0 = unit * UNIT;
  uint base = row * n_in + k0;
  if (k0 + UNIT <= n_in) {
    [[unroll]] for (uint i = 0; i < UNIT; i++)
#if defined(WEIGHT_F32)
      v[i] = w_f32[base + i];
#else
      v[i] = float (w_f16[base + i]);
#endif
  } else {
    [[unroll]] for (uint i = 0; i < UNIT; i++)
#if defined(WEIGHT_F32)
      v[i] = k0 + i < n_in ? w_f32[base + i] : 0.0;
#else
      v[i] = k0 + i < n_in ? float (w_f16[base + i]) : 0.0;
#endif
  }
#else
  uint ib = row * (n_in / QK) + unit / UNITS_PER_BLOCK;
  uint u = unit % UNITS_PER_BLOCK;

#if defined(WEIGHT_Q4_0)
  // The 16 quant bytes sit at bytes 2..17 of the block; unit u takes
  // nibble u of each.
  float d = float (w_blocks[ib].d);
  uint p[4];
  load_bytes16 (18u * ib + 2u, uint (w_blocks[ib].qs[7]), p);
  uint shift = 4u * u;
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * (float ((p[i] >> (8u * j + shift)) & 15u) - 8.0);

#elif defined(WEIGHT_Q8_0)
  // Unit u's 16 quant bytes sit at bytes 2 + 16·u.. of the block.
  float d = float (w_blocks[ib].d);
  uint p[4];
  load_bytes16 (34u * ib + 2u + 16u * u, uint (w_blocks[ib].qs[8u * u + 7u]), p);
  [[unroll]] for (uint i = 0; i < 4; i++)
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = d * float (bitfieldExtract (int (p[i]), int (8u * j), 8));

#elif defined(WEIGHT_Q4_K)
  // Sub-block s = u/2 of 32 elements; sub-blocks 2p and 2p+1 share the 32
  // bytes qs[32p..32p+32) as low and high nibbles.
  uint s = u / 2u;
  vec2 scaled = k_scale_min (ib, s) * k_d_dmin (ib);
  float dl = scaled.x;   // d · scale
  float ml = scaled.y;   // dmin · min
  // qs starts at byte 16 (word 4); this unit's 16 bytes at 32·(s/2) + 16·(u%2).
  uint q0 = ib * BLOCK_WORDS + 4u + (s / 2u) * 8u + (u % 2u) * 4u;
  uint shift = 4u * (s % 2u);
  [[unroll]] for (uint i = 0; i < 4; i++) {
    uint p = w_words[q0 + i] >> shift;
    [[unroll]] for (uint j = 0; j < 4; j++)
      v[4 * i + j] = dl * float ((p >> (8u * j)) & 15u) - ml;
  }

#elif defined(WEIGHT_Q5_K)
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

#elif defined(WEIGHT_Q6_K)
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
#endif
#endif
}
