#define G_LOG_DOMAIN "hearth-test-sampler"

/* The sampler chain on hand-made logits. Draws use fixed seeds, so the
 * frequency checks are deterministic; their bounds are several standard
 * deviations wide so a correct sampler passes with any seed. */

#include <glib.h>
#include <math.h>
#include <string.h>

#include "sampler.h"

#define N_DRAWS 20000

static HearthSamplerParams
plain_params (float temperature)
{
  HearthSamplerParams p;

  hearth_sampler_params_init (&p);
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = 1234;
  return p;
}

/* Counts how often each of n tokens is drawn. */
static void
histogram (const HearthSamplerParams *p, const float *logits, guint n, guint *counts)
{
  g_autoptr (HearthSampler) s = hearth_sampler_new (p);

  memset (counts, 0, n * sizeof (guint));
  for (guint i = 0; i < N_DRAWS; i++)
    {
      gint32 id = hearth_sampler_sample (s, logits, n);
      g_assert_cmpint (id, >=, 0);
      g_assert_cmpint (id, <, n);
      counts[id]++;
    }
}

static void
test_greedy (void)
{
  const float logits[] = { 0.5f, 2.0f, -1.0f, 2.0f, 1.9f };
  HearthSamplerParams p = plain_params (0.0f);
  g_autoptr (HearthSampler) s = hearth_sampler_new (&p);

  /* The first of two equal maxima wins. */
  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (hearth_sampler_sample (s, logits, G_N_ELEMENTS (logits)), ==, 1);
}

/* With temperature T the draws follow softmax(logits / T). */
static void
test_temperature (void)
{
  const float logits[] = { 1.0f, 0.0f, -1.0f, 0.5f };
  const float temps[] = { 1.0f, 0.5f, 2.0f };
  guint counts[4];

  for (guint t = 0; t < G_N_ELEMENTS (temps); t++)
    {
      HearthSamplerParams p = plain_params (temps[t]);
      double z = 0;

      histogram (&p, logits, 4, counts);
      for (guint i = 0; i < 4; i++)
        z += exp (logits[i] / temps[t]);
      for (guint i = 0; i < 4; i++)
        g_assert_cmpfloat (fabs ((double) counts[i] / N_DRAWS - exp (logits[i] / temps[t]) / z),
                           <, 0.02);
    }
}

static void
test_top_k (void)
{
  const float logits[] = { 0.0f, 3.0f, 1.0f, 2.9f, 2.0f, -5.0f };
  HearthSamplerParams p = plain_params (1.0f);
  guint counts[6];

  p.top_k = 2;
  histogram (&p, logits, 6, counts);
  g_assert_cmpuint (counts[1] + counts[3], ==, N_DRAWS);
  g_assert_cmpuint (counts[1], >, 0);
  g_assert_cmpuint (counts[3], >, 0);

  p.top_k = 1;
  histogram (&p, logits, 6, counts);
  g_assert_cmpuint (counts[1], ==, N_DRAWS);
}

/* Probabilities 0.5, 0.3, 0.15, 0.05: top-p 0.7 keeps the first two (the
 * smallest set whose mass reaches 0.7), top-p 0.85 the first three. */
static void
test_top_p (void)
{
  const float logits[] = { logf (0.15f), logf (0.5f), logf (0.05f), logf (0.3f) };
  HearthSamplerParams p = plain_params (1.0f);
  guint counts[4];

  p.top_p = 0.7f;
  histogram (&p, logits, 4, counts);
  g_assert_cmpuint (counts[1] + counts[3], ==, N_DRAWS);
  g_assert_cmpfloat (fabs ((double) counts[1] / N_DRAWS - 0.5 / 0.8), <, 0.02);

  p.top_p = 0.85f;
  histogram (&p, logits, 4, counts);
  g_assert_cmpuint (counts[2], ==, 0);
  g_assert_cmpuint (counts[0], >, 0);
}

