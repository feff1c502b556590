/* sampling-defaults.h: the sampling a model's author recommends, from the
 * GGUF's general.sampling.* keys (temp, top_k, top_p, min_p,
 * penalty_repeat), as llama.cpp's converter writes them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  /* A field is set only when its has_ flag is: most files have none. */
  gboolean has_temperature, has_top_k, has_top_p, has_min_p, has_repeat_penalty;
  double   temperature;
  guint    top_k;
  double   top_p;
  double   min_p;
  double   repeat_penalty;
} HearthSamplingDefaults;

/* Reads the recommendations of the GGUF at path (only its header).  A key
 * that is not a number, or out of the range the sampler accepts, is
 * ignored.  Errors: those of opening a GGUF (HEARTH_ENGINE_ERROR_IO,
 * _CORRUPT_FILE). */
gboolean hearth_sampling_defaults_read (const char             *path,
                                        HearthSamplingDefaults *defaults,
                                        GError                **error);

G_END_DECLS
