#define G_LOG_DOMAIN "test-ui-chats"

/* test-ui-chats.c: finding and keeping chats, with the real app under
 * Xvfb and stories260K writing the answers:
 *
 *   /ui-chats/search-and-order  three chats, the first one long; a word
 *       found only in one answer is searched, the hit shows the word in
 *       bold, activating it selects that chat and scrolls its message into
 *       view, highlighted; the chat that got the newest message is first,
 *       and a chat lower in the list moves up when it gets one, staying
 *       selected; the shortcuts window opens
 *   /ui-chats/export  the chat menu's exports through the file chooser:
 *       Markdown and JSON with the chat's text; a folder that cannot be
 *       written gives a dialog and no file */

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "ui-test-util.h"

static const char *const first_chat_prompts[] = {
  "Lily found a shiny stone", "The dog ran home", "Then it started to rain", "Mom made a cake",
};
static const char *const other_prompts[] = { "Tom had a big red ball", "The little bird sang" };

static void
chat_with (UiFixture *f, const char *const *prompts, guint n_prompts)
{
  for (guint i = 0; i < n_prompts; i++)
    {
      ui_send (f, prompts[i]);
      ui_wait_for (ui_idle, f, "the answer to end");
    }
}

/* ---- picking a word only one answer has ---- */

static GPtrArray *
all_messages (HearthStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = hearth_store_list_chats (store, &error);
  GPtrArray *messages = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_message_free);

  g_assert_no_error (error);
  /* Oldest chat first: the store lists the newest first. */
  for (guint i = chats->len; i > 0; i--)
    {
      g_autoptr(GPtrArray) some = hearth_store_list_messages (store, ((HearthChat *) chats->pdata[i - 1])->id, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < some->len; j++)
        g_ptr_array_add (messages, g_steal_pointer (&some->pdata[j]));
    }
  return messages;
}

static gboolean
only_found_in (HearthStore *store, const char *text, HearthMessage *answer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = hearth_store_search (store, text, 10, &error);

  g_assert_no_error (error);
  return hits->len == 1 && ((HearthSearchHit *) hits->pdata[0])->message_id == answer->id;
}

/* A word of answer whose start (all but its last letter) no other message
 * nor title contains, even inside a longer word, and that the search finds
 * in that answer alone, whole or by that start. */
static gboolean
unique_word_of (HearthStore *store, GPtrArray *messages, HearthMessage *answer, GListModel *chats, char **word)
{
  g_auto(GStrv) words = g_regex_split_simple ("[^a-z]+", answer->content, G_REGEX_CASELESS, 0);

  for (guint w = 0; words[w] != NULL; w++)
    {
      g_autofree char *candidate = g_ascii_strdown (words[w], -1);
      g_autofree char *start = g_strndup (candidate, MAX (strlen (candidate), 1) - 1);
      gboolean elsewhere = strlen (candidate) < 6;

      for (guint i = 0; i < messages->len && !elsewhere; i++)
        {
          HearthMessage *other = messages->pdata[i];
          g_autofree char *text = g_ascii_strdown (other->content, -1);

          elsewhere = other != answer && strstr (text, start) != NULL;
        }
      for (guint i = 0; i < g_list_model_get_n_items (chats) && !elsewhere; i++)
        {
          g_autoptr(HearthChatObject) chat = g_list_model_get_item (chats, i);
          g_autofree char *title = g_ascii_strdown (hearth_chat_object_get_title (chat), -1);

          elsewhere = strstr (title, start) != NULL;
        }
      if (!elsewhere && only_found_in (store, candidate, answer) && only_found_in (store, start, answer))
        {
          *word = g_steal_pointer (&candidate);
          return TRUE;
        }
    }
  return FALSE;
}

/* Prefers the first chat's first answer: far above its last answer, so
 * revealing it has to scroll. */
static HearthMessage *
pick_searched_answer (UiFixture *f, char **word)
{
  g_autoptr(HearthStore) store = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  store = ui_open_store (f);
  messages = all_messages (store);
  for (guint i = 0; i < messages->len; i++)
    {
      HearthMessage *message = messages->pdata[i];

      if (message->role == HEARTH_ROLE_ASSISTANT &&
          unique_word_of (store, messages, message, hearth_window_get_chats (f->window), word))
        {
          g_test_message ("searching for “%s”, only in message %" G_GINT64_FORMAT, *word, message->id);
          return g_steal_pointer (&messages->pdata[i]);
        }
    }
  return NULL;
}

