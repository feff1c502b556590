#define G_LOG_DOMAIN "hearth-test"

/* test-store-chats.c: the store's chat API: chats, streaming messages,
 * attachments, search, deletion with undo, and export. */

#include <json-glib/json-glib.h>

#include "hearth-store-private.h"
#include "test-store-util.h"

static const guint8 tiny_png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 1, 2, 3 };

typedef struct {
  char *dir;
  HearthStore *store;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  fixture->dir = store_test_make_dir ();
  path = g_build_filename (fixture->dir, "hearth.db", NULL);
  fixture->store = hearth_store_open (path, 100, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  hearth_store_close (fixture->store);
  store_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
}

static gint64
create_chat (HearthStore *store,
             const char  *title)
{
  g_autoptr(GError) error = NULL;
  gint64 id = hearth_store_create_chat (store, title, "/models/smol.gguf", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
add_message (HearthStore *store,
             gint64       chat_id,
             HearthRole   role,
             const char  *content)
{
  g_autoptr(GError) error = NULL;
  gint64 id = hearth_store_add_message (store, chat_id, role, content, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

/* A finished answer streamed in pieces. */
static gint64
stream_answer (HearthStore        *store,
               gint64              chat_id,
               const char *const  *pieces,
               HearthMessageState  final_state)
{
  g_autoptr(GError) error = NULL;
  HearthGenerationStats stats = { .prompt_tokens = 30, .completion_tokens = 12, .tokens_per_second = 41.5 };
  gint64 id = hearth_store_begin_streaming (store, chat_id, &error);

  g_assert_no_error (error);
  for (guint i = 0; pieces[i] != NULL; i++)
    {
      hearth_store_append_streaming (store, id, pieces[i], &error);
      g_assert_no_error (error);
    }
  hearth_store_finish_streaming (store, id, final_state, &stats, &error);
  g_assert_no_error (error);
  return id;
}

static GPtrArray *
list_chats (HearthStore *store)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *chats = hearth_store_list_chats (store, &error);

  g_assert_no_error (error);
  return chats;
}

static GPtrArray *
list_messages (HearthStore *store,
               gint64       chat_id)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *messages = hearth_store_list_messages (store, chat_id, &error);

  g_assert_no_error (error);
  return messages;
}

static GPtrArray *
search (HearthStore *store,
        const char  *text)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *hits = hearth_store_search (store, text, 20, &error);

  g_assert_no_error (error);
  return hits;
}

static gint64
chat_id_at (GPtrArray *chats,
            guint      index)
{
  return ((HearthChat *) g_ptr_array_index (chats, index))->id;
}

/* ---- chats ---- */

static void
test_chats_newest_first (Fixture      *fixture,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = NULL;
  g_autoptr(HearthChat) chat = NULL;
  gint64 first = create_chat (fixture->store, "First");
  gint64 second = create_chat (fixture->store, "Second");
  gint64 third = create_chat (fixture->store, "Third");

  chats = list_chats (fixture->store);
  g_assert_cmpuint (chats->len, ==, 3);
  g_assert_cmpint (chat_id_at (chats, 0), ==, third);
  g_assert_cmpint (chat_id_at (chats, 2), ==, first);
  g_clear_pointer (&chats, g_ptr_array_unref);

  /* A new message makes a chat the most recent. */
  add_message (fixture->store, first, HEARTH_ROLE_USER, "Back to you");
  chats = list_chats (fixture->store);
  g_assert_cmpint (chat_id_at (chats, 0), ==, first);
  g_assert_cmpint (chat_id_at (chats, 1), ==, third);
  g_assert_cmpint (chat_id_at (chats, 2), ==, second);

  hearth_store_rename_chat (fixture->store, second, "Renamed", &error);
  g_assert_no_error (error);
  hearth_store_set_chat_system_prompt (fixture->store, second, "Be terse.", &error);
  g_assert_no_error (error);
  chat = hearth_store_get_chat (fixture->store, second, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (chat->title, ==, "Renamed");
  g_assert_cmpstr (chat->system_prompt, ==, "Be terse.");
  g_assert_cmpstr (chat->model_path, ==, "/models/smol.gguf");

  hearth_store_rename_chat (fixture->store, 4242, "Nobody", &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

static void
test_delete_undo_purge (Fixture      *fixture,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  gint64 kept = create_chat (fixture->store, "Kept");
  gint64 doomed = create_chat (fixture->store, "Doomed");
  guint n_purged = 0;

  add_message (fixture->store, doomed, HEARTH_ROLE_USER, "my zanzibarian secret");
  hearth_store_delete_chat (fixture->store, doomed, &error);
  g_assert_no_error (error);
  chats = list_chats (fixture->store);
  g_assert_cmpuint (chats->len, ==, 1);
  g_assert_cmpint (chat_id_at (chats, 0), ==, kept);
  g_clear_pointer (&chats, g_ptr_array_unref);
  hits = search (fixture->store, "zanzibarian");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Undo brings back the chat with its messages. */
  hearth_store_restore_chat (fixture->store, doomed, &error);
  g_assert_no_error (error);
  chats = list_chats (fixture->store);
  g_assert_cmpuint (chats->len, ==, 2);
  hits = search (fixture->store, "zanzibarian");
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Purged, it is gone for good. */
  hearth_store_delete_chat (fixture->store, doomed, &error);
  g_assert_no_error (error);
  hearth_store_purge_deleted_chats (fixture->store, G_MAXINT64, &n_purged, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_purged, ==, 1);
  hearth_store_restore_chat (fixture->store, doomed, &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (store_test_query_int (fixture->store->db,
                                         "SELECT count(*) FROM messages WHERE chat_id NOT IN (SELECT id FROM chats)"),
                   ==, 0);
}

static gboolean
bytes_contain (GBytes     *bytes,
               const char *needle)
{
  gsize size;
  const void *data = g_bytes_get_data (bytes, &size);

  return memmem (data, size, needle, strlen (needle)) != NULL;
}

/* secure_delete, the index merge and the log truncation leave no copy of
 * a purged chat's text in the files. */
static void
test_purge_leaves_no_trace (Fixture      *fixture,
                            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *path = hearth_store_get_path (fixture->store);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  gint64 chat_id = create_chat (fixture->store, "Diary");
  const char *const pieces[] = { "the password is ", "quetzalcoatlus-7781", NULL };

  add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "remember xylophonic-4417 for me");
  stream_answer (fixture->store, chat_id, pieces, HEARTH_MESSAGE_COMPLETE);
  hearth_store_truncate_chat (fixture->store, chat_id, 0, &error);
  g_assert_no_error (error);
  hearth_store_delete_chat (fixture->store, chat_id, &error);
  g_assert_no_error (error);
  hearth_store_purge_deleted_chats (fixture->store, G_MAXINT64, NULL, &error);
  g_assert_no_error (error);

  {
    g_autoptr(GBytes) db_bytes = store_test_read_file (path);
    g_autoptr(GBytes) wal_bytes = store_test_read_file (wal);

    g_assert_false (bytes_contain (db_bytes, "xylophon"));
    g_assert_false (bytes_contain (db_bytes, "quetzalcoatl"));
    g_assert_false (bytes_contain (wal_bytes, "xylophon"));
    g_assert_false (bytes_contain (wal_bytes, "quetzalcoatl"));
  }
}

static void
test_chat_settings (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 id = create_chat (fixture->store, "Own settings");
  HearthChat settings = { .id = id, .model_path = "/models/other.gguf", .system_prompt = "Be brief.",
                          .temperature = 0.25, .context_length = 768 };
  g_autoptr(HearthChat) chat = hearth_store_get_chat (fixture->store, id, &error);

  /* A new chat follows the app's settings. */
  g_assert_no_error (error);
  g_assert_cmpfloat (chat->temperature, <, 0);
  g_assert_cmpuint (chat->context_length, ==, 0);
  g_clear_pointer (&chat, hearth_chat_free);

  g_assert_true (hearth_store_set_chat_settings (fixture->store, &settings, &error));
  g_assert_no_error (error);
  chat = hearth_store_get_chat (fixture->store, id, &error);
  g_assert_cmpstr (chat->model_path, ==, "/models/other.gguf");
  g_assert_cmpstr (chat->system_prompt, ==, "Be brief.");
  g_assert_cmpfloat (chat->temperature, ==, 0.25);
  g_assert_cmpuint (chat->context_length, ==, 768);
  g_clear_pointer (&chat, hearth_chat_free);

  /* Back to the app's settings. */
  settings = (HearthChat) { .id = id, .model_path = "/models/other.gguf", .temperature = -1 };
  g_assert_true (hearth_store_set_chat_settings (fixture->store, &settings, &error));
  chat = hearth_store_get_chat (fixture->store, id, &error);
  g_assert_null (chat->system_prompt);
  g_assert_cmpfloat (chat->temperature, <, 0);
  g_assert_cmpuint (chat->context_length, ==, 0);

  /* The schema refuses what the sampler cannot use. */
  settings.temperature = 7;
  g_assert_false (hearth_store_set_chat_settings (fixture->store, &settings, &error));
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED);
  g_clear_error (&error);
  settings = (HearthChat) { .id = id + 100, .temperature = -1 };
  g_assert_false (hearth_store_set_chat_settings (fixture->store, &settings, &error));
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

static void
test_erase_history (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *path = hearth_store_get_path (fixture->store);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  const char *const pieces[] = { "a secret: ", "pterodactylus-5512", NULL };
  gint64 first = create_chat (fixture->store, "Diary");
  gint64 second = create_chat (fixture->store, "Notes");
  gint64 message = add_message (fixture->store, first, HEARTH_ROLE_USER, "remember marimbaphone-9931");
  HearthHistorySize size = { 0 };

  stream_answer (fixture->store, first, pieces, HEARTH_MESSAGE_COMPLETE);
  add_message (fixture->store, second, HEARTH_ROLE_USER, "another marimbaphone-9931");
  hearth_store_add_attachment (fixture->store, message, "image/png", 1, 1,
                               g_bytes_new_static (tiny_png, sizeof tiny_png), &error);
  g_assert_no_error (error);
  g_assert_true (hearth_store_delete_chat (fixture->store, second, &error));

  g_assert_true (hearth_store_get_history_size (fixture->store, &size, &error));
  /* A deleted chat not purged yet still counts: its text is on disk. */
  g_assert_cmpuint (size.n_chats, ==, 2);
  g_assert_cmpuint (size.n_messages, ==, 3);
  g_assert_cmpuint (size.n_attachments, ==, 1);
  g_assert_cmpuint (size.bytes, >, 0);

  g_assert_true (hearth_store_erase_history (fixture->store, &error));
  g_assert_no_error (error);
  g_assert_true (hearth_store_get_history_size (fixture->store, &size, &error));
  g_assert_cmpuint (size.n_chats + size.n_messages + size.n_attachments, ==, 0);
  {
    g_autoptr(GBytes) db_bytes = store_test_read_file (path);
    g_autoptr(GBytes) wal_bytes = store_test_read_file (wal);

    g_assert_false (bytes_contain (db_bytes, "marimbaphone"));
    g_assert_false (bytes_contain (db_bytes, "pterodactyl"));
    g_assert_false (bytes_contain (db_bytes, "Diary"));
    g_assert_false (bytes_contain (wal_bytes, "marimbaphone"));
    g_assert_false (bytes_contain (wal_bytes, "pterodactyl"));
  }
  /* The store goes on working. */
  create_chat (fixture->store, "After");
}

/* ---- messages ---- */

static void
test_streaming_message (Fixture      *fixture,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  gint64 chat_id = create_chat (fixture->store, "Streams");
  HearthGenerationStats stats = { .prompt_tokens = 8, .completion_tokens = 3, .tokens_per_second = 20.0 };
  HearthMessage *answer;
  gint64 answer_id;

  add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "Say hi");
  answer_id = hearth_store_begin_streaming (fixture->store, chat_id, &error);
  g_assert_no_error (error);
  hearth_store_append_streaming (fixture->store, answer_id, "Hi", &error);
  g_assert_no_error (error);
  hearth_store_append_streaming (fixture->store, answer_id, " there ☺", &error);
  g_assert_no_error (error);

  messages = list_messages (fixture->store, chat_id);
  g_assert_cmpuint (messages->len, ==, 2);
  answer = g_ptr_array_index (messages, 1);
  g_assert_cmpint (answer->position, ==, 1);
  g_assert_cmpint (answer->role, ==, HEARTH_ROLE_ASSISTANT);
  g_assert_cmpint (answer->state, ==, HEARTH_MESSAGE_STREAMING);
  g_assert_cmpstr (answer->content, ==, "Hi there ☺");
  g_assert_cmpint (answer->prompt_tokens, ==, -1);
  g_clear_pointer (&messages, g_ptr_array_unref);

  hearth_store_finish_streaming (fixture->store, answer_id, HEARTH_MESSAGE_STOPPED, &stats, &error);
  g_assert_no_error (error);
  messages = list_messages (fixture->store, chat_id);
  answer = g_ptr_array_index (messages, 1);
  g_assert_cmpint (answer->state, ==, HEARTH_MESSAGE_STOPPED);
  g_assert_cmpint (answer->prompt_tokens, ==, 8);
  g_assert_cmpint (answer->completion_tokens, ==, 3);
  g_assert_cmpfloat (answer->tokens_per_second, ==, 20.0);

  /* A finished message takes no more text. */
  hearth_store_append_streaming (fixture->store, answer_id, "late", &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  hearth_store_finish_streaming (fixture->store, answer_id, HEARTH_MESSAGE_COMPLETE, NULL, &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  hearth_store_add_message (fixture->store, 999, HEARTH_ROLE_USER, "to nowhere", &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

static void
test_truncate_and_resend (Fixture      *fixture,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GBytes) image = g_bytes_new_static (tiny_png, sizeof tiny_png);
  gint64 chat_id = create_chat (fixture->store, "Edits");
  const char *const answer[] = { "Paris.", NULL };
  gint64 question;

  add_message (fixture->store, chat_id, HEARTH_ROLE_SYSTEM, "You are helpful.");
  question = add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "Capital of France?");
  hearth_store_add_attachment (fixture->store, question, "image/png", 1, 1, image, &error);
  g_assert_no_error (error);
  stream_answer (fixture->store, chat_id, answer, HEARTH_MESSAGE_COMPLETE);

  /* Edit the question: everything from it on goes, then it is re-added. */
  hearth_store_truncate_chat (fixture->store, chat_id, 0, &error);
  g_assert_no_error (error);
  attachments = hearth_store_list_attachments (fixture->store, question, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 0);
  add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "Capital of Italy?");

  messages = list_messages (fixture->store, chat_id);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (((HearthMessage *) g_ptr_array_index (messages, 0))->role, ==, HEARTH_ROLE_SYSTEM);
  g_assert_cmpint (((HearthMessage *) g_ptr_array_index (messages, 1))->position, ==, 1);
  g_assert_cmpstr (((HearthMessage *) g_ptr_array_index (messages, 1))->content, ==, "Capital of Italy?");
}

static void
test_attachments (Fixture      *fixture,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(GBytes) jpeg = g_bytes_new_static ("\xff\xd8\xff", 3);
  gint64 chat_id = create_chat (fixture->store, "Pictures");
  gint64 message = add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "What is this?");
  HearthAttachment *first, *second;

  hearth_store_add_attachment (fixture->store, message, "image/png", 640, 480, png, &error);
  g_assert_no_error (error);
  hearth_store_add_attachment (fixture->store, message, "image/jpeg", 32, 16, jpeg, &error);
  g_assert_no_error (error);

  attachments = hearth_store_list_attachments (fixture->store, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 2);
  first = g_ptr_array_index (attachments, 0);
  second = g_ptr_array_index (attachments, 1);
  g_assert_cmpstr (first->mime, ==, "image/png");
  g_assert_cmpint (first->width, ==, 640);
  g_assert_cmpint (first->height, ==, 480);
  g_assert_true (g_bytes_equal (first->data, png));
  g_assert_cmpstr (second->mime, ==, "image/jpeg");
  g_assert_true (g_bytes_equal (second->data, jpeg));

  hearth_store_add_attachment (fixture->store, 31337, "image/png", 1, 1, png, &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

/* A message and its images are one write: all of them or none. */
static void
test_message_with_attachments (Fixture      *fixture,
                               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  g_autoptr(sqlite3) raw = store_test_open_raw (hearth_store_get_path (fixture->store));
  HearthAttachment first = { 0, 0, "image/png", 1, 1, png };
  HearthAttachment refused = { 0, 0, "image/refused", 1, 1, png };
  const HearthAttachment *both[] = { &first, &first, NULL };
  const HearthAttachment *with_refused[] = { &first, &refused, NULL };
  gint64 chat_id = create_chat (fixture->store, "Pictures");
  gint64 message;

  message = hearth_store_add_message_with_attachments (fixture->store, chat_id, HEARTH_ROLE_USER,
                                                       "Which is brighter?", both, &error);
  g_assert_no_error (error);
  attachments = hearth_store_list_attachments (fixture->store, message, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 2);
  g_assert_cmpint (((HearthAttachment *) attachments->pdata[1])->message_id, ==, message);
  g_assert_true (g_bytes_equal (((HearthAttachment *) attachments->pdata[1])->data, png));

  /* The second image fails (a trigger stands for a full disk): the message
   * and the first image must not stay behind. */
  store_test_exec_raw (raw, "CREATE TRIGGER refuse BEFORE INSERT ON attachments "
                            "WHEN NEW.mime = 'image/refused' BEGIN SELECT RAISE (ABORT, 'refused'); END");
  g_assert_cmpint (hearth_store_add_message_with_attachments (fixture->store, chat_id, HEARTH_ROLE_USER,
                                                              "Lost?", with_refused, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);
  messages = hearth_store_list_messages (fixture->store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpint (store_test_query_int (raw, "SELECT COUNT(*) FROM attachments"), ==, 2);

  /* No chat: nothing at all. */
  g_assert_cmpint (hearth_store_add_message_with_attachments (fixture->store, 31337, HEARTH_ROLE_USER,
                                                              "Anyone?", both, &error), ==, 0);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_assert_cmpint (store_test_query_int (raw, "SELECT COUNT(*) FROM attachments"), ==, 2);
}

/* ---- search ---- */

static HearthSearchHit *
only_hit (GPtrArray *hits)
{
  g_assert_cmpuint (hits->len, ==, 1);
  return g_ptr_array_index (hits, 0);
}

static void
test_search (Fixture      *fixture,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  gint64 sports = create_chat (fixture->store, "Sports");
  gint64 greetings = create_chat (fixture->store, "Greetings");
  gint64 run_id = add_message (fixture->store, sports, HEARTH_ROLE_USER, "I like to run in the morning");
  gint64 before = g_get_real_time ();
  gint64 hello_id = add_message (fixture->store, greetings, HEARTH_ROLE_USER, "hello wonderful world");
  gint64 photo_id = add_message (fixture->store, greetings, HEARTH_ROLE_ASSISTANT, "Old photographs fade.");
  const char *const pieces[] = { "The marathon ", "is long", NULL };
  HearthSearchHit *hit;
  gint64 streaming;

  /* Stemming: "running" and "run" share the stem "run". */
  hits = search (fixture->store, "running");
  hit = only_hit (hits);
  g_assert_cmpint (hit->message_id, ==, run_id);
  g_assert_cmpint (hit->chat_id, ==, sports);
  g_assert_cmpstr (hit->chat_title, ==, "Sports");
  g_assert_nonnull (strstr (hit->snippet, HEARTH_STORE_MATCH_START "run" HEARTH_STORE_MATCH_END));
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Every word matches as a prefix, as one types: "hel" finds "hello",
   * "photo" finds "photograph"; a '*' the user adds changes nothing. */
  hits = search (fixture->store, "hel");
  g_assert_cmpint (only_hit (hits)->message_id, ==, hello_id);
  g_assert_cmpint (only_hit (hits)->created_at, >=, before);
  g_assert_cmpint (only_hit (hits)->created_at, <=, g_get_real_time ());
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (fixture->store, "hel*");
  g_assert_cmpint (only_hit (hits)->message_id, ==, hello_id);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (fixture->store, "photo");
  hit = only_hit (hits);
  g_assert_cmpint (hit->message_id, ==, photo_id);
  g_assert_nonnull (strstr (hit->snippet, HEARTH_STORE_MATCH_START "photographs" HEARTH_STORE_MATCH_END));
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (fixture->store, "helx");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Quotes and operators around words are separators, not syntax. */
  hits = search (fixture->store, "\"wonderful\" -(world:)");
  g_assert_cmpint (only_hit (hits)->message_id, ==, hello_id);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* Every word must match, across all chats. */
  hits = search (fixture->store, "hello morning");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* An answer is found once it finished streaming. */
  streaming = hearth_store_begin_streaming (fixture->store, sports, &error);
  g_assert_no_error (error);
  hearth_store_append_streaming (fixture->store, streaming, "a marathon", &error);
  g_assert_no_error (error);
  hits = search (fixture->store, "marathon");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hearth_store_finish_streaming (fixture->store, streaming, HEARTH_MESSAGE_COMPLETE, NULL, &error);
  g_assert_no_error (error);
  stream_answer (fixture->store, greetings, pieces, HEARTH_MESSAGE_COMPLETE);
  hits = search (fixture->store, "marathons");
  g_assert_cmpuint (hits->len, ==, 2);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* What the user types is never FTS syntax, so never a syntax error. */
  {
    const char *const odd[] = { "\"", "AND", "NEAR(", "-run", "col:x", "*", "   ", "^hello", "()",
                                "\"\"*", "a\"b", "NOT", "OR \"", "x:\"y\"", "'", "{a b}", "é*" };

    for (guint i = 0; i < G_N_ELEMENTS (odd); i++)
      {
        g_autoptr(GPtrArray) odd_hits = hearth_store_search (fixture->store, odd[i], 20, &error);
        g_assert_no_error (error);
        g_assert_nonnull (odd_hits);
      }
  }
}

/* ---- export ---- */

/* A chat with a picture question and two answers, the last one stopped. */
static gint64
create_exportable_chat (HearthStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = g_bytes_new_static (tiny_png, sizeof tiny_png);
  gint64 chat_id = create_chat (store, "Cat picture");
  gint64 question = add_message (store, chat_id, HEARTH_ROLE_USER, "What animal is this?");
  const char *const answer[] = { "It is a **cat**.", NULL };
  const char *const cut[] = { "Cats purr when", NULL };

  hearth_store_add_attachment (store, question, "image/png", 4, 3, png, &error);
  g_assert_no_error (error);
  stream_answer (store, chat_id, answer, HEARTH_MESSAGE_COMPLETE);
  add_message (store, chat_id, HEARTH_ROLE_USER, "Why do they purr?");
  stream_answer (store, chat_id, cut, HEARTH_MESSAGE_STOPPED);
  return chat_id;
}

static void
assert_in_order (const char        *text,
                 const char *const *parts)
{
  const char *at = text;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *found = strstr (at, parts[i]);

      if (found == NULL)
        g_error ("“%s” missing (in order) from:\n%s", parts[i], text);
      at = found + strlen (parts[i]);
    }
}

static void
test_export_markdown (Fixture      *fixture,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *md_path = g_build_filename (fixture->dir, "cat chat.md", NULL);
  g_autofree char *image_path = g_build_filename (fixture->dir, "cat chat-image-1.png", NULL);
  g_autoptr(GBytes) md = NULL;
  g_autoptr(GBytes) image = NULL;
  g_autofree char *text = NULL;
  gint64 chat_id = create_exportable_chat (fixture->store);
  const char *const parts[] = {
    "# Cat picture\n", "Model: smol.gguf",
    "## You · ", "![Image 1](<cat chat-image-1.png>)", "What animal is this?",
    "## Assistant · ", "It is a **cat**.",
    "## You · ", "Why do they purr?",
    "## Assistant · ", "Cats purr when", "*(stopped before the end)*",
    NULL,
  };

  hearth_store_export_markdown (fixture->store, chat_id, md_path, &error);
  g_assert_no_error (error);

  md = store_test_read_file (md_path);
  text = g_strndup (g_bytes_get_data (md, NULL), g_bytes_get_size (md));
  assert_in_order (text, parts);
  g_assert_null (strstr (text, "Image 2"));
  g_assert_cmpuint (store_test_file_mode (md_path), ==, 0600);

  image = store_test_read_file (image_path);
  g_assert_cmpmem (g_bytes_get_data (image, NULL), g_bytes_get_size (image), tiny_png, sizeof tiny_png);
  g_assert_cmpuint (store_test_file_mode (image_path), ==, 0600);

  hearth_store_export_markdown (fixture->store, 777, md_path, &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

static void
test_export_json (Fixture      *fixture,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = g_build_filename (fixture->dir, "chat.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree guchar *decoded = NULL;
  gint64 chat_id = create_exportable_chat (fixture->store);
  JsonObject *root, *question, *answer, *image;
  JsonArray *messages;
  gsize decoded_length;

  hearth_store_export_json (fixture->store, chat_id, json_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (store_test_file_mode (json_path), ==, 0600);

  json_parser_load_from_file (parser, json_path, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "hearth-chat");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (root, "title"), ==, "Cat picture");
  g_assert_cmpstr (json_object_get_string_member (root, "model_path"), ==, "/models/smol.gguf");
  g_assert_true (json_object_get_null_member (root, "system_prompt"));

  messages = json_object_get_array_member (root, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 4);
  question = json_array_get_object_element (messages, 0);
  g_assert_cmpstr (json_object_get_string_member (question, "role"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (question, "content"), ==, "What animal is this?");
  g_assert_false (json_object_has_member (question, "prompt_tokens"));
  image = json_array_get_object_element (json_object_get_array_member (question, "attachments"), 0);
  g_assert_cmpstr (json_object_get_string_member (image, "mime"), ==, "image/png");
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 3);
  decoded = g_base64_decode (json_object_get_string_member (image, "data_base64"), &decoded_length);
  g_assert_cmpmem (decoded, decoded_length, tiny_png, sizeof tiny_png);

  answer = json_array_get_object_element (messages, 1);
  g_assert_cmpstr (json_object_get_string_member (answer, "role"), ==, "assistant");
  g_assert_cmpstr (json_object_get_string_member (answer, "state"), ==, "complete");
  g_assert_cmpstr (json_object_get_string_member (answer, "content"), ==, "It is a **cat**.");
  g_assert_cmpint (json_object_get_int_member (answer, "prompt_tokens"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (answer, "completion_tokens"), ==, 12);
  g_assert_cmpfloat (json_object_get_double_member (answer, "tokens_per_second"), ==, 41.5);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 3), "state"),
                   ==, "stopped");
}

/* editing a message replaces its text and drops what followed,
 * in the list and in the search index; a position that does not exist
 * changes nothing. */
static void
test_replace_message (Fixture      *fixture,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  gint64 chat_id = create_chat (fixture->store, "Capitals");
  const char *const paris[] = { "Paris, with the quetzalcoatl museum.", NULL };
  const char *const madrid[] = { "Madrid.", NULL };
  gint64 question;

  add_message (fixture->store, chat_id, HEARTH_ROLE_SYSTEM, "You are helpful.");
  question = add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "Capital of France?");
  stream_answer (fixture->store, chat_id, paris, HEARTH_MESSAGE_COMPLETE);
  add_message (fixture->store, chat_id, HEARTH_ROLE_USER, "And Spain?");
  stream_answer (fixture->store, chat_id, madrid, HEARTH_MESSAGE_COMPLETE);

  g_assert_false (hearth_store_replace_message (fixture->store, chat_id, 9, "lost", &error));
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  messages = list_messages (fixture->store, chat_id);
  g_assert_cmpuint (messages->len, ==, 5);
  g_clear_pointer (&messages, g_ptr_array_unref);

  g_assert_true (hearth_store_replace_message (fixture->store, chat_id, 1, "Capital of Italy?", &error));
  g_assert_no_error (error);
  messages = list_messages (fixture->store, chat_id);
  g_assert_cmpuint (messages->len, ==, 2);
  g_assert_cmpint (((HearthMessage *) g_ptr_array_index (messages, 1))->id, ==, question);
  g_assert_cmpstr (((HearthMessage *) g_ptr_array_index (messages, 1))->content, ==, "Capital of Italy?");
  hits = search (fixture->store, "quetzalcoatl");
  g_assert_cmpuint (hits->len, ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (fixture->store, "Italy");
  g_assert_cmpuint (hits->len, ==, 1);
}

/* the start of the model's context is kept per chat, leaves the
 * messages alone, and only live chats have one. */
static void
test_context_start (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthChat) chat = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  gint64 id = create_chat (fixture->store, "Long chat");

  for (guint i = 0; i < 3; i++)
    {
      add_message (fixture->store, id, HEARTH_ROLE_USER, "Tell me more.");
      add_message (fixture->store, id, HEARTH_ROLE_ASSISTANT, "Once upon a time…");
    }
  chat = hearth_store_get_chat (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat->context_start, ==, 0);
  g_clear_pointer (&chat, hearth_chat_free);

  g_assert_true (hearth_store_set_chat_context_start (fixture->store, id, 4, &error));
  g_assert_no_error (error);
  chat = hearth_store_get_chat (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat->context_start, ==, 4);
  messages = hearth_store_list_messages (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 6);

  g_assert_false (hearth_store_set_chat_context_start (fixture->store, id + 100, 2, &error));
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (hearth_store_delete_chat (fixture->store, id, &error));
  g_assert_false (hearth_store_set_chat_context_start (fixture->store, id, 2, &error));
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

#define ADD_TEST(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  ADD_TEST ("/store/chats/newest-first", test_chats_newest_first);
  ADD_TEST ("/store/chats/delete-undo-purge", test_delete_undo_purge);
  ADD_TEST ("/store/chats/purge-leaves-no-trace", test_purge_leaves_no_trace);
  ADD_TEST ("/store/messages/streaming", test_streaming_message);
  ADD_TEST ("/store/messages/truncate-and-resend", test_truncate_and_resend);
  ADD_TEST ("/store/attachments/add-list", test_attachments);
  ADD_TEST ("/store/attachments/with-message", test_message_with_attachments);
  ADD_TEST ("/store/search/stemming-prefix-and-odd-input", test_search);
  ADD_TEST ("/store/export/markdown", test_export_markdown);
  ADD_TEST ("/store/export/json", test_export_json);
  /* edit and resend */
  ADD_TEST ("/store/messages/replace", test_replace_message);
  ADD_TEST ("/store/chats/context-start", test_context_start);
  ADD_TEST ("/store/chats/settings", test_chat_settings);
  ADD_TEST ("/store/history/erase", test_erase_history);

  return g_test_run ();
}
