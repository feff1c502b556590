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
 *   /ui/history  a new process on the same XDG_DATA_HOME finds the chat
 *
 * Screenshots go to $HEARTH_SCREENSHOT_DIR when it is set. */

#include <adwaita.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "hearth-application.h"
#include "hearth-composer.h"
#include "hearth-message-row.h"
#include "hearth-window.h"

#define WAIT_LIMIT_S 300
#define PROMPT "Once upon a time"

typedef gboolean (*Condition) (gpointer data);

static gboolean
on_wait_limit (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until condition holds; fails the test after
 * WAIT_LIMIT_S (a hang, not a timing assertion). */
static void
wait_for (Condition condition, gpointer data, const char *what)
{
  gboolean expired = FALSE;
  guint limit = g_timeout_add_seconds (WAIT_LIMIT_S, on_wait_limit, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("gave up waiting for %s", what);
  g_source_remove (limit);
}

static gboolean
on_tick (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets layout and drawing catch up. */
static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_tick, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
save_screenshot (GtkWidget *window, const char *name)
{
  const char *dir = g_getenv ("HEARTH_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  int width, height;

  if (dir == NULL || *dir == '\0')
    return;
  while (gtk_widget_get_width (window) == 0)
    settle (100);
  settle (400);
  g_mkdir_with_parents (dir, 0755);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot %s", path);
}

/* ---- finding widgets ---- */

static void
collect (GtkWidget *widget, GType type, GPtrArray *found)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type) && gtk_widget_get_mapped (widget))
    g_ptr_array_add (found, widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, type, found);
}

/* Mapped widgets of type below root, in tree order. */
static GPtrArray *
find_all (GtkWidget *root, GType type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, type, found);
  return found;
}

/* The text shown in the visible row of message, or NULL. */
static const char *
row_text_of (HearthWindow *window, HearthMessageObject *message)
{
  g_autoptr(GPtrArray) rows = find_all (GTK_WIDGET (window), HEARTH_TYPE_MESSAGE_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (hearth_message_row_get_message (rows->pdata[i]) == message)
      return hearth_message_row_get_text (rows->pdata[i]);
  return NULL;
}

/* ---- the app ---- */

typedef struct {
  HearthApplication *app;
  HearthWindow      *window;
} Fixture;

static HearthConversation *
conversation_of (Fixture *f)
{
  return hearth_chat_view_get_conversation (hearth_window_get_chat_view (f->window));
}

static HearthMessageObject *
message_at (Fixture *f, guint position)
{
  g_autoptr(HearthMessageObject) message =
    g_list_model_get_item (hearth_conversation_get_messages (conversation_of (f)), position);
  return message; /* the list keeps it */
}

static guint
n_messages (Fixture *f)
{
  return g_list_model_get_n_items (hearth_conversation_get_messages (conversation_of (f)));
}

static gboolean
page_is (Fixture *f, const char *name)
{
  return g_strcmp0 (hearth_window_get_page_name (f->window), name) == 0;
}

static gboolean
has_no_chats_page (gpointer data)
{
  Fixture *f = data;
  return hearth_window_get_ready (f->window) && page_is (f, "no-chats");
}
static gboolean has_no_model_page (gpointer f) { return page_is (f, "no-model"); }

static gboolean
model_ready (gpointer data)
{
  Fixture *f = data;

  return hearth_window_get_model (f->window) != NULL && conversation_of (f) != NULL &&
         hearth_conversation_get_session (conversation_of (f)) != NULL;
}

static gboolean
conversation_loaded (gpointer data)
{
  Fixture *f = data;

  return conversation_of (f) != NULL && hearth_conversation_get_loaded (conversation_of (f));
}

static gboolean
idle (gpointer data)
{
  return !hearth_conversation_get_generating (conversation_of (data));
}

/* Or the answer ended without any. */
static gboolean
last_answer_has_text (gpointer data)
{
  Fixture *f = data;
  HearthMessageObject *last = message_at (f, n_messages (f) - 1);

  return *hearth_message_object_get_content (last) != '\0' || idle (f);
}

static void
send (Fixture *f, const char *text)
{
  g_autoptr(GPtrArray) composers = find_all (GTK_WIDGET (f->window), HEARTH_TYPE_COMPOSER);

  g_assert_cmpuint (composers->len, ==, 1);
  hearth_composer_set_text (composers->pdata[0], text);
  g_assert_true (gtk_widget_activate_action (composers->pdata[0], "composer.send", NULL));
  g_assert_true (hearth_conversation_get_generating (conversation_of (f)));
}

static HearthStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  HearthStore *store = hearth_store_open (hearth_store_worker_get_path (hearth_application_get_store_worker (f->app)),
                                          HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  return store;
}

static GPtrArray *
stored_messages (Fixture *f)
{
  g_autoptr(HearthStore) store = open_store (f);
  g_autoptr(GPtrArray) chats = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  chats = hearth_store_list_chats (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chats->len, ==, 1);
  messages = hearth_store_list_messages (store, ((HearthChat *) chats->pdata[0])->id, &error);
  g_assert_no_error (error);
  return messages;
}

static void
check_stored (Fixture *f, guint position, HearthRole role, HearthMessageState state)
{
  g_autoptr(GPtrArray) messages = stored_messages (f);
  HearthMessage *stored;
  HearthMessageObject *shown = message_at (f, position);

  g_assert_cmpuint (messages->len, ==, n_messages (f));
  stored = messages->pdata[position];
  g_assert_cmpint (stored->role, ==, role);
  g_assert_cmpint (stored->state, ==, state);
  g_assert_cmpstr (stored->content, ==, hearth_message_object_get_content (shown));
  g_assert_cmpint (hearth_message_object_get_state (shown), ==, state);
}

static GtkWidget *find_message_dialog (void);
static gboolean message_dialog_shown (gpointer data);

/* A model that cannot be loaded: a dialog says why. */
static void
check_load_error (Fixture *f)
{
  g_autofree char *missing = g_build_filename (g_get_user_data_dir (), "no-such-model.gguf", NULL);
  AdwMessageDialog *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", missing));
  wait_for (message_dialog_shown, f, "the load error dialog");
  dialog = ADW_MESSAGE_DIALOG (find_message_dialog ());
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "no-such-model.gguf"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), missing));
  save_screenshot (GTK_WIDGET (dialog), "load-error");
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_null (hearth_window_get_model (f->window));
}

