#define G_LOG_DOMAIN "test-ui-markdown"

/* test-ui-markdown.c: answers shown as Markdown in the real app, under Xvfb.
 *
 *   /ui-markdown/answer     a chat with stories260K whose history (written
 *                           to the store before the app starts) holds an
 *                           answer with a heading, a list, a table and a C
 *                           code block: the row shows the code in a
 *                           GtkSourceView with C highlighting; its copy
 *                           button and the message's copy button put the
 *                           code and the Markdown on the clipboard; the
 *                           user's message is shown as written; screenshots
 *                           light and dark.  Then the user message is edited
 *                           in place and resent: the old answer leaves the
 *                           list and the store, a new one streams; a
 *                           second edit reuses the cached start of the chat.
 *   /ui-markdown/streaming  an answer growing batch by batch, with a fence
 *                           not closed yet: the widgets of unchanged blocks
 *                           are kept, the code block grows in place. */

#include <gtksourceview/gtksource.h>

#include "hearth-code-block.h"
#include "hearth-markdown-view.h"
#include "ui-test-util.h"

#define QUESTION "Show me *hello* in <C>"
#define CODE "#include <stdio.h>\n\nint\nmain (void)\n{\n  printf (\"hello & <bye>\\n\");\n  return 0;\n}\n"
#define ANSWER \
  "## Hello in C\n\n" \
  "Compile it with **gcc** and run `./hello`:\n\n" \
  "```c\n" CODE "```\n\n" \
  "| Step | Command |\n|------|---------|\n| build | `gcc hello.c -o hello` |\n| run | `./hello` |\n\n" \
  "- Works on *any* system\n  - with a C compiler\n\n" \
  "> See [the manual](https://gcc.gnu.org/onlinedocs/)."
#define EDITED "Once upon a time"

/* ---- finding things in the window ---- */

static HearthMessageRow *
row_of (UiFixture *f, HearthMessageObject *message)
{
  g_autoptr(GPtrArray) rows = ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_MESSAGE_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (hearth_message_row_get_message (rows->pdata[i]) == message)
      return rows->pdata[i];
  g_error ("no row shows the message “%s”", hearth_message_object_get_content (message));
}

static GtkWidget *
find_one (GtkWidget *root, GType type)
{
  g_autoptr(GPtrArray) found = ui_find_all (root, type);

  g_assert_cmpuint (found->len, ==, 1);
  return found->pdata[0];
}

/* Clicks the (icon) button bound to action below root. */
static void
click_action_button (GtkWidget *root, const char *action)
{
  g_autoptr(GPtrArray) buttons = ui_find_all (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_actionable_get_action_name (buttons->pdata[i]), action) == 0)
      {
        gtk_widget_activate (buttons->pdata[i]);
        return;
      }
  g_error ("no button for %s", action);
}

static char *
text_view_text (GtkTextView *view)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* ---- the clipboard ---- */

typedef struct {
  const char *expected;
  char       *text;
  gboolean    done;
} ClipboardRead;

static void
clipboard_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static gboolean
clipboard_holds (gpointer data)
{
  ClipboardRead *read = data;
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());

  read->done = FALSE;
  g_clear_pointer (&read->text, g_free);
  gdk_clipboard_read_text_async (clipboard, NULL, clipboard_read, read);
  ui_wait_for (clipboard_read_done, read, "the clipboard's text");
  return g_strcmp0 (read->text, read->expected) == 0;
}

/* The button's click lands after its press animation: wait for it. */
static void
assert_clipboard_after_click (GtkWidget *root, const char *action, const char *expected)
{
  GdkClipboard *clipboard = gdk_display_get_clipboard (gdk_display_get_default ());
  ClipboardRead read = { expected, NULL, FALSE };

  gdk_clipboard_set_text (clipboard, "something else");
  click_action_button (root, action);
  ui_wait_for (clipboard_holds, &read, action);
  g_free (read.text);
}

/* ---- /ui-markdown/answer ---- */

