#define G_LOG_DOMAIN "hearth-tests"

#include <math.h>
#include <string.h>

#include "ref-ops.h"

guint16
ref_f32_to_f16 (float f)
{
  guint32 bits;
  memcpy (&bits, &f, sizeof bits);
  guint32 sign = (bits >> 16) & 0x8000u;
  guint32 abs_bits = bits & 0x7fffffffu;

  if (abs_bits >= 0x7f800000u)                       /* inf or NaN */
    return sign | 0x7c00u | (abs_bits > 0x7f800000u ? 0x200u : 0u);
  if (abs_bits >= 0x477ff000u)                       /* rounds past 65504 */
    return sign | 0x7c00u;

  float a;
  memcpy (&a, &abs_bits, sizeof a);
  if (a < 6.103515625e-05f)                          /* subnormal half: a multiple of 2^-24 */
    return sign | (guint16) nearbyintf (a * 16777216.0f);

  /* Normal: drop 13 mantissa bits with round to nearest even; a carry
   * into the exponent is the correct result. */
  guint32 rebased = abs_bits - ((127u - 15u) << 23);
  guint32 rounded = rebased + 0xfffu + ((rebased >> 13) & 1u);
  return sign | (rounded >> 13);
}

float
ref_f16_to_f32 (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000u) << 16;
  guint32 exp = (h >> 10) & 0x1fu;
  guint32 mant = h & 0x3ffu;
  float f;

  if (exp == 0)
    f = ldexpf ((float) mant, -24);
  else if (exp == 31)
    f = mant != 0 ? NAN : INFINITY;
  else
    f = ldexpf ((float) (mant | 0x400u), (int) exp - 25);
  return sign != 0 ? -f : f;
}

void
ref_rms_norm (const float *x, const float *weight, float *y, guint n, guint rows, float eps)
{
  for (guint r = 0; r < rows; r++)
    {
      const float *xr = x + (gsize) r * n;
      double ss = 0.0;
      for (guint i = 0; i < n; i++)
        ss += (double) xr[i] * xr[i];
      double inv = 1.0 / sqrt (ss / n + eps);
      for (guint i = 0; i < n; i++)
        y[(gsize) r * n + i] = (float) (xr[i] * inv * (weight != NULL ? weight[i] : 1.0));
    }
}

void
ref_layer_norm (const float *x, const float *weight, const float *bias, float *y,
                guint n, guint rows, float eps)
{
  for (guint r = 0; r < rows; r++)
    {
      const float *xr = x + (gsize) r * n;
      double mean = 0.0, var = 0.0;
      for (guint i = 0; i < n; i++)
        mean += xr[i];
      mean /= n;
      for (guint i = 0; i < n; i++)
        var += (xr[i] - mean) * (xr[i] - mean);
      double inv = 1.0 / sqrt (var / n + eps);
      for (guint i = 0; i < n; i++)
        {
          double v = (xr[i] - mean) * inv;
          if (weight != NULL)
            v *= weight[i];
          if (bias != NULL)
            v += bias[i];
          y[(gsize) r * n + i] = (float) v;
        }
    }
}

void
ref_softmax (float *x, guint n, guint rows, float scale)
{
  for (guint r = 0; r < rows; r++)
    {
      float *xr = x + (gsize) r * n;
      double m = -INFINITY, sum = 0.0;
      for (guint i = 0; i < n; i++)
        m = fmax (m, (double) xr[i] * scale);
      for (guint i = 0; i < n; i++)
        sum += exp ((double) xr[i] * scale - m);
      for (guint i = 0; i < n; i++)
        xr[i] = (float) (exp ((double) xr[i] * scale - m) / sum);
    }
}

