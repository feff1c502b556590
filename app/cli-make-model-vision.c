#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli make-model --preset smolvlm2-*: a random-weight SmolVLM2 pair
 * of a real model's shapes: the SmolLM2 text model (a Llama GGUF) and its
 * mmproj (SigLIP + idefics3 connector) written the way llama.cpp's
 * converter writes them (fixtures/reference/vlm/README.md in ../shared):
 * matrices in the chosen type, embeddings, norms and biases in F32.
 *
 * Random weights do not change speed, so the pair serves benchmarks and
 * tests of the real widths; --layers N cuts both models to N layers.
 * --tokenizer copies the tokenizer.* keys (vocabulary, merges, special
 * ids, chat template) of a SmolVLM GGUF, which the vision prompt needs. */

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "cli-make-model-private.h"
#include "gguf.h"

/* The SigLIP encoder and connector of a SmolVLM2 model. */
typedef struct {
  guint32 image_size;          /* tile edge */
  guint32 longest_edge;        /* the refined image's longest edge */
  guint32 patch_size;
  guint32 n_embd, n_ff, n_layer, n_head;
  guint32 scale_factor;        /* pixel shuffle */
} VisionShape;

typedef struct {
  Preset      text;
  VisionShape vision;
} VlmPreset;

/* Text: SmolLM2-135M / -360M / -1.7B with the 49,280-token SmolVLM
 * vocabulary (rope base 100k for the small two; 273,768 for the 2.2B's
 * 16k context). Vision: SigLIP base patch 16 at 512 px (93M) for 256M and
 * 500M, SigLIP so400m patch 14 at 384 px for 2.2B. */
static const VlmPreset vlm_presets[] = {
  { { "smolvlm2-256m",  576, 1536, 30,  9,  3, 64, 49280, 1e5f,     TRUE },
    { 512, 2048, 16,  768, 3072, 12, 12, 4 } },
  { { "smolvlm2-500m",  960, 2560, 32, 15,  5, 64, 49280, 1e5f,     TRUE },
    { 512, 2048, 16,  768, 3072, 12, 12, 4 } },
  { { "smolvlm2-2.2b", 2048, 8192, 24, 32, 32, 64, 49280, 273768.0f, TRUE },
    { 384, 1536, 14, 1152, 4304, 27, 16, 3 } },
};

/* ---- the projector ------------------------------------------------------------ */

/* Projectors are F32, F16 or Q8_0 (what clip-model.c runs); rows that Q8_0
 * blocks do not divide (so400m's FFN of 4304) stay F16, as in llama.cpp's
 * converter. */
static GgmlType
projector_type (const char *ftype, guint64 n_in)
{
  if (strcmp (ftype, "f32") == 0)
    return GGML_TYPE_F32;
  if (strcmp (ftype, "q8_0") == 0 && n_in % ggml_type_traits (GGML_TYPE_Q8_0)->block_size == 0)
    return GGML_TYPE_Q8_0;
  return GGML_TYPE_F16;
}

static void
add_linear (GArray *specs, const char *ftype, const char *prefix, guint64 n_in, guint64 n_out,
            gboolean bias)
{
  g_autofree char *w = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b = g_strconcat (prefix, ".bias", NULL);

  add_tensor_nd (specs, w, n_in, n_out, 0, 0, projector_type (ftype, n_in));
  if (bias)
    add_tensor_nd (specs, b, n_out, 0, 0, 0, GGML_TYPE_F32);
}

static void
add_norm (GArray *specs, const char *prefix, guint64 n)
{
  g_autofree char *w = g_strconcat (prefix, ".weight", NULL);
  g_autofree char *b = g_strconcat (prefix, ".bias", NULL);

  add_tensor_nd (specs, w, n, 0, 0, 0, GGML_TYPE_F32);
  add_tensor_nd (specs, b, n, 0, 0, 0, GGML_TYPE_F32);
}

