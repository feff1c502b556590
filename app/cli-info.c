#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli info: what a GGUF file holds (architecture, sizes, tokenizer,
 * tensor types) without loading it, and which Vulkan device would run it.
 * Without -m: every Vulkan device, the one Hearth would use marked. */

#include <gio/gio.h>
#include <stdio.h>

#include "gguf.h"
#include "hearth-cli.h"
#include "hearth-devices.h"

#define LABEL_WIDTH 18

static void
print_field (const char *label, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
print_field (const char *label, const char *format, ...)
{
  va_list args;
  g_autofree char *value = NULL;
  g_autofree char *label_colon = g_strconcat (label, ":", NULL);

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);
  printf ("%-*s %s\n", LABEL_WIDTH, label_colon, value);
}

/* 289536 -> "289.5 K", 134515008 -> "134.5 M". */
static char *
format_count (guint64 n)
{
  static const char *const units[] = { "K", "M", "B", "T" };
  double value = (double) n;
  int unit = -1;

  while (value >= 1000.0 && unit + 1 < (int) G_N_ELEMENTS (units))
    {
      value /= 1000.0;
      unit++;
    }
  if (unit < 0)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  return g_strdup_printf ("%.1f %s", value, units[unit]);
}

/* Prints `label: value` for an integer key; absent keys print nothing. */
static gboolean
print_u64_key (GgufFile *file, const char *label, const char *key, GError **error)
{
  guint64 value;

  if (gguf_file_get_u64 (file, key, &value, error))
    print_field (label, "%" G_GUINT64_FORMAT, value);
  return *error == NULL;
}

static gboolean
print_string_key (GgufFile *file, const char *label, const char *key, GError **error)
{
  g_autofree char *value = NULL;

  if (gguf_file_get_string (file, key, &value, error))
    print_field (label, "%s", value);
  return *error == NULL;
}

static gboolean
print_arch_u64 (GgufFile *file, const char *arch, const char *label, const char *suffix, GError **error)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);
  return print_u64_key (file, label, key, error);
}

/* "Q4_K: 24, Q6_K: 5, F32: 9", types in order of first appearance. */
static void
print_tensor_summary (GgufFile *file)
{
  g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(GString) summary = g_string_new (NULL);
  guint64 n_params = 0;
  g_autofree char *params = NULL;

  for (guint64 i = 0; i < gguf_file_n_tensors (file); i++)
    {
      const GgufTensor *t = gguf_file_tensor_at (file, i);
      gpointer key = GUINT_TO_POINTER (t->type + 1);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, key));

      /* No overflow: every tensor lies in the file and no type packs more
       * than 6 elements per byte. */
      n_params += t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
      if (count == 0)
        g_array_append_val (types, t->type);
      g_hash_table_insert (counts, key, GUINT_TO_POINTER (count + 1));
    }
  for (guint i = 0; i < types->len; i++)
    {
      guint32 type = g_array_index (types, guint32, i);
      g_string_append_printf (summary, "%s%s: %u", i > 0 ? ", " : "",
                              ggml_type_traits (type)->name,
                              GPOINTER_TO_UINT (g_hash_table_lookup (counts, GUINT_TO_POINTER (type + 1))));
    }

  params = format_count (n_params);
  print_field ("parameters", "%s (%" G_GUINT64_FORMAT ")", params, n_params);
  if (types->len > 0)
    print_field ("tensors", "%" G_GUINT64_FORMAT " (%s)", gguf_file_n_tensors (file), summary->str);
  else
    print_field ("tensors", "0");
}

/* general.file_type as llama.cpp names it ("Q4_K - Medium"). */
static gboolean
print_file_type (GgufFile *file, GError **error)
{
  g_autofree char *name = NULL;
  guint32 file_type;

  if (!gguf_file_get_u32 (file, "general.file_type", &file_type, error))
    return *error == NULL;
  name = ggml_file_type_name (file_type);
  print_field ("file type", "%s (%u)", name != NULL ? name : "unknown", file_type);
  return TRUE;
}

static gboolean
print_text_model (GgufFile *file, const char *arch, GError **error)
{
  return print_arch_u64 (file, arch, "context length", "context_length", error)
         && print_arch_u64 (file, arch, "embedding length", "embedding_length", error)
         && print_arch_u64 (file, arch, "block count", "block_count", error)
         && print_arch_u64 (file, arch, "attention heads", "attention.head_count", error)
         && print_arch_u64 (file, arch, "KV heads", "attention.head_count_kv", error);
}