/* min-p 0.5 keeps tokens with p >= 0.5 · p_max: 0.5 and 0.3 of the above. */
static void
test_min_p (void)
{
  const float logits[] = { logf (0.15f), logf (0.5f), logf (0.05f), logf (0.3f) };
  HearthSamplerParams p = plain_params (1.0f);
  guint counts[4];

  p.min_p = 0.5f;
  histogram (&p, logits, 4, counts);
  g_assert_cmpuint (counts[1] + counts[3], ==, N_DRAWS);
  g_assert_cmpuint (counts[3], >, 0);
}

/* repeat_penalty 2: a repeated positive logit is halved, a negative one
 * doubled. */
static void
test_repeat_penalty (void)
{
  const float positive[] = { 3.0f, 2.0f, 0.0f };
  const float negative[] = { -1.0f, -1.5f, -3.0f };
  HearthSamplerParams p = plain_params (0.0f);
  g_autoptr (HearthSampler) s = NULL;

  p.repeat_penalty = 2.0f;
  s = hearth_sampler_new (&p);
  hearth_sampler_accept (s, 0);
  g_assert_cmpint (hearth_sampler_sample (s, positive, 3), ==, 1);   /* 1.5 < 2.0 */
  g_assert_cmpint (hearth_sampler_sample (s, negative, 3), ==, 1);   /* -2.0 < -1.5 */

  hearth_sampler_reset (s);
  g_assert_cmpint (hearth_sampler_sample (s, positive, 3), ==, 0);
}

/* logit - count · frequency - presence, counted over the window only. */
static void
test_frequency_presence_window (void)
{
  const float logits[] = { 2.0f, 1.0f, 0.0f };
  HearthSamplerParams p = plain_params (0.0f);
  g_autoptr (HearthSampler) s = NULL;

  p.frequency_penalty = 0.4f;
  p.presence_penalty = 0.3f;
  p.penalty_last_n = 3;
  s = hearth_sampler_new (&p);

  hearth_sampler_accept (s, 0);
  hearth_sampler_accept (s, 0);                                  /* 2 - 0.8 - 0.3 = 0.9 */
  g_assert_cmpint (hearth_sampler_sample (s, logits, 3), ==, 1);
  hearth_sampler_accept (s, 2);                                  /* window: 0 0 2 */
  g_assert_cmpint (hearth_sampler_sample (s, logits, 3), ==, 1);
  hearth_sampler_accept (s, 2);                                  /* window: 0 2 2: 2 - 0.7 = 1.3 */
  g_assert_cmpint (hearth_sampler_sample (s, logits, 3), ==, 0);
}

static void
draw_sequence (guint32 seed, gint32 *out, guint n)
{
  const float logits[] = { 0.1f, 0.2f, 0.3f, 0.0f, -0.1f, 0.25f, 0.15f, 0.05f };
  HearthSamplerParams p = plain_params (1.0f);
  g_autoptr (HearthSampler) s = NULL;

  p.seed = seed;
  s = hearth_sampler_new (&p);
  for (guint i = 0; i < n; i++)
    out[i] = hearth_sampler_sample (s, logits, G_N_ELEMENTS (logits));
}

static void
test_seed_reproducible (void)
{
  gint32 a[64], b[64], c[64];

  draw_sequence (7, a, 64);
  draw_sequence (7, b, 64);
  draw_sequence (8, c, 64);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_true (memcmp (a, c, sizeof a) != 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sampler/greedy", test_greedy);
  g_test_add_func ("/sampler/temperature", test_temperature);
  g_test_add_func ("/sampler/top-k", test_top_k);
  g_test_add_func ("/sampler/top-p", test_top_p);
  g_test_add_func ("/sampler/min-p", test_min_p);
  g_test_add_func ("/sampler/repeat-penalty", test_repeat_penalty);
  g_test_add_func ("/sampler/frequency-presence-window", test_frequency_presence_window);
  g_test_add_func ("/sampler/seed-reproducible", test_seed_reproducible);
  return g_test_run ();
}
