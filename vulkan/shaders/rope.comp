#version 450
/* rope.comp: rotary position embedding, in place on x f32
 * [n_tokens][n_heads][head_dim]. One invocation per rotated pair.
 * ROPE_NEOX pairs (x[i], x[i + n_rot/2]); otherwise adjacent (x[2i], x[2i+1]).
 * Dims from n_rot to head_dim are left untouched. */

layout(constant_id = 0) const uint BLOCK = 64;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint  n_heads;
  uint  head_dim;
  uint  n_rot;
  uint  pos0;
  float freq_scale;
  float theta_scale;     /* freq_base^(-2/n_rot), computed on the host */
  uint  has_factors;
  uint  pad;
} p;

layout(std430, binding = 0) buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer F { float freq_factors[]; };

/* sin and cos are only accurate near [-pi, pi] on many GPUs; positions
 * reach thousands of radians. Reduce with 2pi split in a high and a low
 * part so the subtraction stays exact in f32. */
vec2
sin_cos (float theta)
{
  const float TWO_PI_HI = 6.28318548202514648;      /* float(2pi) */
  const float TWO_PI_LO = -1.7484556000744487e-07;  /* 2pi - TWO_PI_HI */
  const float k = floor (theta * 0.159154943091895336 + 0.5);
  const float r = (theta - k * TWO_PI_HI) - k * TWO_PI_LO;
  return vec2 (sin (r), cos (r));
}

void
main ()
{
  const uint half_rot = p.n_rot / 2u;
  const uint gid = gl_GlobalInvocationID.x;
  if (gid >= p.n_heads * half_rot)
    return;
  const uint token = gl_WorkGroupID.y;
  const uint head = gid / half_rot;
  const uint i = gid % half_rot;

  float theta = float (p.pos0 + token) * pow (p.theta_scale, float (i));
  if (p.has_factors != 0u)
    theta /= freq_factors[i];
  theta *= p.freq_scale;
  const vec2 sc = sin_cos (theta);

  const uint base = (token * p.n_heads + head) * p.head_dim;
#ifdef ROPE_NEOX
  const uint i0 = base + i;
  const uint i1 = base + i + half_rot;
#else
  const uint i0 = base + 2u * i;
  const uint i1 = i0 + 1u;
#endif
  const float a = x[i0];
  const float b = x[i1];
  x[i0] = a * sc.y - b * sc.x;
  x[i1] = a * sc.x + b * sc.y;
}
