#define G_LOG_DOMAIN "hearth-catalog"

/* model-catalog.c: finds and describes GGUF models on disk. Files are
 * mapped only long enough to read their metadata and tensor table; nothing
 * is copied. A folder is listed once, then its models are paired with the
 * vision projectors (mmproj files) found beside them that fit them; a
 * model described alone is paired the same way with those of its folder. */

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "hearth"
#endif

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "clip-model.h"
#include "gguf.h"
#include "lm-arch.h"
#include "weight-upload.h"
#include "model-catalog.h"

/* Deep enough for LM Studio's publisher/model/file and Ollama's
 * manifests/registry/namespace/model/tag, shallow enough to stay quick in a
 * folder like ~ that a user may add. */
#define MAX_DEPTH 6

#define VISION_PROJECTOR "idefics3"

/* ---- HearthModelInfo ---------------------------------------------------- */

HearthModelInfo *
hearth_model_info_copy (const HearthModelInfo *info)
{
  HearthModelInfo *copy = g_new (HearthModelInfo, 1);

  *copy = *info;
  copy->name = g_strdup (info->name);
  copy->path = g_strdup (info->path);
  copy->architecture = g_strdup (info->architecture);
  copy->family = g_strdup (info->family);
  copy->quantization = g_strdup (info->quantization);
  copy->mmproj_path = g_strdup (info->mmproj_path);
  copy->projector_type = g_strdup (info->projector_type);
  copy->unsupported_reason = g_strdup (info->unsupported_reason);
  copy->error = g_strdup (info->error);
  return copy;
}

void
hearth_model_info_free (HearthModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->path);
  g_free (info->architecture);
  g_free (info->family);
  g_free (info->quantization);
  g_free (info->mmproj_path);
  g_free (info->projector_type);
  g_free (info->unsupported_reason);
  g_free (info->error);
  g_free (info);
}

G_DEFINE_BOXED_TYPE (HearthModelInfo, hearth_model_info, hearth_model_info_copy, hearth_model_info_free)

gboolean
hearth_model_info_has_vision (const HearthModelInfo *info)
{
  return info->mmproj_path != NULL && g_strcmp0 (info->projector_type, VISION_PROJECTOR) == 0;
}

const char *
hearth_model_source_to_string (HearthModelSource source)
{
  switch (source)
    {
    case HEARTH_MODEL_SOURCE_HEARTH:    return "hearth";
    case HEARTH_MODEL_SOURCE_USER:      return "folder";
    case HEARTH_MODEL_SOURCE_LLAMA_CPP: return "llama.cpp";
    case HEARTH_MODEL_SOURCE_LM_STUDIO: return "lm-studio";
    case HEARTH_MODEL_SOURCE_OLLAMA:    return "ollama";
    default:                            return "unknown";
    }
}

/* 6464 -> "6.5 K", 1235814400 -> "1.24 B". */
char *
hearth_model_format_n_params (guint64 n)
{
  if (n >= 1000000000)
    return g_strdup_printf ("%.2f B", n / 1e9);
  if (n >= 1000000)
    return g_strdup_printf ("%.1f M", n / 1e6);
  if (n >= 1000)
    return g_strdup_printf ("%.1f K", n / 1e3);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
}

void
hearth_model_location_free (HearthModelLocation *location)
{
  if (location == NULL)
    return;
  g_free (location->path);
  g_free (location);
}

/* ---- Locations ---------------------------------------------------------- */

static void
add_location (GPtrArray *locations, HearthModelSource source, char *path)
{
  HearthModelLocation *location = g_new (HearthModelLocation, 1);

  location->source = source;
  location->path = path;
  g_ptr_array_add (locations, location);
}

