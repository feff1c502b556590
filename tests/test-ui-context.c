#define G_LOG_DOMAIN "hearth-test"

/* test-ui-context.c: context: the real app when a chat outgrows the model's
 * context (the offer, Drop Oldest Turns with its separator line, Start a
 * New Chat carrying the waiting message), each chat's KV cache kept across
 * chat switches, and killing the app while an answer streams.
 *
 * The context length is the real setting (context-length, at its minimum
 * of 256 positions), so that stories260K fills it in a few turns. */

#include <glib/gstdio.h>
#include <signal.h>

#include "hearth-session-cache.h"
#include "hearth-store-private.h"
#include "test-store-util.h"
#include "ui-test-util.h"

#define SMALL_CONTEXT 256
#define MAX_TURNS 20
/* The store gets the streaming text every 250 ms; what a kill may lose,
 * with room for a machine so loaded that the worker thread waits its turn. */
#define STORE_LAG_US (G_TIME_SPAN_SECOND)

static GSettings *
app_settings (void)
{
  return g_settings_new ("io.github.hearth.Hearth");
}

static void
set_context_length (guint n_ctx)
{
  g_autoptr(GSettings) settings = app_settings ();

  g_settings_set_uint (settings, "context-length", n_ctx);
}

static gboolean
window_ready (gpointer data)
{
  return hearth_window_get_ready (((UiFixture *) data)->window);
}

/* A new chat without messages yet, or one without a model. */
static gboolean
new_chat_shown (gpointer data)
{
  UiFixture *f = data;

  return ui_has_no_model_page (f) || (ui_model_ready (f) && ui_conversation_loaded (f) && ui_n_messages (f) == 0);
}

/* A new chat on stories260K, once the chat list was read.  The chats of
 * earlier cases are in the history: the app opens the newest, so its model
 * may be loaded already and the new chat takes it. */
static gboolean
start_chat (UiFixture *f)
{
  g_autofree char *model = ui_shared_model ();

  ui_wait_for (window_ready, f, "the chat list");
  if (model == NULL)
    return ui_start_chat_with_stories (f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (new_chat_shown, f, "a new chat");
  return ui_has_no_model_page (f) ? ui_pick_stories (f) : TRUE;
}

static HearthChatObject *
current_chat (UiFixture *f)
{
  return hearth_conversation_get_chat (ui_conversation (f));
}

/* Sends turns until the engine refuses one; returns the turns answered. */
static guint
fill_context (UiFixture *f)
{
  for (guint turn = 0; turn < MAX_TURNS; turn++)
    {
      g_autofree char *text = g_strdup_printf ("Tell me story number %u.", turn + 1);

      ui_send (f, text);
      ui_wait_for (ui_idle, f, "the answer");
      if (hearth_conversation_get_context_full (ui_conversation (f)) != NULL)
        return turn;
    }
  g_error ("%u turns did not fill a %u-position context", MAX_TURNS, SMALL_CONTEXT);
}

static GtkWidget *
find_labelled (UiFixture *f, GType type, const char *css_class, const char *text)
{
  g_autoptr(GPtrArray) widgets = ui_find_all (GTK_WIDGET (f->window), type);

  for (guint i = 0; i < widgets->len; i++)
    {
      GtkWidget *widget = widgets->pdata[i];

      if (!gtk_widget_is_visible (widget))
        continue;
      if (css_class != NULL && gtk_widget_has_css_class (widget, css_class))
        return widget;
      if (text != NULL && GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), text) == 0)
        return widget;
    }
  return NULL;
}

/* Scrolls the chat's message list to the item at position. */
static void
scroll_chat_to (UiFixture *f, guint position)
{
  g_autoptr(GPtrArray) lists = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < lists->len; i++)
    if (!gtk_widget_has_css_class (lists->pdata[i], "navigation-sidebar"))
      g_assert_true (gtk_widget_activate_action (lists->pdata[i], "list.scroll-to-item", "u", position));
  ui_wait_row (f, ui_message_at (f, position));
}

