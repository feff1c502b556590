#define G_LOG_DOMAIN "hearth-window"

/* hearth-store-error-dialog.c: opening the chat history for the window,
 * and the dialog that offers to start a new one when it cannot be read. */

#include <glib/gi18n.h>

#include "hearth-window-private.h"

/* ---- opening the store ---- */

static void
chats_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = hearth_store_worker_run_finish (NULL, result, &error);

  if (_hearth_window_is_closed (self))
    return;

  if (chats == NULL)
    {
      _hearth_window_show_error_dialog (self, _("Could Not Read the Chat History"), error->message);
      return;
    }
  for (guint i = 0; i < chats->len; i++)
    {
      g_autoptr(HearthChatObject) item = hearth_chat_object_new (chats->pdata[i]);
      g_list_store_append (self->chats, item);
    }
  self->ready = TRUE;
  _hearth_window_on_selection_changed (self);
  _hearth_window_update_actions (self);
}

static void
moved_aside (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *moved_path = hearth_store_worker_move_aside_finish (NULL, result, &error);

  if (!_hearth_window_is_closed (self) &&
      /* Translators: %s is a file path */
      _hearth_window_show_file_outcome (self, moved_path, error, _("Could Not Move the Chat History Aside"),
                         _("The old chat history was kept as %s")))
    _hearth_window_open_store (self);
}

static void
on_store_error_response (AdwMessageDialog *dialog, const char *response, gpointer user_data)
{
  HearthWindow *self = user_data;

  if (g_str_equal (response, "retry"))
    _hearth_window_open_store (self);
  else if (g_str_equal (response, "move-aside"))
    hearth_store_worker_move_aside_async (self->worker, moved_aside, g_object_ref (self));
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

/* What the user can do depends on why the store did not open: a damaged
 * file can be moved aside (never deleted), a lock or permissions can be
 * fixed outside and retried, a newer schema is left alone. */
static void
show_store_error (HearthWindow *self, const GError *error)
{
  AdwMessageDialog *dialog =
    ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Chat History Unavailable"), error->message));

  adw_message_dialog_add_response (dialog, "quit", _("_Quit"));
  if (g_error_matches (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_CORRUPT))
    {
      adw_message_dialog_add_response (dialog, "move-aside", _("_Move Aside and Start Over"));
      adw_message_dialog_set_response_appearance (dialog, "move-aside", ADW_RESPONSE_DESTRUCTIVE);
    }
  else if (!g_error_matches (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_TOO_NEW))
    {
      adw_message_dialog_add_response (dialog, "retry", _("_Try Again"));
      adw_message_dialog_set_response_appearance (dialog, "retry", ADW_RESPONSE_SUGGESTED);
    }
  adw_message_dialog_set_close_response (dialog, "quit");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_store_error_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
store_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (_hearth_window_is_closed (self))
    return;

  if (!hearth_store_worker_open_finish (NULL, result, &error))
    {
      show_store_error (self, error);
      return;
    }
  hearth_store_worker_run_async (self->worker, _hearth_window_list_chats_run, NULL, NULL, (GDestroyNotify) g_ptr_array_unref,
                                 NULL, chats_listed, g_object_ref (self));
}

void
_hearth_window_open_store (HearthWindow *self)
{
  hearth_store_worker_open_async (self->worker, store_opened, g_object_ref (self));
}