static GArray *
plan_projector (const VisionShape *v, guint n_layer, guint32 projection_dim, const char *ftype)
{
  GArray *specs = g_array_new (FALSE, TRUE, sizeof (TensorSpec));
  guint64 grid = v->image_size / v->patch_size, s2 = v->scale_factor * v->scale_factor;
  char name[64];

  /* The converter keeps the patch convolution and the embeddings in F32. */
  add_tensor_nd (specs, "v.patch_embd.weight", v->patch_size, v->patch_size, 3, v->n_embd,
                 GGML_TYPE_F32);
  add_tensor_nd (specs, "v.patch_embd.bias", v->n_embd, 0, 0, 0, GGML_TYPE_F32);
  add_tensor_nd (specs, "v.position_embd.weight", v->n_embd, grid * grid, 0, 0, GGML_TYPE_F32);
  for (guint il = 0; il < n_layer; il++)
    {
#define BLK(suffix) (g_snprintf (name, sizeof name, "v.blk.%u." suffix, il), name)
      add_norm (specs, BLK ("ln1"), v->n_embd);
      add_linear (specs, ftype, BLK ("attn_q"), v->n_embd, v->n_embd, TRUE);
      add_linear (specs, ftype, BLK ("attn_k"), v->n_embd, v->n_embd, TRUE);
      add_linear (specs, ftype, BLK ("attn_v"), v->n_embd, v->n_embd, TRUE);
      add_linear (specs, ftype, BLK ("attn_out"), v->n_embd, v->n_embd, TRUE);
      add_norm (specs, BLK ("ln2"), v->n_embd);
      add_linear (specs, ftype, BLK ("ffn_up"), v->n_embd, v->n_ff, TRUE);
      add_linear (specs, ftype, BLK ("ffn_down"), v->n_ff, v->n_embd, TRUE);
#undef BLK
    }
  add_norm (specs, "v.post_ln", v->n_embd);
  add_linear (specs, ftype, "mm.model.fc", v->n_embd * s2, projection_dim, FALSE);
  return specs;
}

static void
kv_bool (GString *s, const char *key, gboolean v)
{
  guint32 type = GGUF_TYPE_BOOL;
  guint8 b = v ? 1 : 0;

  put_str (s, key);
  put (s, &type, 4);
  put (s, &b, 1);
}

static void
kv_rgb (GString *s, const char *key, float v)
{
  guint32 type = GGUF_TYPE_ARRAY, elem_type = GGUF_TYPE_FLOAT32;
  guint64 n = 3;
  const float rgb[3] = { v, v, v };

  put_str (s, key);
  put (s, &type, 4);
  put (s, &elem_type, 4);
  put (s, &n, 8);
  put (s, rgb, sizeof rgb);
}

/* The clip.* keys llama.cpp reads for an idefics3 projector. */
static GString *
projector_header (const VlmPreset *vp, guint n_layer, GArray *specs, const char *ftype)
{
  const VisionShape *v = &vp->vision;
  GString *s = g_string_new ("GGUF");
  guint32 version = 3;
  guint64 n_tensors = specs->len, n_kv = 20;
  g_autofree char *name = g_strdup_printf ("hearth random %s mmproj", vp->text.name);

  put (s, &version, 4);
  put (s, &n_tensors, 8);
  put (s, &n_kv, 8);
  kv_str (s, "general.architecture", "clip");
  kv_str (s, "general.type", "mmproj");
  kv_str (s, "general.name", name);
  kv_u32 (s, "general.file_type", strcmp (ftype, "f32") == 0 ? 0 : strcmp (ftype, "q8_0") == 0 ? 7 : 1);
  kv_bool (s, "clip.has_vision_encoder", TRUE);
  kv_str (s, "clip.projector_type", "idefics3");
  kv_bool (s, "clip.use_gelu", TRUE);
  kv_u32 (s, "clip.vision.image_size", v->image_size);
  kv_u32 (s, "clip.vision.preproc_image_size", v->longest_edge);
  kv_u32 (s, "clip.vision.patch_size", v->patch_size);
  kv_u32 (s, "clip.vision.embedding_length", v->n_embd);
  kv_u32 (s, "clip.vision.feed_forward_length", v->n_ff);
  kv_u32 (s, "clip.vision.block_count", n_layer);
  kv_u32 (s, "clip.vision.attention.head_count", v->n_head);
  kv_f32 (s, "clip.vision.attention.layer_norm_epsilon", 1e-6f);
  kv_u32 (s, "clip.vision.projection_dim", vp->text.n_embd);
  kv_u32 (s, "clip.vision.projector.scale_factor", v->scale_factor);
  kv_rgb (s, "clip.vision.image_mean", 0.5f);
  kv_rgb (s, "clip.vision.image_std", 0.5f);
  kv_str (s, "general.description", "random weights of a real shape, written by hearth-cli make-model");
  put_tensor_infos (s, specs);
  return s;
}

/* ---- the tokenizer, copied ---------------------------------------------------- */

/* A value's payload as GGUF stores it (without its type, which the caller
 * wrote). */
