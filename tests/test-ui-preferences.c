#define G_LOG_DOMAIN "hearth-test"

/* test-ui-preferences.c: Preferences and Chat Settings, with the real app
 * under Xvfb and stories260K writing the answers.  What an answer uses is
 * read from the conversation's "request" signal: the messages and sampling
 * the engine is handed, and the session they run in.
 *
 *   /ui-preferences/reset-sampling  "Reset to the Model's Defaults" sets
 *       the keys a GGUF recommends (general.sampling.*) and puts the others
 *       back to Hearth's defaults
 *   /ui-preferences/settings  every setting of the Chat and Sampling pages
 *       is changed through its widget and the next answer uses it: default
 *       model and system prompt (a new chat), context length, answer
 *       length, temperature, top-p, top-k, min-p, repeat penalty; the four
 *       pages are saved light and dark
 *   /ui-preferences/chat-settings  a database of every earlier schema
 *       version is migrated, its chat gets its own model, system prompt,
 *       temperature and context length in Chat Settings, which the next
 *       answer uses and a restart keeps; a new system prompt reuses the
 *       cached start of the prompt; a chat started from a photo keeps its
 *       own settings apart from the others
 *   /ui-preferences/delete-all  after Delete All History (confirmed in a
 *       dialog naming what goes) and Clear Thumbnails, a marker sent in a
 *       chat is in neither the database, its write-ahead log nor the
 *       thumbnail cache */

#include <glib/gstdio.h>

#include "hearth-chat-settings.h"
#include "hearth-preferences-window.h"
#include "hearth-thumbnail-cache.h"
#include "model-catalog.h"
#include "test-store-util.h"
#include "ui-test-util.h"

#define MARKER "Zebrafinch7319"

static GSettings *
app_settings (void)
{
  return g_settings_new ("io.github.hearth.Hearth");
}

/* The memory backend lives as long as the test process: each case starts
 * from the schema's defaults. */
static void
reset_settings (void)
{
  static const char *const keys[] = {
    "default-model", "temperature", "top-p", "top-k", "min-p", "repeat-penalty", "max-tokens",
    "context-length", "system-prompt", "photo-folders",
  };
  g_autoptr(GSettings) settings = app_settings ();

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_reset (settings, keys[i]);
}

static gboolean
window_ready (gpointer data)
{
  UiFixture *f = data;

  return hearth_window_get_ready (f->window) && hearth_window_get_found_models (f->window) != NULL;
}

/* ---- what the next answer is asked with ---- */

typedef struct {
  gboolean             seen;
  HearthSamplingParams params;
  char                *system;      /* a leading system message's text, or NULL */
  char                *last_user;   /* the last message's text */
  guint                n_ctx;       /* of the session */
  char                *model_path;  /* of the session's model */
} Request;

static void
request_clear (Request *request)
{
  g_free (request->system);
  g_free (request->last_user);
  g_free (request->model_path);
  *request = (Request) { 0 };
}

static void
on_request (HearthConversation *conversation, const HearthChatMessage *messages, guint n_messages,
            const HearthSamplingParams *params, Request *request)
{
  HearthSession *session = hearth_conversation_get_session (conversation);

  request_clear (request);
  request->seen = TRUE;
  request->params = *params;
  if (n_messages > 0 && g_str_equal (messages[0].role, "system"))
    request->system = g_strdup (messages[0].content);
  if (n_messages > 0)
    request->last_user = g_strdup (messages[n_messages - 1].content);
  request->n_ctx = hearth_session_get_n_ctx (session);
  request->model_path = g_strdup (hearth_model_get_path (hearth_session_get_model (session)));
}

/* Sends text in the chat shown and waits for the answer; request gets
 * what the engine was asked. */
static void
send_and_capture (UiFixture *f, const char *text, Request *request)
{
  HearthConversation *conversation = ui_conversation (f);
  gulong handler = g_signal_connect (conversation, "request", G_CALLBACK (on_request), request);

  request_clear (request);
  ui_send (f, text);
  ui_wait_for (ui_idle, f, "the answer to end");
  g_signal_handler_disconnect (conversation, handler);
  g_assert_true (request->seen);
  g_assert_cmpstr (request->last_user, ==, text);
}

