#define G_LOG_DOMAIN "hearth-preferences-window"

#include <glib/gi18n.h>

#include "hearth-model-choice.h"
#include "hearth-preferences-window.h"
#include "hearth-thumbnail-cache.h"
#include "sampling-defaults.h"

struct _HearthPreferencesWindow {
  AdwPreferencesWindow parent_instance;

  AdwComboRow        *default_model_row;
  GtkSpinButton      *context_length_spin;
  GtkSpinButton      *max_tokens_spin;
  GtkTextView        *system_prompt_view;
  GtkSpinButton      *temperature_spin;
  GtkSpinButton      *top_p_spin;
  GtkSpinButton      *top_k_spin;
  GtkSpinButton      *min_p_spin;
  GtkSpinButton      *repeat_penalty_spin;
  AdwPreferencesGroup *folders_group;
  AdwActionRow       *describing_row;
  GtkButton          *pause_button;
  AdwActionRow       *history_location_row;
  AdwActionRow       *history_size_row;
  AdwActionRow       *thumbnails_row;

  HearthWindow       *window;
  GSettings          *settings;
  HearthStoreWorker  *worker;
  HearthPhotoLibrary *library;
  HearthModelChoice  *models;
  GPtrArray          *folder_rows;   /* the rows folders_group shows now */
  GCancellable       *cancellable;   /* of the jobs below, cancelled on close */
  HearthHistorySize   history;       /* as last counted */
  guint               busy;          /* jobs running */
};

