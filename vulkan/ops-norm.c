#define G_LOG_DOMAIN "hearth-vulkan"

/* RMS norm and layer norm: one workgroup per row (norm.comp). */

#include "hvk-ops-private.h"

#define NORM_BLOCK 128u

/* Mirrors norm.comp's push-constant block. */
typedef struct {
  guint32 n;
  guint32 rows;
  float   eps;
  guint32 flags;
} NormPush;
_Static_assert (sizeof (NormPush) == 16, "NormPush must match norm.comp");

enum {
  NORM_HAS_WEIGHT = 1u << 0,
  NORM_HAS_BIAS   = 1u << 1,
};

static gboolean
record_norm (HvkOps *ops, HvkRecorder *rec, const char *shader, HvkView x, HvkView weight,
             HvkView bias, HvkView y, guint n, guint rows, float eps, GError **error)
{
  static const guint32 spec[] = { NORM_BLOCK };
  HvkPipeline *pipeline;
  guint64 row_bytes = (guint64) n * sizeof (float);
  NormPush push = { n, rows, eps, 0 };

  g_return_val_if_fail (n > 0 && rows > 0 && rows <= 65535, FALSE);   /* one group per row */

  pipeline = _hvk_ops_pipeline (ops, shader, 4, sizeof (NormPush), spec, G_N_ELEMENTS (spec), error);
  if (pipeline == NULL)
    return FALSE;

  if (weight.buffer != NULL)
    push.flags |= NORM_HAS_WEIGHT;
  if (bias.buffer != NULL)
    push.flags |= NORM_HAS_BIAS;

  /* An absent weight or bias binds x instead; the shader never reads it. */
  HvkBinding bindings[] = {
    _hvk_bind (x, row_bytes * rows, FALSE),
    _hvk_bind (weight.buffer != NULL ? weight : x, row_bytes, FALSE),
    _hvk_bind (bias.buffer != NULL ? bias : x, row_bytes, FALSE),
    _hvk_bind (y, row_bytes * rows, TRUE),
  };
  hvk_recorder_dispatch (rec, pipeline, bindings, G_N_ELEMENTS (bindings), &push, sizeof push,
                         rows, 1, 1);
  return TRUE;
}

gboolean
hvk_op_rms_norm (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView weight, HvkView y,
                 guint n, guint rows, float eps, GError **error)
{
  HvkView no_bias = { NULL, 0 };

  return record_norm (ops, rec, "rms_norm", x, weight, no_bias, y, n, rows, eps, error);
}

gboolean
hvk_op_layer_norm (HvkOps *ops, HvkRecorder *rec, HvkView x, HvkView weight, HvkView bias,
                   HvkView y, guint n, guint rows, float eps, GError **error)
{
  return record_norm (ops, rec, "layer_norm", x, weight, bias, y, n, rows, eps, error);
}
