#define G_LOG_DOMAIN "hearth-vulkan"

/* Row reductions: softmax and argmax, one workgroup per row. */

#include "hvk-ops-private.h"

#define REDUCE_BLOCK 128u

/* Mirrors softmax.comp's push-constant block. */
typedef struct {
  guint32 n;
  guint32 rows;
  float   scale;
  guint32 pad;
} SoftmaxPush;
_Static_assert (sizeof (SoftmaxPush) == 16, "SoftmaxPush must match softmax.comp");

/* Mirrors argmax.comp's push-constant block. */
typedef struct {
  guint32 n;
  guint32 rows;
} ArgmaxPush;
_Static_assert (sizeof (ArgmaxPush) == 8, "ArgmaxPush must match argmax.comp");

static const guint32 reduce_spec[] = { REDUCE_BLOCK };

gboolean
hvk_op_softmax (HvkOps *ops, HvkRecorder *rec, HvkView x, guint n, guint rows, float scale,
                GError **error)
{
  HvkPipeline *pipeline;
  SoftmaxPush push = { n, rows, scale, 0 };

  g_return_val_if_fail (n > 0 && rows > 0 && rows <= 65535, FALSE);   /* one group per row */

  pipeline = _hvk_ops_pipeline (ops, "softmax", 1, sizeof (SoftmaxPush),
                                reduce_spec, G_N_ELEMENTS (reduce_spec), error);
  if (pipeline == NULL)
    return FALSE;

  HvkBinding bindings[] = {
    _hvk_bind (x, (guint64) n * rows * sizeof (float), TRUE),
  };
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         rows, 1, 1);
  return TRUE;
}

gboolean
hvk_op_argmax (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView out, guint n, guint rows,
               GError **error)
{
  HvkPipeline *pipeline;
  ArgmaxPush push = { n, rows };

  g_return_val_if_fail (n > 0 && rows > 0 && rows <= 65535, FALSE);   /* one group per row */

  pipeline = _hvk_ops_pipeline (ops, "argmax", 2, sizeof (ArgmaxPush),
                                reduce_spec, G_N_ELEMENTS (reduce_spec), error);
  if (pipeline == NULL)
    return FALSE;

  HvkBinding bindings[] = {
    _hvk_bind (x, (guint64) n * rows * sizeof (float), FALSE),
    _hvk_bind (out, (guint64) rows * sizeof (guint32), TRUE),
  };
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         rows, 1, 1);
  return TRUE;
}
