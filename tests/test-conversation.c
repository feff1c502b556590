#define G_LOG_DOMAIN "hearth-test-conversation"

/* HearthConversation without a display: a chat of stories260K, greedy, its
 * exact texts as they stream, stop, regenerate, edit and drop the oldest
 * turns from a small context. The texts are the engine's greedy
 * continuations, which tests/test-cli-generate.c ties to hearth-cli and
 * test-llama-cli to llama.cpp. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hearth-conversation.h"
#include "shared-test-util.h"

#define MAX_TOKENS 16

/* "Once upon a time" → */
#define ANSWER_1 ", there was a little girl named Lily. She loved to play"
/* "Tim had a dog." → */
#define ANSWER_TIM " He liked to play with his toys. He liked to play"
/* "Once upon a time", ANSWER_1, "Lily had a cat." → */
#define ANSWER_LILY " One day, she went to the park to play with her friend"

typedef struct {
  char               *dir;
  HearthStoreWorker  *worker;
  HearthEngine       *engine;
  HearthModel        *model;
  HearthSession      *session;
  HearthChatObject   *chat;
  HearthConversation *conversation;
  GString            *streamed;   /* the answer's text as notify::content reported it */
} Fixture;

typedef struct {
  gboolean done;
  gpointer value;
  GError  *error;
} Wait;

static void
wait_for (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w->error);
}

