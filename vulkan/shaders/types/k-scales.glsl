// k-scales.glsl: the super-block scales of Q4_K and Q5_K, whose blocks
// start with f16 d, f16 dmin and 12 bytes of packed six-bit scales and
// mins. The includer defines BLOCK_WORDS (block size in 4-byte words).

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