/* ---- the search ---- */

/* The snippet of the one hit, its words in bold. */
static GtkLabel *
only_snippet (UiFixture *f)
{
  g_autoptr(GPtrArray) snippets = ui_find_with_class (GTK_WIDGET (f->window), GTK_TYPE_LABEL, "search-snippet");

  g_assert_cmpuint (snippets->len, ==, 1);
  return snippets->pdata[0];
}

static void
check_snippet (GtkLabel *snippet, const char *word)
{
  const char *markup = gtk_label_get_label (snippet);
  const char *bold = strstr (markup, "<b>");
  g_autofree char *matched = NULL;

  g_test_message ("snippet: %s", markup);
  g_assert_nonnull (bold);
  g_assert_nonnull (strstr (bold, "</b>"));
  matched = g_ascii_strdown (bold + 3, strstr (bold, "</b>") - bold - 3);
  g_assert_true (g_str_has_prefix (matched, word));
  /* What is shown is the text, not the marks or the markup. */
  g_assert_null (strchr (gtk_label_get_text (snippet), HEARTH_STORE_MATCH_START[0]));
  g_assert_null (strstr (gtk_label_get_text (snippet), "<b>"));
}

typedef struct {
  UiFixture *f;
  gint64     chat_id;
  gint64     message_id;
} Revealed;

/* The message's row, mapped, inside the visible part of the list, and
 * highlighted. */
static GtkWidget *
revealed_row (Revealed *revealed)
{
  HearthChatView *view = hearth_window_get_chat_view (revealed->f->window);
  g_autoptr(GPtrArray) rows = ui_find_with_class (GTK_WIDGET (view), HEARTH_TYPE_MESSAGE_ROW, "search-hit");
  GtkWidget *scroller;
  graphene_rect_t bounds;

  if (rows->len != 1)
    return NULL;
  if (hearth_message_object_get_id (hearth_message_row_get_message (rows->pdata[0])) != revealed->message_id)
    return NULL;
  scroller = gtk_widget_get_ancestor (rows->pdata[0], GTK_TYPE_SCROLLED_WINDOW);
  g_assert_true (gtk_widget_compute_bounds (rows->pdata[0], scroller, &bounds));
  if (bounds.origin.y + bounds.size.height <= 0 || bounds.origin.y >= gtk_widget_get_height (scroller))
    return NULL;
  return rows->pdata[0];
}

static gboolean
hit_revealed (gpointer data)
{
  Revealed *revealed = data;
  HearthConversation *conversation = ui_conversation (revealed->f);

  return conversation != NULL &&
         hearth_chat_object_get_id (hearth_conversation_get_chat (conversation)) == revealed->chat_id &&
         revealed_row (revealed) != NULL;
}

static void
check_search (UiFixture *f)
{
  g_autofree char *word = NULL;
  g_autoptr(HearthMessage) answer = pick_searched_answer (f, &word);
  g_autoptr(GPtrArray) snippets = NULL;
  GtkLabel *snippet;
  Revealed revealed;

  g_assert_nonnull (answer);
  ui_search (f, "zzqx no such words");
  snippets = ui_find_with_class (GTK_WIDGET (f->window), GTK_TYPE_LABEL, "search-snippet");
  g_assert_cmpuint (snippets->len, ==, 0);

  ui_search (f, word);
  snippet = only_snippet (f);
  check_snippet (snippet, word);
  ui_save_screenshot (GTK_WIDGET (f->window), "search-results");

  revealed = (Revealed) { f, answer->chat_id, answer->id };
  g_signal_emit_by_name (gtk_widget_get_ancestor (GTK_WIDGET (snippet), GTK_TYPE_LIST_BOX_ROW), "activate");
  ui_wait_for (hit_revealed, &revealed, "the hit's chat selected and its message shown, highlighted");
  g_assert_cmpint (hearth_message_object_get_id (hearth_chat_view_get_highlighted (hearth_window_get_chat_view (f->window))),
                   ==, answer->id);
  ui_save_screenshot (GTK_WIDGET (f->window), "search-hit");

  /* The start of a word finds it; quotes and brackets are no syntax. */
  {
    g_autofree char *start = g_strndup (word, strlen (word) - 1);
    g_autofree char *quoted = g_strdup_printf ("\"%s (*", start);

    ui_search (f, quoted);
    check_snippet (only_snippet (f), start);
  }
}