/* ---- finding widgets ---- */

static GtkWidget *
find_toplevel (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (window))
        return window;
    }
  return NULL;
}

static gboolean
prefs_shown (gpointer data)
{
  return find_toplevel (HEARTH_TYPE_PREFERENCES_WINDOW) != NULL;
}

static gboolean
prefs_idle (gpointer data)
{
  GtkWidget *prefs = find_toplevel (HEARTH_TYPE_PREFERENCES_WINDOW);

  return prefs != NULL && !hearth_preferences_window_get_busy (HEARTH_PREFERENCES_WINDOW (prefs));
}

static GtkWidget *
open_prefs (UiFixture *f)
{
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  ui_wait_for (prefs_shown, NULL, "the Preferences window");
  ui_wait_for (prefs_idle, NULL, "the Preferences to count the history");
  return find_toplevel (HEARTH_TYPE_PREFERENCES_WINDOW);
}

static void
show_page (GtkWidget *prefs, const char *name)
{
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), name);
  ui_wait_drawn (prefs);
}

/* The mapped widget of type inside the preferences row titled title. */
static GtkWidget *
widget_in_row (GtkWidget *root, GType type, const char *title)
{
  g_autoptr(GPtrArray) widgets = ui_find_all (root, type);

  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *row = gtk_widget_get_ancestor (widgets->pdata[i], ADW_TYPE_PREFERENCES_ROW);

      if (row != NULL && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
        return widgets->pdata[i];
    }
  g_error ("no %s in the row “%s”", g_type_name (type), title);
}

static GtkWidget *
row_titled (GtkWidget *root, GType type, const char *title)
{
  g_autoptr(GPtrArray) rows = ui_find_all (root, type);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0)
      return rows->pdata[i];
  g_error ("no row “%s”", title);
}

static void
set_spin (GtkWidget *root, const char *row_title, double value)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (widget_in_row (root, GTK_TYPE_SPIN_BUTTON, row_title)), value);
}

static void
set_text_view (GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) views = ui_find_all (root, GTK_TYPE_TEXT_VIEW);

  g_assert_cmpuint (views->len, ==, 1);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (views->pdata[0]), text, -1);
}

/* The name the model catalog gives the model at path (what combo rows show). */
static const char *
found_model_name (UiFixture *f, const char *path)
{
  GPtrArray *found = hearth_window_get_found_models (f->window);

  for (guint i = 0; found != NULL && i < found->len; i++)
    if (g_strcmp0 (((HearthModelInfo *) found->pdata[i])->path, path) == 0)
      return ((HearthModelInfo *) found->pdata[i])->name;
  g_error ("the scan did not find %s", path);
}

static void
choose_in_combo (AdwComboRow *row, const char *name)
{
  GListModel *names = adw_combo_row_get_model (row);

  for (guint i = 0; i < g_list_model_get_n_items (names); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), name))
      {
        adw_combo_row_set_selected (row, i);
        return;
      }
  g_error ("no “%s” to choose", name);
}

/* ---- /ui-preferences/reset-sampling ---- */

static void
put_u32 (GByteArray *bytes, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (bytes, (const guint8 *) &le, 4);
}

static void
put_u64 (GByteArray *bytes, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);
  g_byte_array_append (bytes, (const guint8 *) &le, 8);
}

static void
put_key (GByteArray *bytes, const char *key, guint32 type)
{
  put_u64 (bytes, strlen (key));
  g_byte_array_append (bytes, (const guint8 *) key, strlen (key));
  put_u32 (bytes, type);
}

static void
put_f32_key (GByteArray *bytes, const char *key, float value)
{
  guint32 bits;

  memcpy (&bits, &value, 4);
  put_key (bytes, key, 6 /* FLOAT32 */);
  put_u32 (bytes, bits);
}

/* A GGUF header without tensors that recommends temperature 0.6, top-k 20,
 * top-p 0.9 and repeat penalty 1.05 (and no min-p). */