GPtrArray *
hearth_model_catalog_default_locations (const char        *home_dir,
                                        const char        *data_dir,
                                        const char *const *user_dirs)
{
  GPtrArray *locations = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_location_free);
  const char *llama_cache = g_getenv ("LLAMA_CACHE");
  const char *ollama_models = g_getenv ("OLLAMA_MODELS");

  if (home_dir == NULL)
    home_dir = g_get_home_dir ();
  if (data_dir == NULL)
    data_dir = g_get_user_data_dir ();

  add_location (locations, HEARTH_MODEL_SOURCE_HEARTH, g_build_filename (data_dir, "hearth", "models", NULL));
  for (gsize i = 0; user_dirs != NULL && user_dirs[i] != NULL; i++)
    add_location (locations, HEARTH_MODEL_SOURCE_USER, g_strdup (user_dirs[i]));
  add_location (locations, HEARTH_MODEL_SOURCE_LLAMA_CPP,
                llama_cache != NULL && *llama_cache != '\0'
                  ? g_strdup (llama_cache)
                  : g_build_filename (home_dir, ".cache", "llama.cpp", NULL));
  add_location (locations, HEARTH_MODEL_SOURCE_LM_STUDIO, g_build_filename (home_dir, ".lmstudio", "models", NULL));
  add_location (locations, HEARTH_MODEL_SOURCE_LM_STUDIO,
                g_build_filename (home_dir, ".cache", "lm-studio", "models", NULL));
  add_location (locations, HEARTH_MODEL_SOURCE_OLLAMA,
                ollama_models != NULL && *ollama_models != '\0'
                  ? g_strdup (ollama_models)
                  : g_build_filename (home_dir, ".ollama", "models", NULL));
  return locations;
}

/* ---- Describing one file ------------------------------------------------ */

/* An optional integer hyperparameter "<arch>.<suffix>"; a missing or
 * mistyped key gives the fallback (the loader reports mistyped keys). */
static guint64
arch_u64 (GgufFile *file, const char *arch, const char *suffix, guint64 fallback)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);
  g_autoptr (GError) error = NULL;
  guint64 value;

  if (!gguf_file_get_u64 (file, key, &value, &error))
    return fallback;
  return value;
}

static guint64
tensor_elements (const GgufTensor *t)
{
  return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}

/* Parameter count, the type holding most matrix elements (the quantization
 * when the file does not name one) and the first tensor Hearth cannot run. */
static void
survey_tensors (GgufFile *file, HearthModelInfo *info, guint32 *dominant_type,
                const GgufTensor **unrunnable)
{
  guint64 elements_by_type[64] = { 0 };
  guint64 best = 0;

  *dominant_type = G_MAXUINT32;
  *unrunnable = NULL;
  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    {
      const GgufTensor *t = gguf_file_tensor_at (file, i);
      guint64 n = tensor_elements (t);

      info->n_params += n;
      if (t->n_dims >= 2 && t->type < G_N_ELEMENTS (elements_by_type))
        elements_by_type[t->type] += n;
      if (*unrunnable == NULL && !weight_type_is_runnable (t->type))
        *unrunnable = t;
    }
  for (guint32 type = 0; type < G_N_ELEMENTS (elements_by_type); type++)
    if (elements_by_type[type] > best)
      {
        best = elements_by_type[type];
        *dominant_type = type;
      }
}

static char *
quantization_name (GgufFile *file, guint32 dominant_type)
{
  g_autoptr (GError) error = NULL;
  const GgmlTypeTraits *traits;
  guint32 ftype;
  char *name;

  if (gguf_file_get_u32 (file, "general.file_type", &ftype, &error) &&
      (name = ggml_file_type_name (ftype)) != NULL)
    return name;
  traits = ggml_type_traits (dominant_type);
  return traits != NULL ? g_strdup (traits->name) : NULL;
}

static guint64
weights_bytes (GgufFile *file)
{
  guint64 total = 0;

  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    total += gguf_file_tensor_at (file, i)->n_bytes;
  return total;
}

/* Weights + f16 K and V caches for n_ctx tokens + scratch: the logits and
 * the activations of a 512-token prompt batch. An estimate for "will it
 * fit", not an exact figure. */
