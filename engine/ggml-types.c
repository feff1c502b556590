#define G_LOG_DOMAIN "hearth-engine"

/* ggml-types.c: the block layout of every ggml tensor type that a published
 * GGUF may hold. The byte sizes follow ggml's block structs (fp16 scales
 * count 2 bytes, fp32 scales 4); ids are ggml's enum values, which GGUF
 * stores verbatim. Removed ids (Q4_2, Q4_3, the repacked Q4_0_x_y and
 * IQ4_NL_x_y variants) have no entry: no current reader accepts them. */

#include "ggml-types.h"

#define QK_K 256

static const GgmlTypeTraits type_table[] = {
  /* id             name       block  bytes  f16 scales   block struct */
  { GGML_TYPE_F32,     "F32",          1,    4, { -1, -1 } },
  { GGML_TYPE_F16,     "F16",          1,    2, { -1, -1 } },
  { GGML_TYPE_Q4_0,    "Q4_0",        32,   18, { 0, -1 } },  /* d + 16 nibble bytes */
  { GGML_TYPE_Q4_1,    "Q4_1",        32,   20, { 0, 2 } },  /* d, m + 16 */
  { GGML_TYPE_Q5_0,    "Q5_0",        32,   22, { 0, -1 } },  /* d + qh[4] + 16 */
  { GGML_TYPE_Q5_1,    "Q5_1",        32,   24, { 0, 2 } },  /* d, m + qh[4] + 16 */
  { GGML_TYPE_Q8_0,    "Q8_0",        32,   34, { 0, -1 } },  /* d + 32 */
  { GGML_TYPE_Q8_1,    "Q8_1",        32,   36, { 0, 2 } },  /* d, s + 32 */
  { GGML_TYPE_Q2_K,    "Q2_K",      QK_K,   84, { 80, 82 } },  /* scales[16] + qs[64] + d, dmin */
  { GGML_TYPE_Q3_K,    "Q3_K",      QK_K,  110, { 108, -1 } },  /* hmask[32] + qs[64] + scales[12] + d */
  { GGML_TYPE_Q4_K,    "Q4_K",      QK_K,  144, { 0, 2 } },  /* d, dmin + scales[12] + qs[128] */
  { GGML_TYPE_Q5_K,    "Q5_K",      QK_K,  176, { 0, 2 } },  /* d, dmin + scales[12] + qh[32] + qs[128] */
  { GGML_TYPE_Q6_K,    "Q6_K",      QK_K,  210, { 208, -1 } },  /* ql[128] + qh[64] + scales[16] + d */
  { GGML_TYPE_Q8_K,    "Q8_K",      QK_K,  292, { -1, -1 } },  /* float d + qs[256] + int16 bsums[16] */
  { GGML_TYPE_IQ2_XXS, "IQ2_XXS",   QK_K,   66, { 0, -1 } },  /* d + u16 qs[32] */
  { GGML_TYPE_IQ2_XS,  "IQ2_XS",    QK_K,   74, { 0, -1 } },  /* d + u16 qs[32] + scales[8] */
  { GGML_TYPE_IQ3_XXS, "IQ3_XXS",   QK_K,   98, { 0, -1 } },  /* d + qs[96] */
  { GGML_TYPE_IQ1_S,   "IQ1_S",     QK_K,   50, { 0, -1 } },  /* d + qs[32] + u16 qh[8] */
  { GGML_TYPE_IQ4_NL,  "IQ4_NL",      32,   18, { 0, -1 } },  /* d + qs[16] */
  { GGML_TYPE_IQ3_S,   "IQ3_S",     QK_K,  110, { 0, -1 } },  /* d + qs[64] + qh[8] + signs[32] + scales[4] */
  { GGML_TYPE_IQ2_S,   "IQ2_S",     QK_K,   82, { 0, -1 } },  /* d + qs[64] + qh[8] + scales[8] */
  { GGML_TYPE_IQ4_XS,  "IQ4_XS",    QK_K,  136, { 0, -1 } },  /* d + u16 scales_h + scales_l[4] + qs[128] */
  { GGML_TYPE_I8,      "I8",           1,    1, { -1, -1 } },
  { GGML_TYPE_I16,     "I16",          1,    2, { -1, -1 } },
  { GGML_TYPE_I32,     "I32",          1,    4, { -1, -1 } },
  { GGML_TYPE_I64,     "I64",          1,    8, { -1, -1 } },
  { GGML_TYPE_F64,     "F64",          1,    8, { -1, -1 } },
  { GGML_TYPE_IQ1_M,   "IQ1_M",     QK_K,   56, { -1, -1 } },  /* qs[32] + qh[16] + scales[8] */
  { GGML_TYPE_BF16,    "BF16",         1,    2, { -1, -1 } },
  { GGML_TYPE_TQ1_0,   "TQ1_0",     QK_K,   54, { 52, -1 } },  /* qs[48] + qh[4] + d */
  { GGML_TYPE_TQ2_0,   "TQ2_0",     QK_K,   66, { 64, -1 } },  /* qs[64] + d */
  { GGML_TYPE_MXFP4,   "MXFP4",       32,   17, { -1, -1 } },  /* e8m0 scale + qs[16] */
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

/* llama.cpp's names of its LLAMA_FTYPE values (general.file_type), as its
 * tools print them ("Q4_K - Medium"). Ids no llama.cpp writes any more
 * (4-6, 33-35: removed formats) have none. */
static const char *const file_type_names[] = {
  [0]  = "all F32",              [1]  = "F16",
  [2]  = "Q4_0",                 [3]  = "Q4_1",
  [7]  = "Q8_0",                 [8]  = "Q5_0",
  [9]  = "Q5_1",                 [10] = "Q2_K - Medium",
  [11] = "Q3_K - Small",         [12] = "Q3_K - Medium",
  [13] = "Q3_K - Large",         [14] = "Q4_K - Small",
  [15] = "Q4_K - Medium",        [16] = "Q5_K - Small",
  [17] = "Q5_K - Medium",        [18] = "Q6_K",
  [19] = "IQ2_XXS - 2.0625 bpw", [20] = "IQ2_XS - 2.3125 bpw",
  [21] = "Q2_K - Small",         [22] = "IQ3_XS - 3.3 bpw",
  [23] = "IQ3_XXS - 3.0625 bpw", [24] = "IQ1_S - 1.5625 bpw",
  [25] = "IQ4_NL - 4.5 bpw",     [26] = "IQ3_S - 3.4375 bpw",
  [27] = "IQ3_S mix - 3.66 bpw", [28] = "IQ2_S - 2.5 bpw",
  [29] = "IQ2_M - 2.7 bpw",      [30] = "IQ4_XS - 4.25 bpw",
  [31] = "IQ1_M - 1.75 bpw",     [32] = "BF16",
  [36] = "TQ1_0 - 1.69 bpw ternary", [37] = "TQ2_0 - 2.06 bpw ternary",
  [38] = "MXFP4 MoE",
};

/* llama.cpp marks a file type it inferred from the tensors (not written by
 * llama-quantize) with this bit. */
#define FILE_TYPE_GUESSED 1024

char *
ggml_file_type_name (guint32 file_type)
{
  guint32 base = file_type & ~FILE_TYPE_GUESSED;

  if (base >= G_N_ELEMENTS (file_type_names) || file_type_names[base] == NULL)
    return NULL;
  if (file_type & FILE_TYPE_GUESSED)
    return g_strconcat (file_type_names[base], " (guessed)", NULL);
  return g_strdup (file_type_names[base]);
}
