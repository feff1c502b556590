// f32.glsl: F32 weights.
layout(binding = W_BINDING) readonly buffer WeightF32 { float w_f32[]; };
#define W_ELEMENT(i) w_f32[i]
#include "float-unit.glsl"