static guint64
estimate_memory (GgufFile *file, const char *arch, guint32 n_ctx)
{
  guint64 n_embd = arch_u64 (file, arch, "embedding_length", 0);
  guint64 n_ff = arch_u64 (file, arch, "feed_forward_length", 4 * n_embd);
  guint64 n_vocab = arch_u64 (file, arch, "vocab_size", 0);
  const GgufValue *tokens = gguf_file_lookup (file, "tokenizer.ggml.tokens");
  LlamaConfig cfg;
  guint64 kv_cache = 0, scratch;

  if (n_vocab == 0 && tokens != NULL && tokens->type == GGUF_TYPE_ARRAY)
    n_vocab = tokens->arr.n;
  /* Only a model Hearth runs has a cache to size. */
  if (lm_config_read (file, &cfg, NULL))
    kv_cache = lm_config_kv_bytes (&cfg, n_ctx);
  lm_config_clear (&cfg);
  scratch = n_vocab * 4 + 512 * (4 * n_embd + 2 * n_ff) * 4;
  return weights_bytes (file) + kv_cache + scratch;
}

/* The architecture's name for people and, for a family with
 * mixture-of-experts models, which kind this is: "Llama 4 · 16 experts",
 * "Llama 4 · dense 12B" (the file's general.size_label, else its
 * parameter count). */
static char *
describe_family (GgufFile *file, const char *arch, guint64 n_params)
{
  const LmArch *lm = lm_arch_lookup (arch);
  g_autofree char *size = NULL;
  LlamaConfig cfg;
  char *family;

  if (lm == NULL)
    return g_strdup (arch);
  if (!lm->has_experts || !lm_config_read (file, &cfg, NULL))
    return g_strdup (lm->label);
  if (cfg.n_expert > 0)
    /* Translators: "Llama 4 · 16 experts": a mixture-of-experts model */
    family = g_strdup_printf (_("%s · %u experts"), lm->label, cfg.n_expert);
  else
    {
      if (!gguf_file_get_string (file, "general.size_label", &size, NULL))
        size = n_params >= 1000000000 ? g_strdup_printf ("%.0fB", n_params / 1e9)
                                      : hearth_model_format_n_params (n_params);
      /* Translators: "Llama 4 · dense 12B": a model without experts, and its size */
      family = g_strdup_printf (_("%s · dense %s"), lm->label, size);
    }
  lm_config_clear (&cfg);
  return family;
}

static char *
unsupported_reason (GgufFile *file, const char *arch, const GgufTensor *unrunnable)
{
  g_autofree char *rope_key = g_strconcat (arch, ".rope.scaling.type", NULL);
  g_autofree char *rope_scaling = NULL;
  guint32 n_parts = 1;

  gguf_file_get_string (file, rope_key, &rope_scaling, NULL);

  if (gguf_file_get_u32 (file, "split.count", &n_parts, NULL) && n_parts > 1)
    return g_strdup_printf (_("The model is split into %u files, which Hearth cannot load yet; "
                              "join them with “llama-gguf-split --merge”."), n_parts);
  if (!lm_arch_is_runnable (arch))
    {
      g_autofree char *names = lm_arch_list_names ();

      return g_strdup_printf (_("The architecture “%s” is not supported; Hearth runs these "
                                "architectures: %s."), arch, names);
    }
  if (rope_scaling != NULL && strcmp (rope_scaling, "none") != 0 && strcmp (rope_scaling, "linear") != 0)
    return g_strdup_printf (_("The rope scaling type “%s” is not supported; Hearth runs models "
                              "with no or linear rope scaling."), rope_scaling);
  if (unrunnable != NULL)
    {
      const GgmlTypeTraits *traits = ggml_type_traits (unrunnable->type);

      return g_strdup_printf (_("The tensor “%s” has the type %s, which Hearth cannot run yet; "
                                "Hearth runs tensors of the types %s."),
                              unrunnable->name, traits != NULL ? traits->name : "(unknown)",
                              weight_types_describe ());
    }
  return NULL;
}

