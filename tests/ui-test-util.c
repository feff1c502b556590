#define G_LOG_DOMAIN "ui-test"

#include <glib/gstdio.h>
#include <unistd.h>

#include "ui-test-util.h"

#define WAIT_LIMIT_S 300

static char *fresh_data_home; /* made by this process, removed at the end */

static gboolean
on_wait_limit (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ui_wait_for (UiCondition condition, gpointer data, const char *what)
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
on_seconds_passed (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ui_run_for_seconds (guint seconds)
{
  gboolean passed = FALSE;

  g_timeout_add_seconds (seconds, on_seconds_passed, &passed);
  while (!passed)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_after_paint (GdkFrameClock *clock, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Runs the main loop until widget's frame clock has finished a frame that
 * it was asked to draw. */
static void
wait_next_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong handler = g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint), &painted);

  gtk_widget_queue_draw (widget);
  ui_wait_for (is_true, &painted, "a frame painted");
  g_signal_handler_disconnect (clock, handler);
}

static gboolean
has_size (gpointer data)
{
  GtkWidget *widget = data;

  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 && gtk_widget_get_height (widget) > 0;
}

/* What widget drew in its last frame, or NULL when it drew none since it
 * was mapped or since a redraw was queued (GTK drops a widget's render
 * node when a redraw is queued and keeps the new one when the frame is
 * painted). */
static GskRenderNode *
drawn_node (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  return gtk_snapshot_free_to_node (snapshot);
}

/* A frame is asked for and waited for until one was painted with widget
 * in it: a surface that is not shown yet on the X server paints nothing,
 * and anything that queues a redraw in between drops what was drawn. */
static GskRenderNode *
wait_drawn_node (GtkWidget *widget)
{
  GskRenderNode *node = NULL;

  ui_wait_for (has_size, widget, "the widget mapped and allocated");
  while (node == NULL)
    {
      wait_next_paint (widget);
      node = drawn_node (widget);
    }
  return node;
}

void
ui_wait_drawn (GtkWidget *widget)
{
  gsk_render_node_unref (wait_drawn_node (widget));
}

void
ui_save_screenshot (GtkWidget *widget, const char *name)
{
  const char *dir = g_getenv ("HEARTH_SCREENSHOT_DIR");
  g_autoptr(GskRenderNode) node = wait_drawn_node (widget);
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL || *dir == '\0')
    return;
  g_mkdir_with_parents (dir, 0755);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                              gtk_widget_get_height (widget)));
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

GPtrArray *
ui_find_all (GtkWidget *root, GType type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, type, found);
  return found;
}

void
ui_click_button (GtkWidget *root, const char *label)
{
  g_autoptr(GPtrArray) buttons = ui_find_all (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      {
        gtk_widget_activate (buttons->pdata[i]);
        return;
      }
  g_error ("no button “%s”", label);
}

GtkWidget *
ui_find_message_dialog (void)
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

gboolean
ui_message_dialog_shown (gpointer data)
{
  return ui_find_message_dialog () != NULL;
}

/* ---- the app ---- */

static void
on_activate (GApplication *app, gpointer data)
{
  UiDriver drive = data;
  UiFixture f = { HEARTH_APPLICATION (app), NULL };

  f.window = HEARTH_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f.window);
  drive (&f);
  g_application_quit (app);
}

void
ui_test_run_app (UiDriver drive)
{
  g_autoptr(HearthApplication) app = hearth_application_new ();

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (app, "activate", G_CALLBACK (on_activate), drive);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);
}

HearthConversation *
ui_conversation (UiFixture *f)
{
  return hearth_chat_view_get_conversation (hearth_window_get_chat_view (f->window));
}

HearthMessageObject *
ui_message_at (UiFixture *f, guint position)
{
  g_autoptr(HearthMessageObject) message =
    g_list_model_get_item (hearth_conversation_get_messages (ui_conversation (f)), position);
  return message; /* the list keeps it */
}

guint
ui_n_messages (UiFixture *f)
{
  return g_list_model_get_n_items (hearth_conversation_get_messages (ui_conversation (f)));
}