/* ---- the chat with the newest message first ---- */

static HearthChatObject *
chat_at (UiFixture *f, guint position)
{
  g_autoptr(HearthChatObject) chat = g_list_model_get_item (hearth_window_get_chats (f->window), position);
  return chat; /* the list keeps it */
}

static GtkListView *
chat_list (UiFixture *f)
{
  g_autoptr(GPtrArray) lists = ui_find_with_class (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW, "navigation-sidebar");

  g_assert_cmpuint (lists->len, ==, 1);
  return lists->pdata[0];
}

static gboolean
chat_shown (gpointer data)
{
  UiFixture *f = data;
  return ui_model_ready (f) && ui_conversation_loaded (f);
}

typedef struct {
  UiFixture *f;
  guint      n_chats;
} NewChat;

/* The n-th chat made, first in the list and selected. */
static gboolean
new_chat_listed (gpointer data)
{
  NewChat *new_chat = data;
  GListModel *chats = hearth_window_get_chats (new_chat->f->window);

  return g_list_model_get_n_items (chats) == new_chat->n_chats && ui_conversation (new_chat->f) != NULL &&
         hearth_conversation_get_chat (ui_conversation (new_chat->f)) == chat_at (new_chat->f, 0);
}

/* ... and ready to chat. */
static gboolean
new_chat_shown (gpointer data)
{
  NewChat *new_chat = data;
  return new_chat_listed (data) && chat_shown (new_chat->f);
}

/* The last chat of the list, clicked, gets a message: it moves to the top
 * and stays the selected chat, with the same conversation. */
static void
check_order (UiFixture *f, HearthChatObject *newest)
{
  GtkListView *list;
  HearthChatObject *oldest;
  HearthConversation *conversation;

  g_autoptr(GPtrArray) search_bars = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_BAR);

  g_assert_true (chat_at (f, 0) == newest);
  /* Closing the search brings the chat list back. */
  g_assert_cmpuint (search_bars->len, ==, 1);
  gtk_search_bar_set_search_mode (search_bars->pdata[0], FALSE);
  list = chat_list (f);
  oldest = chat_at (f, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (list), "list.select-item", "(ubb)", 2, FALSE, FALSE));
  ui_wait_for (chat_shown, f, "the oldest chat");
  conversation = ui_conversation (f);
  g_assert_true (hearth_conversation_get_chat (conversation) == oldest);

  ui_send (f, "One more day");
  g_assert_true (chat_at (f, 0) == oldest);
  g_assert_true (gtk_single_selection_get_selected_item (GTK_SINGLE_SELECTION (gtk_list_view_get_model (list))) == oldest);
  g_assert_true (ui_conversation (f) == conversation);
  ui_wait_for (ui_idle, f, "the answer to end");
  g_assert_true (chat_at (f, 0) == oldest);
}

/* ---- the shortcuts window ---- */

/* The mapped window of this type (a dialog, the shortcuts), or NULL. */
static GtkWidget *
mapped_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels (); /* GTK's own */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (window))
        return window;
    }
  return NULL;
}

static GtkWidget *
shortcuts_window (void)
{
  return mapped_toplevel (GTK_TYPE_SHORTCUTS_WINDOW);
}

static gboolean
shortcuts_shown (gpointer data)
{
  return shortcuts_window () != NULL;
}

static void
check_shortcuts (UiFixture *f)
{
  g_autoptr(GPtrArray) shortcuts = NULL;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-help-overlay", NULL));
  ui_wait_for (shortcuts_shown, NULL, "the shortcuts window");
  shortcuts = ui_find_all (shortcuts_window (), GTK_TYPE_SHORTCUTS_SHORTCUT);
  g_assert_cmpuint (shortcuts->len, >=, 9);
  ui_save_screenshot (shortcuts_window (), "shortcuts");
  gtk_window_close (GTK_WINDOW (shortcuts_window ()));
}