static gboolean
print_tokenizer (GgufFile *file, GError **error)
{
  const GgufValue *tokens = NULL;

  if (gguf_file_get_array (file, "tokenizer.ggml.tokens", GGUF_TYPE_STRING, &tokens, error))
    print_field ("vocab size", "%" G_GUINT64_FORMAT, tokens->arr.n);
  if (*error != NULL)
    return FALSE;
  if (!print_string_key (file, "tokenizer model", "tokenizer.ggml.model", error)
      || !print_string_key (file, "tokenizer pre", "tokenizer.ggml.pre", error))
    return FALSE;
  if (tokens != NULL)
    print_field ("chat template", "%s",
                 gguf_file_lookup (file, "tokenizer.chat_template") != NULL ? "yes" : "no");
  return TRUE;
}

/* Vision projector (mmproj) files: arch "clip". */
static gboolean
print_clip (GgufFile *file, GError **error)
{
  return print_string_key (file, "projector type", "clip.projector_type", error)
         && print_u64_key (file, "image size", "clip.vision.image_size", error)
         && print_u64_key (file, "preproc size", "clip.vision.preproc_image_size", error)
         && print_u64_key (file, "patch size", "clip.vision.patch_size", error)
         && print_u64_key (file, "vision embedding", "clip.vision.embedding_length", error)
         && print_u64_key (file, "vision blocks", "clip.vision.block_count", error)
         && print_u64_key (file, "vision heads", "clip.vision.attention.head_count", error)
         && print_u64_key (file, "projection dim", "clip.vision.projection_dim", error)
         && print_u64_key (file, "scale factor", "clip.vision.projector.scale_factor", error);
}

static gboolean
print_model (const char *path, GError **error)
{
  g_autoptr(GgufFile) file = gguf_file_open (path, error);
  g_autofree char *arch = NULL;
  g_autofree char *size = NULL;

  if (file == NULL)
    return FALSE;
  if (!gguf_file_get_string (file, "general.architecture", &arch, error) && *error != NULL)
    return FALSE;

  print_field ("file", "%s", path);
  print_field ("GGUF version", "%u", gguf_file_get_version (file));
  print_field ("architecture", "%s", arch != NULL ? arch : "(none)");
  if (!print_string_key (file, "name", "general.name", error) || !print_file_type (file, error))
    return FALSE;
  print_tensor_summary (file);
  size = g_format_size (gguf_file_get_size (file));
  print_field ("file size", "%s (%" G_GUINT64_FORMAT " bytes)", size, gguf_file_get_size (file));

  if (arch != NULL && g_str_equal (arch, "clip"))
    return print_clip (file, error);
  return (arch == NULL || print_text_model (file, arch, error))
         && print_tokenizer (file, error);
}

/* ---- Vulkan devices ---------------------------------------------------- */

/* `info -m`: the model is described already, so a missing device is
 * reported but does not turn the answer into a failure. */
static void
print_run_device (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = hearth_device_describe_chosen (&error);

  if (description == NULL)
    {
      print_field ("device", "none");
      fprintf (stderr, "hearth-cli info: no Vulkan device to run the model: %s\n", error->message);
      return;
    }
  print_field ("device", "%s", description);
}

static gboolean
print_all_devices (GError **error)
{
  g_autoptr(HearthDeviceList) devices = hearth_device_list_new (error);

  if (devices == NULL)
    return FALSE;
  printf ("Vulkan devices (* = used by Hearth):\n");
  for (guint i = 0; devices->descriptions[i] != NULL; i++)
    printf ("%c %u: %s\n", (gint) i == devices->chosen ? '*' : ' ', i, devices->descriptions[i]);
  if (devices->chosen_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&devices->chosen_error));
      return FALSE;
    }
  return TRUE;
}

int
hearth_cli_info (int argc, char **argv)
{
  g_autofree char *model = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model, "GGUF file to describe", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context =
    g_option_context_new ("- describe a GGUF model and the Vulkan devices");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "hearth-cli info: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      fprintf (stderr, "hearth-cli info: unexpected argument '%s' (use -m FILE)\n", argv[1]);
      return 2;
    }

  if (model == NULL ? !print_all_devices (&error) : !print_model (model, &error))
    {
      fprintf (stderr, "hearth-cli info: %s\n", error->message);
      return 1;
    }
  if (model != NULL)
    print_run_device ();
  return 0;
}