static char *
write_recommending_gguf (void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_user_data_dir (), "recommends.gguf", NULL);

  g_byte_array_append (bytes, (const guint8 *) "GGUF", 4);
  put_u32 (bytes, 3);
  put_u64 (bytes, 0);
  put_u64 (bytes, 4);
  put_f32_key (bytes, "general.sampling.temp", 0.6f);
  put_key (bytes, "general.sampling.top_k", 5 /* INT32 */);
  put_u32 (bytes, 20);
  put_f32_key (bytes, "general.sampling.top_p", 0.9f);
  put_f32_key (bytes, "general.sampling.penalty_repeat", 1.05f);
  while (bytes->len % 32 != 0)
    g_byte_array_append (bytes, (const guint8 *) "", 1);
  g_file_set_contents (path, (const char *) bytes->data, bytes->len, &error);
  g_assert_no_error (error);
  return path;
}

static void
drive_reset_sampling (UiFixture *f)
{
  g_autoptr(GSettings) settings = app_settings ();
  g_autofree char *gguf = write_recommending_gguf ();
  GtkWidget *prefs;

  ui_wait_for (ui_has_no_chats_page, f, "the empty history");
  g_settings_set_string (settings, "default-model", gguf);
  g_settings_set_double (settings, "min-p", 0.3);
  g_settings_set_double (settings, "temperature", 1.9);
  prefs = open_prefs (f);
  show_page (prefs, "sampling");
  g_assert_true (gtk_widget_activate_action (prefs, "prefs.reset-sampling", NULL));
  ui_wait_for (prefs_idle, NULL, "the model's recommendations");

  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "temperature"), 0.6, 1e-6);
  g_assert_cmpuint (g_settings_get_uint (settings, "top-k"), ==, 20);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "top-p"), 0.9, 1e-6);
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "repeat-penalty"), 1.05, 1e-6);
  /* Not recommended: back to Hearth's default. */
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "min-p"), 0.05, 1e-9);
  /* The page shows what the settings hold. */
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (
    widget_in_row (prefs, GTK_TYPE_SPIN_BUTTON, "_Temperature"))), 0.6, 1e-6);
  gtk_window_destroy (GTK_WINDOW (prefs));
}

static void
test_reset_sampling (void)
{
  reset_settings ();
  ui_test_run_app (drive_reset_sampling);
  reset_settings ();
}

/* ---- /ui-preferences/settings ---- */

/* The Photos page lists the library's folders and takes one out. */
static void
check_folders_page (GtkWidget *prefs)
{
  g_autoptr(GSettings) settings = app_settings ();
  g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "no-photos-here", NULL);
  const char *const folders[] = { folder, NULL };
  g_auto(GStrv) left = NULL;

  show_page (prefs, "photos");
  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_settings_set_strv (settings, "photo-folders", folders);
  ui_wait_drawn (prefs);
  g_assert_nonnull (row_titled (prefs, ADW_TYPE_ACTION_ROW, "no-photos-here"));
  g_assert_true (gtk_widget_activate_action (prefs, "prefs.remove-folder", "s", folder));
  left = g_settings_get_strv (settings, "photo-folders");
  g_assert_cmpuint (g_strv_length (left), ==, 0);
}

static void
save_pages (GtkWidget *prefs, const char *suffix)
{
  static const char *const pages[] = { "chat", "sampling", "photos", "privacy" };

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      g_autofree char *name = g_strconcat ("preferences-", pages[i], suffix, NULL);

      show_page (prefs, pages[i]);
      ui_save_screenshot (prefs, name);
    }
}

static gboolean
new_chat_shown (gpointer data)
{
  UiFixture *f = data;

  return ui_conversation_loaded (f) && ui_n_messages (f) == 0;
}