static gboolean
offer_shown (gpointer data)
{
  GtkWidget *button = find_labelled (data, GTK_TYPE_BUTTON, NULL, "_Drop Oldest Turns");

  return button != NULL && gtk_widget_get_child_visible (gtk_widget_get_ancestor (button, GTK_TYPE_REVEALER)) &&
         gtk_revealer_get_child_revealed (GTK_REVEALER (gtk_widget_get_ancestor (button, GTK_TYPE_REVEALER)));
}

static gboolean
offer_hidden (gpointer data)
{
  return find_labelled (data, GTK_TYPE_BUTTON, NULL, "_Drop Oldest Turns") == NULL;
}

/* Sending is refused and the text stays in the composer. */
static void
ui_send_refused (UiFixture *f)
{
  g_autoptr(GPtrArray) composers = ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_COMPOSER);
  g_autofree char *kept = NULL;
  guint n = ui_n_messages (f);

  hearth_composer_set_text (composers->pdata[0], "And then?");
  gtk_widget_activate_action (composers->pdata[0], "composer.send", NULL);
  kept = hearth_composer_dup_text (composers->pdata[0]);
  g_assert_cmpstr (kept, ==, "And then?");
  g_assert_cmpuint (ui_n_messages (f), ==, n);
  g_assert_false (hearth_conversation_get_generating (ui_conversation (f)));
}

/* Scrolls the chat so that widget is near the top. */
static void
scroll_into_view (UiFixture *f, GtkWidget *widget)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  graphene_point_t at;

  g_assert_true (gtk_widget_compute_point (widget, scroller, &GRAPHENE_POINT_INIT (0, 0), &at));
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_value (adjustment) + at.y - 48);
}

/* The engine refused the prompt: the user message waits, unanswered, and
 * nothing was cut from it. */
static void
assert_waiting_message (UiFixture *f, const char *text)
{
  HearthMessageObject *last = ui_message_at (f, ui_n_messages (f) - 1);

  g_assert_cmpint (hearth_message_object_get_role (last), ==, HEARTH_ROLE_USER);
  g_assert_cmpstr (hearth_message_object_get_content (last), ==, text);
  g_assert_true (strstr (hearth_conversation_get_context_full (ui_conversation (f)), "context holds 256") != NULL);
  g_test_message ("the engine said: %s", hearth_conversation_get_context_full (ui_conversation (f)));
}

/* ---- generating off the app, on its engine ---- */

typedef struct {
  gboolean done;
  GError  *error;
} Outcome;

static void
generated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Outcome *outcome = user_data;

  hearth_engine_generate_finish (NULL, result, NULL, &outcome->error);
  outcome->done = TRUE;
}

static gboolean
outcome_done (gpointer data)
{
  return ((Outcome *) data)->done;
}

/* What the engine says about messages[from..until-1] of the conversation
 * with room for reserve tokens, in a session of its own. */
static GError *
try_prompt (UiFixture *f, guint from, guint until, guint reserve)
{
  HearthEngine *engine = hearth_application_get_engine (f->app);
  g_autoptr(HearthSession) session = hearth_engine_new_session (engine, hearth_window_get_model (f->window),
                                                                SMALL_CONTEXT);
  g_autoptr(GArray) messages = g_array_new (FALSE, FALSE, sizeof (HearthChatMessage));
  HearthSamplingParams params;
  Outcome outcome = { 0 };

  for (guint i = from; i < until; i++)
    {
      HearthMessageObject *item = ui_message_at (f, i);
      HearthChatMessage message = { hearth_role_to_string (hearth_message_object_get_role (item)),
                                    hearth_message_object_get_content (item) };
      g_array_append_val (messages, message);
    }
  hearth_sampling_params_init (&params);
  params.max_tokens = 1;
  params.reserve_tokens = reserve;
  hearth_engine_generate_async (engine, session, (HearthChatMessage *) messages->data, messages->len, &params,
                                NULL, NULL, generated, &outcome);
  ui_wait_for (outcome_done, &outcome, "the engine's answer");
  hearth_engine_close_session (engine, session);
  return outcome.error;
}

/* ---- Drop Oldest Turns ---- */

static gboolean
answered_after_drop (gpointer data)
{
  UiFixture *f = data;

  return hearth_conversation_get_context_full (ui_conversation (f)) == NULL && ui_idle (f) &&
         hearth_message_object_get_role (ui_message_at (f, ui_n_messages (f) - 1)) == HEARTH_ROLE_ASSISTANT;
}