static gboolean
chat_ready (gpointer data)
{
  UiFixture *f = data;

  return ui_model_ready (f) && ui_conversation_loaded (f) && ui_n_messages (f) == 2;
}

static void
check_answer_row (UiFixture *f)
{
  HearthMessageRow *row = row_of (f, ui_message_at (f, 1));
  GtkWidget *code_block = find_one (GTK_WIDGET (row), HEARTH_TYPE_CODE_BLOCK);
  GtkSourceView *view = GTK_SOURCE_VIEW (find_one (code_block, GTK_SOURCE_TYPE_VIEW));
  GtkSourceBuffer *buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (view)));
  g_autofree char *shown = text_view_text (GTK_TEXT_VIEW (view));
  g_autoptr(GPtrArray) labels = ui_find_all (GTK_WIDGET (row), GTK_TYPE_LABEL);
  gboolean heading = FALSE, link = FALSE;

  /* Shown without the line break that ends the last line. */
  g_assert_true (strlen (shown) == strlen (CODE) - 1 && strncmp (shown, CODE, strlen (shown)) == 0);
  g_assert_nonnull (gtk_source_buffer_get_language (buffer));
  g_assert_cmpstr (gtk_source_language_get_id (gtk_source_buffer_get_language (buffer)), ==, "c");
  g_assert_nonnull (gtk_source_buffer_get_style_scheme (buffer));
  g_assert_cmpstr (gtk_source_style_scheme_get_id (gtk_source_buffer_get_style_scheme (buffer)), ==, "Adwaita");
  find_one (GTK_WIDGET (row), GTK_TYPE_GRID);

  for (guint i = 0; i < labels->len; i++)
    {
      const char *text = gtk_label_get_label (labels->pdata[i]);

      heading |= g_str_equal (text, "Hello in C") && gtk_widget_has_css_class (labels->pdata[i], "title-3");
      link |= strstr (text, "<a href=\"https://gcc.gnu.org/onlinedocs/\">the manual</a>") != NULL;
    }
  g_assert_true (heading);
  g_assert_true (link);

  assert_clipboard_after_click (code_block, "code.copy", CODE);
  assert_clipboard_after_click (GTK_WIDGET (row), "message.copy", ANSWER);
}

/* The user's message: as written, no Markdown. */
static void
check_question_row (UiFixture *f)
{
  HearthMessageRow *row = row_of (f, ui_message_at (f, 0));
  g_autoptr(GPtrArray) code_blocks = ui_find_all (GTK_WIDGET (row), HEARTH_TYPE_CODE_BLOCK);
  GtkWidget *view = find_one (GTK_WIDGET (row), HEARTH_TYPE_MARKDOWN_VIEW);
  GtkWidget *label = find_one (view, GTK_TYPE_LABEL);

  g_assert_cmpuint (code_blocks->len, ==, 0);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, QUESTION);
}

static gboolean
generating (gpointer data)
{
  return hearth_conversation_get_generating (ui_conversation (data));
}

static gboolean
editor_shown (gpointer data)
{
  g_autoptr(GPtrArray) editors = ui_find_all (data, GTK_TYPE_TEXT_VIEW);

  return editors->len > 0;
}