static void
describe_gguf (GgufFile *file, HearthModelInfo *info, guint32 n_ctx)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *general_name = NULL;
  const GgufTensor *unrunnable;
  guint32 dominant_type;

  if (!gguf_file_get_string (file, "general.architecture", &info->architecture, &error))
    {
      g_autofree char *display_path = g_filename_display_name (info->path);
      info->error = g_strdup_printf ("%s: %s", display_path,
                                     error != NULL ? error->message : _("the key general.architecture is missing"));
      return;
    }
  if (gguf_file_get_string (file, "general.name", &general_name, NULL) && *general_name != '\0')
    {
      g_free (info->name);
      info->name = g_steal_pointer (&general_name);
    }

  survey_tensors (file, info, &dominant_type, &unrunnable);
  info->quantization = quantization_name (file, dominant_type);
  info->context_length = (guint32) MIN (arch_u64 (file, info->architecture, "context_length", 0), G_MAXUINT32);
  info->n_ctx = info->context_length > 0 ? MIN (n_ctx, info->context_length) : n_ctx;
  info->memory_estimate = estimate_memory (file, info->architecture, info->n_ctx);
  info->unsupported_reason = unsupported_reason (file, info->architecture, unrunnable);
  info->family = describe_family (file, info->architecture, info->n_params);
  info->runnable = info->unsupported_reason == NULL;
  info->n_embd = (guint32) MIN (arch_u64 (file, info->architecture, "embedding_length", 0), G_MAXUINT32);

  /* Only projectors carry these; the type is moved to their model when paired. */
  if (g_strcmp0 (info->architecture, "clip") == 0)
    {
      gguf_file_get_string (file, "clip.projector_type", &info->projector_type, NULL);
      clip_file_get_projection_dim (file, &info->projection_dim, NULL);
    }
}

/* Shown as the model's name until its GGUF names it: UTF-8 whatever the
 * file name's encoding. */
static char *
file_stem (const char *path)
{
  g_autofree char *base = g_filename_display_basename (path);

  if (g_str_has_suffix (base, ".gguf") || g_str_has_suffix (base, ".GGUF"))
    base[strlen (base) - strlen (".gguf")] = '\0';
  return g_steal_pointer (&base);
}

HearthModelInfo *
hearth_model_catalog_inspect_file (const char       *path,
                                   HearthModelSource source,
                                   const char       *mmproj_path,
                                   guint32           n_ctx)
{
  HearthModelInfo *info = g_new0 (HearthModelInfo, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GgufFile) file = NULL;
  GStatBuf st;

  info->path = g_strdup (path);
  info->name = file_stem (path);
  info->source = source;
  info->mmproj_path = g_strdup (mmproj_path);
  if (g_stat (path, &st) == 0)
    info->file_size = st.st_size;

  file = gguf_file_open (path, &error);
  if (file == NULL)
    info->error = g_strdup (error->message);
  else
    describe_gguf (file, info, n_ctx > 0 ? n_ctx : HEARTH_MODEL_CATALOG_DEFAULT_N_CTX);
  return info;
}

/* ---- Scanning ----------------------------------------------------------- */

typedef struct {
  guint32       n_ctx;
  GCancellable *cancellable;
  GHashTable   *seen;     /* "dev:ino" of every file and folder visited */
  GPtrArray    *models;   /* HearthModelInfo */
} Scan;

/* TRUE the first time a file or folder is met: catches symlink loops and
 * the same file reached through two locations. */
static gboolean
first_visit (Scan *scan, const GStatBuf *st)
{
  char *key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                               (guint64) st->st_dev, (guint64) st->st_ino);

  return g_hash_table_add (scan->seen, key);
}

