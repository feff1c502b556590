#define G_LOG_DOMAIN "hearth-engine"

/* ggml-types.c: the block layout of every ggml tensor type that a published
 * GGUF may hold. The byte sizes follow ggml's block structs (fp16 scales
 * count 2 bytes, fp32 scales 4); ids are ggml's enum values, which GGUF
 * stores verbatim. Removed ids (Q4_2, Q4_3, the repacked Q4_0_x_y and
 * IQ4_NL_x_y variants) have no entry: no current reader accepts them. */

#include "ggml-types.h"

#define QK_K 256

static const GgmlTypeTraits type_table[] = {
  /* id             name       block  bytes       block struct */
  { GGML_TYPE_F32,     "F32",          1,    4 },
  { GGML_TYPE_F16,     "F16",          1,    2 },
  { GGML_TYPE_Q4_0,    "Q4_0",        32,   18 },  /* d + 16 nibble bytes */
  { GGML_TYPE_Q4_1,    "Q4_1",        32,   20 },  /* d, m + 16 */
  { GGML_TYPE_Q5_0,    "Q5_0",        32,   22 },  /* d + qh[4] + 16 */
  { GGML_TYPE_Q5_1,    "Q5_1",        32,   24 },  /* d, m + qh[4] + 16 */
  { GGML_TYPE_Q8_0,    "Q8_0",        32,   34 },  /* d + 32 */
  { GGML_TYPE_Q8_1,    "Q8_1",        32,   36 },  /* d, s + 32 */
  { GGML_TYPE_Q2_K,    "Q2_K",      QK_K,   84 },  /* scales[16] + qs[64] + d, dmin */
  { GGML_TYPE_Q3_K,    "Q3_K",      QK_K,  110 },  /* hmask[32] + qs[64] + scales[12] + d */
  { GGML_TYPE_Q4_K,    "Q4_K",      QK_K,  144 },  /* d, dmin + scales[12] + qs[128] */
  { GGML_TYPE_Q5_K,    "Q5_K",      QK_K,  176 },  /* d, dmin + scales[12] + qh[32] + qs[128] */
  { GGML_TYPE_Q6_K,    "Q6_K",      QK_K,  210 },  /* ql[128] + qh[64] + scales[16] + d */
  { GGML_TYPE_Q8_K,    "Q8_K",      QK_K,  292 },  /* float d + qs[256] + int16 bsums[16] */
  { GGML_TYPE_IQ2_XXS, "IQ2_XXS",   QK_K,   66 },  /* d + u16 qs[32] */
  { GGML_TYPE_IQ2_XS,  "IQ2_XS",    QK_K,   74 },  /* d + u16 qs[32] + scales[8] */
  { GGML_TYPE_IQ3_XXS, "IQ3_XXS",   QK_K,   98 },  /* d + qs[96] */
  { GGML_TYPE_IQ1_S,   "IQ1_S",     QK_K,   50 },  /* d + qs[32] + u16 qh[8] */
  { GGML_TYPE_IQ4_NL,  "IQ4_NL",      32,   18 },  /* d + qs[16] */
  { GGML_TYPE_IQ3_S,   "IQ3_S",     QK_K,  110 },  /* d + qs[64] + qh[8] + signs[32] + scales[4] */
  { GGML_TYPE_IQ2_S,   "IQ2_S",     QK_K,   82 },  /* d + qs[64] + qh[8] + scales[8] */
  { GGML_TYPE_IQ4_XS,  "IQ4_XS",    QK_K,  136 },  /* d + u16 scales_h + scales_l[4] + qs[128] */
  { GGML_TYPE_I8,      "I8",           1,    1 },
  { GGML_TYPE_I16,     "I16",          1,    2 },
  { GGML_TYPE_I32,     "I32",          1,    4 },
  { GGML_TYPE_I64,     "I64",          1,    8 },
  { GGML_TYPE_F64,     "F64",          1,    8 },
  { GGML_TYPE_IQ1_M,   "IQ1_M",     QK_K,   56 },  /* qs[32] + qh[16] + scales[8] */
  { GGML_TYPE_BF16,    "BF16",         1,    2 },
  { GGML_TYPE_TQ1_0,   "TQ1_0",     QK_K,   54 },  /* qs[48] + qh[4] + d */
  { GGML_TYPE_TQ2_0,   "TQ2_0",     QK_K,   66 },  /* qs[64] + d */
  { GGML_TYPE_MXFP4,   "MXFP4",       32,   17 },  /* e8m0 scale + qs[16] */
};

const GgmlTypeTraits *
ggml_type_traits (guint32 id)
{
  for (gsize i = 0; i < G_N_ELEMENTS (type_table); i++)
    if (type_table[i].id == id)
      return &type_table[i];
  return NULL;
}

gboolean
ggml_type_bytes (guint32 id, guint64 n, guint64 *out_bytes)
{
  const GgmlTypeTraits *traits = ggml_type_traits (id);

  if (traits == NULL || n % traits->block_size != 0)
    return FALSE;
  return g_uint64_checked_mul (out_bytes, n / traits->block_size, traits->type_size);
}
