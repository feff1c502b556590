/* wg-reduce.glsl: workgroup-wide reductions for shaders that run one
 * workgroup per row. Each value is first reduced inside its subgroup, then
 * the per-subgroup partials go through shared memory. Every invocation of
 * the workgroup must call these (they contain barriers) and every one gets
 * the same result.
 *
 * The including shader declares `layout(constant_id = 0) const uint BLOCK`
 * (the workgroup size) before including this file. */
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require

/* One slot per subgroup; BLOCK slots covers even a subgroup size of 1. */
shared float wg_partial_f[BLOCK];
shared uint  wg_partial_u[BLOCK];

float
wg_sum (float v)
{
  v = subgroupAdd (v);
  if (subgroupElect ())
    wg_partial_f[gl_SubgroupID] = v;
  barrier ();
  float total = 0.0;
  for (uint i = 0; i < gl_NumSubgroups; i++)
    total += wg_partial_f[i];
  barrier ();
  return total;
}

float
wg_max (float v)
{
  v = subgroupMax (v);
  if (subgroupElect ())
    wg_partial_f[gl_SubgroupID] = v;
  barrier ();
  float best = wg_partial_f[0];
  for (uint i = 1; i < gl_NumSubgroups; i++)
    best = max (best, wg_partial_f[i]);
  barrier ();
  return best;
}

uint
wg_min_u (uint v)
{
  v = subgroupMin (v);
  if (subgroupElect ())
    wg_partial_u[gl_SubgroupID] = v;
  barrier ();
  uint best = wg_partial_u[0];
  for (uint i = 1; i < gl_NumSubgroups; i++)
    best = min (best, wg_partial_u[i]);
  barrier ();
  return best;
}

/* Below any score a kernel computes, yet finite: exp(WG_NEG_BIG - m) is 0
 * and (WG_NEG_BIG - WG_NEG_BIG) is not NaN, even on fast-math drivers. */
const float WG_NEG_BIG = -3.0e38;

/* The same for four independent values at once (one per vec4 lane), for
 * kernels that carry four rows through one workgroup. */
shared vec4 wg_partial_v4[BLOCK];

vec4
wg_sum4 (vec4 v)
{
  v = subgroupAdd (v);
  if (subgroupElect ())
    wg_partial_v4[gl_SubgroupID] = v;
  barrier ();
  vec4 total = vec4 (0.0);
  for (uint i = 0; i < gl_NumSubgroups; i++)
    total += wg_partial_v4[i];
  barrier ();
  return total;
}

vec4
wg_max4 (vec4 v)
{
  v = subgroupMax (v);
  if (subgroupElect ())
    wg_partial_v4[gl_SubgroupID] = v;
  barrier ();
  vec4 best = wg_partial_v4[0];
  for (uint i = 1; i < gl_NumSubgroups; i++)
    best = max (best, wg_partial_v4[i]);
  barrier ();
  return best;
}
