#version 450
/* kv_store.comp: src f32 [n_tokens][width] -> cache f16 rows
 * pos0 .. pos0 + n_tokens - 1 of [n_ctx][width]. */
#extension GL_EXT_shader_16bit_storage : require

layout(constant_id = 0) const uint BLOCK = 128;
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
  uint n;           /* n_tokens · width */
  uint dst_offset;  /* pos0 · width, in f16 elements */
} p;

layout(std430, binding = 0) readonly  buffer S { float src[]; };
layout(std430, binding = 1) writeonly buffer C { float16_t cache[]; };

void
main ()
{
  /* Groups are laid out 2-D by the host (_hvk_groups_1d). */
  const uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint i = group * BLOCK + gl_LocalInvocationID.x;
  if (i < p.n)
    cache[p.dst_offset + i] = float16_t (src[i]);
}
