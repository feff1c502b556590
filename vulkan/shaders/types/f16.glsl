// f16.glsl: F16 weights.
layout(binding = W_BINDING) readonly buffer WeightF16 { float16_t w_f16[]; };
#define W_ELEMENT(i) float (w_f16[i])
#include "float-unit.glsl"
