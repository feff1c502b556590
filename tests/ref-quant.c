#define G_LOG_DOMAIN "hearth-test"

#include <string.h>

#include "ref-quant.h"

guint16
ref_f16_from_f32 (float f)
{
  _Float16 h = (_Float16) f;
  guint16 bits;

  memcpy (&bits, &h, 2);
  return bits;
}

float
ref_f32_from_f16 (guint16 bits)
{
  _Float16 h;

  memcpy (&h, &bits, 2);
  return (float) h;
}

static float
f16_at (const guint8 *p)
{
  return ref_f32_from_f16 ((guint16) (p[0] | (p[1] << 8)));
}

static void
put_f16 (guint8 *p, float f)
{
  guint16 h = ref_f16_from_f32 (f);

  p[0] = h & 0xff;
  p[1] = h >> 8;
}

static void
dequant_q4_0 (const guint8 *b, float *y)
{
  float d = f16_at (b);
  const guint8 *qs = b + 2;

  for (int j = 0; j < 16; j++)
    {
      y[j] = d * ((qs[j] & 0xf) - 8);
      y[j + 16] = d * ((qs[j] >> 4) - 8);
    }
}

static void
dequant_q8_0 (const guint8 *b, float *y)
{
  float d = f16_at (b);

  for (int j = 0; j < 32; j++)
    y[j] = d * (gint8) b[2 + j];
}

/* Six-bit scale and min of sub-block j of a Q4_K/Q5_K block. */
static void
k_scale_min (const guint8 *scales, int j, int *sc, int *m)
{
  if (j < 4)
    {
      *sc = scales[j] & 63;
      *m = scales[j + 4] & 63;
    }
  else
    {
      *sc = (scales[j + 4] & 0xf) | ((scales[j - 4] >> 6) << 4);
      *m = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
    }
}

/* Q4_K and Q5_K (qh NULL for Q4_K): 8 sub-blocks of 32; sub-blocks 2p and
 * 2p+1 take the low and high nibbles of qs[32p..32p+32). */
static void
dequant_k4_k5 (const guint8 *b, const guint8 *qh, const guint8 *qs, float *y)
{
  float d = f16_at (b), dmin = f16_at (b + 2);
  const guint8 *scales = b + 4;

  for (int s = 0; s < 8; s++)
    {
      int sc, m;

      k_scale_min (scales, s, &sc, &m);
      for (int l = 0; l < 32; l++)
        {
          int q = (qs[(s / 2) * 32 + l] >> (4 * (s % 2))) & 0xf;

          if (qh != NULL)
            q |= ((qh[l] >> s) & 1) << 4;
          y[s * 32 + l] = d * sc * q - dmin * m;
        }
    }
}

/* Q6_K: two halves of 128; in half h, element 32·q + l (q < 4, l < 32)
 * takes nibble q/2 of ql[64h + 32(q%2) + l], bits 2q..2q+1 of qh[32h + l]
 * and scale scales[8h + 2q + l/16]. */
static void
dequant_q6_k (const guint8 *b, float *y)
{
  const guint8 *ql = b, *qh = b + 128;
  const gint8 *scales = (const gint8 *) (b + 192);
  float d = f16_at (b + 208);

  for (int h = 0; h < 2; h++)
    for (int q = 0; q < 4; q++)
      for (int l = 0; l < 32; l++)
        {
          int lo = (ql[64 * h + 32 * (q % 2) + l] >> (4 * (q / 2))) & 0xf;
          int hi = (qh[32 * h + l] >> (2 * q)) & 3;
          int sc = scales[8 * h + 2 * q + l / 16];

          y[128 * h + 32 * q + l] = d * sc * ((lo | (hi << 4)) - 32);
        }
}

static void
dequant_f32 (const guint8 *b, float *y)
{
  memcpy (y, b, 4);
}

static void
dequant_f16 (const guint8 *b, float *y)
{
  *y = f16_at (b);
}

static void
dequant_q4_k (const guint8 *b, float *y)
{
  dequant_k4_k5 (b, NULL, b + 16, y);
}

