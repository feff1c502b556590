#define G_LOG_DOMAIN "hearth-vulkan"

/* Activations, plain (y = act(x)) and gated (y = act(gate) · up), from
 * unary.comp. */

#include "hvk-ops-private.h"

#define UNARY_BLOCK 128u

/* Mirrors unary.comp's push-constant block. */
typedef struct {
  guint32 n;
} UnaryPush;
_Static_assert (sizeof (UnaryPush) == 4, "UnaryPush must match unary.comp");

static const char *
shader_name (HvkUnary act, gboolean gated)
{
  switch (act)
    {
    case HVK_UNARY_SILU:
      return gated ? "gated_silu" : "unary_silu";
    case HVK_UNARY_GELU_TANH:
      return gated ? "gated_gelu_tanh" : "unary_gelu_tanh";
    case HVK_UNARY_GELU_ERF:
      return gated ? "gated_gelu_erf" : "unary_gelu_erf";
    default:
      g_assert_not_reached ();
    }
}

/* inputs: 1 (x) or 2 (gate, up) views of n f32 each; y gets n f32. */
static gboolean
record_activation (HvkOps *ops, HvkRecorder *rec, HvkUnary act, const HvkView *inputs,
                   guint n_inputs, HvkView y, guint64 n, GError **error)
{
  static const guint32 spec[] = { UNARY_BLOCK };
  HvkPipeline *pipeline;
  HvkBinding bindings[3];
  guint32 gx, gy;
  UnaryPush push = { (guint32) n };

  g_return_val_if_fail (n > 0 && n <= G_MAXUINT32, FALSE);

  pipeline = _hvk_ops_pipeline (ops, shader_name (act, n_inputs == 2), n_inputs + 1,
                                sizeof (UnaryPush), spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  for (guint i = 0; i < n_inputs; i++)
    bindings[i] = _hvk_bind (inputs[i], n * sizeof (float), FALSE);
  bindings[n_inputs] = _hvk_bind (y, n * sizeof (float), TRUE);
  _hvk_groups_1d (ops, (n + UNARY_BLOCK - 1) / UNARY_BLOCK, &gx, &gy);
  hvk_recorder_dispatch (rec, pipeline, bindings, n_inputs + 1, &push, sizeof push, gx, gy, 1);
  return TRUE;
}

gboolean
hvk_op_unary (HvkOps *ops, HvkRecorder *rec, HvkUnary act, HvkView x, HvkView y, guint64 n,
              GError **error)
{
  return record_activation (ops, rec, act, &x, 1, y, n, error);
}

gboolean
hvk_op_gated (HvkOps *ops, HvkRecorder *rec, HvkUnary act, HvkView gate, HvkView up, HvkView y,
              guint64 n, GError **error)
{
  HvkView inputs[] = { gate, up };

  return record_activation (ops, rec, act, inputs, G_N_ELEMENTS (inputs), y, n, error);
}
