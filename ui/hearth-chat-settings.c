#define G_LOG_DOMAIN "hearth-chat-settings"

#include <glib/gi18n.h>

#include "hearth-chat-settings.h"
#include "hearth-model-choice.h"

struct _HearthChatSettings {
  AdwWindow          parent_instance;

  AdwComboRow       *model_row;
  AdwExpanderRow    *temperature_row;
  GtkSpinButton     *temperature_spin;
  AdwExpanderRow    *context_row;
  GtkSpinButton     *context_spin;
  GtkTextView       *system_prompt_view;

  HearthStoreWorker *worker;
  HearthChatObject  *chat;
  HearthModelChoice *models;
};

G_DEFINE_FINAL_TYPE (HearthChatSettings, hearth_chat_settings, ADW_TYPE_WINDOW)

/* Returns a dummy non-NULL result on success. */
static gpointer
save_run (HearthStore *store, gpointer data, GError **error)
{
  return hearth_store_set_chat_settings (store, data, error) ? store : NULL;
}

/* The dialog is gone by then: an error goes to the window's toasts. */
static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GtkWidget) parent = user_data;
  g_autoptr(GError) error = NULL;

  if (hearth_store_worker_run_finish (NULL, result, &error) == NULL && parent != NULL)
    gtk_widget_activate_action (parent, "win.toast", "s", error->message);
}

static char *
system_prompt_text (HearthChatSettings *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->system_prompt_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
  return *text != '\0' ? g_steal_pointer (&text) : NULL;
}

static void
save_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthChatSettings *self = HEARTH_CHAT_SETTINGS (widget);
  HearthChat *settings = g_new0 (HearthChat, 1);
  const char *model = hearth_model_choice_get (self->models, adw_combo_row_get_selected (self->model_row));
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  hearth_chat_object_get_settings (self->chat, settings);
  if (model != NULL && *model != '\0')
    {
      g_free (settings->model_path);
      settings->model_path = g_strdup (model);
    }
  g_free (settings->system_prompt);
  settings->system_prompt = system_prompt_text (self);
  settings->temperature = adw_expander_row_get_enable_expansion (self->temperature_row)
                          ? gtk_spin_button_get_value (self->temperature_spin) : -1;
  settings->context_length = adw_expander_row_get_enable_expansion (self->context_row)
                             ? (guint) gtk_spin_button_get_value_as_int (self->context_spin) : 0;

  hearth_chat_object_set_settings (self->chat, settings);
  hearth_store_worker_run_async (self->worker, save_run, settings, (GDestroyNotify) hearth_chat_free, NULL, NULL,
                                 saved, parent != NULL ? g_object_ref (parent) : NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
hearth_chat_settings_dispose (GObject *object)
{
  HearthChatSettings *self = HEARTH_CHAT_SETTINGS (object);

  g_clear_object (&self->worker);
  g_clear_object (&self->chat);
  g_clear_pointer (&self->models, hearth_model_choice_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_CHAT_SETTINGS);
  G_OBJECT_CLASS (hearth_chat_settings_parent_class)->dispose (object);
}

static void
hearth_chat_settings_class_init (HearthChatSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_chat_settings_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-chat-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, model_row);
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, temperature_row);
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, temperature_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, context_row);
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, context_spin);
  gtk_widget_class_bind_template_child (widget_class, HearthChatSettings, system_prompt_view);
  gtk_widget_class_install_action (widget_class, "chat-settings.save", NULL, save_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hearth_chat_settings_init (HearthChatSettings *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* The spin buttons show the chat's own values, else a sensible start
 * (the engine's default temperature, 4096 positions). */
static void
show_chat (HearthChatSettings *self)
{
  HearthChatObject *chat = self->chat;
  const char *prompt = hearth_chat_object_get_system_prompt (chat);
  double temperature = hearth_chat_object_get_temperature (chat);
  guint context_length = hearth_chat_object_get_context_length (chat);
  guint model = hearth_model_choice_find (self->models, hearth_chat_object_get_model_path (chat));

  adw_combo_row_set_model (self->model_row, G_LIST_MODEL (self->models->names));
  if (model != GTK_INVALID_LIST_POSITION)
    adw_combo_row_set_selected (self->model_row, model);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->system_prompt_view), prompt != NULL ? prompt : "", -1);
  adw_expander_row_set_enable_expansion (self->temperature_row, temperature >= 0);
  gtk_spin_button_set_value (self->temperature_spin, temperature >= 0 ? temperature : 0.7);
  adw_expander_row_set_enable_expansion (self->context_row, context_length > 0);
  gtk_spin_button_set_value (self->context_spin, context_length > 0 ? context_length : 4096);
}

HearthChatSettings *
hearth_chat_settings_new (GtkWindow *parent, HearthStoreWorker *worker, HearthChatObject *chat, GPtrArray *found)
{
  HearthChatSettings *self;

  g_return_val_if_fail (HEARTH_IS_STORE_WORKER (worker), NULL);
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (chat), NULL);

  self = g_object_new (HEARTH_TYPE_CHAT_SETTINGS, "transient-for", parent, NULL);
  self->worker = g_object_ref (worker);
  self->chat = g_object_ref (chat);
  self->models = hearth_model_choice_new (found, NULL, hearth_chat_object_get_model_path (chat));
  show_chat (self);
  return self;
}
