// words.glsl: a 32-bit view of the weight binding, and load_bytes16 for
// blocks whose size is 2 mod 4 bytes. Included by the type files that use
// them.

// Loads dominate on CPU drivers: reading quants 4 bytes per load through
// this view halves the loads of the 16-bit struct members. Blocks of a
// multiple of 4 bytes (Q4_K 144, Q5_K 176) index it directly; the others
// are 4-byte aligned every other block, see load_bytes16.
layout(binding = W_BINDING) readonly buffer WeightWords { uint w_words[]; };

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
