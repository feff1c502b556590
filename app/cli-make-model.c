#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli make-model: writes a random-weight Llama or Llama 4 GGUF of a
 * real model's shape, for benchmarks (random weights do not change speed).
 * Quantized blocks are random bytes with small positive scales; no
 * quantizer is involved. No tokenizer is written: feed token ids (the
 * SmolVLM2 pairs of cli-make-model-vision.c can copy one). */

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "cli-make-model-private.h"
#include "ggml-types.h"
#include "hearth-cli.h"
#include "weight-types.h"

#define ALIGNMENT 32

static const Preset presets[] = {
  { "135m",   576,  1536, 30,  9, 3,  64,  49152, 1e5f, TRUE },   /* SmolLM2-135M */
  { "1b",    2048,  8192, 16, 32, 8,  64, 128256, 5e5f, TRUE },   /* Llama 3.2 1B */
  { "3b",    3072,  8192, 28, 24, 8, 128, 128256, 5e5f, TRUE },   /* Llama 3.2 3B */
  { "8b",    4096, 14336, 32, 32, 8, 128, 128256, 5e5f, FALSE },  /* Llama 3.1 8B */
  { "12b",   5120, 14336, 40, 32, 8, 128, 131072, 1e6f, FALSE },  /* Mistral Nemo 12B */
  /* Llama Guard 4 12B: a dense Llama 4 pruned from Scout (expert_count 0) */
  { "llama4-compact-12b", 5120, 8192, 48, 40, 8, 128, 202048, 5e5f, FALSE, "llama4", "12B", 0, 0, 8192, 0 },
  /* Scout's layout (every layer MoE, 16 experts, top-1, a shared expert) at
   * a size whose expert stacks fit one binding of most devices in F16 */
  { "llama4-moe-mini",    2048, 8192, 16, 16, 4, 128, 202048, 5e5f, FALSE, "llama4", NULL, 16, 1, 1536, 1 },
};

/* Whether layer il of a preset routes through experts. */
static gboolean
is_moe_layer (const Preset *p, guint il)
{
  return p->n_expert > 0 && p->moe_step > 0 && (il + 1) % p->moe_step == 0;
}

/* A K-quant (or IQ4_XS) needs rows of 256; otherwise fall back as
 * llama-quantize does. */
static GgmlType
fit_type (GgmlType type, guint64 n_in)
{
  if (n_in % ggml_type_traits (type)->block_size == 0)
    return type;
  switch (type)
    {
    case GGML_TYPE_Q4_K: return GGML_TYPE_Q5_0;
    case GGML_TYPE_Q5_K: return GGML_TYPE_Q5_1;
    case GGML_TYPE_Q2_K:
    case GGML_TYPE_Q3_K:
    case GGML_TYPE_IQ4_XS: return GGML_TYPE_IQ4_NL;
    default: return GGML_TYPE_Q8_0;
    }
}

/* --type: "q4_k_m" or the ggml type every matrix gets ("q4_0" keeps the
 * embeddings and output in Q6_K, like llama-quantize's Q4_0 preset). Q4_K_M
 * keeps token_embd, and attn_v/ffn_down of the first and last eighth and
 * every third layer, in Q6_K, like llama-quantize. */
static GgmlType
matrix_type (GgmlType ftype, const char *role, guint il, guint n_layer)
{
  gboolean more_bits = il < n_layer / 8 || il >= 7 * n_layer / 8 || (il - n_layer / 8) % 3 == 2;
  gboolean embd_or_output = strcmp (role, "token_embd") == 0 || strcmp (role, "output") == 0;

  if (ftype == GGML_TYPE_Q4_0)
    return embd_or_output ? GGML_TYPE_Q6_K : GGML_TYPE_Q4_0;
  if (ftype != MAKE_MODEL_Q4_K_M)
    return ftype;
  if (embd_or_output || ((strcmp (role, "attn_v") == 0 || strcmp (role, "ffn_down") == 0) && more_bits))
    return GGML_TYPE_Q6_K;
  return GGML_TYPE_Q4_K;
}