static void
drive_settings (UiFixture *f)
{
  g_autofree char *stories = ui_linked_model ();
  Request request = { 0 };
  GtkWidget *prefs;

  ui_wait_for (window_ready, f, "the history and the model scan");
  if (!ui_start_chat_with_stories (f))
    return;
  send_and_capture (f, "Lily found a shiny stone", &request);
  g_assert_null (request.system);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.temperature, 0.7, 1e-6);

  prefs = open_prefs (f);
  show_page (prefs, "chat");
  choose_in_combo (ADW_COMBO_ROW (row_titled (prefs, ADW_TYPE_COMBO_ROW, "Default _Model")),
                   found_model_name (f, stories));
  set_spin (prefs, "_Context Length", 384);
  set_spin (prefs, "_Answer Length", 17);
  set_text_view (prefs, "You tell short stories about " MARKER ".");
  show_page (prefs, "sampling");
  set_spin (prefs, "_Temperature", 0.35);
  set_spin (prefs, "Top-_p", 0.8);
  set_spin (prefs, "Top-_k", 7);
  set_spin (prefs, "_Min-p", 0.12);
  set_spin (prefs, "_Repeat Penalty", 1.3);
  check_folders_page (prefs);
  save_pages (prefs, "");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  save_pages (prefs, "-dark");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_destroy (GTK_WINDOW (prefs));

  /* The same chat: a session of the new context length, the new sampling;
   * its system prompt stays its own (none). */
  ui_wait_for (ui_model_ready, f, "the session of the new context length");
  send_and_capture (f, "The dog ran home", &request);
  g_assert_cmpuint (request.n_ctx, ==, 384);
  g_assert_cmpuint (request.params.max_tokens, ==, 17);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.temperature, 0.35, 1e-6);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.top_p, 0.8, 1e-6);
  g_assert_cmpint (request.params.sampler.top_k, ==, 7);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.min_p, 0.12, 1e-6);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.repeat_penalty, 1.3, 1e-6);
  g_assert_null (request.system);

  /* A new chat: the default model and the system prompt for new chats. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (new_chat_shown, f, "the new chat");
  g_assert_cmpstr (hearth_chat_object_get_model_path (hearth_conversation_get_chat (ui_conversation (f))), ==,
                   stories);
  ui_wait_for (ui_model_ready, f, "the new chat's session");
  send_and_capture (f, "Tom had a big red ball", &request);
  g_assert_cmpstr (request.system, ==, "You tell short stories about " MARKER ".");
  g_assert_cmpstr (request.model_path, ==, stories);
  g_assert_cmpuint (request.n_ctx, ==, 384);
  request_clear (&request);
}

static void
test_settings (void)
{
  reset_settings ();
  ui_test_run_app (drive_settings);
  reset_settings ();
}

/* ---- /ui-preferences/chat-settings ---- */

static guint old_version;  /* the schema version the case's database starts at */

static char *
database_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "hearth", "hearth.db", NULL);
}

static void
remove_database (void)
{
  g_autofree char *path = database_path ();
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);

  g_remove (path);
  g_remove (wal);
  g_remove (shm);
}

/* A database as a Hearth of schema version left it, with chat 7. */
static void
write_old_database (guint version)
{
  g_autofree char *path = database_path ();
  g_autoptr(sqlite3) db = NULL;

  remove_database ();
  db = store_test_create_old_database (path, version);
  store_test_exec_raw (db,
                       "INSERT INTO chats (id, title, model_path, created_at, updated_at) "
                       "  VALUES (7, 'Old chat', '/models/old.gguf', 1000, 2000);"
                       "INSERT INTO messages (id, chat_id, position, role, content, state, created_at, updated_at) "
                       "  VALUES (70, 7, 0, 'user', 'Once upon a time', 'complete', 1000, 1000),"
                       "         (71, 7, 1, 'assistant', 'there was a cat.', 'complete', 2000, 2000);");
}

static gboolean
chat_settings_shown (gpointer data)
{
  return find_toplevel (HEARTH_TYPE_CHAT_SETTINGS) != NULL;
}

typedef struct {
  const char *model_path; /* NULL: keep */
  const char *system_prompt;
  double      temperature;
  guint       context_length;
} ChatSettings;