/* The row of the model found at path on the no-model page, or NULL. */
static GtkWidget *
found_model_row (Fixture *f, const char *path)
{
  g_autoptr(GPtrArray) rows = find_all (GTK_WIDGET (f->window), ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (rows->pdata[i]), path) == 0)
      return rows->pdata[i];
  return NULL;
}

typedef struct {
  Fixture    *f;
  const char *path;
} FoundModel;

static gboolean
model_found (gpointer data)
{
  FoundModel *found = data;
  return found_model_row (found->f, found->path) != NULL;
}

static void
drive_chat (Fixture *f)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;
  g_autofree char *link = g_build_filename (g_get_user_data_dir (), "hearth", "models", "stories260K.gguf", NULL);
  HearthMessageObject *answer;
  GtkWidget *window = GTK_WIDGET (f->window);

  wait_for (has_no_chats_page, f, "the empty chat list");
  save_screenshot (window, "no-chats");

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  wait_for (has_no_model_page, f, "a new chat without a model");
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 1);

  if (model == NULL || !g_file_test (model, G_FILE_TEST_EXISTS))
    {
      save_screenshot (window, "no-model");
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: cannot chat");
      return;
    }

  check_load_error (f);

  /* main() linked the model into Hearth's folder: the catalog lists it. */
  wait_for (model_found, &(FoundModel) { f, link }, "stories260K among the models found");
  save_screenshot (window, "no-model");
  g_signal_emit_by_name (found_model_row (f, link), "activate");
  wait_for (model_ready, f, "stories260K to load");
  wait_for (conversation_loaded, f, "the chat's messages");

  /* 1. An answer streams into a row's label and into the store. */
  send (f, PROMPT);
  wait_for (last_answer_has_text, f, "the first streamed text");
  answer = message_at (f, 1);
  g_assert_cmpstr (hearth_message_object_get_content (answer), !=, "");
  g_assert_cmpstr (row_text_of (f->window, answer), ==, hearth_message_object_get_content (answer));
  wait_for (idle, f, "the answer to end");
  g_assert_cmpstr (row_text_of (f->window, answer), ==, hearth_message_object_get_content (answer));
  check_stored (f, 0, HEARTH_ROLE_USER, HEARTH_MESSAGE_COMPLETE);
  check_stored (f, 1, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_COMPLETE);
  g_assert_cmpstr (message_at (f, 0) != NULL ? hearth_message_object_get_content (message_at (f, 0)) : NULL, ==, PROMPT);
  g_assert_cmpuint (hearth_conversation_get_context_used (conversation_of (f)), >, 0);
  save_screenshot (window, "chat");

  /* 2. Stop: the answer ends as 'stopped', in the widget and the store. */
  send (f, "The little dog");
  wait_for (last_answer_has_text, f, "the second answer's first text");
  g_assert_true (hearth_conversation_get_generating (conversation_of (f)));
  g_assert_true (gtk_widget_activate_action (window, "win.stop", NULL));
  wait_for (idle, f, "the stopped answer to end");
  check_stored (f, 3, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_STOPPED);
  save_screenshot (window, "stopped");

  /* 3. Regenerate replaces the last answer. */
  g_assert_true (gtk_widget_activate_action (window, "win.regenerate", NULL));
  g_assert_cmpuint (n_messages (f), ==, 4);
  wait_for (idle, f, "the regenerated answer to end");
  check_stored (f, 3, HEARTH_ROLE_ASSISTANT, HEARTH_MESSAGE_COMPLETE);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  save_screenshot (window, "chat-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
history_shown (gpointer data)
{
  Fixture *f = data;

  return g_list_model_get_n_items (hearth_window_get_chats (f->window)) > 0 && conversation_loaded (f) &&
         n_messages (f) > 0;
}

static guint
n_listed_chats (Fixture *f)
{
  g_autoptr(GPtrArray) lists = find_all (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < lists->len; i++)
    if (gtk_widget_has_css_class (lists->pdata[i], "navigation-sidebar"))
      return g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (lists->pdata[i])));
  g_assert_not_reached ();
}