static void
edit_and_resend (UiFixture *f)
{
  HearthMessageObject *question = ui_message_at (f, 0);
  HearthMessageRow *row = row_of (f, question);
  g_autoptr(GPtrArray) messages = NULL;
  GtkWidget *editor;

  click_action_button (GTK_WIDGET (row), "message.edit");
  ui_wait_for (editor_shown, row, "the editor in the question's row");
  editor = find_one (GTK_WIDGET (row), GTK_TYPE_TEXT_VIEW);
  {
    g_autofree char *text = text_view_text (GTK_TEXT_VIEW (editor));
    g_assert_cmpstr (text, ==, QUESTION);
  }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), EDITED, -1);
  ui_save_screenshot (GTK_WIDGET (f->window), "markdown-edit");
  ui_click_button (GTK_WIDGET (row), "_Resend");
  ui_wait_for (generating, f, "the new answer to start");

  /* The old answer is gone at once; the edited message keeps its place. */
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
  g_assert_true (ui_message_at (f, 0) == question);
  g_assert_cmpstr (hearth_message_object_get_content (question), ==, EDITED);
  g_assert_cmpstr (hearth_message_object_get_content (ui_message_at (f, 1)), !=, ANSWER);
  g_assert_cmpstr (hearth_chat_object_get_title (hearth_conversation_get_chat (ui_conversation (f))), ==, EDITED);

  /* While that answer is written, resending again is refused and the
   * editor stays open (the actions run at once: no main loop turn lets
   * the answer end in between). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.edit", NULL));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), "Not now", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.resend", NULL));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (find_one (GTK_WIDGET (row), GTK_TYPE_STACK))),
                   ==, "edit");
  g_assert_cmpstr (hearth_message_object_get_content (question), ==, EDITED);
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.cancel-edit", NULL));
  ui_wait_for (ui_last_answer_has_text, f, "the new answer's first text");
  ui_wait_for (ui_idle, f, "the new answer to end");
  ui_wait_row (f, question);
  g_assert_cmpstr (ui_row_text_of (f, question), ==, EDITED);

  messages = ui_stored_messages (f);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpstr (((HearthMessage *) messages->pdata[0])->content, ==, EDITED);
  g_assert_cmpint (((HearthMessage *) messages->pdata[1])->role, ==, HEARTH_ROLE_ASSISTANT);
  g_assert_cmpint (((HearthMessage *) messages->pdata[1])->state, ==, HEARTH_MESSAGE_COMPLETE);
  g_assert_cmpstr (((HearthMessage *) messages->pdata[1])->content, ==,
                   hearth_message_object_get_content (ui_message_at (f, 1)));
  g_assert_cmpstr (((HearthMessage *) messages->pdata[1])->content, !=, "");
  {
    g_autoptr(HearthStore) store = ui_open_store (f);
    g_autoptr(GPtrArray) chats = hearth_store_list_chats (store, NULL);

    g_assert_cmpstr (((HearthChat *) chats->pdata[0])->title, ==, EDITED);
  }
}

/* A second edit of the same message, now that the session has the chat in
 * its cache: the unchanged start is reused, the rest recomputed. */
static void
edit_again_reuses_the_cache (UiFixture *f)
{
  HearthMessageObject *question = ui_message_at (f, 0);
  HearthMessageRow *row = row_of (f, question);
  GtkWidget *editor;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.edit", NULL));
  editor = find_one (GTK_WIDGET (row), GTK_TYPE_TEXT_VIEW);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)), EDITED " there was a cat", -1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "message.resend", NULL));
  g_assert_true (hearth_conversation_get_generating (ui_conversation (f)));
  ui_wait_for (ui_idle, f, "the answer to the second edit");
  g_assert_cmpuint (hearth_conversation_get_prompt_reused (ui_conversation (f)), >, 1);
  g_assert_cmpstr (hearth_message_object_get_content (question), ==, EDITED " there was a cat");
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
}

static void
drive_answer (UiFixture *f)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *window = GTK_WIDGET (f->window);

  ui_wait_for (chat_ready, f, "the chat with a Markdown answer and stories260K");
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 900);
  ui_wait_row (f, ui_message_at (f, 0));
  ui_wait_row (f, ui_message_at (f, 1));
  check_question_row (f);
  check_answer_row (f);
  ui_save_screenshot (window, "markdown");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  {
    GtkWidget *code_block = find_one (GTK_WIDGET (row_of (f, ui_message_at (f, 1))), HEARTH_TYPE_CODE_BLOCK);
    GtkTextView *view = GTK_TEXT_VIEW (find_one (code_block, GTK_SOURCE_TYPE_VIEW));
    GtkSourceStyleScheme *scheme = gtk_source_buffer_get_style_scheme (GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (view)));

    g_assert_cmpstr (gtk_source_style_scheme_get_id (scheme), ==, "Adwaita-dark");
  }
  ui_save_screenshot (window, "markdown-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  edit_and_resend (f);
  edit_again_reuses_the_cache (f);
}