/* Through the chat menu's Chat Settings, as the user would. */
static void
set_chat_settings (UiFixture *f, const ChatSettings *want, const char *screenshot)
{
  GtkWidget *dialog;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.chat-settings", NULL));
  ui_wait_for (chat_settings_shown, NULL, "the Chat Settings");
  dialog = find_toplevel (HEARTH_TYPE_CHAT_SETTINGS);
  if (want->model_path != NULL)
    choose_in_combo (ADW_COMBO_ROW (row_titled (dialog, ADW_TYPE_COMBO_ROW, "_Model")),
                     found_model_name (f, want->model_path));
  set_text_view (dialog, want->system_prompt);
  for (guint i = 0; i < 2; i++)
    {
      AdwExpanderRow *row = ADW_EXPANDER_ROW (row_titled (dialog, ADW_TYPE_EXPANDER_ROW,
                                                          i == 0 ? "Own _Temperature" : "Own _Context Length"));
      adw_expander_row_set_enable_expansion (row, TRUE);
      adw_expander_row_set_expanded (row, TRUE);
    }
  ui_wait_drawn (dialog);
  set_spin (dialog, "Temperature", want->temperature);
  set_spin (dialog, "Context Length", want->context_length);
  if (screenshot != NULL)
    ui_save_screenshot (dialog, screenshot);
  g_assert_true (gtk_widget_activate_action (dialog, "chat-settings.save", NULL));
  g_assert_null (find_toplevel (HEARTH_TYPE_CHAT_SETTINGS));
}

/* The chat shown has these settings, in its object and in the request of
 * its next answer. */
static void
assert_chat_uses (UiFixture *f, const ChatSettings *want, const char *text)
{
  HearthChatObject *chat = hearth_conversation_get_chat (ui_conversation (f));
  Request request = { 0 };

  g_assert_cmpstr (hearth_chat_object_get_system_prompt (chat), ==, want->system_prompt);
  g_assert_cmpfloat_with_epsilon (hearth_chat_object_get_temperature (chat), want->temperature, 1e-9);
  g_assert_cmpuint (hearth_chat_object_get_context_length (chat), ==, want->context_length);
  ui_wait_for (ui_model_ready, f, "the chat's model and session");
  send_and_capture (f, text, &request);
  g_assert_cmpstr (request.system, ==, want->system_prompt);
  g_assert_cmpfloat_with_epsilon (request.params.sampler.temperature, want->temperature, 1e-6);
  g_assert_cmpuint (request.n_ctx, ==, want->context_length);
  if (want->model_path != NULL)
    g_assert_cmpstr (request.model_path, ==, want->model_path);
  request_clear (&request);
}

typedef struct {
  UiFixture *f;
  gint64     id;
} ChatShown;

static gboolean
chat_shown (gpointer data)
{
  ChatShown *shown = data;

  return ui_conversation_loaded (shown->f) &&
         hearth_chat_object_get_id (hearth_conversation_get_chat (ui_conversation (shown->f))) == shown->id;
}

static void
select_chat (UiFixture *f, gint64 id)
{
  GListModel *chats = hearth_window_get_chats (f->window);

  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr(HearthChatObject) chat = g_list_model_get_item (chats, i);

      if (hearth_chat_object_get_id (chat) == id)
        {
          g_autoptr(GPtrArray) lists = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

          /* The sidebar's list is the one that shows the chats. */
          for (guint j = 0; j < lists->len; j++)
            {
              GtkSelectionModel *selection = gtk_list_view_get_model (lists->pdata[j]);
              g_autoptr(GObject) first = g_list_model_get_item (G_LIST_MODEL (selection), 0);

              if (HEARTH_IS_CHAT_OBJECT (first))
                {
                  gtk_selection_model_select_item (selection, i, TRUE);
                  ui_wait_for (chat_shown, &(ChatShown) { f, id }, "the chat's messages");
                  return;
                }
            }
          g_error ("no chat list");
        }
    }
  g_error ("no chat %" G_GINT64_FORMAT, id);
}

/* The history read and chat id shown; FALSE (the case skipped) without
 * stories260K. */
static gboolean
show_history_chat (UiFixture *f, gint64 id)
{
  g_autofree char *model = ui_shared_model ();

  if (model == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: cannot chat");
      return FALSE;
    }
  ui_wait_for (window_ready, f, "the history and the model scan");
  select_chat (f, id);
  return TRUE;
}

static ChatSettings
old_chat_settings (const char *stories, char **prompt)
{
  *prompt = g_strdup_printf ("You are the old chat of schema version %u.", old_version);
  return (ChatSettings) { stories, *prompt, 0.25, 768 };
}

