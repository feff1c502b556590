#define G_LOG_DOMAIN "hearth-window"

/* hearth-model-row.c: a row for a model found on disk. */

#include <glib/gi18n.h>

#include "hearth-model-row.h"

/* ---- models already on disk ---- */

/* What the file is, then what it costs: "Llama · 260.0 K parameters · Q8_0 ·
 * 2048 tokens of context" over "1.1 MB on disk · about 3 MB of memory". */
static char *
found_model_details (const HearthModelInfo *info)
{
  g_autofree char *params = hearth_model_format_n_params (info->n_params);
  g_autofree char *size = g_format_size (info->file_size);
  g_autofree char *memory = g_format_size (info->memory_estimate);
  /* Translators: %s is a count like "260.0 K" or "1.24 B" */
  g_autofree char *params_text = g_strdup_printf (_("%s parameters"), params);
  /* Translators: the model's trained context length */
  g_autofree char *context_text = g_strdup_printf (_("%u tokens of context"), info->context_length);
  /* Translators: %s is a file size */
  g_autofree char *size_text = g_strdup_printf (_("%s on disk"), size);
  /* Translators: %s is an amount of memory, estimated for loading the model */
  g_autofree char *memory_text = g_strdup_printf (_("about %s of memory"), memory);

  return g_strdup_printf ("%s · %s · %s%s%s\n%s · %s · %s", info->family, params_text,
                          info->quantization != NULL ? info->quantization : "?",
                          info->context_length > 0 ? " · " : "", info->context_length > 0 ? context_text : "",
                          size_text, memory_text, hearth_model_source_to_string (info->source));
}

static GtkWidget *
vision_badge_new (void)
{
  GtkWidget *badge = gtk_label_new (_("Sees images"));

  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "model-badge");
  return badge;
}

GtkWidget *
hearth_model_row_new (const HearthModelInfo *info)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = NULL;

  if (info->runnable)
    subtitle = found_model_details (info);
  else
    subtitle = g_strdup (info->unsupported_reason != NULL ? info->unsupported_reason : info->error);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), info->name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_set_tooltip_text (row, info->path);
  gtk_widget_set_sensitive (row, info->runnable);
  if (info->runnable)
    {
      if (hearth_model_info_has_vision (info))
        adw_action_row_add_suffix (ADW_ACTION_ROW (row), vision_badge_new ());
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "win.set-model");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (row), g_variant_new_string (info->path));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
    }
  return row;
}