static gboolean
is_projector (const HearthModelInfo *info)
{
  g_autofree char *base = g_path_get_basename (info->path);

  return g_strcmp0 (info->architecture, "clip") == 0 ||
         g_ascii_strncasecmp (base, "mmproj", strlen ("mmproj")) == 0;
}

/* "mmproj-SmolVLM2-256M-Instruct-f16" and "SmolVLM2-256M-Instruct-Q8_0"
 * both give "smolvlm2-256m-instruct": the file name without the mmproj
 * prefix and without a trailing precision such as Q4_K_M, IQ2_XS, F16. */
static char *
pairing_key (const char *path)
{
  g_autofree char *stem = file_stem (path);
  const char *start = stem;
  char *last_separator;

  if (g_ascii_strncasecmp (start, "mmproj", strlen ("mmproj")) == 0)
    start += strlen ("mmproj");
  start += strspn (start, "-_.");
  last_separator = strrchr (start, '-');
  if (last_separator == NULL)
    last_separator = strrchr (start, '.');
  if (last_separator != NULL)
    {
      const char *tail = last_separator + 1;

      if (g_ascii_strncasecmp (tail, "bf16", 4) == 0 ||
          ((tail[0] == 'q' || tail[0] == 'Q' || tail[0] == 'f' || tail[0] == 'F') && g_ascii_isdigit (tail[1])) ||
          ((tail[0] == 'i' || tail[0] == 'I') && (tail[1] == 'q' || tail[1] == 'Q') && g_ascii_isdigit (tail[2])))
        *last_separator = '\0';
    }
  return g_ascii_strdown (start, -1);
}

static void
attach_projector (HearthModelInfo *model, HearthModelInfo *projector)
{
  g_free (model->mmproj_path);
  g_free (model->projector_type);
  model->mmproj_path = g_strdup (projector->path);
  model->projector_type = g_strdup (projector->projector_type);
  if (model->error == NULL)
    model->memory_estimate += projector->file_size;
}

/* The projector writes into the model's embedding space: the engine's own
 * rule, on the widths both headers state. */
static gboolean
projector_fits (const HearthModelInfo *model, const HearthModelInfo *projector)
{
  const LmArch *lm = lm_arch_lookup (model->architecture);

  /* Only architectures with a vision path take a projector (not Llama 4
   * yet, whatever its width). */
  return lm != NULL && lm->accepts_projector &&
         model->error == NULL && projector->error == NULL && projector->projection_dim > 0 &&
         clip_check_text_width (projector->projection_dim, model->n_embd, NULL);
}

/* Among the projectors that fit the model, the one named like it, else the
 * only one; NULL when none fits or several do and none is named like it. */
static HearthModelInfo *
pick_projector (const HearthModelInfo *model, GPtrArray *projectors)
{
  g_autofree char *model_key = pairing_key (model->path);
  HearthModelInfo *only = NULL;
  guint n_fitting = 0;

  for (guint i = 0; i < projectors->len; i++)
    {
      HearthModelInfo *projector = g_ptr_array_index (projectors, i);
      g_autofree char *projector_key = NULL;

      if (!projector_fits (model, projector))
        continue;
      projector_key = pairing_key (projector->path);
      if (strcmp (model_key, projector_key) == 0)
        return projector;
      only = projector;
      n_fitting++;
    }
  return n_fitting == 1 ? only : NULL;
}

