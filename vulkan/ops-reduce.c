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

/* moe_route.comp's workgroup and its bound on experts per token. */
#define MOE_ROUTE_WG       64
#define MOE_ROUTE_MAX_USED 16

/* Mirrors moe_route.comp's push block. */
typedef struct {
  guint32 n_tokens;
  guint32 n_expert;
  guint32 n_used;
  guint32 n_embd;
} MoeRoutePush;
_Static_assert (sizeof (MoeRoutePush) == 16, "MoeRoutePush must match moe_route.comp");

gboolean
hvk_op_moe_route (HvkOps *ops, HvkRecorder *rec, HvkView logits, HvkView x, HvkView ids,
                  HvkView xs, guint n_tokens, guint n_expert, guint n_used, guint n_embd,
                  GError **error)
{
  static const guint32 spec[] = { MOE_ROUTE_WG };
  MoeRoutePush push = { n_tokens, n_expert, n_used, n_embd };
  HvkPipeline *pipeline;
  guint32 gx, gy;

  g_return_val_if_fail (n_tokens > 0 && n_embd > 0, FALSE);
  g_return_val_if_fail (n_used > 0 && n_used <= MIN (n_expert, MOE_ROUTE_MAX_USED), FALSE);

  pipeline = _hvk_ops_pipeline (ops, "moe_route", 4, sizeof (MoeRoutePush), spec,
                                G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  HvkBinding bindings[] = {
    _hvk_bind (logits, (guint64) n_tokens * n_expert * sizeof (float), FALSE),
    _hvk_bind (x, (guint64) n_tokens * n_embd * sizeof (float), FALSE),
    _hvk_bind (ids, (guint64) n_used * n_tokens * sizeof (gint32), TRUE),
    _hvk_bind (xs, (guint64) n_used * n_tokens * n_embd * sizeof (float), TRUE),
  };
  _hvk_groups_1d (ops, n_tokens, &gx, &gy);
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         gx, gy, 1);
  return TRUE;
}
