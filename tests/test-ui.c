#define G_LOG_DOMAIN "test-ui"

/* test-ui.c: the real Hearth app (HearthApplication, its window and
 * widgets, the engine thread and the store worker) driven through its
 * actions and widgets under Xvfb, with a fresh XDG_DATA_HOME:
 *
 *   /ui/chat     new chat, pick stories260K from the models found in
 *                $XDG_DATA_HOME/hearth/models, send "Once upon a time", see
 *                the streamed answer in a row's label and in the database,
 *                stop a second answer, regenerate; screenshots of each state
 *   /ui/corrupt-store  a damaged history: the dialog explains and offers
 *                to move it aside; the file is kept and a new history starts
 *   /ui/history  a new process on the same XDG_DATA_HOME finds the chat */

#include <glib/gstdio.h>

#include "ui-test-util.h"

#define PROMPT "Once upon a time"

static void
check_stored (UiFixture *f, guint position, HearthRole role, HearthMessageState state)
{
  g_autoptr(GPtrArray) messages = ui_stored_messages (f);
  HearthMessage *stored;
  HearthMessageObject *shown = ui_message_at (f, position);

  g_assert_cmpuint (messages->len, ==, ui_n_messages (f));
  stored = messages->pdata[position];
  g_assert_cmpint (stored->role, ==, role);
  g_assert_cmpint (stored->state, ==, state);
  g_assert_cmpstr (stored->content, ==, hearth_message_object_get_content (shown));
  g_assert_cmpint (hearth_message_object_get_state (shown), ==, state);
}

/* A model that cannot be loaded: a dialog says why. */
static void
check_load_error (UiFixture *f)
{
  g_autofree char *missing = g_build_filename (g_get_user_data_dir (), "no-such-model.gguf", NULL);
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", missing));
  ui_wait_for (ui_message_dialog_shown, f, "the load error dialog");
  dialog = ADW_MESSAGE_DIALOG (ui_find_message_dialog ());
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "no-such-model.gguf"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), missing));
  ui_save_screenshot (GTK_WIDGET (dialog), "load-error");
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_null (hearth_window_get_model (f->window));
}

static void
drive_chat (UiFixture *f)
{
  g_autofree char *model = ui_shared_model ();
  HearthMessageObject *answer;
  GtkWidget *window = GTK_WIDGET (f->window);

  ui_wait_for (ui_has_no_chats_page, f, "the empty chat list");
  ui_save_screenshot (window, "no-chats");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (ui_has_no_model_page, f, "a new chat without a model");
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 1);
  if (model != NULL)
    check_load_error (f);
  ui_save_screenshot (window, "no-model");
  if (!ui_pick_stories (f))
    return;

  /* 1. An answer streams into a row's label and into the store. */
  ui_send (f, PROMPT);
  ui_wait_for (ui_last_answer_has_text, f, "the first streamed text");
  answer = ui_message_at (f, 1);
  g_assert_cmpstr (hearth_message_object_get_content (answer), !=, "");
  ui_wait_row (f, answer);
  g_assert_cmpstr (ui_row_text_of (f, answer), ==, hearth_message_object_get_content (answer));
  ui_wait_for (ui_idle, f, "the answer to end");
  ui_wait_row (f, answer);
  g_assert_cmpstr (ui_row_text_of (f, answer), ==, hearth_message_object_get_content (answer));
  check_stored (f, 0, HEARTH_ROLE_USER, HEARTH_MESSAGE_COMPLETE);
  check_stored (f, 1, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_COMPLETE);
  g_assert_cmpstr (hearth_message_object_get_content (ui_message_at (f, 0)), ==, PROMPT);
  g_assert_cmpuint (hearth_conversation_get_context_used (ui_conversation (f)), >, 0);
  ui_save_screenshot (window, "chat");

  /* 2. Stop: the answer ends as 'stopped', in the widget and the store. */
  ui_send (f, "The little dog");
  ui_wait_for (ui_last_answer_has_text, f, "the second answer's first text");
  g_assert_true (hearth_conversation_get_generating (ui_conversation (f)));
  g_assert_true (gtk_widget_activate_action (window, "win.stop", NULL));
  ui_wait_for (ui_idle, f, "the stopped answer to end");
  check_stored (f, 3, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_STOPPED);
  ui_save_screenshot (window, "stopped");

  /* 3. Regenerate replaces the last answer. */
  g_assert_true (gtk_widget_activate_action (window, "win.regenerate", NULL));
  g_assert_cmpuint (ui_n_messages (f), ==, 4);
  ui_wait_for (ui_idle, f, "the regenerated answer to end");
  check_stored (f, 3, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_COMPLETE);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  ui_save_screenshot (window, "chat-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
history_shown (gpointer data)
{
  UiFixture *f = data;

  return g_list_model_get_n_items (hearth_window_get_chats (f->window)) > 0 && ui_conversation_loaded (f) &&
         ui_n_messages (f) > 0;
}

/* Searches and checks that n chats are found by their title. */
static void
search_chats (UiFixture *f, const char *text, guint n)
{
  g_autoptr(GPtrArray) titles = NULL;

  ui_search (f, text);
  titles = ui_find_with_class (GTK_WIDGET (f->window), GTK_TYPE_LABEL, "search-title");
  g_assert_cmpuint (titles->len, ==, n);
}

static void
drive_history (UiFixture *f)
{
  HearthChatObject *chat;

  ui_wait_for (history_shown, f, "the chat from the first run");
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 1);
  chat = g_list_model_get_item (hearth_window_get_chats (f->window), 0);
  g_assert_cmpstr (hearth_chat_object_get_title (chat), ==, PROMPT);
  g_object_unref (chat);
  g_assert_cmpuint (ui_n_messages (f), ==, 4);
  g_assert_cmpstr (hearth_message_object_get_content (ui_message_at (f, 0)), ==, PROMPT);
  ui_wait_row (f, ui_message_at (f, 0));
  ui_wait_row (f, ui_message_at (f, 1));
  g_assert_cmpstr (ui_row_text_of (f, ui_message_at (f, 0)), ==, PROMPT);
  g_assert_cmpstr (ui_row_text_of (f, ui_message_at (f, 1)), ==,
                   hearth_message_object_get_content (ui_message_at (f, 1)));
  ui_save_screenshot (GTK_WIDGET (f->window), "history");

  /* Ctrl+F finds the chat by its title. */
  search_chats (f, "no such chat", 0);
  search_chats (f, "upon", 1);
}