G_DEFINE_FINAL_TYPE (HearthPreferencesWindow, hearth_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_toast (HearthPreferencesWindow *self, const char *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

/* Jobs hold a reference; their results are dropped once the window closed. */
static HearthPreferencesWindow *
job_begin (HearthPreferencesWindow *self)
{
  self->busy++;
  return g_object_ref (self);
}

static gboolean
job_end (HearthPreferencesWindow *self)
{
  self->busy--;
  return !g_cancellable_is_cancelled (self->cancellable);
}

/* ---- Chat: the default model ---- */

static gboolean
model_to_row (GValue *value, GVariant *variant, gpointer user_data)
{
  HearthPreferencesWindow *self = user_data;
  guint position = hearth_model_choice_find (self->models, g_variant_get_string (variant, NULL));

  g_value_set_uint (value, position != GTK_INVALID_LIST_POSITION ? position : 0);
  return TRUE;
}

static GVariant *
row_to_model (const GValue *value, const GVariantType *expected_type, gpointer user_data)
{
  HearthPreferencesWindow *self = user_data;
  const char *path = hearth_model_choice_get (self->models, g_value_get_uint (value));

  return path != NULL ? g_variant_new_string (path) : NULL;
}

static void
bind_chat_page (HearthPreferencesWindow *self)
{
  g_autofree char *current = g_settings_get_string (self->settings, "default-model");

  self->models = hearth_model_choice_new (hearth_window_get_found_models (self->window),
                                          _("The First Model Found"), current);
  adw_combo_row_set_model (self->default_model_row, G_LIST_MODEL (self->models->names));
  g_settings_bind_with_mapping (self->settings, "default-model", self->default_model_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, model_to_row, row_to_model, self, NULL);
  g_settings_bind (self->settings, "context-length", gtk_spin_button_get_adjustment (self->context_length_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "max-tokens", gtk_spin_button_get_adjustment (self->max_tokens_spin),
                   "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "system-prompt", gtk_text_view_get_buffer (self->system_prompt_view),
                   "text", G_SETTINGS_BIND_DEFAULT);
}

/* ---- Sampling ---- */

static void
bind_sampling_page (HearthPreferencesWindow *self)
{
  static const struct { const char *key; gsize offset; } spins[] = {
    { "temperature", G_STRUCT_OFFSET (HearthPreferencesWindow, temperature_spin) },
    { "top-p", G_STRUCT_OFFSET (HearthPreferencesWindow, top_p_spin) },
    { "top-k", G_STRUCT_OFFSET (HearthPreferencesWindow, top_k_spin) },
    { "min-p", G_STRUCT_OFFSET (HearthPreferencesWindow, min_p_spin) },
    { "repeat-penalty", G_STRUCT_OFFSET (HearthPreferencesWindow, repeat_penalty_spin) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    {
      GtkSpinButton *spin = G_STRUCT_MEMBER (GtkSpinButton *, self, spins[i].offset);
      g_settings_bind (self->settings, spins[i].key, gtk_spin_button_get_adjustment (spin), "value",
                       G_SETTINGS_BIND_DEFAULT);
    }
}

/* The model whose recommendations "Reset" applies: the one loaded for the
 * chat shown, else the default model; NULL: none. */
static const char *
sampling_model_path (HearthPreferencesWindow *self, char **default_model)
{
  HearthModel *model = hearth_window_get_model (self->window);

  if (model != NULL)
    return hearth_model_get_path (model);
  *default_model = g_settings_get_string (self->settings, "default-model");
  return **default_model != '\0' ? *default_model : NULL;
}

static void
read_defaults_in_thread (GTask *task, gpointer source, gpointer path, GCancellable *cancellable)
{
  g_autofree HearthSamplingDefaults *defaults = g_new0 (HearthSamplingDefaults, 1);
  GError *error = NULL;

  if (hearth_sampling_defaults_read (path, defaults, &error))
    g_task_return_pointer (task, g_steal_pointer (&defaults), g_free);
  else
    g_task_return_error (task, error);
}

/* Each key the model recommends is set; the others go back to Hearth's
 * defaults. */
static void
apply_defaults (HearthPreferencesWindow *self, const HearthSamplingDefaults *d)
{
  g_settings_delay (self->settings);
  g_settings_reset (self->settings, "temperature");
  g_settings_reset (self->settings, "top-p");
  g_settings_reset (self->settings, "top-k");
  g_settings_reset (self->settings, "min-p");
  g_settings_reset (self->settings, "repeat-penalty");
  if (d != NULL && d->has_temperature)
    g_settings_set_double (self->settings, "temperature", d->temperature);
  if (d != NULL && d->has_top_p)
    g_settings_set_double (self->settings, "top-p", d->top_p);
  if (d != NULL && d->has_top_k)
    g_settings_set_uint (self->settings, "top-k", d->top_k);
  if (d != NULL && d->has_min_p)
    g_settings_set_double (self->settings, "min-p", d->min_p);
  if (d != NULL && d->has_repeat_penalty)
    g_settings_set_double (self->settings, "repeat-penalty", d->repeat_penalty);
  g_settings_apply (self->settings);
}

static void
defaults_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree HearthSamplingDefaults *defaults = g_task_propagate_pointer (G_TASK (result), &error);
  const char *path = g_task_get_task_data (G_TASK (result));
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *note = NULL;

  if (!job_end (self))
    return;
  if (defaults == NULL)
    {
      note = g_strdup_printf (_("Could not read “%s”: %s"), name, error->message);
      show_toast (self, note);
      return;
    }
  apply_defaults (self, defaults);
  if (defaults->has_temperature || defaults->has_top_k || defaults->has_top_p || defaults->has_min_p ||
      defaults->has_repeat_penalty)
    note = g_strdup_printf (_("Sampling set to what “%s” recommends"), name);
  else
    note = g_strdup_printf (_("“%s” recommends nothing: Hearth’s defaults are back"), name);
  show_toast (self, note);
}

static void
reset_sampling_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (widget);
  g_autofree char *default_model = NULL;
  const char *path = sampling_model_path (self, &default_model);
  g_autoptr(GTask) task = NULL;

  if (path == NULL)
    {
      apply_defaults (self, NULL);
      show_toast (self, _("No model chosen: Hearth’s defaults are back"));
      return;
    }
  task = g_task_new (NULL, self->cancellable, defaults_read, job_begin (self));
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, read_defaults_in_thread);
}

/* ---- Photos ---- */

static void
show_folders (HearthPreferencesWindow *self)
{
  g_auto(GStrv) folders = g_settings_get_strv (self->settings, "photo-folders");

  for (guint i = 0; i < self->folder_rows->len; i++)
    adw_preferences_group_remove (self->folders_group, self->folder_rows->pdata[i]);
  g_ptr_array_set_size (self->folder_rows, 0);
  for (guint i = 0; folders[i] != NULL; i++)
    {
      GtkWidget *row = hearth_photos_view_folder_row_new (folders[i], "prefs.remove-folder");

      adw_preferences_group_add (self->folders_group, row);
      g_ptr_array_add (self->folder_rows, row);
    }
}

static void
show_describing (HearthPreferencesWindow *self)
{
  HearthPhotoLibraryState state = self->library != NULL ? hearth_photo_library_get_state (self->library)
                                                        : HEARTH_PHOTO_LIBRARY_NO_FOLDERS;
  g_autofree char *text = self->library != NULL ? hearth_photos_view_progress_text (self->library) : NULL;
  gboolean paused = state == HEARTH_PHOTO_LIBRARY_PAUSED;

  if (text == NULL)
    text = g_strdup (state == HEARTH_PHOTO_LIBRARY_NO_MODEL ? _("No vision model found")
                     : state == HEARTH_PHOTO_LIBRARY_NO_FOLDERS ? _("No folders yet")
                     : _("Every photo is described"));
  adw_action_row_set_subtitle (self->describing_row, text);
  gtk_button_set_label (self->pause_button, paused ? _("_Resume") : _("_Pause"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->pause_button),
                                  paused ? "prefs.resume-describing" : "prefs.pause-describing");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.pause-describing",
                                 state == HEARTH_PHOTO_LIBRARY_INDEXING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.resume-describing", paused);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "prefs.describe-again", self->library != NULL);
}

static GtkWidget *
photos_view (HearthPreferencesWindow *self)
{
  return GTK_WIDGET (hearth_window_get_photos_view (self->window));
}

/* The Photos page's own actions keep the folder list. */
static void
add_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_widget_activate_action (photos_view (HEARTH_PREFERENCES_WINDOW (widget)), "photos.add-folder", NULL);
}

static void
remove_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  gtk_widget_activate_action_variant (photos_view (HEARTH_PREFERENCES_WINDOW (widget)), "photos.remove-folder",
                                      parameter);
}

