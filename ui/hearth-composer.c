#define G_LOG_DOMAIN "hearth-composer"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hearth-composer.h"
#include "hearth-image-thumbnail.h"
#include "image-preprocess.h"

struct _HearthComposer {
  GtkWidget     parent_instance;
  GtkWidget    *box;
  GtkWidget    *thumbnail_scroller;
  GtkBox       *thumbnails;
  GtkTextView  *text_view;
  GtkStack     *button_stack;
  gboolean      generating;
  GListStore   *images;      /* of HearthImageAttachment, in the order shown */
  guint         n_loading;   /* images still being decoded */
  GCancellable *cancellable; /* of the loads; cancelled when the composer goes */
};

G_DEFINE_FINAL_TYPE (HearthComposer, hearth_composer, GTK_TYPE_WIDGET)

enum { SIGNAL_SEND, SIGNAL_IMAGE_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
has_images (HearthComposer *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->images)) > 0;
}

static void
update_send_enabled (HearthComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);

  /* Not while an image is still being read: it would be left out. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "composer.send",
                                 !self->generating && self->n_loading == 0 &&
                                 (gtk_text_buffer_get_char_count (buffer) > 0 || has_images (self)));
}

/* Errors go where the window shows its toasts. */
static void
show_toast (HearthComposer *self, const char *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
  else
    g_warning ("%s", message);
}

/* ---- attached images ---- */

static void
on_thumbnail_activated (HearthComposer *self, HearthImageThumbnail *thumbnail)
{
  g_signal_emit (self, signals[SIGNAL_IMAGE_ACTIVATED], 0, hearth_image_thumbnail_get_image (thumbnail));
}

static void
on_thumbnail_remove (HearthComposer *self, HearthImageThumbnail *thumbnail)
{
  guint position;

  if (g_list_store_find (self->images, hearth_image_thumbnail_get_image (thumbnail), &position))
    g_list_store_remove (self->images, position);
}

static GtkWidget *
create_thumbnail (gpointer item, gpointer user_data)
{
  HearthComposer *self = user_data;
  GtkWidget *thumbnail = hearth_image_thumbnail_new (item, TRUE);

  g_signal_connect_object (thumbnail, "activated", G_CALLBACK (on_thumbnail_activated), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (thumbnail, "remove", G_CALLBACK (on_thumbnail_remove), self, G_CONNECT_SWAPPED);
  return thumbnail;
}

/* The box mirrors self->images (a GtkBox has no list model binding). */
static void
on_images_changed (HearthComposer *self, guint position, guint removed, guint added)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->thumbnails))) != NULL)
    gtk_box_remove (self->thumbnails, child);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->images)); i++)
    {
      g_autoptr(HearthImageAttachment) image = g_list_model_get_item (G_LIST_MODEL (self->images), i);
      gtk_box_append (self->thumbnails, create_thumbnail (image, self));
    }
  gtk_widget_set_visible (self->thumbnail_scroller, has_images (self));
  update_send_enabled (self);
}

static void
set_loading (HearthComposer *self, gboolean started)
{
  if (started)
    self->n_loading++;
  else
    self->n_loading--;
  update_send_enabled (self);
}

/* The end of both loads, a file's and a texture's: each is a GTask that
 * returns a HearthImageAttachment. */
static void
image_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthImageAttachment) image = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_loading (self, FALSE);
  if (image == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot attach this image: %s"), error->message);
      show_toast (self, message);
      return;
    }
  g_list_store_append (self->images, image);
}

void
hearth_composer_add_file (HearthComposer *self, GFile *file)
{
  g_autofree char *path = NULL;

  g_return_if_fail (HEARTH_IS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("Cannot attach “%s”: only files on this computer can be "
                                                    "attached; save it to a folder first"), uri);
      show_toast (self, message);
      return;
    }
  set_loading (self, TRUE);
  hearth_image_attachment_new_from_file_async (path, self->cancellable, image_loaded, g_object_ref (self));
}

