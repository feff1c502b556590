#define G_LOG_DOMAIN "hearth-test"

#include <math.h>
#include <string.h>

#include "ref-quant.h"
#include "shaders/types/iq-tables.h"

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

static void
dequant_bf16 (const guint8 *b, float *y)
{
  guint32 bits = (guint32) (b[0] | (b[1] << 8)) << 16;

  memcpy (y, &bits, 4);
}

/* Q4_1: f16 d, f16 m, u8 qs[16]; element j (j < 16) is the low nibble of
 * qs[j], element j + 16 its high nibble; x = d·q + m. */
static void
dequant_q4_1 (const guint8 *b, float *y)
{
  float d = f16_at (b), m = f16_at (b + 2);

  for (int j = 0; j < 16; j++)
    {
      y[j] = d * (b[4 + j] & 0xf) + m;
      y[j + 16] = d * (b[4 + j] >> 4) + m;
    }
}

/* The 5-bit quants of Q5_0/Q5_1: nibbles as in Q4_0, bit e of the
 * little-endian u32 qh is the 5th bit of element e. */
static void
q5_quants (const guint8 *qh_bytes, const guint8 *qs, int *q)
{
  guint32 qh = qh_bytes[0] | (qh_bytes[1] << 8) | (qh_bytes[2] << 16) | ((guint32) qh_bytes[3] << 24);

  for (int j = 0; j < 16; j++)
    {
      q[j] = (qs[j] & 0xf) | (((qh >> j) & 1) << 4);
      q[j + 16] = (qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
    }
}

/* Q5_0: f16 d, u8 qh[4], u8 qs[16]; x = d·(q - 16). */
static void
dequant_q5_0 (const guint8 *b, float *y)
{
  int q[32];

  q5_quants (b + 2, b + 6, q);
  for (int j = 0; j < 32; j++)
    y[j] = f16_at (b) * (q[j] - 16);
}

/* Q5_1: f16 d, f16 m, u8 qh[4], u8 qs[16]; x = d·q + m. */
static void
dequant_q5_1 (const guint8 *b, float *y)
{
  int q[32];

  q5_quants (b + 4, b + 8, q);
  for (int j = 0; j < 32; j++)
    y[j] = f16_at (b) * q[j] + f16_at (b + 2);
}

/* Q2_K: u8 scales[16], u8 qs[64], f16 d, f16 dmin. Sub-block i of 16
 * elements has scale scales[i] & 0xf and min scales[i] >> 4. In half h of
 * 128 elements, element 32·q + l (q < 4, l < 32) is bits 2q..2q+1 of
 * qs[32h + l]; x = d·scale·q - dmin·min. */
static void
dequant_q2_k (const guint8 *b, float *y)
{
  const guint8 *scales = b, *qs = b + 16;
  float d = f16_at (b + 80), dmin = f16_at (b + 82);

  for (int h = 0; h < 2; h++)
    for (int q = 0; q < 4; q++)
      for (int l = 0; l < 32; l++)
        {
          int e = 128 * h + 32 * q + l;
          int sc = scales[e / 16];

          y[e] = d * (sc & 0xf) * ((qs[32 * h + l] >> (2 * q)) & 3) - dmin * (sc >> 4);
        }
}

/* Q3_K: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d. Sub-block i of 16
 * elements has the 6-bit scale whose low 4 bits are nibble i/8 of byte
 * i%8 and high 2 bits are bits 2·(i/4) of byte 8 + i%4, less 32. In half h,
 * element 32·q + l takes bits 2q..2q+1 of qs[32h + l] and bit 4h + q of
 * hmask[l]; a clear hmask bit subtracts 4. */
static void
dequant_q3_k (const guint8 *b, float *y)
{
  const guint8 *hmask = b, *qs = b + 32, *scales = b + 96;
  float d = f16_at (b + 108);

  for (int h = 0; h < 2; h++)
    for (int q = 0; q < 4; q++)
      for (int l = 0; l < 32; l++)
        {
          int e = 128 * h + 32 * q + l, i = e / 16;
          int sc = ((scales[i % 8] >> (4 * (i / 8))) & 0xf) | (((scales[8 + i % 4] >> (2 * (i / 4))) & 3) << 4);
          int v = ((qs[32 * h + l] >> (2 * q)) & 3) - ((hmask[l] >> (4 * h + q)) & 1 ? 0 : 4);

          y[e] = d * (sc - 32) * v;
        }
}

static const gint8 iq4_nl_values[16] = { IQ4_NL_VALUES };

/* IQ4_NL: as Q4_0, but x = d·IQ4_NL_VALUES[nibble]. */
static void
dequant_iq4_nl (const guint8 *b, float *y)
{
  float d = f16_at (b);

  for (int j = 0; j < 16; j++)
    {
      y[j] = d * iq4_nl_values[b[2 + j] & 0xf];
      y[j + 16] = d * iq4_nl_values[b[2 + j] >> 4];
    }
}

/* IQ4_XS: f16 d, u16 scales_h, u8 scales_l[4], u8 qs[128]. Sub-block s of
 * 32 has the 6-bit scale nibble s%2 of scales_l[s/2] | bits 2s..2s+1 of
 * scales_h << 4, less 32, and its 16 bytes of qs laid out as IQ4_NL's. */
static void
dequant_iq4_xs (const guint8 *b, float *y)
{
  float d = f16_at (b);
  guint16 scales_h = b[2] | (b[3] << 8);

  for (int s = 0; s < 8; s++)
    {
      int ls = ((b[4 + s / 2] >> (4 * (s % 2))) & 0xf) | (((scales_h >> (2 * s)) & 3) << 4);
      const guint8 *qs = b + 8 + 16 * s;

      for (int j = 0; j < 16; j++)
        {
          y[32 * s + j] = d * (ls - 32) * iq4_nl_values[qs[j] & 0xf];
          y[32 * s + j + 16] = d * (ls - 32) * iq4_nl_values[qs[j] >> 4];
        }
    }
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
  [HVK_TYPE_F32]    = { dequant_f32,    { -1 } },
  [HVK_TYPE_F16]    = { dequant_f16,    { -1 } },
  [HVK_TYPE_BF16]   = { dequant_bf16,   { -1 } },
  [HVK_TYPE_Q4_0]   = { dequant_q4_0,   { 0, -1 } },
  [HVK_TYPE_Q4_1]   = { dequant_q4_1,   { 0, 2, -1 } },
  [HVK_TYPE_Q5_0]   = { dequant_q5_0,   { 0, -1 } },
  [HVK_TYPE_Q5_1]   = { dequant_q5_1,   { 0, 2, -1 } },
  [HVK_TYPE_Q8_0]   = { dequant_q8_0,   { 0, -1 } },
  [HVK_TYPE_Q2_K]   = { dequant_q2_k,   { 80, 82, -1 } },
  [HVK_TYPE_Q3_K]   = { dequant_q3_k,   { 108, -1 } },
  [HVK_TYPE_Q4_K]   = { dequant_q4_k,   { 0, 2, -1 } },
  [HVK_TYPE_Q5_K]   = { dequant_q5_k,   { 0, 2, -1 } },
  [HVK_TYPE_Q6_K]   = { dequant_q6_k,   { 208, -1 } },
  [HVK_TYPE_IQ4_NL] = { dequant_iq4_nl, { 0, -1 } },
  [HVK_TYPE_IQ4_XS] = { dequant_iq4_xs, { 0, -1 } },
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
  else if (type == HVK_TYPE_BF16)
    {
      guint32 bits;

      memcpy (&bits, &f, 4);
      p[0] = (bits >> 16) & 0xff;
      p[1] = bits >> 24;
    }
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

/* f rounded to the nearest BF16 value, ties to even. */
static float
round_bf16 (float f)
{
  guint32 bits;

  memcpy (&bits, &f, 4);
  bits = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffff0000u;
  memcpy (&f, &bits, 4);
  return f;
}

void
ref_matmul (HvkType type, const guint8 *w, const float *x_in, float *y, float *magnitude,
            guint n_in, guint n_out, guint n_tokens)
{
  g_autofree float *row = g_new (float, n_in);
  g_autofree float *x = g_memdup2 (x_in, (gsize) n_tokens * n_in * sizeof (float));
  gsize row_bytes = ref_row_bytes (type, n_in);

  /* BF16 weights meet activations rounded to BF16 (see types/bf16.glsl). */
  if (type == HVK_TYPE_BF16)
    for (gsize i = 0; i < (gsize) n_tokens * n_in; i++)
      x[i] = round_bf16 (x[i]);

  for (guint r = 0; r < n_out; r++)
    {
      ref_dequant_row (type, w + r * row_bytes, n_in, row);
      for (guint t = 0; t < n_tokens; t++)
        {
          double s = 0, m = 0;

          for (guint k = 0; k < n_in; k++)
            {
              s += (double) row[k] * x[(gsize) t * n_in + k];
              m += fabs ((double) row[k] * x[(gsize) t * n_in + k]);
            }
          y[(gsize) t * n_out + r] = s;
          if (magnitude != NULL)
            magnitude[(gsize) t * n_out + r] = m;
        }
    }
}