const char *
ui_row_text_of (UiFixture *f, HearthMessageObject *message)
{
  g_autoptr(GPtrArray) rows = ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_MESSAGE_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (hearth_message_row_get_message (rows->pdata[i]) == message)
      return hearth_message_row_get_text (rows->pdata[i]);
  return NULL;
}

typedef struct {
  UiFixture           *f;
  HearthMessageObject *message;
} RowOf;

static gboolean
row_shown (gpointer data)
{
  RowOf *row = data;

  return ui_row_text_of (row->f, row->message) != NULL;
}

void
ui_wait_row (UiFixture *f, HearthMessageObject *message)
{
  ui_wait_for (row_shown, &(RowOf) { f, message }, "a row showing the message");
}

gboolean
ui_page_is (UiFixture *f, const char *name)
{
  return g_strcmp0 (hearth_window_get_page_name (f->window), name) == 0;
}

gboolean
ui_has_no_chats_page (gpointer data)
{
  UiFixture *f = data;
  return hearth_window_get_ready (f->window) && ui_page_is (f, "no-chats");
}

gboolean
ui_has_no_model_page (gpointer data)
{
  return ui_page_is (data, "no-model");
}

gboolean
ui_model_ready (gpointer data)
{
  UiFixture *f = data;

  return hearth_window_get_model (f->window) != NULL && ui_conversation (f) != NULL &&
         hearth_conversation_get_session (ui_conversation (f)) != NULL;
}

gboolean
ui_conversation_loaded (gpointer data)
{
  UiFixture *f = data;

  return ui_conversation (f) != NULL && hearth_conversation_get_loaded (ui_conversation (f));
}

gboolean
ui_idle (gpointer data)
{
  return !hearth_conversation_get_generating (ui_conversation (data));
}

gboolean
ui_last_answer_has_text (gpointer data)
{
  UiFixture *f = data;
  HearthMessageObject *last = ui_message_at (f, ui_n_messages (f) - 1);

  return *hearth_message_object_get_content (last) != '\0' || ui_idle (f);
}

void
ui_send (UiFixture *f, const char *text)
{
  g_autoptr(GPtrArray) composers = ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_COMPOSER);

  g_assert_cmpuint (composers->len, ==, 1);
  hearth_composer_set_text (composers->pdata[0], text);
  g_assert_true (gtk_widget_activate_action (composers->pdata[0], "composer.send", NULL));
  g_assert_true (hearth_conversation_get_generating (ui_conversation (f)));
}

HearthStore *
ui_open_store (UiFixture *f)
{
  g_autoptr(GError) error = NULL;
  HearthStore *store = hearth_store_open (hearth_store_worker_get_path (hearth_application_get_store_worker (f->app)),
                                          HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  return store;
}

GPtrArray *
ui_stored_messages (UiFixture *f)
{
  g_autoptr(HearthStore) store = NULL;
  g_autoptr(GPtrArray) chats = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *messages;

  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  store = ui_open_store (f);
  chats = hearth_store_list_chats (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (chats->len, ==, 1);
  messages = hearth_store_list_messages (store, ((HearthChat *) chats->pdata[0])->id, &error);
  g_assert_no_error (error);
  return messages;
}

/* ---- the shared model ---- */

char *
ui_shared_model (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  g_autofree char *model = shared != NULL ? g_build_filename (shared, "models", "stories260K.gguf", NULL) : NULL;

  return model != NULL && g_file_test (model, G_FILE_TEST_EXISTS) ? g_steal_pointer (&model) : NULL;
}

char *
ui_linked_model (void)
{
  return g_build_filename (g_getenv ("XDG_DATA_HOME"), "hearth", "models", "stories260K.gguf", NULL);
}

/* The row of the model found at path on the no-model page, or NULL. */
static GtkWidget *
found_model_row (UiFixture *f, const char *path)
{
  g_autoptr(GPtrArray) rows = ui_find_all (GTK_WIDGET (f->window), ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (rows->pdata[i]), path) == 0)
      return rows->pdata[i];
  return NULL;
}

typedef struct {
  UiFixture  *f;
  const char *path;
} FoundModel;

static gboolean
model_found (gpointer data)
{
  FoundModel *found = data;
  return found_model_row (found->f, found->path) != NULL;
}

gboolean
ui_pick_stories (UiFixture *f)
{
  g_autofree char *model = ui_shared_model ();
  g_autofree char *link = ui_linked_model ();

  if (model == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: cannot chat");
      return FALSE;
    }
  ui_wait_for (model_found, &(FoundModel) { f, link }, "stories260K among the models found");
  g_signal_emit_by_name (found_model_row (f, link), "activate");
  ui_wait_for (ui_model_ready, f, "stories260K to load");
  ui_wait_for (ui_conversation_loaded, f, "the chat's messages");
  return TRUE;
}

gboolean
ui_start_chat_with_stories (UiFixture *f)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (ui_has_no_model_page, f, "a new chat without a model");
  return ui_pick_stories (f);
}

