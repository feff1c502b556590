#define G_LOG_DOMAIN "hearth-message-row"

#include <glib/gi18n.h>

#include "hearth-markdown-view.h"
#include "hearth-image-preview.h"
#include "hearth-image-thumbnail.h"
#include "hearth-message-row.h"

struct _HearthMessageRow {
  GtkWidget            parent_instance;
  GtkWidget           *bubble;
  GtkLabel            *author;
  GtkFlowBox          *images;
  GtkStack            *content_stack;
  HearthMarkdownView  *content;
  GtkTextView         *editor;
  GtkLabel            *status;
  GtkWidget           *edit_button;
  HearthMessageObject *message;
  gulong               content_handler;
  gulong               state_handler;
};

G_DEFINE_FINAL_TYPE (HearthMessageRow, hearth_message_row, GTK_TYPE_WIDGET)

enum { SIGNAL_RESEND, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_content (HearthMessageRow *self)
{
  const char *content = hearth_message_object_get_content (self->message);
  gboolean waiting = *content == '\0' &&
                     hearth_message_object_get_state (self->message) == HEARTH_MESSAGE_STREAMING;

  /* An answer that has not produced text yet shows an ellipsis.  What
   * the user wrote is shown as written; only answers are Markdown. */
  if (waiting || hearth_message_object_get_role (self->message) == HEARTH_ROLE_USER)
    hearth_markdown_view_set_plain (self->content, waiting ? "…" : content);
  else
    hearth_markdown_view_set_markdown (self->content, content);
}

static void
show_state (HearthMessageRow *self)
{
  HearthMessageState state = hearth_message_object_get_state (self->message);

  gtk_widget_set_visible (GTK_WIDGET (self->status), state == HEARTH_MESSAGE_STOPPED);
  gtk_label_set_text (self->status, _("Stopped"));
  if (state == HEARTH_MESSAGE_STREAMING)
    gtk_widget_add_css_class (self->bubble, "streaming");
  else
    gtk_widget_remove_css_class (self->bubble, "streaming");
  show_content (self);
}

static void
on_content_changed (HearthMessageRow *self)
{
  show_content (self);
}

static void
on_state_changed (HearthMessageRow *self)
{
  show_state (self);
}

/* ---- actions ---- */

/* message.copy: the message as written (Markdown for an answer). */
static void
copy_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthMessageRow *self = HEARTH_MESSAGE_ROW (widget);

  if (self->message == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), hearth_message_object_get_content (self->message));
  gtk_widget_activate_action (widget, "win.toast", "s", _("Copied"));
}

static void
show_editor (HearthMessageRow *self, gboolean editing)
{
  gtk_stack_set_visible_child_name (self->content_stack, editing ? "edit" : "view");
  gtk_widget_set_visible (self->edit_button, !editing &&
                          hearth_message_object_get_role (self->message) == HEARTH_ROLE_USER);
}

/* message.edit: the user's message becomes editable in place. */
static void
edit_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthMessageRow *self = HEARTH_MESSAGE_ROW (widget);

  if (self->message == NULL || hearth_message_object_get_role (self->message) != HEARTH_ROLE_USER)
    return;
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->editor),
                            hearth_message_object_get_content (self->message), -1);
  show_editor (self, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->editor));
}

static void
cancel_edit_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  show_editor (HEARTH_MESSAGE_ROW (widget), FALSE);
}

/* message.resend: whoever handles ::resend drops the later messages and
 * answers the edited text; the editor stays open when it did not (an
 * answer is still being written). */
static void
resend_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthMessageRow *self = HEARTH_MESSAGE_ROW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->editor);
  g_autofree char *text = NULL;
  GtkTextIter start, end;
  gboolean taken = FALSE;

  if (self->message == NULL)
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_signal_emit (self, signals[SIGNAL_RESEND], 0, text, &taken);
  if (taken)
    show_editor (self, FALSE);
}

/* ---- binding ---- */

