// matmul-push.glsl: the push constants of matvec.comp, matmul.comp and
// matmul_rb.comp. Mirrored by MatmulPush in ops-matmul.c.
layout(push_constant) uniform Push {
  uint n_in;      // elements per weight row (and per token of x)
  uint n_out;     // weight rows bound in this dispatch
  uint n_tokens;
  uint row0;      // row of y written by the first bound weight row
  uint y_stride;  // floats between tokens of y
  uint expert0;   // MUL_MAT_ID: first expert bound in this dispatch
  uint n_experts; // MUL_MAT_ID: experts bound
  uint pad0;
} pc;