typedef struct {
  Fixture *f;
  guint    n;
} Listed;

static gboolean
chats_listed (gpointer data)
{
  Listed *listed = data;
  return n_listed_chats (listed->f) == listed->n;
}

/* Types text into the chat search and waits for the list to show n chats
 * (the entry reports changes after a short delay). */
static void
search_chats (Fixture *f, const char *text, guint n)
{
  g_autoptr(GPtrArray) entries = find_all (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY);

  g_assert_cmpuint (entries->len, ==, 1);
  gtk_editable_set_text (entries->pdata[0], text);
  wait_for (chats_listed, &(Listed) { f, n }, "the chat list to follow the search");
}

static void
drive_history (Fixture *f)
{
  g_autoptr(GPtrArray) rows = NULL;
  HearthChatObject *chat;

  wait_for (history_shown, f, "the chat from the first run");
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 1);
  chat = g_list_model_get_item (hearth_window_get_chats (f->window), 0);
  g_assert_cmpstr (hearth_chat_object_get_title (chat), ==, PROMPT);
  g_object_unref (chat);
  g_assert_cmpuint (n_messages (f), ==, 4);
  g_assert_cmpstr (hearth_message_object_get_content (message_at (f, 0)), ==, PROMPT);
  settle (200);
  g_assert_cmpstr (row_text_of (f->window, message_at (f, 0)), ==, PROMPT);
  g_assert_cmpstr (row_text_of (f->window, message_at (f, 1)), ==,
                   hearth_message_object_get_content (message_at (f, 1)));
  save_screenshot (GTK_WIDGET (f->window), "history");

  /* Ctrl+F filters the chat list by title. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  search_chats (f, "no such chat", 0);
  search_chats (f, "upon", 1);
}

static GtkWidget *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_mapped (window))
        return window;
    }
  return NULL;
}

static gboolean
message_dialog_shown (gpointer data)
{
  return find_message_dialog () != NULL;
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
  Fixture *f = data;
  const char *path = hearth_store_worker_get_path (hearth_application_get_store_worker (f->app));
  g_autofree char *folder = g_path_get_dirname (path);

  return count_broken_files (folder) == 1 && g_file_test (path, G_FILE_TEST_EXISTS) && has_no_chats_page (f);
}

/* Clicks the button labelled label below root, as the user would. */
static void
click_button (GtkWidget *root, const char *label)
{
  g_autoptr(GPtrArray) buttons = find_all (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      {
        gtk_widget_activate (buttons->pdata[i]);
        return;
      }
  g_error ("no button “%s”", label);
}

static void
drive_corrupt_store (Fixture *f)
{
  AdwMessageDialog *dialog;

  wait_for (message_dialog_shown, f, "the store error dialog");
  dialog = ADW_MESSAGE_DIALOG (find_message_dialog ());
  g_assert_true (adw_message_dialog_has_response (dialog, "move-aside"));
  g_assert_false (adw_message_dialog_has_response (dialog, "retry"));
  save_screenshot (GTK_WIDGET (dialog), "store-error");
  click_button (GTK_WIDGET (dialog), "_Move Aside and Start Over");
  wait_for (history_moved_aside, f, "the damaged history moved aside and a new one");
  g_assert_null (find_message_dialog ());
}

typedef void (*Driver) (Fixture *f);

static void
on_activate (GApplication *app, gpointer data)
{
  Driver drive = data;
  Fixture f = { HEARTH_APPLICATION (app), NULL };

  f.window = HEARTH_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f.window);
  drive (&f);
  g_application_quit (app);
}

