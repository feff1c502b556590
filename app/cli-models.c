#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli models: the GGUF models the catalog finds on disk, the same
 * list the app offers. DIR arguments are searched like folders the user
 * added in the app. */

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "hearth"
#endif

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "hearth-cli.h"
#include "model-catalog.h"

static JsonNode *
models_to_json (GPtrArray *models)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_array (builder);
  for (guint i = 0; i < models->len; i++)
    {
      const HearthModelInfo *m = g_ptr_array_index (models, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, m->name);
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, m->path);
      json_builder_set_member_name (builder, "source");
      json_builder_add_string_value (builder, hearth_model_source_to_string (m->source));
      json_builder_set_member_name (builder, "file_size");
      json_builder_add_int_value (builder, (gint64) m->file_size);
      if (m->error != NULL)
        {
          json_builder_set_member_name (builder, "error");
          json_builder_add_string_value (builder, m->error);
          json_builder_end_object (builder);
          continue;
        }
      json_builder_set_member_name (builder, "architecture");
      json_builder_add_string_value (builder, m->architecture);
      json_builder_set_member_name (builder, "n_params");
      json_builder_add_int_value (builder, (gint64) m->n_params);
      json_builder_set_member_name (builder, "quantization");
      json_builder_add_string_value (builder, m->quantization);
      json_builder_set_member_name (builder, "context_length");
      json_builder_add_int_value (builder, m->context_length);
      json_builder_set_member_name (builder, "memory_estimate");
      json_builder_add_int_value (builder, (gint64) m->memory_estimate);
      json_builder_set_member_name (builder, "n_ctx");
      json_builder_add_int_value (builder, m->n_ctx);
      json_builder_set_member_name (builder, "vision");
      json_builder_add_boolean_value (builder, hearth_model_info_has_vision (m));
      json_builder_set_member_name (builder, "mmproj");
      json_builder_add_string_value (builder, m->mmproj_path);
      json_builder_set_member_name (builder, "runnable");
      json_builder_add_boolean_value (builder, m->runnable);
      json_builder_set_member_name (builder, "unsupported_reason");
      json_builder_add_string_value (builder, m->unsupported_reason);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}

static void
print_model (const HearthModelInfo *m)
{
  g_autofree char *size = g_format_size (m->file_size);

  printf ("%s\n", m->name);
  printf ("  %-14s %s\n", _("Path:"), m->path);
  printf ("  %-14s %s\n", _("Source:"), hearth_model_source_to_string (m->source));
  printf ("  %-14s %s\n", _("Size:"), size);
  if (m->error != NULL)
    {
      printf ("  %-14s %s\n", _("Error:"), m->error);
      return;
    }
  {
    g_autofree char *memory = g_format_size (m->memory_estimate);
    g_autofree char *params = hearth_model_format_n_params (m->n_params);

    printf ("  %-14s %s, ", _("Model:"), m->architecture);
    /* TRANSLATORS: "1.24 B parameters" */
    printf (_("%s parameters"), params);
    printf (", %s\n", m->quantization != NULL ? m->quantization : "?");
    printf ("  %-14s %u\n", _("Context:"), m->context_length);
    /* TRANSLATORS: "4.1 GB for 4096 tokens of context" */
    printf ("  %-14s ", _("Memory:"));
    printf (_("%s for %u tokens of context"), memory, m->n_ctx);
    printf ("\n");
    if (m->mmproj_path != NULL)
      printf ("  %-14s %s (%s)\n", _("Vision:"), m->mmproj_path,
              hearth_model_info_has_vision (m) ? _("supported") : _("projector type not supported"));
    printf ("  %-14s %s\n", _("Runs:"), m->runnable ? _("yes") : m->unsupported_reason);
  }
}

int
hearth_cli_models (int argc, char **argv)
{
  gboolean as_json = FALSE;
  int n_ctx = 0;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print the list as JSON"), NULL },
    { "context", 'c', 0, G_OPTION_ARG_INT, &n_ctx, N_("Context length for the memory estimate (default 4096)"), N_("TOKENS") },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (_("[DIR…] — list the GGUF models found on disk"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) locations = NULL;
  g_autoptr (GPtrArray) models = NULL;

  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "hearth-cli models: %s\n", error->message);
      return 2;
    }
  if (n_ctx < 0)
    {
      fprintf (stderr, _("hearth-cli models: --context must not be negative, got %d\n"), n_ctx);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
      {
        fprintf (stderr, _("hearth-cli models: %s is not a folder; pass folders that hold .gguf files\n"),
                 argv[i]);
        return 1;
      }

  locations = hearth_model_catalog_default_locations (NULL, NULL, (const char *const *) argv + 1);
  models = hearth_model_catalog_scan (locations, (guint32) n_ctx, NULL, &error);
  if (models == NULL)
    {
      fprintf (stderr, "hearth-cli models: %s\n", error->message);
      return 1;
    }

  if (as_json)
    {
      g_autoptr (JsonNode) root = models_to_json (models);
      g_autofree char *text = json_to_string (root, TRUE);

      printf ("%s\n", text);
    }
  else if (models->len == 0)
    fprintf (stderr, _("No GGUF models found. Put .gguf files into %s or pass a folder.\n"),
             ((HearthModelLocation *) g_ptr_array_index (locations, 0))->path);
  else
    for (guint i = 0; i < models->len; i++)
      print_model (g_ptr_array_index (models, i));
  return 0;
}