static void
pair_projectors (GPtrArray *models, GPtrArray *projectors)
{
  for (guint i = 0; i < models->len; i++)
    {
      HearthModelInfo *model = g_ptr_array_index (models, i);
      HearthModelInfo *match = pick_projector (model, projectors);

      if (match != NULL)
        attach_projector (model, match);
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Entries of a folder, sorted so that scans are reproducible. */
static GPtrArray *
list_folder (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static gboolean
has_gguf_suffix (const char *name)
{
  gsize len = strlen (name);

  return len > 5 && g_ascii_strcasecmp (name + len - 5, ".gguf") == 0;
}

/* "name-00002-of-00003.gguf": a later part of a split model, described
 * through its first part. */
static gboolean
is_later_split_part (const char *name)
{
  const char *of = g_strrstr (name, "-of-");
  guint part, count;
  int end = 0;

  if (of == NULL || of - name < 6 || of[-6] != '-')
    return FALSE;
  return sscanf (of - 5, "%5u-of-%5u.gguf%n", &part, &count, &end) == 2 && end > 0 &&
         of[-5 + end] == '\0' && part > 1;
}

/* A GGUF file to describe: a regular file, and not a later split part. */
static gboolean
is_gguf_to_describe (const char *path, const GStatBuf *st)
{
  return S_ISREG (st->st_mode) && has_gguf_suffix (path) && !is_later_split_part (path);
}

static gboolean
scan_folder (Scan *scan, const char *path, HearthModelSource source, guint depth, GError **error)
{
  g_autoptr (GPtrArray) names = list_folder (path);
  g_autoptr (GPtrArray) models = g_ptr_array_new ();
  g_autoptr (GPtrArray) projectors = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_info_free);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (scan->cancellable, error))
        return FALSE;
      if (g_stat (child, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode) && depth < MAX_DEPTH && first_visit (scan, &st))
        {
          if (!scan_folder (scan, child, source, depth + 1, error))
            return FALSE;
        }
      else if (is_gguf_to_describe (child, &st) && first_visit (scan, &st))
        {
          HearthModelInfo *info = hearth_model_catalog_inspect_file (child, source, NULL, scan->n_ctx);

          g_ptr_array_add (is_projector (info) ? projectors : models, info);
        }
    }
  pair_projectors (models, projectors);
  g_ptr_array_extend_and_steal (scan->models, g_steal_pointer (&models));
  return TRUE;
}

/* ---- One model and the projectors beside it ------------------------------ */

/* The projectors among the GGUF files of folder, but for the file skipped
 * (by name); NULL when cancelled. */
static GPtrArray *
list_projectors (const char *folder, const char *skipped, guint32 n_ctx, GCancellable *cancellable,
                 GError **error)
{
  g_autoptr (GPtrArray) names = list_folder (folder);
  g_autoptr (GPtrArray) projectors = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_info_free);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *child = g_build_filename (folder, name, NULL);
      g_autoptr (HearthModelInfo) info = NULL;
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (strcmp (name, skipped) == 0 || g_stat (child, &st) != 0 || !is_gguf_to_describe (child, &st))
        continue;
      info = hearth_model_catalog_inspect_file (child, HEARTH_MODEL_SOURCE_USER, NULL, n_ctx);
      if (is_projector (info))
        g_ptr_array_add (projectors, g_steal_pointer (&info));
    }
  return g_steal_pointer (&projectors);
}

HearthModelInfo *
hearth_model_catalog_describe (const char    *path,
                               guint32        n_ctx,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr (HearthModelInfo) model = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GPtrArray) projectors = NULL;
  HearthModelInfo *match;

  g_return_val_if_fail (path != NULL, NULL);

  model = hearth_model_catalog_inspect_file (path, HEARTH_MODEL_SOURCE_USER, NULL, n_ctx);
  /* Nothing could fit: the folder need not be read. */
  if (model->error != NULL || model->n_embd == 0 || is_projector (model))
    return g_steal_pointer (&model);
  folder = g_path_get_dirname (path);
  name = g_path_get_basename (path);
  projectors = list_projectors (folder, name, n_ctx, cancellable, error);
  if (projectors == NULL)
    return NULL;
  match = pick_projector (model, projectors);
  if (match != NULL)
    attach_projector (model, match);
  return g_steal_pointer (&model);
}

typedef struct {
  char    *path;
  guint32  n_ctx;
} DescribeTaskData;

static void
describe_task_data_free (DescribeTaskData *data)
{
  g_free (data->path);
  g_free (data);
}