/* The ggml type named name (any case) if Hearth runs it. */
static gboolean
parse_type (const char *name, GgmlType *out)
{
  for (guint32 id = 0; id < 64; id++)
    {
      const GgmlTypeTraits *traits = ggml_type_traits (id);

      if (traits != NULL && g_ascii_strcasecmp (traits->name, name) == 0 && weight_type_is_runnable (id))
        {
          *out = id;
          return TRUE;
        }
    }
  return FALSE;
}

void
add_tensor_nd (GArray *specs, const char *name, guint64 ne0, guint64 ne1, guint64 ne2, guint64 ne3,
               GgmlType type)
{
  TensorSpec t = { .ne0 = ne0, .ne1 = ne1, .ne2 = ne2, .ne3 = ne3,
                   .type = ne1 == 0 ? GGML_TYPE_F32 : fit_type (type, ne0) };
  TensorSpec *prev = specs->len > 0 ? &g_array_index (specs, TensorSpec, specs->len - 1) : NULL;

  g_strlcpy (t.name, name, sizeof t.name);
  ggml_type_bytes (t.type, ne0 * MAX (ne1, 1) * MAX (ne2, 1) * MAX (ne3, 1), &t.n_bytes);
  t.offset = prev ? (prev->offset + prev->n_bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT : 0;
  g_array_append_val (specs, t);
}

static void
add_tensor (GArray *specs, const char *name, guint64 ne0, guint64 ne1, GgmlType type)
{
  add_tensor_nd (specs, name, ne0, ne1, 0, 0, type);
}

/* A Llama 4 MoE layer's FFN: the F32 router, the expert stacks
 * [n_expert][n_out][n_in] and the shared expert. */
static void
add_moe_layer (GArray *specs, const Preset *p, guint il, guint n_layer, GgmlType ftype)
{
  char name[64];

#define X(suffix, ne0, ne1, ne2, role) \
  (g_snprintf (name, sizeof name, "blk.%u." suffix ".weight", il), \
   add_tensor_nd (specs, name, ne0, ne1, ne2, 0, matrix_type (ftype, role, il, n_layer)))
  X ("ffn_gate_inp", p->n_embd, p->n_expert, 0, "norm");
  X ("ffn_gate_exps", p->n_embd, p->n_ff_exp, p->n_expert, "ffn_gate");
  X ("ffn_up_exps", p->n_embd, p->n_ff_exp, p->n_expert, "ffn_up");
  X ("ffn_down_exps", p->n_ff_exp, p->n_embd, p->n_expert, "ffn_down");
  X ("ffn_gate_shexp", p->n_embd, p->n_ff_exp, 0, "ffn_gate");
  X ("ffn_up_shexp", p->n_embd, p->n_ff_exp, 0, "ffn_up");
  X ("ffn_down_shexp", p->n_ff_exp, p->n_embd, 0, "ffn_down");
#undef X
}

GArray *
plan_tensors (const Preset *p, guint n_layer, GgmlType ftype)
{
  GArray *specs = g_array_new (FALSE, TRUE, sizeof (TensorSpec));
  guint32 q_dim = p->n_head * p->head_dim, kv_dim = p->n_head_kv * p->head_dim;
  char name[64];

  add_tensor (specs, "token_embd.weight", p->n_embd, p->n_vocab,
              matrix_type (ftype, "token_embd", 0, n_layer));
  add_tensor (specs, "output_norm.weight", p->n_embd, 0, GGML_TYPE_F32);
  if (!p->tied)
    add_tensor (specs, "output.weight", p->n_embd, p->n_vocab, matrix_type (ftype, "output", 0, n_layer));
  for (guint il = 0; il < n_layer; il++)
    {
#define T(suffix, ne0, ne1, role) \
      (g_snprintf (name, sizeof name, "blk.%u." suffix ".weight", il), \
       add_tensor (specs, name, ne0, ne1, matrix_type (ftype, role, il, n_layer)))
      T ("attn_norm", p->n_embd, 0, "norm");
      T ("attn_q", p->n_embd, q_dim, "attn_q");
      T ("attn_k", p->n_embd, kv_dim, "attn_k");
      T ("attn_v", p->n_embd, kv_dim, "attn_v");
      T ("attn_output", q_dim, p->n_embd, "attn_output");
      T ("ffn_norm", p->n_embd, 0, "norm");
      if (is_moe_layer (p, il))
        {
          add_moe_layer (specs, p, il, n_layer, ftype);
          continue;
        }
      T ("ffn_gate", p->n_embd, p->n_ff, "ffn_gate");
      T ("ffn_up", p->n_embd, p->n_ff, "ffn_up");
      T ("ffn_down", p->n_ff, p->n_embd, "ffn_down");
#undef T
    }
  return specs;
}

/* ---- GGUF writing --------------------------------------------------------------- */

void
put (GString *s, const void *data, gsize n)
{
  g_string_append_len (s, data, n);
}

void
put_str (GString *s, const char *str)
{
  guint64 len = strlen (str);
  put (s, &len, 8);
  put (s, str, len);
}

void
kv_u32 (GString *s, const char *key, guint32 v)
{
  guint32 type = 4;
  put_str (s, key);
  put (s, &type, 4);
  put (s, &v, 4);
}

void
kv_f32 (GString *s, const char *key, float v)
{
  guint32 type = 6;
  put_str (s, key);
  put (s, &type, 4);
  put (s, &v, 4);
}

void
kv_str (GString *s, const char *key, const char *v)
{
  guint32 type = 8;
  put_str (s, key);
  put (s, &type, 4);
  put_str (s, v);
}

void
put_tensor_infos (GString *s, GArray *specs)
{
  for (guint i = 0; i < specs->len; i++)
    {
      TensorSpec *t = &g_array_index (specs, TensorSpec, i);
      guint32 n_dims = t->ne3 != 0 ? 4 : t->ne2 != 0 ? 3 : t->ne1 != 0 ? 2 : 1;
      const guint64 ne[4] = { t->ne0, t->ne1, t->ne2, t->ne3 };
      put_str (s, t->name);
      put (s, &n_dims, 4);
      put (s, ne, 8 * n_dims);
      put (s, &t->type, 4);
      put (s, &t->offset, 8);
    }
  while (s->len % ALIGNMENT != 0)
    g_string_append_c (s, '\0');
}

/* The metadata; returns the number of keys written. */
static guint64
write_metadata (GString *s, const Preset *p, guint n_layer)
{
  const char *arch = p->arch != NULL ? p->arch : "llama";
  g_autofree char *name = g_strdup_printf ("hearth random %s", p->name);
  guint64 n_kv = 12;
  char key[96];

#define KEY(suffix) (g_snprintf (key, sizeof key, "%s." suffix, arch), key)
  kv_str (s, "general.architecture", arch);
  kv_str (s, "general.name", name);
  kv_u32 (s, KEY ("block_count"), n_layer);
  kv_u32 (s, KEY ("context_length"), 8192);
  kv_u32 (s, KEY ("embedding_length"), p->n_embd);
  kv_u32 (s, KEY ("feed_forward_length"), p->n_ff);
  kv_u32 (s, KEY ("attention.head_count"), p->n_head);
  kv_u32 (s, KEY ("attention.head_count_kv"), p->n_head_kv);
  kv_u32 (s, KEY ("attention.key_length"), p->head_dim);
  kv_u32 (s, KEY ("attention.value_length"), p->head_dim);
  kv_f32 (s, KEY ("rope.freq_base"), p->rope_base);
  kv_f32 (s, KEY ("attention.layer_norm_rms_epsilon"), 1e-5f);
  if (p->size_label != NULL)
    {
      kv_str (s, "general.size_label", p->size_label);
      n_kv++;
    }
  if (strcmp (arch, "llama4") == 0)
    {
      kv_u32 (s, KEY ("expert_count"), p->n_expert);
      kv_u32 (s, KEY ("expert_used_count"), p->n_expert_used);
      kv_u32 (s, KEY ("expert_feed_forward_length"), p->n_ff_exp);
      kv_u32 (s, KEY ("interleave_moe_layer_step"), p->moe_step);
      n_kv += 4;
    }
#undef KEY
  return n_kv;
}

GString *
build_header (const Preset *p, guint n_layer, GArray *specs, const GString *extra_kv, guint n_extra_kv)
{
  GString *s = g_string_new ("GGUF");
  g_autoptr (GString) kv = g_string_new (NULL);
  guint32 version = 3;
  guint64 n_tensors = specs->len, n_kv = write_metadata (kv, p, n_layer) + n_extra_kv;

  put (s, &version, 4);
  put (s, &n_tensors, 8);
  put (s, &n_kv, 8);
  put (s, kv->str, kv->len);
  if (extra_kv != NULL)
    g_string_append_len (s, extra_kv->str, extra_kv->len);
  put_tensor_infos (s, specs);
  return s;
}

static guint64
next_random (guint64 *state)
{
  /* xorshift64*: fast enough for gigabytes, reproducible from the seed */
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return *state * 0x2545F4914F6CDD1Dull;
}

/* A small positive f16 (about 0.0005 .. 0.002): a plausible block scale. */
static guint16
small_half (guint64 *state)
{
  return 0x1000 | (next_random (state) & 0x7ff);
}

/* Random bytes, then every f16 made a small number so nothing is NaN/inf. */
static void
fill_tensor (const TensorSpec *t, guint8 *data, guint64 *rng)
{
  const GgmlTypeTraits *tr = ggml_type_traits (t->type);
  guint64 n_blocks = t->n_bytes / tr->type_size;

  for (guint64 i = 0; i < t->n_bytes; i += 8)
    {
      guint64 r = next_random (rng);
      memcpy (data + i, &r, MIN (8, t->n_bytes - i));
    }
  for (guint64 b = 0; b < n_blocks; b++)
    {
      guint8 *blk = data + b * tr->type_size;
      guint16 h[2] = { small_half (rng), small_half (rng) };
      if (t->type == GGML_TYPE_F32)
        {
          float v = t->ne1 == 0 ? 1.0f : ((float) (h[0] & 0xff) - 128.0f) / 4096.0f;
          memcpy (blk, &v, 4);
        }
      else if (t->type == GGML_TYPE_F16)
        {
          h[0] |= (next_random (rng) & 1) << 15;   /* random sign */
          memcpy (blk, h, 2);
        }
      else if (t->type == GGML_TYPE_BF16)
        {
          float v = ((float) (h[0] & 0xff) - 128.0f) / 4096.0f;
          guint32 bits;

          memcpy (&bits, &v, 4);
          blk[0] = (bits >> 16) & 0xff;
          blk[1] = bits >> 24;
        }
      else
        for (guint i = 0; i < G_N_ELEMENTS (tr->f16_scales); i++)
          if (tr->f16_scales[i] >= 0)
            memcpy (blk + tr->f16_scales[i], &h[i], 2);
    }
}

gboolean
write_model (const char *path, GString *header, GArray *specs, guint32 seed, GError **error)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileOutputStream) out = g_file_replace (file, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
  guint64 rng = 0x9E3779B97F4A7C15ull ^ seed, written = 0;

  if (out == NULL ||
      !g_output_stream_write_all (G_OUTPUT_STREAM (out), header->str, header->len, NULL, NULL, error))
    return FALSE;
  for (guint i = 0; i < specs->len; i++)
    {
      TensorSpec *t = &g_array_index (specs, TensorSpec, i);
      guint64 pad = t->offset - written;
      g_autofree guint8 *data = g_malloc0 (pad + t->n_bytes);

      fill_tensor (t, data + pad, &rng);
      if (!g_output_stream_write_all (G_OUTPUT_STREAM (out), data, pad + t->n_bytes, NULL, NULL, error))
        return FALSE;
      written = t->offset + t->n_bytes;
    }
  return g_output_stream_close (G_OUTPUT_STREAM (out), NULL, error);
}