static void
pause_describing_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (widget);

  if (self->library != NULL)
    hearth_photo_library_pause (self->library);
}

static void
resume_describing_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (widget);

  if (self->library != NULL)
    hearth_photo_library_resume (self->library);
}

static void
describe_again_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (widget);

  if (self->library == NULL)
    return;
  hearth_photo_library_describe_again (self->library);
  show_toast (self, _("Every photo will be described again"));
}

static void clear_thumbnails (HearthPreferencesWindow *self);

static void
on_forget_photos_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  HearthPreferencesWindow *self = user_data;

  if (!g_str_equal (response, "forget"))
    return;
  /* The library drops the folders that are no longer listed, with their photos. */
  g_settings_set_strv (self->settings, "photo-folders", NULL);
  clear_thumbnails (self);
}

/* Asks before something that cannot be undone: Cancel, or the destructive
 * response (id and label) that on_response gets. */
static void
confirm (HearthPreferencesWindow *self, const char *heading, const char *body, const char *response,
         const char *label, GCallback on_response)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), heading, body));

  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), response, label, NULL);
  adw_message_dialog_set_response_appearance (dialog, response, ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", on_response, self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
forget_photos_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  confirm (HEARTH_PREFERENCES_WINDOW (widget), _("Forget the Photo Index?"),
           _("Every photo folder is removed from Hearth, and the descriptions of their photos and the thumbnails are "
             "deleted. The photos themselves stay where they are."),
           "forget", _("_Forget"), G_CALLBACK (on_forget_photos_response));
}

/* ---- Privacy: the history ---- */

static gpointer
history_size_run (HearthStore *store, gpointer data, GError **error)
{
  g_autofree HearthHistorySize *size = g_new0 (HearthHistorySize, 1);

  return hearth_store_get_history_size (store, size, error) ? g_steal_pointer (&size) : NULL;
}

static gpointer
erase_history_run (HearthStore *store, gpointer data, GError **error)
{
  return hearth_store_erase_history (store, error) ? history_size_run (store, data, error) : NULL;
}