static void
describe_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  DescribeTaskData *data = task_data;
  GError *error = NULL;
  HearthModelInfo *info = hearth_model_catalog_describe (data->path, data->n_ctx, cancellable, &error);

  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) hearth_model_info_free);
}

void
hearth_model_catalog_describe_async (const char         *path,
                                     guint32             n_ctx,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr (GTask) task = NULL;
  DescribeTaskData *data;

  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  data = g_new (DescribeTaskData, 1);
  data->path = g_strdup (path);
  data->n_ctx = n_ctx;
  g_task_set_source_tag (task, hearth_model_catalog_describe_async);
  g_task_set_task_data (task, data, (GDestroyNotify) describe_task_data_free);
  g_task_run_in_thread (task, describe_thread);
}

HearthModelInfo *
hearth_model_catalog_describe_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Ollama ------------------------------------------------------------- */

/* "sha256:<hex>" -> "<models>/blobs/sha256-<hex>", NULL for anything else
 * (a digest is used in a path, so it must not contain a separator). */
static char *
ollama_blob_path (const char *models_dir, const char *digest)
{
  g_autofree char *file_name = NULL;

  if (digest == NULL || !g_str_has_prefix (digest, "sha256:") || strlen (digest) <= strlen ("sha256:"))
    return NULL;
  for (const char *c = digest + strlen ("sha256:"); *c != '\0'; c++)
    if (!g_ascii_isxdigit (*c))
      return NULL;
  file_name = g_strconcat ("sha256-", digest + strlen ("sha256:"), NULL);
  return g_build_filename (models_dir, "blobs", file_name, NULL);
}

/* The blob of the first layer with the given media type, or NULL. */
static char *
ollama_layer_blob (const char *models_dir, JsonObject *manifest, const char *media_type)
{
  JsonNode *layers_node = json_object_get_member (manifest, "layers");
  JsonArray *layers = layers_node != NULL && JSON_NODE_HOLDS_ARRAY (layers_node)
                        ? json_node_get_array (layers_node) : NULL;

  for (guint i = 0; layers != NULL && i < json_array_get_length (layers); i++)
    {
      JsonNode *node = json_array_get_element (layers, i);
      JsonObject *layer = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (layer != NULL &&
          g_strcmp0 (json_object_get_string_member_with_default (layer, "mediaType", NULL), media_type) == 0)
        return ollama_blob_path (models_dir,
                                 json_object_get_string_member_with_default (layer, "digest", NULL));
    }
  return NULL;
}