static void
run_app (Driver drive)
{
  g_autoptr(HearthApplication) app = hearth_application_new ();

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), drive);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);
}

static void
test_chat (void)
{
  run_app (drive_chat);
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
  run_app (drive_corrupt_store);
}

static void
test_history_in_new_process (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;

  if (model == NULL || !g_file_test (model, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: no history to find");
      return;
    }
  if (g_test_subprocess ())
    {
      run_app (drive_history);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* A link, not a copy, to the shared model in Hearth's own model folder. */
static void
link_test_model (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = NULL;
  g_autofree char *folder = g_build_filename (g_getenv ("XDG_DATA_HOME"), "hearth", "models", NULL);
  g_autofree char *link = g_build_filename (folder, "stories260K.gguf", NULL);
  g_autofree char *target = NULL;

  if (shared == NULL || g_file_test (link, G_FILE_TEST_EXISTS))
    return;
  model = g_build_filename (shared, "models", "stories260K.gguf", NULL);
  target = g_canonicalize_filename (model, NULL);
  if (!g_file_test (target, G_FILE_TEST_EXISTS))
    return;
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);
}

/* rm -r, without following links. */
static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;
  GFile *child;

  while (children != NULL && g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
    remove_tree (child);
  g_file_delete (file, NULL, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = NULL;
  int status;

  /* A fresh history for the whole run; the subprocess inherits it. */
  if (g_getenv ("HEARTH_UI_TEST_DATA_HOME") == NULL)
    {
      data_home = g_dir_make_tmp ("hearth-ui-XXXXXX", NULL);
      g_assert_nonnull (data_home);
      g_setenv ("HEARTH_UI_TEST_DATA_HOME", data_home, TRUE);
    }
  g_setenv ("XDG_DATA_HOME", g_getenv ("HEARTH_UI_TEST_DATA_HOME"), TRUE);
  link_test_model ();

  g_test_init (&argc, &argv, NULL);
  /* Screenshots of finished states, not of transitions. */
  gtk_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  /* First: it leaves the new, empty history that /ui/chat fills. */
  g_test_add_func ("/ui/corrupt-store", test_corrupt_store);
  g_test_add_func ("/ui/chat", test_chat);
  g_test_add_func ("/ui/history", test_history_in_new_process);
  status = g_test_run ();
  /* Only the process that made the history removes it. */
  if (data_home != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (data_home);
      remove_tree (dir);
    }
  return status;
}