static void
assert_store_keeps_history (UiFixture *f, gint64 start)
{
  g_autoptr(HearthStore) store = ui_open_store (f);
  g_autofree char *sql = g_strdup_printf ("SELECT context_start FROM chats WHERE id = %" G_GINT64_FORMAT,
                                          hearth_chat_object_get_id (current_chat (f)));
  g_autofree char *count = g_strdup_printf ("SELECT count(*) FROM messages WHERE chat_id = %" G_GINT64_FORMAT,
                                            hearth_chat_object_get_id (current_chat (f)));

  g_assert_cmpint (store_test_query_int (store->db, sql), ==, start);
  g_assert_cmpint (store_test_query_int (store->db, count), ==, ui_n_messages (f));
}

static void
drive_drop_oldest (UiFixture *f)
{
  guint n_before;
  gint64 start;
  GtkWidget *separator;
  g_autoptr(GError) one_turn_fewer = NULL;
  g_autoptr(GError) kept = NULL;

  set_context_length (SMALL_CONTEXT);
  if (!start_chat (f))
    return;
  g_assert_cmpuint (hearth_session_get_n_ctx (hearth_conversation_get_session (ui_conversation (f))), ==,
                    SMALL_CONTEXT);
  g_test_message ("%u turns answered before the context was full", fill_context (f));
  n_before = ui_n_messages (f);
  assert_waiting_message (f, hearth_message_object_get_content (ui_message_at (f, n_before - 1)));
  ui_wait_for (offer_shown, f, "the full-context offer");

  /* The composer keeps what is typed while the context is full. */
  ui_send_refused (f);
  ui_save_screenshot (GTK_WIDGET (f->window), "context-full-offer");

  ui_click_button (GTK_WIDGET (f->window), "_Drop Oldest Turns");
  ui_wait_for (answered_after_drop, f, "the waiting message's answer after dropping turns");

  /* Everything is still on screen; the model's context starts at a user
   * message, marked by the separator line. */
  g_assert_cmpuint (ui_n_messages (f), ==, n_before + 1);
  start = hearth_chat_object_get_context_start (current_chat (f));
  g_assert_cmpint (start, >, 0);
  g_assert_cmpint (start % 2, ==, 0);
  g_assert_cmpint (hearth_message_object_get_role (ui_message_at (f, start)), ==, HEARTH_ROLE_USER);
  for (guint i = 0; i < ui_n_messages (f); i++)
    g_assert_cmpint (hearth_message_object_get_starts_context (ui_message_at (f, i)), ==, i == start);
  ui_wait_for (offer_hidden, f, "the full-context offer to go");
  /* Rows exist only for what is in view: bring the first message the model
   * sees into view, as scrolling up would. */
  scroll_chat_to (f, start);
  separator = find_labelled (f, GTK_TYPE_LABEL, "context-separator", NULL);
  g_assert_nonnull (separator);
  assert_store_keeps_history (f, start);

  /* As few turns as needed: one turn more would not have fit (generate's
   * own check, in a session of its own) and the turns kept do, both
   * without the new answer, as the conversation was when it was fitted. */
  one_turn_fewer = try_prompt (f, start - 2, n_before, SMALL_CONTEXT / 4);
  g_assert_error (one_turn_fewer, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL);
  kept = try_prompt (f, start, n_before, SMALL_CONTEXT / 4);
  g_assert_no_error (kept);

  scroll_into_view (f, separator);
  ui_save_screenshot (GTK_WIDGET (f->window), "context-separator");
}

static void
test_drop_oldest (void)
{
  ui_test_run_app (drive_drop_oldest);
}

/* ---- Start a New Chat ---- */

typedef struct {
  UiFixture        *f;
  HearthChatObject *old_chat;
} Switch;

static gboolean
other_chat_ready (gpointer data)
{
  Switch *sw = data;

  return ui_conversation (sw->f) != NULL && current_chat (sw->f) != sw->old_chat && ui_model_ready (sw->f) &&
         ui_conversation_loaded (sw->f);
}