guint
ref_argmax (const float *x, guint n)
{
  guint best = 0;
  for (guint i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

void
ref_rope (float *x, guint n_tokens, guint n_heads, guint head_dim, guint n_rot, guint pos0,
          float freq_base, float freq_scale, gboolean neox, const float *factors)
{
  /* theta in f32 exactly as hvk-ops.h specifies; sin/cos in double. */
  float theta_scale = powf (freq_base, -2.0f / (float) n_rot);
  guint half = n_rot / 2;

  for (guint t = 0; t < n_tokens; t++)
    for (guint h = 0; h < n_heads; h++)
      {
        float *head = x + ((gsize) t * n_heads + h) * head_dim;
        for (guint i = 0; i < half; i++)
          {
            float theta = (float) (pos0 + t) * powf (theta_scale, (float) i);
            if (factors != NULL)
              theta /= factors[i];
            theta *= freq_scale;
            double c = cos ((double) theta), s = sin ((double) theta);
            guint i0 = neox ? i : 2 * i;
            guint i1 = neox ? i + half : 2 * i + 1;
            double a = head[i0], b = head[i1];
            head[i0] = (float) (a * c - b * s);
            head[i1] = (float) (a * s + b * c);
          }
      }
}

void
ref_attention (const float *q, const guint16 *k, const guint16 *v, float *out,
               guint n_tokens, guint n_kv, guint q_pos0, guint n_head, guint n_head_kv,
               guint head_dim, float scale, gboolean causal)
{
  ref_attention_masked (q, k, v, out, n_tokens, n_kv, q_pos0, n_head, n_head_kv, head_dim, scale,
                        causal, 0, 0, 0.0f);
}

/* Llama 4's NoPE query temperature, as llama.cpp computes it per position. */
static double
ref_attn_temperature (guint pos, guint floor_step, float temp_scale)
{
  return 1.0 + temp_scale * log (1.0 + floor ((pos + 1.0) / floor_step));
}

void
ref_attention_masked (const float *q, const guint16 *k, const guint16 *v, float *out,
                      guint n_tokens, guint n_kv, guint q_pos0, guint n_head, guint n_head_kv,
                      guint head_dim, float scale, gboolean causal, guint chunk,
                      guint temp_floor, float temp_scale)
{
  guint group = n_head / n_head_kv;
  g_autofree double *scores = g_new (double, n_kv);

  for (guint t = 0; t < n_tokens; t++)
    for (guint h = 0; h < n_head; h++)
      {
        const float *qh = q + ((gsize) t * n_head + h) * head_dim;
        float *oh = out + ((gsize) t * n_head + h) * head_dim;
        guint hk = h / group;
        guint pos = q_pos0 + t;
        guint n_visible = causal ? MIN (n_kv, pos + 1) : n_kv;
        guint first = chunk > 0 ? pos / chunk * chunk : 0;
        double q_scale = temp_scale > 0.0f ? ref_attn_temperature (pos, temp_floor, temp_scale) : 1.0;
        double m = -INFINITY, sum = 0.0;

        for (guint j = first; j < n_visible; j++)
          {
            const guint16 *kj = k + ((gsize) j * n_head_kv + hk) * head_dim;
            double dot = 0.0;
            for (guint d = 0; d < head_dim; d++)
              dot += (double) qh[d] * q_scale * ref_f16_to_f32 (kj[d]);
            scores[j] = dot * scale;
            m = fmax (m, scores[j]);
          }
        for (guint j = first; j < n_visible; j++)
          {
            scores[j] = exp (scores[j] - m);
            sum += scores[j];
          }
        for (guint d = 0; d < head_dim; d++)
          {
            double acc = 0.0;
            for (guint j = first; j < n_visible; j++)
              acc += scores[j] * ref_f16_to_f32 (v[((gsize) j * n_head_kv + hk) * head_dim + d]);
            oh[d] = (float) (acc / sum);
          }
      }
}

float
ref_silu (float x)
{
  return (float) (x / (1.0 + exp (-(double) x)));
}

float
ref_gelu_tanh (float x)
{
  double xd = x;
  return (float) (0.5 * xd * (1.0 + tanh (sqrt (2.0 / G_PI) * (xd + 0.044715 * xd * xd * xd))));
}

float
ref_gelu_erf (float x)
{
  return (float) (0.5 * x * (1.0 + erf (x / G_SQRT2)));
}
