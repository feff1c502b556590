#version 450
/* unary.comp: y = act(x), or with GATED y = act(gate) · up.
 * The activation is chosen by ACT_SILU, ACT_GELU_TANH or ACT_GELU_ERF. */

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint n;
} p;

layout(std430, binding = 0) readonly buffer X { float x[]; };
#ifdef GATED
layout(std430, binding = 1) readonly buffer U { float up[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
#else
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
#endif

/* tanh through exp(-2|u|) <= 1: never overflows, unlike a naive
 * (e^u - e^-u) / (e^u + e^-u) for large |u|. */
float
stable_tanh (float u)
{
  const float e = exp (-2.0 * abs (u));
  return sign (u) * (1.0 - e) / (1.0 + e);
}

/* erf by Abramowitz & Stegun 7.1.26 (absolute error <= 1.5e-7). */
float
erf_approx (float z)
{
  const float a = abs (z);
  const float t = 1.0 / (1.0 + 0.3275911 * a);
  const float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                     + t * (-1.453152027 + t * 1.061405429))));
  return sign (z) * (1.0 - poly * exp (-a * a));
}

float
act (float v)
{
#if defined(ACT_SILU)
  return v / (1.0 + exp (-v));
#elif defined(ACT_GELU_TANH)
  const float SQRT_2_OVER_PI = 0.7978845608028654;
  return 0.5 * v * (1.0 + stable_tanh (SQRT_2_OVER_PI * (v + 0.044715 * v * v * v)));
#elif defined(ACT_GELU_ERF)
  const float INV_SQRT_2 = 0.7071067811865476;
  return 0.5 * v * (1.0 + erf_approx (v * INV_SQRT_2));
#else
#error "define one of ACT_SILU, ACT_GELU_TANH, ACT_GELU_ERF"
#endif
}

void
main ()
{
  /* Groups are laid out 2-D by the host (_hvk_groups_1d). */
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint i = group * BLOCK + gl_LocalInvocationID.x;
  if (i >= p.n)
    return;
#ifdef GATED
  y[i] = act (x[i]) * up[i];
#else
  y[i] = act (x[i]);
#endif
}