/* A link, not a copy, to the shared model in Hearth's own model folder. */
static void
link_test_model (void)
{
  g_autofree char *model = ui_shared_model ();
  g_autofree char *link = ui_linked_model ();
  g_autofree char *folder = g_path_get_dirname (link);
  g_autofree char *target = NULL;

  if (model == NULL || g_file_test (link, G_FILE_TEST_EXISTS))
    return;
  target = g_canonicalize_filename (model, NULL);
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

void
ui_test_init (int *argc, char ***argv)
{
  /* A fresh history for the whole run; the subprocesses inherit it. */
  if (g_getenv ("HEARTH_UI_TEST_DATA_HOME") == NULL)
    {
      fresh_data_home = g_dir_make_tmp ("hearth-ui-XXXXXX", NULL);
      g_assert_nonnull (fresh_data_home);
      g_setenv ("HEARTH_UI_TEST_DATA_HOME", fresh_data_home, TRUE);
    }
  g_setenv ("XDG_DATA_HOME", g_getenv ("HEARTH_UI_TEST_DATA_HOME"), TRUE);
  link_test_model ();

  g_test_init (argc, argv, NULL);
  gtk_init ();
  /* Screenshots of finished states, not of transitions. */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

int
ui_test_run (void)
{
  int status = g_test_run ();

  /* Only the process that made the history removes it. */
  if (fresh_data_home != NULL)
    {
      g_autoptr(GFile) dir = g_file_new_for_path (fresh_data_home);
      remove_tree (dir);
      g_clear_pointer (&fresh_data_home, g_free);
    }
  return status;
}

/* ---- chats: the search across chats ---- */

GPtrArray *
ui_find_with_class (GtkWidget *root, GType type, const char *css_class)
{
  GPtrArray *found = ui_find_all (root, type);

  for (guint i = found->len; i > 0; i--)
    if (!gtk_widget_has_css_class (found->pdata[i - 1], css_class))
      g_ptr_array_remove_index (found, i - 1);
  return found;
}

typedef struct {
  UiFixture  *f;
  const char *text;
} Search;

static gboolean
search_finished (gpointer data)
{
  Search *search = data;
  g_autoptr(GPtrArray) results = ui_find_all (GTK_WIDGET (search->f->window), HEARTH_TYPE_SEARCH_RESULTS);

  return results->len == 1 && g_strcmp0 (hearth_search_results_get_query (results->pdata[0]), search->text) == 0 &&
         !hearth_search_results_get_busy (results->pdata[0]);
}

void
ui_search (UiFixture *f, const char *text)
{
  g_autoptr(GPtrArray) entries = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.search", NULL));
  entries = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY);
  g_assert_cmpuint (entries->len, ==, 1);
  gtk_editable_set_text (entries->pdata[0], text);
  /* The entry reports a change after its own short delay. */
  ui_wait_for (search_finished, &(Search) { f, text }, "the search results");
}

void
ui_remove_folder (const char *path)
{
  g_autoptr(GFile) folder = g_file_new_for_path (path);

  remove_tree (folder);
}