static guint
count_broken_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n_broken = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "hearth.db.broken-"))
      n_broken++;
  return n_broken;
}

/* The damaged file is kept beside a new one. */
static gboolean
history_moved_aside (gpointer data)
{
  UiFixture *f = data;
  const char *path = hearth_store_worker_get_path (hearth_application_get_store_worker (f->app));
  g_autofree char *folder = g_path_get_dirname (path);

  return count_broken_files (folder) == 1 && g_file_test (path, G_FILE_TEST_EXISTS) && ui_has_no_chats_page (f);
}

static void
drive_corrupt_store (UiFixture *f)
{
  AdwMessageDialog *dialog;

  ui_wait_for (ui_message_dialog_shown, f, "the store error dialog");
  dialog = ADW_MESSAGE_DIALOG (ui_find_message_dialog ());
  g_assert_true (adw_message_dialog_has_response (dialog, "move-aside"));
  g_assert_false (adw_message_dialog_has_response (dialog, "retry"));
  ui_save_screenshot (GTK_WIDGET (dialog), "store-error");
  ui_click_button (GTK_WIDGET (dialog), "_Move Aside and Start Over");
  ui_wait_for (history_moved_aside, f, "the damaged history moved aside and a new one");
  g_assert_null (ui_find_message_dialog ());
}

static void
test_chat (void)
{
  ui_test_run_app (drive_chat);
}

static void
test_corrupt_store (void)
{
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "hearth", NULL);
  g_autofree char *path = g_build_filename (folder, "hearth.db", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_set_contents_full (path, "This is not an SQLite database, but it is long enough to look like one.\n",
                            -1, G_FILE_SET_CONTENTS_NONE, 0600, &error);
  g_assert_no_error (error);
  ui_test_run_app (drive_corrupt_store);
}

static void
test_history_in_new_process (void)
{
  g_autofree char *model = ui_shared_model ();

  if (model == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: no history to find");
      return;
    }
  if (g_test_subprocess ())
    {
      ui_test_run_app (drive_history);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  /* First: it leaves the new, empty history that /ui/chat fills. */
  g_test_add_func ("/ui/corrupt-store", test_corrupt_store);
  g_test_add_func ("/ui/chat", test_chat);
  g_test_add_func ("/ui/history", test_history_in_new_process);
  return ui_test_run ();
}