/* A texture (a pasted screenshot) goes through the same decoding rules
 * as a file, from GTK's PNG of it. */
static void
encode_texture_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (task_data);
  GError *error = NULL;
  HearthImageAttachment *image = hearth_image_attachment_new_from_bytes (png, _("the pasted image"), &error);

  if (image == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, image, g_object_unref);
}

void
hearth_composer_add_texture (HearthComposer *self, GdkTexture *texture)
{
  g_autoptr(GTask) task = NULL;
  guint64 pixels;

  g_return_if_fail (HEARTH_IS_COMPOSER (self));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  /* The same limit as for files, checked before any copy is made. */
  pixels = (guint64) gdk_texture_get_width (texture) * gdk_texture_get_height (texture);
  if (pixels > HEARTH_IMAGE_MAX_PIXELS_DEFAULT)
    {
      g_autofree char *message =
        g_strdup_printf (_("Cannot attach this image: it is %d × %d pixels, more than the %u Mpx Hearth accepts; "
                           "scale it down first"), gdk_texture_get_width (texture), gdk_texture_get_height (texture),
                         (guint) (HEARTH_IMAGE_MAX_PIXELS_DEFAULT / (1024 * 1024)));
      show_toast (self, message);
      return;
    }
  set_loading (self, TRUE);
  task = g_task_new (NULL, self->cancellable, image_loaded, g_object_ref (self));
  g_task_set_source_tag (task, hearth_composer_add_texture);
  g_task_set_task_data (task, g_object_ref (texture), g_object_unref);
  g_task_run_in_thread (task, encode_texture_in_thread);
}

gboolean
hearth_composer_add_value (HearthComposer *self, const GValue *value)
{
  g_return_val_if_fail (HEARTH_IS_COMPOSER (self), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));

      for (GSList *l = files; l != NULL; l = l->next)
        hearth_composer_add_file (self, l->data);
      g_slist_free (files);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      hearth_composer_add_file (self, g_value_get_object (value));
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    {
      hearth_composer_add_texture (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

GtkDropTarget *
hearth_composer_new_drop_target (HearthComposer *self)
{
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE };
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  g_signal_connect_object (target, "drop", G_CALLBACK (hearth_composer_add_value), self, G_CONNECT_SWAPPED);
  return target;
}

/* ---- pasting ---- */

static void
clipboard_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthComposer) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  if (value == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Cannot paste: %s"), error->message);
      show_toast (self, message);
      return;
    }
  hearth_composer_add_value (self, value);
}

/* Ctrl+V: an image (a screenshot tool copies a texture, a file manager a
 * file list) is attached; anything else is pasted as text, as usual. */
static void
on_paste_clipboard (HearthComposer *self, GtkTextView *text_view)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (text_view));
  GdkContentFormats *formats = gdk_clipboard_get_formats (clipboard);
  GType type = G_TYPE_INVALID;

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    type = GDK_TYPE_FILE_LIST;
  else if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE))
    type = GDK_TYPE_TEXTURE;
  if (type == G_TYPE_INVALID)
    return;
  g_signal_stop_emission_by_name (text_view, "paste-clipboard");
  gdk_clipboard_read_value_async (clipboard, type, G_PRIORITY_DEFAULT, self->cancellable, clipboard_read,
                                  g_object_ref (self));
}

/* ---- attaching from a file chooser ---- */

static void
on_chooser_response (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  HearthComposer *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          hearth_composer_add_file (self, file);
        }
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
attach_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthComposer *self = HEARTH_COMPOSER (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) images = gtk_file_filter_new ();

  chooser = gtk_file_chooser_native_new (_("Attach Images"), GTK_IS_WINDOW (native) ? GTK_WINDOW (native) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), _("_Cancel"));
  gtk_file_filter_set_name (images, _("Images"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), images);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* After the text and images were sent, or set aside as a draft. */