static void
on_thumbnail_activated (HearthMessageRow *self, HearthImageThumbnail *thumbnail)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  HearthImagePreview *preview = hearth_image_preview_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                          hearth_image_thumbnail_get_image (thumbnail));

  gtk_window_present (GTK_WINDOW (preview));
}

static void
show_images (HearthMessageRow *self)
{
  GPtrArray *images = self->message != NULL ? hearth_message_object_get_images (self->message) : NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->images))) != NULL)
    gtk_flow_box_remove (self->images, child);
  for (guint i = 0; images != NULL && i < images->len; i++)
    {
      GtkWidget *thumbnail = hearth_image_thumbnail_new (images->pdata[i], FALSE);

      g_signal_connect_object (thumbnail, "activated", G_CALLBACK (on_thumbnail_activated), self,
                               G_CONNECT_SWAPPED);
      gtk_flow_box_append (self->images, thumbnail);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->images), images != NULL && images->len > 0);
}

static void
unbind (HearthMessageRow *self)
{
  if (self->message == NULL)
    return;
  g_clear_signal_handler (&self->content_handler, self->message);
  g_clear_signal_handler (&self->state_handler, self->message);
  g_clear_object (&self->message);
  show_images (self);
}

void
hearth_message_row_set_message (HearthMessageRow *self, HearthMessageObject *message)
{
  gboolean is_user;

  g_return_if_fail (HEARTH_IS_MESSAGE_ROW (self));

  unbind (self);
  if (message == NULL)
    return;

  self->message = g_object_ref (message);
  self->content_handler = g_signal_connect_swapped (message, "notify::content",
                                                    G_CALLBACK (on_content_changed), self);
  self->state_handler = g_signal_connect_swapped (message, "notify::state",
                                                  G_CALLBACK (on_state_changed), self);

  is_user = hearth_message_object_get_role (message) == HEARTH_ROLE_USER;
  gtk_label_set_text (self->author, is_user ? _("You") : _("Assistant"));
  gtk_widget_set_halign (self->bubble, is_user ? GTK_ALIGN_END : GTK_ALIGN_START);
  if (is_user)
    {
      gtk_widget_add_css_class (self->bubble, "user");
      gtk_widget_remove_css_class (self->bubble, "assistant");
    }
  else
    {
      gtk_widget_add_css_class (self->bubble, "assistant");
      gtk_widget_remove_css_class (self->bubble, "user");
    }
  /* A recycled row never keeps the editor of the message it showed. */
  show_editor (self, FALSE);
  show_images (self);
  show_state (self);
}

HearthMessageObject *
hearth_message_row_get_message (HearthMessageRow *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_ROW (self), NULL);
  return self->message;
}

const char *
hearth_message_row_get_text (HearthMessageRow *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_ROW (self), NULL);
  return hearth_markdown_view_get_text (self->content);
}

static void
hearth_message_row_dispose (GObject *object)
{
  HearthMessageRow *self = HEARTH_MESSAGE_ROW (object);

  unbind (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_MESSAGE_ROW);
  G_OBJECT_CLASS (hearth_message_row_parent_class)->dispose (object);
}

static void
hearth_message_row_class_init (HearthMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_message_row_dispose;

  /* (text): the edited text of the user message shown; returns TRUE when
   * it was resent. */
  signals[SIGNAL_RESEND] = g_signal_new ("resend", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         g_signal_accumulator_true_handled, NULL, NULL,
                                         G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  g_type_ensure (HEARTH_TYPE_MARKDOWN_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, author);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, content);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, editor);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, images);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, status);
  gtk_widget_class_bind_template_child (widget_class, HearthMessageRow, edit_button);
  gtk_widget_class_install_action (widget_class, "message.copy", NULL, copy_activated);
  gtk_widget_class_install_action (widget_class, "message.edit", NULL, edit_activated);
  gtk_widget_class_install_action (widget_class, "message.cancel-edit", NULL, cancel_edit_activated);
  gtk_widget_class_install_action (widget_class, "message.resend", NULL, resend_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
hearth_message_row_init (HearthMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hearth_message_row_new (void)
{
  return g_object_new (HEARTH_TYPE_MESSAGE_ROW, NULL);
}
