#define G_LOG_DOMAIN "hearth-application"

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "hearth-application.h"
#include "hearth-ui-resources.h"
#include "hearth-window.h"

struct _HearthApplication {
  AdwApplication     parent_instance;
  HearthEngine      *engine;
  HearthStoreWorker *worker;
};

G_DEFINE_FINAL_TYPE (HearthApplication, hearth_application, ADW_TYPE_APPLICATION)

static GtkWindow *
main_window (HearthApplication *self)
{
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

static void
new_chat_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GtkWindow *window = main_window (user_data);

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.new-chat", NULL);
}

static void
quit_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HearthApplication *self = user_data;

  adw_show_about_window (main_window (self),
                         "application-name", _("Hearth"),
                         "application-icon", HEARTH_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Private chat with language models on your own GPU"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static const GActionEntry app_actions[] = {
  { .name = "new-chat", .activate = new_chat_activated },
  { .name = "quit", .activate = quit_activated },
  { .name = "about", .activate = about_activated },
};

static void
hearth_application_startup (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);
  static const char *new_chat_accels[] = { "<Control>n", NULL };
  static const char *quit_accels[] = { "<Control>q", NULL };

  /* Before chaining up: AdwApplication loads style.css from it there. */
  hearth_ui_register_resource ();
  G_APPLICATION_CLASS (hearth_application_parent_class)->startup (application);
  /* Code blocks in answers: the languages and style schemes. */
  gtk_source_init ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.new-chat", new_chat_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);

  self->engine = hearth_engine_new ();
  {
    g_autofree char *path = hearth_store_default_path ();
    self->worker = hearth_store_worker_new (path);
  }
}

static void
hearth_application_activate (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);
  GtkWindow *window = main_window (self);

  if (window == NULL)
    window = GTK_WINDOW (hearth_window_new (self));
  gtk_window_present (window);
}

/* Windows that app.quit left open are destroyed first: each cancels its
 * engine work (a photo being described, a generation) and lets go of the
 * engine. Then the store's queued writes are finished and the engine
 * stopped (it waits for its running job to notice). */
static void
hearth_application_shutdown (GApplication *application)
{
  HearthApplication *self = HEARTH_APPLICATION (application);
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (application))) != NULL)
    gtk_window_destroy (windows->data);
  G_APPLICATION_CLASS (hearth_application_parent_class)->shutdown (application);

  g_clear_object (&self->engine);
  if (self->worker != NULL)
    hearth_store_worker_flush (self->worker);
  g_clear_object (&self->worker);
}

static void
hearth_application_class_init (HearthApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = hearth_application_startup;
  app_class->activate = hearth_application_activate;
  app_class->shutdown = hearth_application_shutdown;
}

static void
hearth_application_init (HearthApplication *self)
{
}

HearthApplication *
hearth_application_new (void)
{
  return g_object_new (HEARTH_TYPE_APPLICATION,
                       "application-id", HEARTH_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/hearth/Hearth",
                       NULL);
}

HearthEngine *
hearth_application_get_engine (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);
  return self->engine;
}

HearthStoreWorker *
hearth_application_get_store_worker (HearthApplication *self)
{
  g_return_val_if_fail (HEARTH_IS_APPLICATION (self), NULL);
  return self->worker;
}