static void
clear (HearthComposer *self)
{
  hearth_composer_set_text (self, "");
  g_list_store_remove_all (self->images);
}

/* composer.send: hands the text to whoever listens to ::send and clears
 * the entry when it was taken. */
static void
send_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthComposer *self = HEARTH_COMPOSER (widget);
  g_autofree char *text = hearth_composer_dup_text (self);
  gboolean taken = FALSE;

  if (self->generating || self->n_loading > 0 || (*g_strstrip (text) == '\0' && !has_images (self)))
    return;
  g_signal_emit (self, signals[SIGNAL_SEND], 0, text, &taken);
  if (taken)
    clear (self);
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
  HearthComposer *self = HEARTH_COMPOSER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->images);
  gtk_widget_dispose_template (GTK_WIDGET (object), HEARTH_TYPE_COMPOSER);
  G_OBJECT_CLASS (hearth_composer_parent_class)->dispose (object);
}

static void
hearth_composer_class_init (HearthComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_composer_dispose;

  /* Returns TRUE when the text (and the images of
   * hearth_composer_get_images()) were taken: then the composer is cleared. */
  signals[SIGNAL_SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                       g_signal_accumulator_true_handled, NULL, NULL,
                                       G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /* An attached image was clicked: show it larger. */
  signals[SIGNAL_IMAGE_ACTIVATED] = g_signal_new ("image-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                  HEARTH_TYPE_IMAGE_ATTACHMENT);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, box);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, thumbnail_scroller);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, thumbnails);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, HearthComposer, button_stack);
  gtk_widget_class_install_action (widget_class, "composer.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "composer.attach", NULL, attach_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "composer");
}

static void
hearth_composer_init (HearthComposer *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->images = g_list_store_new (HEARTH_TYPE_IMAGE_ATTACHMENT);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->images, "items-changed", G_CALLBACK (on_images_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->text_view, "paste-clipboard", G_CALLBACK (on_paste_clipboard), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (hearth_composer_new_drop_target (self)));

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

/* Of HearthImageAttachment: the images that go with the next message. */
GListModel *
hearth_composer_get_images (HearthComposer *self)
{
  g_return_val_if_fail (HEARTH_IS_COMPOSER (self), NULL);
  return G_LIST_MODEL (self->images);
}

/* ---- drafts ---- */

struct _HearthComposerDraft {
  char      *text;
  GPtrArray *images; /* of HearthImageAttachment */
};

void
hearth_composer_draft_free (HearthComposerDraft *draft)
{
  g_free (draft->text);
  g_ptr_array_unref (draft->images);
  g_free (draft);
}

HearthComposerDraft *
hearth_composer_take_draft (HearthComposer *self)
{
  g_autofree char *text = NULL;
  GListModel *images;
  HearthComposerDraft *draft;

  g_return_val_if_fail (HEARTH_IS_COMPOSER (self), NULL);

  text = hearth_composer_dup_text (self);
  images = G_LIST_MODEL (self->images);
  if (*text == '\0' && g_list_model_get_n_items (images) == 0)
    return NULL;
  draft = g_new0 (HearthComposerDraft, 1);
  draft->text = g_steal_pointer (&text);
  draft->images = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < g_list_model_get_n_items (images); i++)
    g_ptr_array_add (draft->images, g_list_model_get_item (images, i));
  clear (self);
  return draft;
}

void
hearth_composer_restore_draft (HearthComposer *self, HearthComposerDraft *draft)
{
  g_return_if_fail (HEARTH_IS_COMPOSER (self));
  g_return_if_fail (draft != NULL);

  hearth_composer_set_text (self, draft->text);
  g_list_store_splice (self->images, 0, g_list_model_get_n_items (G_LIST_MODEL (self->images)),
                       draft->images->pdata, draft->images->len);
  hearth_composer_draft_free (draft);
}
