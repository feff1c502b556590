#define G_LOG_DOMAIN "hearth-composer"

#include "hearth-composer.h"

struct _HearthComposer {
  GtkWidget    parent_instance;
  GtkWidget   *box;
  GtkTextView *text_view;
  GtkStack    *button_stack;
  gboolean     generating;
};

G_DEFINE_FINAL_TYPE (HearthComposer, hearth_composer, GTK_TYPE_WIDGET)

enum { SIGNAL_SEND, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
update_send_enabled (HearthComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 !self->generating && gtk_text_buffer_get_char_count (buffer) > 0);
}

/* composer.send: hands the text to whoever listens to ::send and clears
 * the entry when it was taken. */
static void
send_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthComposer *self = HEARTH_COMPOSER (widget);
  g_autofree char *text = hearth_composer_dup_text (self);
  gboolean taken = FALSE;

  if (self->generating || *g_strstrip (text) == '\0')
    return;
  g_signal_emit (self, signals[SIGNAL_SEND], 0, text, &taken);
  if (taken)
    hearth_composer_set_text (self, "");
}

static gboolean
on_key_pressed (HearthComposer        *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) &&
      (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) == 0)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "composer.send", NULL);
      return TRUE;
    }
  return FALSE;
}

static void
hearth_composer_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), HEARTH_TYPE_COMPOSER);
  G_OBJECT_CLASS (hearth_composer_parent_class)->dispose (object);
}

static void
hearth_composer_class_init (HearthComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_composer_dispose;

  /* Returns TRUE when the text was taken (then the entry is cleared). */
  signals[SIGNAL_SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       g_signal_accumulator_true_handled, NULL, NULL,
                                       G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/hearth/Hearth/ui/hearth-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, box);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, button_stack);
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "composer");
}

static void
hearth_composer_init (HearthComposer *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect_swapped (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  g_signal_connect_swapped (gtk_text_view_get_buffer (self->text_view), "changed",
                            G_CALLBACK (update_send_enabled), self);
  update_send_enabled (self);
}

void
hearth_composer_set_generating (HearthComposer *self, gboolean generating)
{
  g_return_if_fail (HEARTH_IS_COMPOSER (self));

  self->generating = generating;
  gtk_stack_set_visible_child_name (self->button_stack, generating ? "stop" : "send");
  update_send_enabled (self);
}

void
hearth_composer_set_text (HearthComposer *self, const char *text)
{
  g_return_if_fail (HEARTH_IS_COMPOSER (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text, -1);
}

char *
hearth_composer_dup_text (HearthComposer *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (HEARTH_IS_COMPOSER (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
hearth_composer_grab_focus (HearthComposer *self)
{
  g_return_if_fail (HEARTH_IS_COMPOSER (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}