static char *
composer_text (UiFixture *f)
{
  g_autoptr(GPtrArray) composers = ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_COMPOSER);

  return hearth_composer_dup_text (composers->pdata[0]);
}

static void
drive_new_chat (UiFixture *f)
{
  g_autoptr(HearthChatObject) old_chat = NULL;
  g_autoptr(HearthStore) store = NULL;
  g_autoptr(GPtrArray) old_messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *waiting = NULL;
  g_autofree char *draft = NULL;
  guint n_before;

  set_context_length (SMALL_CONTEXT);
  if (!start_chat (f))
    return;
  fill_context (f);
  n_before = ui_n_messages (f);
  waiting = g_strdup (hearth_message_object_get_content (ui_message_at (f, n_before - 1)));
  assert_waiting_message (f, waiting);
  old_chat = g_object_ref (current_chat (f));

  ui_wait_for (offer_shown, f, "the full-context offer");
  ui_click_button (GTK_WIDGET (f->window), "_Start a New Chat");
  ui_wait_for (other_chat_ready, &(Switch) { f, old_chat }, "the new chat");

  /* The waiting message is the new chat's draft, not sent yet. */
  draft = composer_text (f);
  g_assert_cmpstr (draft, ==, waiting);
  g_assert_cmpuint (ui_n_messages (f), ==, 0);
  g_assert_null (hearth_conversation_get_context_full (ui_conversation (f)));

  /* It left the old chat, whose answered turns stay. */
  hearth_store_worker_flush (hearth_application_get_store_worker (f->app));
  store = ui_open_store (f);
  old_messages = hearth_store_list_messages (store, hearth_chat_object_get_id (old_chat), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (old_messages->len, ==, n_before - 1);

  /* And it is answered there. */
  g_assert_true (gtk_widget_activate_action (ui_find_all (GTK_WIDGET (f->window), HEARTH_TYPE_COMPOSER)->pdata[0],
                                             "composer.send", NULL));
  ui_wait_for (ui_idle, f, "the answer in the new chat");
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
  g_assert_cmpstr (hearth_message_object_get_content (ui_message_at (f, 0)), ==, waiting);
}

static void
test_new_chat (void)
{
  ui_test_run_app (drive_new_chat);
}

/* ---- each chat keeps its KV cache ---- */

static void
select_chat (UiFixture *f, HearthChatObject *chat)
{
  g_autoptr(GPtrArray) lists = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < lists->len; i++)
    {
      GtkSelectionModel *model = gtk_list_view_get_model (lists->pdata[i]);

      for (guint position = 0; model != NULL && position < g_list_model_get_n_items (G_LIST_MODEL (model)); position++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (model), position);

          if (item == (GObject *) chat)
            {
              gtk_selection_model_select_item (model, position, TRUE);
              return;
            }
        }
    }
  g_error ("the chat is not in the sidebar");
}

typedef struct {
  UiFixture        *f;
  HearthChatObject *chat;
} Selected;

static gboolean
chat_selected_and_ready (gpointer data)
{
  Selected *sel = data;

  return ui_conversation (sel->f) != NULL && current_chat (sel->f) == sel->chat && ui_model_ready (sel->f) &&
         ui_conversation_loaded (sel->f);
}

static void
drive_sessions_kept (UiFixture *f)
{
  g_autoptr(HearthChatObject) first = NULL;
  g_autoptr(HearthChatObject) second = NULL;
  guint used;

  set_context_length (1024);
  if (!start_chat (f))
    return;
  first = g_object_ref (current_chat (f));
  ui_send (f, "Once upon a time");
  ui_wait_for (ui_idle, f, "the first chat's answer");
  used = hearth_conversation_get_context_used (ui_conversation (f));
  g_assert_cmpuint (used, >, 0);

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (other_chat_ready, &(Switch) { f, first }, "the second chat");
  second = g_object_ref (current_chat (f));
  ui_send (f, "A little dog");
  ui_wait_for (ui_idle, f, "the second chat's answer");
  g_assert_cmpuint (hearth_conversation_get_prompt_reused (ui_conversation (f)), ==, 0);

  /* Back in the first chat, its conversation is still in its cache. */
  select_chat (f, first);
  ui_wait_for (chat_selected_and_ready, &(Selected) { f, first }, "the first chat again");
  ui_send (f, "The end");
  ui_wait_for (ui_idle, f, "the first chat's second answer");
  g_test_message ("%u prompt tokens reused of %u in the cache", hearth_conversation_get_prompt_reused (ui_conversation (f)), used);
  g_assert_cmpuint (hearth_conversation_get_prompt_reused (ui_conversation (f)), >, used / 2);
}