static void
put_value (GString *s, const GgufValue *v)
{
  switch (v->type)
    {
    case GGUF_TYPE_STRING:
      {
        guint64 len = v->str.len;
        put (s, &len, 8);
        put (s, v->str.data, len);
      }
      return;
    case GGUF_TYPE_ARRAY:
      {
        guint32 elem_type = v->arr.elem_type;
        put (s, &elem_type, 4);
        put (s, &v->arr.n, 8);
        if (v->arr.items == NULL)
          put (s, v->arr.raw, v->arr.n * gguf_type_size (elem_type));
        for (guint64 i = 0; v->arr.items != NULL && i < v->arr.n; i++)
          put_value (s, &v->arr.items[i]);
      }
      return;
    case GGUF_TYPE_FLOAT32:
      {
        float f = (float) v->f64;
        put (s, &f, 4);
      }
      return;
    case GGUF_TYPE_FLOAT64:
      put (s, &v->f64, 8);
      return;
    default:
      /* Integers and bools: the low bytes of the 64-bit value (little endian). */
      put (s, &v->u64, gguf_type_size (v->type));
      return;
    }
}

/* Every tokenizer.* key of the GGUF at path into kv (*n_kv of them); the
 * vocabulary must have n_vocab tokens, the rows of token_embd. */
static gboolean
copy_tokenizer (const char *path, guint32 n_vocab, GString *kv, guint *n_kv, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (path, error);
  const GgufValue *tokens = NULL;

  if (file == NULL)
    return FALSE;
  if (!gguf_file_get_array (file, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                     "%s has no tokenizer (tokenizer.ggml.tokens); give a SmolVLM GGUF", path);
      return FALSE;
    }
  if (tokens->arr.n != n_vocab)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s has %" G_GUINT64_FORMAT " tokens, but SmolVLM2's vocabulary has %u; "
                   "give a SmolVLM GGUF", path, tokens->arr.n, n_vocab);
      return FALSE;
    }
  for (guint64 i = 0; i < gguf_file_n_keys (file); i++)
    {
      const char *key = gguf_file_key_at (file, i);
      const GgufValue *v = gguf_file_value_at (file, i);
      guint32 type = v->type;

      if (!g_str_has_prefix (key, "tokenizer."))
        continue;
      put_str (kv, key);
      put (kv, &type, 4);
      put_value (kv, v);
      (*n_kv)++;
    }
  return TRUE;
}

/* ---- the pair ----------------------------------------------------------------- */

static gboolean
write_pair (const VlmPreset *vp, const char *out_path, const char *mmproj_path,
            const char *tokenizer_path, const char *ftype, guint n_layer, guint32 seed,
            GError **error)
{
  guint text_layers = n_layer > 0 ? n_layer : vp->text.n_layer;
  guint vision_layers = n_layer > 0 ? n_layer : vp->vision.n_layer;
  g_autoptr (GString) tokenizer_kv = g_string_new (NULL);
  guint n_tokenizer_kv = 0;

  if (tokenizer_path != NULL &&
      !copy_tokenizer (tokenizer_path, vp->text.n_vocab, tokenizer_kv, &n_tokenizer_kv, error))
    return FALSE;

  g_autoptr (GArray) text_specs = plan_tensors (&vp->text, text_layers, ftype);
  g_autoptr (GString) text_header = build_header (&vp->text, text_layers, text_specs,
                                                  tokenizer_kv, n_tokenizer_kv);
  g_autoptr (GArray) vision_specs = plan_projector (&vp->vision, vision_layers, vp->text.n_embd, ftype);
  g_autoptr (GString) vision_header = projector_header (vp, vision_layers, vision_specs, ftype);

  return write_model (out_path, text_header, text_specs, seed, error) &&
         write_model (mmproj_path, vision_header, vision_specs, seed + 1, error);
}

int
make_smolvlm2_pair (const char *name, const char *out_path, const char *mmproj_path,
                    const char *tokenizer_path, const char *ftype, guint n_layer, guint32 seed)
{
  g_autoptr (GError) error = NULL;
  const VlmPreset *vp = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (vlm_presets); i++)
    if (g_ascii_strcasecmp (name, vlm_presets[i].text.name) == 0)
      vp = &vlm_presets[i];
  if (vp == NULL)
    return -1;
  if (mmproj_path == NULL)
    {
      fprintf (stderr, "hearth-cli make-model: --preset %s writes a text model (-o) and its "
               "projector: give --mmproj MMPROJ.gguf too\n", vp->text.name);
      return 2;
    }
  if (!write_pair (vp, out_path, mmproj_path, tokenizer_path, ftype, n_layer, seed, &error))
    {
      fprintf (stderr, "hearth-cli make-model: %s\n", error->message);
      return 1;
    }
  return 0;
}