static void
show_history_size (HearthPreferencesWindow *self)
{
  g_autofree char *bytes = g_format_size (self->history.bytes);
  /* Translators: the size of the chat history, e.g. "3 chats · 12 messages · 1 image · 84.0 kB" */
  g_autofree char *chats = g_strdup_printf (g_dngettext (NULL, "%u chat", "%u chats", self->history.n_chats),
                                            self->history.n_chats);
  g_autofree char *messages = g_strdup_printf (g_dngettext (NULL, "%u message", "%u messages",
                                                            self->history.n_messages), self->history.n_messages);
  g_autofree char *images = g_strdup_printf (g_dngettext (NULL, "%u image", "%u images",
                                                          self->history.n_attachments), self->history.n_attachments);
  g_autofree char *text = g_strdup_printf ("%s · %s · %s · %s", chats, messages, images, bytes);

  adw_action_row_set_subtitle (self->history_size_row, text);
}

/* note (may be NULL): a toast once the size is shown. */
static void
show_history_result (HearthPreferencesWindow *self, GAsyncResult *result, const char *note)
{
  g_autoptr(GError) error = NULL;
  g_autofree HearthHistorySize *size = hearth_store_worker_run_finish (NULL, result, &error);

  if (!job_end (self))
    return;
  if (size == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  self->history = *size;
  show_history_size (self);
  if (note != NULL)
    show_toast (self, note);
}

static void
history_counted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPreferencesWindow) self = user_data;

  show_history_result (self, result, NULL);
}

static void
history_erased (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPreferencesWindow) self = user_data;

  show_history_result (self, result, _("All history deleted"));
}

static void
count_history (HearthPreferencesWindow *self)
{
  hearth_store_worker_run_async (self->worker, history_size_run, NULL, NULL, g_free, self->cancellable,
                                 history_counted, job_begin (self));
}

/* The window lets go of every chat first: their sessions are closed and
 * their writes already queued run before the erase. */
static void
on_delete_history_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  HearthPreferencesWindow *self = user_data;

  if (!g_str_equal (response, "delete"))
    return;
  gtk_widget_activate_action (GTK_WIDGET (self->window), "win.history-erased", NULL);
  hearth_store_worker_run_async (self->worker, erase_history_run, NULL, NULL, g_free, NULL, history_erased,
                                 job_begin (self));
}

static void
delete_history_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (widget);
  g_autofree char *bytes = g_format_size (self->history.bytes);
  g_autofree char *body = g_strdup_printf (
    _("Every chat (%u), every message (%u) and every image (%u), and the search index over them, are deleted "
      "from %s (%s) and overwritten, so that no text stays on the disk. This cannot be undone."),
    self->history.n_chats, self->history.n_messages, self->history.n_attachments,
    hearth_store_worker_get_path (self->worker), bytes);

  confirm (self, _("Delete All History?"), body, "delete", _("_Delete All"), G_CALLBACK (on_delete_history_response));
}

/* ---- Privacy: thumbnails ---- */

static void
thumbnails_walked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPreferencesWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  HearthThumbnailCacheSize size;
  g_autofree char *dir = hearth_thumbnail_cache_dir ();
  g_autofree char *bytes = NULL;
  g_autofree char *files = NULL;
  g_autofree char *text = NULL;

  if (!job_end (self))
    return;
  if (!hearth_thumbnail_cache_finish (result, &size, &error))
    {
      show_toast (self, error->message);
      return;
    }
  bytes = g_format_size (size.bytes);
  files = g_strdup_printf (g_dngettext (NULL, "%u thumbnail", "%u thumbnails", size.n_files), size.n_files);
  text = g_strdup_printf ("%s\n%s · %s", dir, files, bytes);
  adw_action_row_set_subtitle (self->thumbnails_row, text);
}

static void
measure_thumbnails (HearthPreferencesWindow *self)
{
  hearth_thumbnail_cache_measure_async (self->cancellable, thumbnails_walked, job_begin (self));
}

static void
thumbnails_cleared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPreferencesWindow *self = user_data;

  if (!g_cancellable_is_cancelled (self->cancellable))
    show_toast (self, _("Thumbnail cache cleared"));
  thumbnails_walked (source, result, user_data);
}