static void
test_sessions_kept (void)
{
  ui_test_run_app (drive_sessions_kept);
}

/* ---- the session cache's bounds, on the engine itself ---- */

typedef struct {
  gboolean     done;
  HearthModel *model;
  GError      *error;
} Loaded;

static void
model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Loaded *loaded = user_data;

  loaded->model = hearth_engine_load_model_finish (NULL, result, &loaded->error);
  loaded->done = TRUE;
}

static gboolean
loaded_done (gpointer data)
{
  return ((Loaded *) data)->done;
}

static HearthModel *
load_model (HearthEngine *engine, const char *path)
{
  Loaded loaded = { 0 };

  hearth_engine_load_model_async (engine, path, NULL, NULL, model_loaded, &loaded);
  ui_wait_for (loaded_done, &loaded, "the model to load");
  g_assert_no_error (loaded.error);
  return loaded.model;
}

/* A closed session says so when asked to generate. */
static void
assert_closed (HearthEngine *engine, HearthSession *session)
{
  HearthChatMessage message = { "user", "Once upon a time" };
  Outcome outcome = { 0 };
  g_autoptr(GError) error = NULL;

  hearth_engine_generate_async (engine, session, &message, 1, NULL, NULL, NULL, generated, &outcome);
  ui_wait_for (outcome_done, &outcome, "the closed session's answer");
  error = outcome.error;
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
}

static void
test_session_cache_bounds (void)
{
  g_autofree char *path = ui_shared_model ();
  g_autofree char *q8_path = NULL;
  g_autoptr(HearthEngine) engine = NULL;
  g_autoptr(HearthModel) model = NULL;
  g_autoptr(HearthModel) q8 = NULL;
  g_autoptr(HearthSessionCache) cache = NULL;
  g_autoptr(HearthSession) one = NULL;
  g_autoptr(HearthSession) two = NULL;
  g_autoptr(HearthSession) again = NULL;
  g_autoptr(HearthSession) three = NULL;
  g_autoptr(HearthSession) other = NULL;
  guint64 bytes;

  if (path == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing");
      return;
    }
  q8_path = g_build_filename (g_getenv ("HEARTH_SHARED_DIR"), "models", "stories260K-q8_0.gguf", NULL);
  engine = hearth_engine_new ();
  model = load_model (engine, path);
  /* n_ctx × layers × (keys + values) × kv heads × head size × f16 */
  g_assert_cmpuint (hearth_model_get_kv_bytes_per_position (model), ==, 5 * 2 * 4 * 8 * 2);

  /* By count: two sessions; the least recently used goes first. */
  cache = hearth_session_cache_new (engine, 2, G_MAXUINT64);
  one = hearth_session_cache_get (cache, 1, model, 256);
  two = hearth_session_cache_get (cache, 2, model, 256);
  again = hearth_session_cache_get (cache, 1, model, 256);
  g_assert_true (again == one);
  three = hearth_session_cache_get (cache, 3, model, 256);
  g_assert_cmpuint (hearth_session_cache_get_n_sessions (cache), ==, 2);
  assert_closed (engine, two);
  g_clear_pointer (&again, hearth_session_unref);
  again = hearth_session_cache_get (cache, 1, model, 256);
  g_assert_true (again == one);

  /* Another context length is another session. */
  g_clear_pointer (&again, hearth_session_unref);
  again = hearth_session_cache_get (cache, 1, model, 512);
  g_assert_true (again != one);
  assert_closed (engine, one);

  /* By bytes: room for one and a half sessions keeps one. */
  bytes = hearth_session_get_kv_bytes (three);
  g_assert_cmpuint (bytes, ==, 256 * hearth_model_get_kv_bytes_per_position (model));
  g_clear_object (&cache);
  cache = hearth_session_cache_new (engine, 8, bytes * 3 / 2);
  g_clear_pointer (&one, hearth_session_unref);
  g_clear_pointer (&two, hearth_session_unref);
  one = hearth_session_cache_get (cache, 1, model, 256);
  two = hearth_session_cache_get (cache, 2, model, 256);
  g_assert_cmpuint (hearth_session_cache_get_n_sessions (cache), ==, 1);
  g_assert_cmpuint (hearth_session_cache_get_bytes (cache), ==, bytes);
  assert_closed (engine, one);

  /* Another model: the old model's sessions are closed. */
  if (!g_file_test (q8_path, G_FILE_TEST_EXISTS))
    return;
  q8 = load_model (engine, q8_path);
  hearth_session_cache_drop_model (cache, model);
  g_assert_cmpuint (hearth_session_cache_get_n_sessions (cache), ==, 0);
  assert_closed (engine, two);
  other = hearth_session_cache_get (cache, 2, q8, 256);
  g_assert_true (hearth_session_get_model (other) == q8);
}