static void
drive_migrated_chat (UiFixture *f)
{
  g_autofree char *stories = ui_linked_model ();
  g_autofree char *prompt = NULL;
  ChatSettings want = old_chat_settings (stories, &prompt);

  if (!show_history_chat (f, 7))
    return;
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
  set_chat_settings (f, &want, old_version == 1 ? "chat-settings" : NULL);
  assert_chat_uses (f, &want, "The little bird sang");
}

static char *
with_cats (const char *prompt)
{
  return g_strdup_printf ("%s And you like cats.", prompt);
}

/* Another system prompt: the prompt is rendered again and its unchanged
 * start is reused from the session's cache. */
static void
change_system_prompt (UiFixture *f, ChatSettings *want, char **prompt)
{
  HearthConversation *conversation = ui_conversation (f);
  g_autofree char *changed = with_cats (*prompt);
  Request request = { 0 };
  guint reused;

  want->system_prompt = changed;
  set_chat_settings (f, want, NULL);
  send_and_capture (f, "Then it started to rain", &request);
  g_assert_cmpstr (request.system, ==, changed);
  reused = hearth_conversation_get_prompt_reused (conversation);
  g_test_message ("a new system prompt reused %u cached tokens", reused);
  g_assert_cmpuint (reused, >, 1);
  g_free (*prompt);
  *prompt = g_steal_pointer (&changed);
  want->system_prompt = *prompt;
  request_clear (&request);
}

static void
drive_restarted (UiFixture *f)
{
  g_autofree char *stories = ui_linked_model ();
  g_autofree char *prompt = NULL;
  ChatSettings want = old_chat_settings (stories, &prompt);

  if (!show_history_chat (f, 7))
    return;
  assert_chat_uses (f, &want, "Mom made a cake");
  change_system_prompt (f, &want, &prompt);
}

/* ---- a chat started from a photo ---- */

static char *
write_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_user_data_dir (), "photo.png", NULL);

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save (pixbuf, path, "png", &error, NULL);
  g_assert_no_error (error);
  return path;
}

static const ChatSettings photo_chat = { NULL, "You describe photos.", 1.5, 512 };
static gint64 photo_chat_id;

static gboolean
photo_chat_made (gpointer data)
{
  UiFixture *f = data;

  return ui_conversation_loaded (f) && hearth_chat_object_get_id (hearth_conversation_get_chat (ui_conversation (f))) != 7;
}

static HearthComposer *
composer_of (UiFixture *f)
{
  return hearth_chat_view_get_composer (hearth_window_get_chat_view (f->window));
}

static gboolean
photo_in_composer (gpointer data)
{
  return g_list_model_get_n_items (hearth_composer_get_images (composer_of (data))) == 1;
}

static void
drive_photo_chat (UiFixture *f)
{
  g_autofree char *stories = ui_linked_model ();
  g_autofree char *photo = write_photo ();
  g_autofree char *prompt = NULL;
  ChatSettings old = old_chat_settings (stories, &prompt);
  g_autofree char *old_prompt = with_cats (prompt);

  if (!show_history_chat (f, 7))
    return;
  ui_wait_for (ui_model_ready, f, "the old chat's model");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-chat-with-image", "s", photo));
  ui_wait_for (photo_chat_made, f, "the chat from the photo");
  photo_chat_id = hearth_chat_object_get_id (hearth_conversation_get_chat (ui_conversation (f)));
  /* stories260K does not see images: the photo waiting in the composer is
   * set aside, the question goes alone. */
  ui_wait_for (photo_in_composer, f, "the photo in the composer");
  hearth_composer_draft_free (hearth_composer_take_draft (composer_of (f)));
  set_chat_settings (f, &photo_chat, NULL);
  assert_chat_uses (f, &photo_chat, "What is in it?");

  /* The chat it was started beside keeps its own (as drive_restarted left it). */
  select_chat (f, 7);
  g_assert_cmpstr (hearth_chat_object_get_system_prompt (hearth_conversation_get_chat (ui_conversation (f))), ==,
                   old_prompt);
  g_assert_cmpfloat (hearth_chat_object_get_temperature (hearth_conversation_get_chat (ui_conversation (f))), ==,
                     old.temperature);
}

