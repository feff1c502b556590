// bf16.glsl: BF16 weights, the top 16 bits of an f32.
layout(binding = W_BINDING) readonly buffer WeightBF16 { uint16_t w_bf16[]; };
#define W_ELEMENT(i) uintBitsToFloat (uint (w_bf16[i]) << 16)
#include "float-unit.glsl"

// Activations are rounded to BF16 (to nearest, ties to even) before they
// meet BF16 weights, as llama.cpp does (its CPU backend converts them to
// the weights' type for every product): outputs then match the files'
// reference logits to within F16's spread instead of 0.1 off.
float bf16_round (float v)
{
  uint b = floatBitsToUint (v);
  return uintBitsToFloat ((b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u);
}

vec4 bf16_round (vec4 v)
{
  uvec4 b = floatBitsToUint (v);
  return uintBitsToFloat ((b + 0x7fffu + ((b >> 16) & 1u)) & 0xffff0000u);
}
#define X_ROUND(v) bf16_round (v)