/* ---- which turns to leave out, on the engine itself ---- */

typedef struct {
  gboolean done;
  gboolean ok;
  guint    first;
  GError  *error;
} Fitted;

static void
context_fitted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fitted *fitted = user_data;

  fitted->ok = hearth_engine_fit_context_finish (NULL, result, &fitted->first, &fitted->error);
  fitted->done = TRUE;
}

static gboolean
fitted_done (gpointer data)
{
  return ((Fitted *) data)->done;
}

static Fitted
fit (HearthEngine *engine, HearthSession *session, const HearthChatMessage *messages, guint n, guint reserve)
{
  Fitted fitted = { 0 };

  hearth_engine_fit_context_async (engine, session, messages, n, reserve, NULL, context_fitted, &fitted);
  ui_wait_for (fitted_done, &fitted, "the engine to fit the context");
  return fitted;
}

static void
test_fit_context (void)
{
  g_autofree char *path = ui_shared_model ();
  g_autoptr(HearthEngine) engine = NULL;
  g_autoptr(HearthModel) model = NULL;
  g_autoptr(HearthSession) session = NULL;
  g_autoptr(GString) long_text = g_string_new (NULL);
  HearthChatMessage turns[] = {
    { "user", "Tell me a story." },
    { "assistant", "Once upon a time there was a cat. The cat liked to sit in the sun by the door. "
                   "One day the cat saw a bird in the tree and wanted to play with it." },
    { "user", "And then?" },
    { "assistant", "The cat found a big red ball and played all day. Her mom said it was time to eat, "
                   "so the cat ran home and ate her fish. Then she went to sleep." },
    { "user", "What happened next?" },
  };
  HearthChatMessage only_answer[] = { { "assistant", "Hello." } };
  HearthChatMessage too_long[] = { { "user", NULL } };
  Fitted all, some, none, no_user;

  if (path == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing");
      return;
    }
  engine = hearth_engine_new ();
  model = load_model (engine, path);
  session = hearth_engine_new_session (engine, model, SMALL_CONTEXT);

  /* Everything fits: nothing is left out. */
  all = fit (engine, session, turns, G_N_ELEMENTS (turns), 16);
  g_assert_no_error (all.error);
  g_assert_true (all.ok);
  g_assert_cmpuint (all.first, ==, 0);

  /* A reserve that only the last turns leave room for: whole turns go,
   * and the start is a user message. */
  some = fit (engine, session, turns, G_N_ELEMENTS (turns), SMALL_CONTEXT - 60);
  g_assert_no_error (some.error);
  g_test_message ("with %u positions kept free the context starts at message %u", SMALL_CONTEXT - 60, some.first);
  g_assert_cmpuint (some.first, >, 0);
  g_assert_cmpstr (turns[some.first].role, ==, "user");

  /* Even the last message alone does not fit: the numbers, not a cut. */
  for (guint i = 0; i < 100; i++)
    g_string_append (long_text, "The cat sat on the mat. ");
  too_long[0].content = long_text->str;
  none = fit (engine, session, too_long, 1, 16);
  g_assert_error (none.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL);
  g_assert_true (strstr (none.error->message, "context holds 256") != NULL);
  g_clear_error (&none.error);

  no_user = fit (engine, session, only_answer, 1, 16);
  g_assert_error (no_user.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&no_user.error);
  hearth_engine_close_session (engine, session);
}