int
hearth_cli_make_model (int argc, char **argv)
{
  g_autofree char *out_path = NULL, *preset_name = NULL, *ftype = NULL;
  g_autofree char *mmproj_path = NULL, *tokenizer_path = NULL;
  gint n_layer = 0, seed = 1;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path, "File to write", "OUT.gguf" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset_name,
      "Shape: 135m, 1b, 3b, 8b, 12b, llama4-compact-12b, llama4-moe-mini; smolvlm2-256m, smolvlm2-500m, smolvlm2-2.2b (with --mmproj)", "NAME" },
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &mmproj_path, "smolvlm2-*: the projector to write", "MMPROJ.gguf" },
    { "tokenizer", 0, 0, G_OPTION_ARG_FILENAME, &tokenizer_path,
      "smolvlm2-*: copy the tokenizer (and chat template) of this GGUF", "FILE.gguf" },
    { "type", 't', 0, G_OPTION_ARG_STRING, &ftype, "q4_k_m or any tensor type Hearth runs: f32, f16, bf16, q4_0, q5_1, q3_k, iq4_xs, … (default q4_k_m)", "TYPE" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &n_layer, "Override the number of layers", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed (default 1)", "S" },
    { NULL },
  };
  GgmlType type = MAKE_MODEL_Q4_K_M;
  g_autoptr (GOptionContext) octx = g_option_context_new ("- write a random-weight Llama GGUF");
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) specs = NULL;
  g_autoptr (GString) header = NULL;
  const Preset *p = NULL;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error))
    {
      fprintf (stderr, "hearth-cli make-model: %s\n", error->message);
      return 2;
    }
  for (guint i = 0; preset_name != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_ascii_strcasecmp (preset_name, presets[i].name) == 0)
      p = &presets[i];
  if (ftype != NULL && g_ascii_strcasecmp (ftype, "q4_k_m") != 0 && !parse_type (ftype, &type))
    {
      fprintf (stderr, "hearth-cli make-model: --type %s is not a tensor type Hearth runs; "
               "use q4_k_m or one of %s (lower case works)\n", ftype, weight_types_describe ());
      return 2;
    }
  if (p == NULL && preset_name != NULL && out_path != NULL && n_layer >= 0)
    {
      int status = make_smolvlm2_pair (preset_name, out_path, mmproj_path, tokenizer_path, type, n_layer, seed);
      if (status >= 0)
        return status;
    }
  if (out_path == NULL || p == NULL || n_layer < 0 || mmproj_path != NULL || tokenizer_path != NULL)
    {
      fprintf (stderr, "hearth-cli make-model: need -o OUT.gguf, --preset 135m|1b|3b|8b|12b|llama4-compact-12b|llama4-moe-mini (or "
               "smolvlm2-256m|smolvlm2-500m|smolvlm2-2.2b with --mmproj OUT.gguf) and "
               "optionally a --type\n");
      return 2;
    }

  specs = plan_tensors (p, n_layer > 0 ? (guint) n_layer : p->n_layer, type);
  header = build_header (p, n_layer > 0 ? (guint) n_layer : p->n_layer, specs, NULL, 0);
  if (!write_model (out_path, header, specs, seed, &error))
    {
      fprintf (stderr, "hearth-cli make-model: %s\n", error->message);
      return 1;
    }
  return 0;
}