static void
loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->value = hearth_engine_load_model_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
store_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->value = hearth_store_worker_run_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
opened (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  hearth_store_worker_open_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static gpointer
create_chat (HearthStore *store, gpointer data, GError **error)
{
  gint64 id = hearth_store_create_chat (store, "a story", NULL, error);

  return id > 0 ? hearth_store_get_chat (store, id, error) : NULL;
}

typedef gboolean (*Condition) (Fixture *f);

static gboolean
time_is_up (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_until (Condition condition, Fixture *f, const char *what)
{
  gboolean late = FALSE;
  guint timeout = g_timeout_add_seconds (120, time_is_up, &late);

  while (!condition (f) && !late)
    g_main_context_iteration (NULL, TRUE);
  if (late)
    g_error ("gave up waiting for %s", what);
  g_source_remove (timeout);
}

static gboolean is_loaded (Fixture *f) { return hearth_conversation_get_loaded (f->conversation); }
static gboolean is_idle (Fixture *f) { return !hearth_conversation_get_generating (f->conversation); }

static HearthMessageObject *
message_at (Fixture *f, guint i)
{
  GListModel *messages = hearth_conversation_get_messages (f->conversation);
  g_autoptr (HearthMessageObject) message = g_list_model_get_item (messages, i);

  return message;
}

static guint
n_messages (Fixture *f)
{
  return g_list_model_get_n_items (hearth_conversation_get_messages (f->conversation));
}

static const char *
text_at (Fixture *f, guint i)
{
  return hearth_message_object_get_content (message_at (f, i));
}

static gboolean
has_text (Fixture *f)
{
  return n_messages (f) > 0 && *text_at (f, n_messages (f) - 1) != '\0';
}

static void
send (Fixture *f, const char *text)
{
  g_assert_true (hearth_conversation_send_with_images (f->conversation, text, NULL));
}

static void
fixture_set_up (Fixture *f, guint n_ctx)
{
  g_autofree char *path = hearth_test_shared_path ("models/stories260K.gguf");
  g_autofree char *db = NULL;
  g_autoptr (HearthChat) chat = NULL;
  HearthSamplingParams params;
  Wait load = { 0 }, open = { 0 }, create = { 0 };

  memset (f, 0, sizeof *f);
  if (path == NULL)
    return;
  f->dir = g_dir_make_tmp ("hearth-conversation-XXXXXX", NULL);
  db = g_build_filename (f->dir, "history.db", NULL);
  f->worker = hearth_store_worker_new (db);
  hearth_store_worker_open_async (f->worker, opened, &open);
  wait_for (&open);
  hearth_store_worker_run_async (f->worker, create_chat, NULL, NULL,
                                 (GDestroyNotify) hearth_chat_free, NULL, store_done, &create);
  wait_for (&create);
  chat = create.value;

  f->engine = hearth_engine_new ();
  hearth_engine_load_model_async (f->engine, path, NULL, NULL, loaded, &load);
  wait_for (&load);
  f->model = load.value;
  f->session = hearth_engine_new_session (f->engine, f->model, n_ctx);

  f->chat = hearth_chat_object_new (chat);
  f->conversation = hearth_conversation_new (f->worker, f->engine, f->chat);
  iterate_until (is_loaded, f, "the chat to load");
  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0;
  params.max_tokens = MAX_TOKENS;
  hearth_conversation_set_sampling_params (f->conversation, &params);
  hearth_conversation_set_session (f->conversation, f->session);
}

static void
fixture_tear_down (Fixture *f)
{
  g_autofree char *db = NULL;

  if (f->dir == NULL)
    return;
  g_clear_object (&f->conversation);
  g_clear_object (&f->chat);
  hearth_engine_close_session (f->engine, f->session);
  g_clear_pointer (&f->session, hearth_session_unref);
  hearth_engine_unload_model (f->engine, f->model);
  g_clear_pointer (&f->model, hearth_model_unref);
  g_clear_object (&f->engine);
  hearth_store_worker_flush (f->worker);
  g_clear_object (&f->worker);
  db = g_build_filename (f->dir, "history.db", NULL);
  g_unlink (db);
  g_rmdir (f->dir);
  g_free (f->dir);
}

static void
answer (Fixture *f, const char *text)
{
  send (f, text);
  iterate_until (is_idle, f, "the answer");
}

/* The answer streams: its text grows in steps and ends complete. */
static void
test_stream (void)
{
  Fixture f;
  guint steps = 0;
  g_autofree char *before = NULL;

  fixture_set_up (&f, 0);
  if (f.dir == NULL)
    return;
  send (&f, "Once upon a time");
  before = g_strdup ("");
  while (!is_idle (&f))
    {
      const char *now;

      g_main_context_iteration (NULL, TRUE);
      now = n_messages (&f) == 2 ? text_at (&f, 1) : "";
      if (strcmp (now, before) != 0)
        {
          g_assert_true (g_str_has_prefix (now, before));
          g_free (before);
          before = g_strdup (now);
          steps++;
        }
    }
  g_assert_cmpuint (n_messages (&f), ==, 2);
  g_assert_cmpstr (text_at (&f, 0), ==, "Once upon a time");
  g_assert_cmpstr (text_at (&f, 1), ==, ANSWER_1);
  g_assert_cmpint (hearth_message_object_get_state (message_at (&f, 1)), ==, HEARTH_MESSAGE_COMPLETE);
  g_assert_cmpuint (steps, >=, 1);
  fixture_tear_down (&f);
}

/* Stop ends the answer within a token, as 'stopped', with a start of the
 * text it would have had. */
static void
test_stop (void)
{
  Fixture f;
  const char *stopped;

  fixture_set_up (&f, 0);
  if (f.dir == NULL)
    return;
  send (&f, "Once upon a time");
  iterate_until (has_text, &f, "the first text");
  hearth_conversation_stop (f.conversation);
  iterate_until (is_idle, &f, "the stopped answer");
  stopped = text_at (&f, 1);
  g_assert_cmpint (hearth_message_object_get_state (message_at (&f, 1)), ==, HEARTH_MESSAGE_STOPPED);
  g_assert_cmpstr (stopped, !=, "");
  g_assert_true (g_str_has_prefix (ANSWER_1, stopped));
  fixture_tear_down (&f);
}

/* Regenerate replaces the last answer; greedy, with the same text. */
static void
test_regenerate (void)
{
  Fixture f;

  fixture_set_up (&f, 0);
  if (f.dir == NULL)
    return;
  answer (&f, "Once upon a time");
  g_assert_true (hearth_conversation_regenerate (f.conversation));
  iterate_until (is_idle, &f, "the new answer");
  g_assert_cmpuint (n_messages (&f), ==, 2);
  g_assert_cmpstr (text_at (&f, 1), ==, ANSWER_1);
  fixture_tear_down (&f);
}

/* An edit drops the later turns and answers the new text. */
static void
test_edit (void)
{
  Fixture f;

  fixture_set_up (&f, 0);
  if (f.dir == NULL)
    return;
  answer (&f, "Tim had a dog.");
  g_assert_cmpstr (text_at (&f, 1), ==, ANSWER_TIM);
  answer (&f, " One day");
  g_assert_cmpuint (n_messages (&f), ==, 4);
  g_assert_true (hearth_conversation_edit (f.conversation, message_at (&f, 0), "Once upon a time"));
  iterate_until (is_idle, &f, "the answer to the edit");
  g_assert_cmpuint (n_messages (&f), ==, 2);
  g_assert_cmpstr (text_at (&f, 0), ==, "Once upon a time");
  g_assert_cmpstr (text_at (&f, 1), ==, ANSWER_1);
  g_assert_cmpuint (hearth_conversation_get_prompt_reused (f.conversation), >, 0);
  fixture_tear_down (&f);
}

static gboolean
context_is_full (Fixture *f)
{
  return hearth_conversation_get_context_full (f->conversation) != NULL;
}

static gboolean
is_answered_after_drop (Fixture *f)
{
  return n_messages (f) == 6 && is_idle (f);
}

/* In a context of 64 positions the third turn does not fit; dropping the
 * oldest turns answers it as if the chat began with the second. */
static void
test_drop_oldest_turns (void)
{
  Fixture f;

  fixture_set_up (&f, 64);
  if (f.dir == NULL)
    return;
  answer (&f, "Tim had a dog.");
  answer (&f, "Once upon a time");
  send (&f, "Lily had a cat.");
  iterate_until (context_is_full, &f, "the context to fill");
  /* The user message waits, without an answer. */
  g_assert_cmpuint (n_messages (&f), ==, 5);
  g_assert_true (hearth_conversation_drop_oldest_turns (f.conversation));
  iterate_until (is_answered_after_drop, &f, "the answer after the drop");
  g_assert_null (hearth_conversation_get_context_full (f.conversation));
  g_assert_cmpstr (text_at (&f, 1), ==, ANSWER_TIM);
  g_assert_cmpstr (text_at (&f, 3), ==, ANSWER_1);
  g_assert_cmpstr (text_at (&f, 5), ==, ANSWER_LILY);
  /* The first turn is out of the model's context, not out of the chat. */
  g_assert_cmpint (hearth_chat_object_get_context_start (f.chat), ==, 2);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpint (hearth_message_object_get_starts_context (message_at (&f, i)), ==, i == 2);
  fixture_tear_down (&f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/conversation/stream", test_stream);
  g_test_add_func ("/conversation/stop", test_stop);
  g_test_add_func ("/conversation/regenerate", test_regenerate);
  g_test_add_func ("/conversation/edit", test_edit);
  g_test_add_func ("/conversation/drop-oldest-turns", test_drop_oldest_turns);
  return g_test_run ();
}