/* ---- killing the app while an answer streams ---- */

#define KILL_CHILD_ENV "HEARTH_UI_CONTEXT_KILL_CHILD"
#define KILL_PROMPT "Once upon a time"
#define KILL_AFTER_US (2 * G_TIME_SPAN_SECOND)

static const char *test_program;
static gint64 killed_chat_id;
static char *stored_answer;

/* Child: what the window shows of the streaming answer, line by line:
 * "S <monotonic µs> <base64 text> E" (E: the line is whole). */
static void
print_snapshot (HearthMessageObject *answer)
{
  const char *text = hearth_message_object_get_content (answer);
  g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  printf ("S %" G_GINT64_FORMAT " %s E\n", g_get_monotonic_time (), encoded);
  fflush (stdout);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Chats with a long answer budget until the parent kills it. */
static void
drive_kill_child (UiFixture *f)
{
  g_autoptr(GSettings) settings = app_settings ();

  g_settings_set_uint (settings, "context-length", 4096);
  g_settings_set_uint (settings, "max-tokens", 4096);
  if (!start_chat (f))
    return;
  printf ("C %" G_GINT64_FORMAT " E\n", hearth_chat_object_get_id (current_chat (f)));
  fflush (stdout);
  ui_send (f, KILL_PROMPT);
  g_signal_connect (ui_message_at (f, 1), "notify::content", G_CALLBACK (print_snapshot), NULL);
  ui_wait_for (never, NULL, "the parent to kill this process");
}

static void
test_kill_child (void)
{
  ui_test_run_app (drive_kill_child);
}

typedef struct {
  gint64 time;
  char  *text;
} Snapshot;

static void
snapshot_clear (Snapshot *snapshot)
{
  g_free (snapshot->text);
}

/* Reads the child's lines until it has streamed for KILL_AFTER_US, kills
 * it with SIGKILL, then reads what it wrote before dying. */
static GArray *
stream_and_kill (GSubprocess *child)
{
  g_autoptr(GDataInputStream) lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  GArray *snapshots = g_array_new (FALSE, FALSE, sizeof (Snapshot));
  gboolean killed = FALSE;
  char *line;

  g_array_set_clear_func (snapshots, (GDestroyNotify) snapshot_clear);
  while ((line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (line, " ", -1);
      guint n = g_strv_length (fields);

      g_free (line);
      if (n < 3 || !g_str_equal (fields[n - 1], "E"))
        continue;
      if (g_str_equal (fields[0], "C"))
        killed_chat_id = g_ascii_strtoll (fields[1], NULL, 10);
      else if (g_str_equal (fields[0], "S"))
        {
          gsize len;
          guchar *text = n == 4 ? g_base64_decode (fields[2], &len) : (guchar *) g_strdup ("");
          Snapshot snapshot = { g_ascii_strtoll (fields[1], NULL, 10), n == 4 ? g_strndup ((char *) text, len) : g_strdup ("") };

          g_free (text);
          g_array_append_val (snapshots, snapshot);
          if (!killed && snapshot.time - g_array_index (snapshots, Snapshot, 0).time >= KILL_AFTER_US)
            {
              g_subprocess_force_exit (child); /* SIGKILL */
              killed = TRUE;
            }
        }
    }
  g_assert_true (killed);
  return snapshots;
}

/* The user message whole; the answer still "streaming", a prefix of what
 * the window showed, lacking at most what it showed in the last
 * STORE_LAG_US before the kill. */
static void
assert_killed_store (const char *path, GArray *snapshots)
{
  g_autoptr(sqlite3) db = store_test_open_raw (path);
  g_autofree char *integrity = store_test_query_text (db, "PRAGMA integrity_check");
  g_autofree char *user_sql = g_strdup_printf ("SELECT content || '|' || state FROM messages "
                                               "WHERE chat_id = %" G_GINT64_FORMAT " AND position = 0", killed_chat_id);
  g_autofree char *answer_sql = g_strdup_printf ("SELECT content FROM messages WHERE chat_id = %" G_GINT64_FORMAT
                                                 " AND position = 1 AND state = 'streaming'", killed_chat_id);
  g_autofree char *user = store_test_query_text (db, user_sql);
  Snapshot *last = &g_array_index (snapshots, Snapshot, snapshots->len - 1);
  guint n_older = 0;

  g_assert_cmpstr (integrity, ==, "ok");
  g_assert_cmpstr (user, ==, KILL_PROMPT "|complete");
  stored_answer = store_test_query_text (db, answer_sql);
  g_assert_nonnull (stored_answer);
  g_assert_true (g_str_has_prefix (last->text, stored_answer));
  g_test_message ("%zu of %zu characters stored", strlen (stored_answer), strlen (last->text));
  for (guint i = 0; i < snapshots->len; i++)
    {
      Snapshot *shown = &g_array_index (snapshots, Snapshot, i);

      if (last->time - shown->time < STORE_LAG_US)
        continue;
      n_older++;
      if (!g_str_has_prefix (stored_answer, shown->text))
        g_error ("%zu characters shown %.2f s before the kill are not all stored (%zu are)", strlen (shown->text),
                 (last->time - shown->time) / 1e6, strlen (stored_answer));
    }
  g_assert_cmpuint (n_older, >, 0);
  g_assert_cmpstr (stored_answer, !=, "");
}

static gboolean
killed_chat_shown (gpointer data)
{
  UiFixture *f = data;

  return hearth_window_get_ready (f->window) && ui_conversation (f) != NULL &&
         hearth_chat_object_get_id (current_chat (f)) == killed_chat_id && ui_conversation_loaded (f);
}

/* The restarted app shows the answer, stopped. */
static void
drive_after_kill (UiFixture *f)
{
  GListModel *chats;
  HearthMessageObject *answer;

  ui_wait_for (window_ready, f, "the chat list");
  chats = hearth_window_get_chats (f->window);
  for (guint i = 0; i < g_list_model_get_n_items (chats); i++)
    {
      g_autoptr(HearthChatObject) chat = g_list_model_get_item (chats, i);

      if (hearth_chat_object_get_id (chat) == killed_chat_id)
        select_chat (f, chat);
    }
  ui_wait_for (killed_chat_shown, f, "the killed chat");
  g_assert_cmpuint (ui_n_messages (f), ==, 2);
  answer = ui_message_at (f, 1);
  g_assert_cmpint (hearth_message_object_get_state (answer), ==, HEARTH_MESSAGE_STOPPED);
  g_assert_cmpstr (hearth_message_object_get_content (answer), ==, stored_answer);
  ui_save_screenshot (GTK_WIDGET (f->window), "context-after-kill");
}

static void
test_kill_mid_answer (void)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GArray) snapshots = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *model = ui_shared_model ();
  g_autofree char *db = g_build_filename (g_getenv ("XDG_DATA_HOME"), "hearth", "hearth.db", NULL);

  if (model == NULL)
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/stories260K.gguf is missing: cannot chat");
      return;
    }
  g_subprocess_launcher_setenv (launcher, KILL_CHILD_ENV, "1", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, test_program, "-p", "/ui-context/kill-child", NULL);
  g_assert_no_error (error);
  snapshots = stream_and_kill (child);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  g_assert_cmpint (killed_chat_id, >, 0);
  assert_killed_store (db, snapshots);
  ui_test_run_app (drive_after_kill);
  g_clear_pointer (&stored_answer, g_free);
}

int
main (int argc, char **argv)
{
  test_program = argv[0];
  ui_test_init (&argc, &argv);
  if (g_getenv (KILL_CHILD_ENV) != NULL)
    g_test_add_func ("/ui-context/kill-child", test_kill_child);
  g_test_add_func ("/ui-context/session-cache-bounds", test_session_cache_bounds);
  g_test_add_func ("/ui-context/fit-context", test_fit_context);
  g_test_add_func ("/ui-context/drop-oldest-turns", test_drop_oldest);
  g_test_add_func ("/ui-context/new-chat-carries-message", test_new_chat);
  g_test_add_func ("/ui-context/sessions-kept", test_sessions_kept);
  g_test_add_func ("/ui-context/kill-mid-answer", test_kill_mid_answer);
  return ui_test_run ();
}