/* The history, written before the app starts: the chat already uses
 * stories260K, so the app loads it when it shows the chat. */
static void
write_history (void)
{
  g_autofree char *model = ui_linked_model ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = hearth_store_open_default (&error);
  gint64 chat_id;

  g_assert_no_error (error);
  /* Titled as the app titles a chat: by its first message. */
  chat_id = hearth_store_create_chat (store, QUESTION, model, &error);
  g_assert_no_error (error);
  hearth_store_add_message (store, chat_id, HEARTH_ROLE_USER, QUESTION, &error);
  g_assert_no_error (error);
  hearth_store_add_message (store, chat_id, HEARTH_ROLE_ASSISTANT, ANSWER, &error);
  g_assert_no_error (error);
}

static void
test_answer (void)
{
  g_autofree char *model = ui_shared_model ();

  if (model == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: cannot chat");
      return;
    }
  write_history ();
  ui_test_run_app (drive_answer);
}

/* ---- /ui-markdown/streaming ---- */

static void
drive_streaming (UiFixture *f)
{
  static const char *const batches[] = {
    "Here is the script:\n\n``",
    "Here is the script:\n\n```py",
    "Here is the script:\n\n```python\nprint (1)\n",
    "Here is the script:\n\n```python\nprint (1)\nprint (2)\n",
    "Here is the script:\n\n```python\nprint (1)\nprint (2)\n```\n\nDone.",
  };
  GtkWidget *window = gtk_window_new ();
  HearthMarkdownView *view = HEARTH_MARKDOWN_VIEW (hearth_markdown_view_new ());
  GtkWidget *intro = NULL, *code_block = NULL;

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < G_N_ELEMENTS (batches); i++)
    {
      hearth_markdown_view_set_markdown (view, batches[i]);
      ui_wait_drawn (window);
      if (intro == NULL)
        intro = gtk_widget_get_first_child (GTK_WIDGET (view));
      /* The paragraph above never changes: its label stays. */
      g_assert_true (gtk_widget_get_first_child (GTK_WIDGET (view)) == intro);
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (intro)), ==, "Here is the script:");
      if (i == 0)
        continue;
      /* From the open fence on, the code block in progress is one widget. */
      if (code_block == NULL)
        code_block = gtk_widget_get_next_sibling (intro);
      g_assert_true (HEARTH_IS_CODE_BLOCK (code_block));
      g_assert_true (gtk_widget_get_next_sibling (intro) == code_block);
    }
  {
    g_autofree char *code = hearth_code_block_dup_code (HEARTH_CODE_BLOCK (code_block));
    GtkWidget *done = gtk_widget_get_next_sibling (code_block);

    g_autofree char *shown = text_view_text (GTK_TEXT_VIEW (find_one (code_block, GTK_SOURCE_TYPE_VIEW)));

    g_assert_cmpstr (code, ==, "print (1)\nprint (2)\n");
    GtkSourceBuffer *buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_one (code_block, GTK_SOURCE_TYPE_VIEW))));

    g_assert_cmpstr (shown, ==, "print (1)\nprint (2)");
    g_assert_cmpstr (gtk_source_language_get_id (gtk_source_buffer_get_language (buffer)), ==, "python3");
    g_assert_true (GTK_IS_LABEL (done));
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (done)), ==, "Done.");
    g_assert_null (gtk_widget_get_next_sibling (done));
  }
  gtk_window_destroy (GTK_WINDOW (window));
}

/* In the app, for its resources (the code block's template, the styles). */
static void
test_streaming (void)
{
  ui_test_run_app (drive_streaming);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui-markdown/streaming", test_streaming);
  g_test_add_func ("/ui-markdown/answer", test_answer);
  return ui_test_run ();
}