static void
drive_photo_chat_restarted (UiFixture *f)
{
  if (!show_history_chat (f, photo_chat_id))
    return;
  assert_chat_uses (f, &photo_chat, "And the sky?");
}

/* Short answers: the case starts the app ten times. */
static void
set_short_answers (void)
{
  g_autoptr(GSettings) settings = app_settings ();

  g_settings_set_uint (settings, "max-tokens", 12);
}

static void
test_chat_settings (void)
{
  reset_settings ();
  set_short_answers ();
  for (old_version = 1; old_version <= hearth_store_schema_version (); old_version++)
    {
      g_test_message ("a chat from schema version %u", old_version);
      write_old_database (old_version);
      ui_test_run_app (drive_migrated_chat);
      ui_test_run_app (drive_restarted);
    }
  old_version = hearth_store_schema_version ();
  ui_test_run_app (drive_photo_chat);
  ui_test_run_app (drive_photo_chat_restarted);
  remove_database ();
}

/* ---- /ui-preferences/delete-all ---- */

/* Anywhere in the file's bytes, NULs included. */
static gboolean
file_contains (const char *path, const char *text)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  gsize n = strlen (text);

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  for (gsize i = 0; i + n <= length; i++)
    if (memcmp (contents + i, text, n) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
history_contains (const char *text)
{
  g_autofree char *path = database_path ();
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  return file_contains (path, text) || file_contains (wal, text);
}

static guint
thumbnail_files_with (const char *text)
{
  g_autofree char *dir_path = hearth_thumbnail_cache_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      n += text == NULL || file_contains (path, text);
    }
  return n;
}

static void
drive_delete_all (UiFixture *f)
{
  g_autofree char *cache = hearth_thumbnail_cache_dir ();
  g_autofree char *planted = g_build_filename (cache, "planted.png", NULL);
  g_autofree char *db = database_path ();
  GtkWidget *prefs;
  GtkWidget *dialog;

  ui_wait_for (window_ready, f, "the history and the model scan");
  if (!ui_start_chat_with_stories (f))
    return;
  ui_send (f, "The " MARKER " sang a song");
  ui_wait_for (ui_idle, f, "the answer to end");
  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  /* The check can fail: the marker is on disk now. */
  g_assert_true (history_contains (MARKER));
  /* A cached thumbnail that holds the marker. */
  g_assert_cmpint (g_mkdir_with_parents (cache, 0700), ==, 0);
  g_assert_true (g_file_set_contents (planted, "PNG " MARKER, -1, NULL));
  g_assert_cmpuint (thumbnail_files_with (MARKER), ==, 1);

  prefs = open_prefs (f);
  show_page (prefs, "privacy");
  g_assert_true (gtk_widget_activate_action (prefs, "prefs.delete-history", NULL));
  ui_wait_for (ui_message_dialog_shown, NULL, "the confirmation");
  dialog = ui_find_message_dialog ();
  /* It names what goes and where. */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), db));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "(1)"));
  ui_save_screenshot (dialog, "preferences-delete-all");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "delete");
  ui_wait_for (prefs_idle, NULL, "the history to be erased");
  g_assert_true (gtk_widget_activate_action (prefs, "prefs.clear-thumbnails", NULL));
  ui_wait_for (prefs_idle, NULL, "the thumbnails to be cleared");
  gtk_window_destroy (GTK_WINDOW (prefs));

  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  g_assert_cmpuint (g_list_model_get_n_items (hearth_window_get_chats (f->window)), ==, 0);
  g_assert_true (ui_page_is (f, "no-chats"));
  g_assert_false (history_contains (MARKER));
  g_assert_cmpuint (thumbnail_files_with (NULL), ==, 0);
}

static void
test_delete_all (void)
{
  reset_settings ();
  set_short_answers ();
  ui_test_run_app (drive_delete_all);
  /* The next start finds the empty history, not a damaged one. */
  g_assert_false (history_contains (MARKER));
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui-preferences/reset-sampling", test_reset_sampling);
  g_test_add_func ("/ui-preferences/settings", test_settings);
  g_test_add_func ("/ui-preferences/chat-settings", test_chat_settings);
  g_test_add_func ("/ui-preferences/delete-all", test_delete_all);
  return ui_test_run ();
}
