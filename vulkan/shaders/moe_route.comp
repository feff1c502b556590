#version 450
/* moe_route.comp: mixture-of-experts routing as Llama 4 does it, one
 * workgroup per token t:
 *   the n_used experts with the largest router logits (lowest index on
 *   ties; chosen on the raw logits), and for slot j with expert e_j:
 *     ids[j][t]    = e_j
 *     xs[j][t][:]  = sigmoid(logits[t][e_j]) · x[t][:]
 * The weight scales the expert's input, not its output (llama.cpp's
 * weight_before_ffn for LLM_ARCH_LLAMA4), and is not renormalised. Slots
 * are the slow dimension so that each slot's rows form one block. */

layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;

#define MAX_USED 16

layout(push_constant) uniform Push {
  uint n_tokens;
  uint n_expert;
  uint n_used;
  uint n_embd;
} p;

layout(std430, binding = 0) readonly  buffer Logits { float logits[]; };
layout(std430, binding = 1) readonly  buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Ids { int ids[]; };
layout(std430, binding = 3) writeonly buffer Xs { float xs[]; };

shared uint  sh_expert[MAX_USED];
shared float sh_weight[MAX_USED];

void
main ()
{
  const uint t = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  if (t >= p.n_tokens)
    return;   /* uniform */
  const uint base = t * p.n_expert;

  /* The expert counts are small (4 to 128): one invocation selects. */
  if (gl_LocalInvocationID.x == 0u) {
    for (uint j = 0; j < p.n_used; j++) {
      uint best = 0xffffffffu;
      for (uint e = 0; e < p.n_expert; e++) {
        bool taken = false;
        for (uint i = 0; i < j; i++)
          taken = taken || sh_expert[i] == e;
        if (!taken && (best == 0xffffffffu || logits[base + e] > logits[base + best]))
          best = e;
      }
      sh_expert[j] = best;
      sh_weight[j] = 1.0 / (1.0 + exp (-logits[base + best]));
      ids[j * p.n_tokens + t] = int (best);
    }
  }
  barrier ();

  for (uint j = 0; j < p.n_used; j++) {
    const uint out_base = (j * p.n_tokens + t) * p.n_embd;
    for (uint i = gl_LocalInvocationID.x; i < p.n_embd; i += WG)
      xs[out_base + i] = sh_weight[j] * x[t * p.n_embd + i];
  }
}