static void
clear_thumbnails (HearthPreferencesWindow *self)
{
  hearth_thumbnail_cache_clear_async (NULL, thumbnails_cleared, job_begin (self));
}

static void
clear_thumbnails_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  clear_thumbnails (HEARTH_PREFERENCES_WINDOW (widget));
}

/* ---- GObject ---- */

static void
hearth_preferences_window_dispose (GObject *object)
{
  HearthPreferencesWindow *self = HEARTH_PREFERENCES_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Its mapping reads self->models; the row may outlive the window. */
  if (self->default_model_row != NULL)
    g_settings_unbind (self->default_model_row, "selected");
  g_clear_object (&self->window);
  g_clear_object (&self->settings);
  g_clear_object (&self->worker);
  g_clear_object (&self->library);
  g_clear_pointer (&self->folder_rows, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_PREFERENCES_WINDOW);
  g_clear_pointer (&self->models, hearth_model_choice_free);
  G_OBJECT_CLASS (hearth_preferences_window_parent_class)->dispose (object);
}

static void
hearth_preferences_window_class_init (HearthPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_preferences_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, default_model_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, context_length_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, max_tokens_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, system_prompt_view);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, temperature_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, top_p_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, top_k_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, min_p_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, repeat_penalty_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, folders_group);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, describing_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, history_location_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, history_size_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPreferencesWindow, thumbnails_row);

  gtk_widget_class_install_action (widget_class, "prefs.reset-sampling", NULL, reset_sampling_activated);
  gtk_widget_class_install_action (widget_class, "prefs.add-folder", NULL, add_folder_activated);
  gtk_widget_class_install_action (widget_class, "prefs.remove-folder", "s", remove_folder_activated);
  gtk_widget_class_install_action (widget_class, "prefs.pause-describing", NULL, pause_describing_activated);
  gtk_widget_class_install_action (widget_class, "prefs.resume-describing", NULL, resume_describing_activated);
  gtk_widget_class_install_action (widget_class, "prefs.describe-again", NULL, describe_again_activated);
  gtk_widget_class_install_action (widget_class, "prefs.forget-photos", NULL, forget_photos_activated);
  gtk_widget_class_install_action (widget_class, "prefs.delete-history", NULL, delete_history_activated);
  gtk_widget_class_install_action (widget_class, "prefs.clear-thumbnails", NULL, clear_thumbnails_activated);
}

static void
hearth_preferences_window_init (HearthPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->folder_rows = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();
}

HearthPreferencesWindow *
hearth_preferences_window_new (HearthWindow *window)
{
  HearthPreferencesWindow *self;
  HearthApplication *app;

  g_return_val_if_fail (HEARTH_IS_WINDOW (window), NULL);
  g_return_val_if_fail (hearth_window_get_settings (window) != NULL, NULL);

  app = HEARTH_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));
  self = g_object_new (HEARTH_TYPE_PREFERENCES_WINDOW, "transient-for", window, NULL);
  self->window = g_object_ref (window);
  self->settings = g_object_ref (hearth_window_get_settings (window));
  self->worker = g_object_ref (hearth_application_get_store_worker (app));
  self->library = hearth_photos_view_get_library (hearth_window_get_photos_view (window));
  if (self->library != NULL)
    {
      g_object_ref (self->library);
      g_signal_connect_object (self->library, "changed", G_CALLBACK (show_describing), self, G_CONNECT_SWAPPED);
    }

  bind_chat_page (self);
  bind_sampling_page (self);
  g_signal_connect_object (self->settings, "changed::photo-folders", G_CALLBACK (show_folders), self,
                           G_CONNECT_SWAPPED);
  show_folders (self);
  show_describing (self);
  adw_action_row_set_subtitle (self->history_location_row, hearth_store_worker_get_path (self->worker));
  count_history (self);
  measure_thumbnails (self);
  return self;
}

gboolean
hearth_preferences_window_get_busy (HearthPreferencesWindow *self)
{
  g_return_val_if_fail (HEARTH_IS_PREFERENCES_WINDOW (self), FALSE);
  return self->busy > 0;
}
