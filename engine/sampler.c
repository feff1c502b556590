#define G_LOG_DOMAIN "hearth-sampler"

#include "sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  gint32 id;
  float  logit;
} Candidate;

struct _HearthSampler {
  HearthSamplerParams params;
  GRand     *rng;
  gint32    *recent;      /* ring of the last penalty_last_n accepted tokens */
  guint      n_recent;
  guint      next;        /* ring write position */
  Candidate *cand;        /* [cand_cap] scratch, reused between calls */
  guint      cand_cap;
};

void
hearth_sampler_params_init (HearthSamplerParams *params)
{
  *params = (HearthSamplerParams) {
    .temperature = 0.8f,
    .top_k = 40,
    .top_p = 0.95f,
    .min_p = 0.05f,
    .repeat_penalty = 1.0f,
    .penalty_last_n = 64,
  };
}

HearthSampler *
hearth_sampler_new (const HearthSamplerParams *params)
{
  HearthSampler *s = g_new0 (HearthSampler, 1);

  s->params = *params;
  s->rng = g_rand_new_with_seed (params->seed);
  s->recent = g_new0 (gint32, MAX (params->penalty_last_n, 1));
  return s;
}

void
hearth_sampler_free (HearthSampler *s)
{
  if (s == NULL)
    return;
  g_rand_free (s->rng);
  g_free (s->recent);
  g_free (s->cand);
  g_free (s);
}

void
hearth_sampler_reset (HearthSampler *s)
{
  g_rand_set_seed (s->rng, s->params.seed);
  s->n_recent = 0;
  s->next = 0;
}

void
hearth_sampler_accept (HearthSampler *s, gint32 token)
{
  if (s->params.penalty_last_n == 0)
    return;
  s->recent[s->next] = token;
  s->next = (s->next + 1) % s->params.penalty_last_n;
  s->n_recent = MIN (s->n_recent + 1, s->params.penalty_last_n);
}

static gboolean
has_penalties (const HearthSamplerParams *p)
{
  return p->repeat_penalty != 1.0f || p->frequency_penalty != 0.0f || p->presence_penalty != 0.0f;
}

/* As llama.cpp: a repeated token's positive logit is divided by the
 * repetition penalty and a negative one multiplied, then count ·
 * frequency_penalty + presence_penalty is subtracted. */
static void
apply_penalties (HearthSampler *s, guint n_vocab)
{
  const HearthSamplerParams *p = &s->params;
  g_autoptr (GHashTable) counts = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < s->n_recent; i++)
    {
      gpointer id = GINT_TO_POINTER (s->recent[i]);
      g_hash_table_insert (counts, id,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, id)) + 1));
    }

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint32 id = GPOINTER_TO_INT (key);
      guint count = GPOINTER_TO_UINT (value);
      float *logit;

      if (id < 0 || (guint) id >= n_vocab)
        continue;
      logit = &s->cand[id].logit;
      *logit = *logit > 0 ? *logit / p->repeat_penalty : *logit * p->repeat_penalty;
      *logit -= count * p->frequency_penalty + p->presence_penalty;
    }
}

static gint32
argmax (const Candidate *cand, guint n)
{
  guint best = 0;

  for (guint i = 1; i < n; i++)
    if (cand[i].logit > cand[best].logit)
      best = i;
  return cand[best].id;
}

/* Highest logit first; the lower id first on ties. */
static int
compare_candidates (const void *a, const void *b)
{
  const Candidate *x = a, *y = b;

  if (x->logit != y->logit)
    return x->logit > y->logit ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* The candidates are sorted; returns how many of them survive top-k,
 * top-p and min-p (always at least one). */
static guint
truncate_candidates (const HearthSamplerParams *p, const Candidate *cand, guint n)
{
  double sum = 0, cum = 0;

  if (p->top_k > 0)
    n = MIN (n, p->top_k);

  if (p->top_p < 1.0f)
    {
      for (guint i = 0; i < n; i++)
        sum += exp (cand[i].logit - cand[0].logit);
      for (guint i = 0; i < n; i++)
        {
          cum += exp (cand[i].logit - cand[0].logit) / sum;
          if (cum >= p->top_p)
            {
              n = i + 1;
              break;
            }
        }
    }

  if (p->min_p > 0.0f)
    {
      float threshold = cand[0].logit + logf (p->min_p);
      guint keep = 1;
      while (keep < n && cand[keep].logit >= threshold)
        keep++;
      n = keep;
    }
  return n;
}

static gint32
draw (HearthSampler *s, const Candidate *cand, guint n)
{
  double sum = 0, u;

  for (guint i = 0; i < n; i++)
    sum += exp ((cand[i].logit - cand[0].logit) / s->params.temperature);
  u = g_rand_double (s->rng) * sum;
  for (guint i = 0; i < n; i++)
    {
      u -= exp ((cand[i].logit - cand[0].logit) / s->params.temperature);
      if (u < 0)
        return cand[i].id;
    }
  return cand[n - 1].id;
}

gint32
hearth_sampler_sample (HearthSampler *s, const float *logits, guint n_vocab)
{
  g_return_val_if_fail (n_vocab > 0, -1);

  if (s->cand_cap < n_vocab)
    {
      s->cand = g_renew (Candidate, s->cand, n_vocab);
      s->cand_cap = n_vocab;
    }
  for (guint i = 0; i < n_vocab; i++)
    s->cand[i] = (Candidate) { .id = i, .logit = logits[i] };

  if (has_penalties (&s->params))
    apply_penalties (s, n_vocab);
  if (s->params.temperature <= 0.0f)
    return argmax (s->cand, n_vocab);

  qsort (s->cand, n_vocab, sizeof (Candidate), compare_candidates);
  return draw (s, s->cand, truncate_candidates (&s->params, s->cand, n_vocab));
}