static void
dequant_q5_k (const guint8 *b, float *y)
{
  dequant_k4_k5 (b, b + 16, b + 48, y);
}

/* Per type: how one block dequantizes, and the byte offsets of its f16
 * scales (randomized to small positive values; -1 ends the list). Float
 * types have no scales: random values in [-1, 1] are written instead. A
 * type without an entry fails every test that uses it. */
typedef struct {
  void (*dequant) (const guint8 *block, float *y);
  int  scales[3];
} RefType;

static const RefType ref_types[HVK_TYPE_COUNT] = {
  [HVK_TYPE_F32]  = { dequant_f32,  { -1 } },
  [HVK_TYPE_F16]  = { dequant_f16,  { -1 } },
  [HVK_TYPE_Q4_0] = { dequant_q4_0, { 0, -1 } },
  [HVK_TYPE_Q8_0] = { dequant_q8_0, { 0, -1 } },
  [HVK_TYPE_Q4_K] = { dequant_q4_k, { 0, 2, -1 } },
  [HVK_TYPE_Q5_K] = { dequant_q5_k, { 0, 2, -1 } },
  [HVK_TYPE_Q6_K] = { dequant_q6_k, { 208, -1 } },
};

static const RefType *
ref_type (HvkType type)
{
  g_assert_cmpuint (type, <, HVK_TYPE_COUNT);
  g_assert_nonnull (ref_types[type].dequant);
  return &ref_types[type];
}

static gboolean
is_float (HvkType type)
{
  return hvk_type_block_size (type) == 1;
}

gsize
ref_row_bytes (HvkType type, guint n)
{
  g_assert (n % hvk_type_block_size (type) == 0);
  return (gsize) n / hvk_type_block_size (type) * hvk_type_block_bytes (type);
}

/* Random floats in [-1, 1] stored as the float type. */
static void
put_float (HvkType type, guint8 *p, float f)
{
  if (type == HVK_TYPE_F32)
    memcpy (p, &f, 4);
  else if (type == HVK_TYPE_F16)
    put_f16 (p, f);
  else
    g_assert_not_reached ();
}

guint8 *
ref_random_weights (HvkType type, guint n_in, guint n_out, guint32 seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  const RefType *rt = ref_type (type);
  gsize n_bytes = ref_row_bytes (type, n_in) * n_out;
  gsize bytes = hvk_type_block_bytes (type);
  guint8 *w = g_malloc (n_bytes);

  if (is_float (type))
    {
      for (gsize off = 0; off < n_bytes; off += bytes)
        put_float (type, w + off, g_rand_double_range (rand, -1.0, 1.0));
      return w;
    }
  for (gsize i = 0; i < n_bytes; i++)
    w[i] = g_rand_int (rand) & 0xff;
  for (gsize off = 0; off < n_bytes; off += bytes)
    for (const int *sc = rt->scales; *sc >= 0; sc++)
      put_f16 (w + off + *sc, g_rand_double_range (rand, 0.001, 0.01));
  return w;
}

void
ref_dequant_row (HvkType type, const guint8 *row, guint n, float *out)
{
  const RefType *rt = ref_type (type);
  guint block = hvk_type_block_size (type), bytes = hvk_type_block_bytes (type);

  g_assert (n % block == 0);
  for (guint i = 0; i < n / block; i++)
    rt->dequant (row + (gsize) i * bytes, out + (gsize) i * block);
}

void
ref_matmul (HvkType type, const guint8 *w, const float *x, float *y,
            guint n_in, guint n_out, guint n_tokens)
{
  g_autofree float *row = g_new (float, n_in);
  gsize row_bytes = ref_row_bytes (type, n_in);

  for (guint r = 0; r < n_out; r++)
    {
      ref_dequant_row (type, w + r * row_bytes, n_in, row);
      for (guint t = 0; t < n_tokens; t++)
        {
          double s = 0;

          for (guint k = 0; k < n_in; k++)
            s += (double) row[k] * x[(gsize) t * n_in + k];
          y[(gsize) t * n_out + r] = s;
        }
    }
}