/* manifests/<registry>/<namespace>/<model>/<tag>: one model named <model>:<tag>. */
static void
scan_ollama_manifest (Scan *scan, const char *models_dir, const char *manifest_path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tag = g_path_get_basename (manifest_path);
  g_autofree char *model_dir = g_path_get_dirname (manifest_path);
  g_autofree char *model = g_path_get_basename (model_dir);
  g_autofree char *model_blob = NULL;
  g_autofree char *projector_blob = NULL;
  JsonNode *root;
  HearthModelInfo *info;
  GStatBuf st;

  if (!json_parser_load_from_mapped_file (parser, manifest_path, &error))
    {
      g_debug ("Skipping Ollama manifest %s: %s", manifest_path, error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  model_blob = ollama_layer_blob (models_dir, json_node_get_object (root), "application/vnd.ollama.image.model");
  projector_blob = ollama_layer_blob (models_dir, json_node_get_object (root),
                                      "application/vnd.ollama.image.projector");
  if (model_blob == NULL || g_stat (model_blob, &st) != 0 || !first_visit (scan, &st))
    return;

  info = hearth_model_catalog_inspect_file (model_blob, HEARTH_MODEL_SOURCE_OLLAMA, NULL, scan->n_ctx);
  g_free (info->name);
  g_autofree char *name = g_strconcat (model, ":", tag, NULL);
  info->name = g_filename_display_name (name);
  if (projector_blob != NULL && g_file_test (projector_blob, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (HearthModelInfo) projector =
        hearth_model_catalog_inspect_file (projector_blob, HEARTH_MODEL_SOURCE_OLLAMA, NULL, scan->n_ctx);

      if (g_strcmp0 (projector->architecture, "clip") == 0 && projector_fits (info, projector))
        attach_projector (info, projector);
    }
  g_ptr_array_add (scan->models, info);
}

static gboolean
scan_ollama_manifests (Scan *scan, const char *models_dir, const char *path, guint depth, GError **error)
{
  g_autoptr (GPtrArray) names = list_folder (path);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (scan->cancellable, error))
        return FALSE;
      /* No loop check: the depth is fixed. Folders are not marked as seen,
       * so a user folder pointing into the Ollama store cannot hide it. */
      if (g_stat (child, &st) != 0)
        continue;
      /* registry/namespace/model are folders; the tag (depth 3) is the file. */
      if (S_ISDIR (st.st_mode) && depth < 3)
        {
          if (!scan_ollama_manifests (scan, models_dir, child, depth + 1, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode) && depth == 3)
        scan_ollama_manifest (scan, models_dir, child);
    }
  return TRUE;
}

/* ---- The scan ----------------------------------------------------------- */

static int
compare_models (gconstpointer a, gconstpointer b)
{
  const HearthModelInfo *x = *(HearthModelInfo *const *) a;
  const HearthModelInfo *y = *(HearthModelInfo *const *) b;
  g_autofree char *x_key = g_utf8_collate_key (x->name, -1);
  g_autofree char *y_key = g_utf8_collate_key (y->name, -1);
  int order = strcmp (x_key, y_key);

  return order != 0 ? order : strcmp (x->path, y->path);
}

static gboolean
scan_location (Scan *scan, const HearthModelLocation *location, GError **error)
{
  GStatBuf st;

  if (g_stat (location->path, &st) != 0 || !S_ISDIR (st.st_mode))
    return TRUE;
  if (location->source == HEARTH_MODEL_SOURCE_OLLAMA)
    {
      g_autofree char *manifests = g_build_filename (location->path, "manifests", NULL);

      return scan_ollama_manifests (scan, location->path, manifests, 0, error);
    }
  if (!first_visit (scan, &st))
    return TRUE;
  return scan_folder (scan, location->path, location->source, 0, error);
}

GPtrArray *
hearth_model_catalog_scan (GPtrArray     *locations,
                           guint32        n_ctx,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_info_free);
  Scan scan = { n_ctx, cancellable, seen, models };

  g_return_val_if_fail (locations != NULL, NULL);

  for (guint i = 0; i < locations->len; i++)
    if (!scan_location (&scan, g_ptr_array_index (locations, i), error))
      return NULL;
  g_ptr_array_sort (models, compare_models);
  return g_steal_pointer (&models);
}

typedef struct {
  GPtrArray *locations;
  guint32    n_ctx;
} ScanTaskData;

static void
scan_task_data_free (ScanTaskData *data)
{
  g_ptr_array_unref (data->locations);
  g_free (data);
}

static void
scan_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ScanTaskData *data = task_data;
  GError *error = NULL;
  GPtrArray *models = hearth_model_catalog_scan (data->locations, data->n_ctx, cancellable, &error);

  if (models == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, models, (GDestroyNotify) g_ptr_array_unref);
}

void
hearth_model_catalog_scan_async (GPtrArray          *locations,
                                 guint32             n_ctx,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ScanTaskData *data = g_new (ScanTaskData, 1);

  g_return_if_fail (locations != NULL);

  data->locations = g_ptr_array_ref (locations);
  data->n_ctx = n_ctx;
  g_task_set_source_tag (task, hearth_model_catalog_scan_async);
  g_task_set_task_data (task, data, (GDestroyNotify) scan_task_data_free);
  g_task_run_in_thread (task, scan_thread);
}

GPtrArray *
hearth_model_catalog_scan_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
