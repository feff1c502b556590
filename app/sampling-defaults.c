#define G_LOG_DOMAIN "hearth-sampling-defaults"

#include <math.h>

#include "gguf.h"
#include "sampling-defaults.h"

/* A scalar number of any GGUF type, within [min, max]. */
static gboolean
read_number (GgufFile *file, const char *key, double min, double max, double *out)
{
  const GgufValue *value = gguf_file_lookup (file, key);
  double number;

  if (value == NULL)
    return FALSE;
  switch (value->type)
    {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_UINT16: case GGUF_TYPE_UINT32: case GGUF_TYPE_UINT64:
      number = (double) value->u64;
      break;
    case GGUF_TYPE_INT8: case GGUF_TYPE_INT16: case GGUF_TYPE_INT32: case GGUF_TYPE_INT64:
      number = (double) value->i64;
      break;
    case GGUF_TYPE_FLOAT32: case GGUF_TYPE_FLOAT64:
      number = value->f64;
      break;
    default:
      return FALSE;
    }
  if (!isfinite (number) || number < min || number > max)
    return FALSE;
  *out = number;
  return TRUE;
}

gboolean
hearth_sampling_defaults_read (const char *path, HearthSamplingDefaults *defaults, GError **error)
{
  g_autoptr(GgufFile) file = NULL;
  double top_k = 0;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (defaults != NULL, FALSE);

  *defaults = (HearthSamplingDefaults) { 0 };
  file = gguf_file_open (path, error);
  if (file == NULL)
    return FALSE;
  /* The ranges of Hearth's settings (io.github.hearth.Hearth.gschema.xml). */
  defaults->has_temperature = read_number (file, "general.sampling.temp", 0, 2, &defaults->temperature);
  defaults->has_top_k = read_number (file, "general.sampling.top_k", 0, 1000, &top_k);
  defaults->top_k = (guint) top_k;
  defaults->has_top_p = read_number (file, "general.sampling.top_p", 0, 1, &defaults->top_p);
  defaults->has_min_p = read_number (file, "general.sampling.min_p", 0, 1, &defaults->min_p);
  defaults->has_repeat_penalty = read_number (file, "general.sampling.penalty_repeat", 1, 2,
                                              &defaults->repeat_penalty);
  return TRUE;
}