static void
drive_search_and_order (UiFixture *f)
{
  HearthChatObject *newest;

  ui_wait_for (ui_has_no_chats_page, f, "the empty chat list");
  if (!ui_start_chat_with_stories (f))
    return;
  chat_with (f, first_chat_prompts, G_N_ELEMENTS (first_chat_prompts));
  for (guint i = 0; i < G_N_ELEMENTS (other_prompts); i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
      ui_wait_for (new_chat_shown, &(NewChat) { f, i + 2 }, "a new chat with the model in use");
      chat_with (f, &other_prompts[i], 1);
    }
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 3);
  newest = hearth_conversation_get_chat (ui_conversation (f));

  check_search (f);
  check_order (f, newest);
  check_shortcuts (f);
}

/* ---- export ---- */

static GtkWidget *
file_chooser (void)
{
  return mapped_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
}

static gboolean
file_chooser_shown (gpointer data)
{
  return file_chooser () != NULL;
}

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static gboolean
window_ready (gpointer data)
{
  UiFixture *f = data;
  return hearth_window_get_ready (f->window);
}

/* Types the path into the save dialog that the chat menu opens, as a user
 * can, and accepts.  (Changing the dialog's folder first does not hold: it
 * is still loading its own.) */
static void
export_through_chooser (UiFixture *f, const char *format, const char *path)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.export-chat", "s", format));
  ui_wait_for (file_chooser_shown, NULL, "the export file chooser");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (file_chooser ()), path);
  gtk_dialog_response (GTK_DIALOG (file_chooser ()), GTK_RESPONSE_ACCEPT);
}

static void
check_markdown (const char *path, const char *prompt, const char *answer)
{
  g_autofree char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "# "));
  g_assert_nonnull (strstr (text, prompt));
  g_assert_nonnull (strstr (text, answer));
}

static void
check_json (const char *path, const char *prompt, const char *answer)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *messages;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  messages = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "content"), ==, prompt);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1), "content"), ==, answer);
}

static void
drive_export (UiFixture *f)
{
  const char *prompt = "Lily went to the park";
  g_autofree char *folder = g_dir_make_tmp ("hearth-export-XXXXXX", NULL);
  g_autofree char *md_path = g_build_filename (folder, "story.md", NULL);
  g_autofree char *json_path = g_build_filename (folder, "story.json", NULL);
  g_autofree char *unwritable = g_build_filename ("/proc", "story.md", NULL);
  const char *answer;
  AdwMessageDialog *dialog;
  guint n_chats;

  ui_wait_for (window_ready, f, "the chat list");
  /* The chats of the first case are there; the first of them (selected)
   * brings its model, and so does the new chat then. */
  n_chats = g_list_model_get_n_items (hearth_window_get_chats (f->window));
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (new_chat_listed, &(NewChat) { f, n_chats + 1 }, "the new chat");
  if (ui_page_is (f, "no-model") && !ui_pick_stories (f))
    return;
  ui_wait_for (chat_shown, f, "the new chat with its model");
  chat_with (f, &prompt, 1);
  answer = hearth_message_object_get_content (ui_message_at (f, 1));

  export_through_chooser (f, "markdown", md_path);
  ui_wait_for (file_exists, md_path, "the Markdown file");
  check_markdown (md_path, prompt, answer);
  export_through_chooser (f, "json", json_path);
  ui_wait_for (file_exists, json_path, "the JSON file");
  check_json (json_path, prompt, answer);

  /* /proc takes no new files, whoever runs the test. */
  export_through_chooser (f, "markdown", unwritable);
  ui_wait_for (ui_message_dialog_shown, f, "the export error");
  dialog = ADW_MESSAGE_DIALOG (ui_find_message_dialog ());
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Could Not Export the Chat");
  g_assert_false (g_file_test (unwritable, G_FILE_TEST_EXISTS));
  gtk_window_close (GTK_WINDOW (dialog));

  g_assert_cmpint (g_remove (md_path), ==, 0);
  g_assert_cmpint (g_remove (json_path), ==, 0);
  g_assert_cmpint (g_rmdir (folder), ==, 0);
}

static void
test_search_and_order (void)
{
  ui_test_run_app (drive_search_and_order);
}

static void
test_export (void)
{
  ui_test_run_app (drive_export);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  /* First: it counts on the empty history the run starts with. */
  g_test_add_func ("/ui-chats/search-and-order", test_search_and_order);
  g_test_add_func ("/ui-chats/export", test_export);
  return ui_test_run ();
}
