/* sampler.h: picks the next token from a row of logits.
 *
 * The chain, in order: repetition/frequency/presence penalties over the
 * last penalty_last_n accepted tokens, then (temperature > 0 only) top-k,
 * top-p, min-p, temperature and a draw from the seeded RNG. With
 * temperature <= 0 it is greedy: the argmax after the penalties, lowest id
 * on ties. The same seed and the same inputs give the same tokens. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  float   temperature;        /* <= 0: greedy */
  guint   top_k;              /* 0: off */
  float   top_p;              /* >= 1: off */
  float   min_p;              /* <= 0: off */
  float   repeat_penalty;     /* 1: off; > 1 discourages repeats */
  float   frequency_penalty;  /* 0: off; subtracted once per occurrence */
  float   presence_penalty;   /* 0: off; subtracted once if present */
  guint   penalty_last_n;     /* how many recent tokens the penalties see */
  guint32 seed;
} HearthSamplerParams;

/* llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05,
 * no penalties (window 64), seed 0. */
void hearth_sampler_params_init (HearthSamplerParams *params);

typedef struct _HearthSampler HearthSampler;

HearthSampler *hearth_sampler_new    (const HearthSamplerParams *params);
void           hearth_sampler_free   (HearthSampler *sampler);
/* Forgets the history and restarts the RNG from the seed. */
void           hearth_sampler_reset  (HearthSampler *sampler);
/* Adds a token to the penalty window (prompt tokens too, if wanted). */
void           hearth_sampler_accept (HearthSampler *sampler, gint32 token);
/* Picks a token from logits f32 [n_vocab]; does not accept it. */
gint32         hearth_sampler_sample (HearthSampler *sampler, const float *logits, guint n_vocab);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthSampler, hearth_sampler_free)

G_END_DECLS
