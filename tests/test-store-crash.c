#define G_LOG_DOMAIN "test-store-crash"

/* test-store-crash.c: the chat history and the photo index survive being
 * killed, over and over.
 *
 * The parent starts this program again as a child (--child), 50 times on
 * the same XDG_DATA_HOME.  The child is the app without its window: the
 * store worker with a HearthConversation answering with stories260K, and
 * a HearthPhotoLibrary describing photos with the random SmolVLM2 pair
 * (new photo links appear before every start, so the indexer always has
 * work).  It reports on stdout every message it knows to be committed
 * (after hearth_store_worker_flush()) and the photo count the index holds.
 * The parent kills it with SIGKILL at a random moment from its first
 * streamed text on (between and within answers and photo descriptions),
 * or, every KILL_AFTER_PHOTO_EVERY starts, just after a description was
 * written.  Then it opens both databases: PRAGMA integrity_check says "ok", every
 * reported message is there with the same text, and no described photo
 * went missing.  The next child starts on what the kill left. */

#include <glib/gstdio.h>
#include <signal.h>

#include "hearth-conversation.h"
#include "hearth-photo-library.h"
#include "hearth-store-worker.h"
#include "shared-test-util.h"
#include "test-store-util.h"

#define N_KILLS 50
/* After the child's first streamed text, the kill comes within this: long
 * enough for a photo description to be written now and then between the
 * answers (chat goes first on the engine). */
#define MAX_KILL_DELAY_US (4 * G_TIME_SPAN_SECOND)
/* Every so many starts, the kill waits for a photo description to be
 * written first, and comes within MAX_AFTER_PHOTO_US of it. */
#define KILL_AFTER_PHOTO_EVERY 5
#define MAX_AFTER_PHOTO_US (500 * G_TIME_SPAN_MILLISECOND)
/* Short answers: several turns fit before most kills. */
#define ANSWER_TOKENS 16
#define PHOTOS_PER_START 2

static char *program_path;

/* ---- the child: the app's core without a window ---- */

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
run_until (gboolean (*condition) (gpointer), gpointer data)
{
  while (!condition (data))
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  gboolean  done;
  GError   *error;
  gpointer  result;
} Wait;

static void
store_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  hearth_store_worker_open_finish (NULL, result, &wait->error);
  wait->done = TRUE;
}

static void
job_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = hearth_store_worker_run_finish (NULL, result, &wait->error);
  wait->done = TRUE;
}

static void
model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *wait = user_data;

  wait->result = hearth_engine_load_model_finish (HEARTH_ENGINE (source), result, &wait->error);
  wait->done = TRUE;
}

static gpointer
create_chat (HearthStore *store, gpointer data, GError **error)
{
  gint64 id = hearth_store_create_chat (store, "Crash loop", data, error);

  return id > 0 ? hearth_store_get_chat (store, id, error) : NULL;
}

static HearthChatObject *
new_chat (HearthStoreWorker *worker, const char *model_path)
{
  Wait wait = { 0 };
  g_autoptr(HearthChat) chat = NULL;

  hearth_store_worker_run_async (worker, create_chat, g_strdup (model_path), g_free,
                                 (GDestroyNotify) hearth_chat_free, NULL, job_done, &wait);
  run_until (is_true, &wait.done);
  g_assert_no_error (wait.error);
  chat = wait.result;
  return hearth_chat_object_new (chat);
}

/* What is committed now: every message of the conversation (by its chat
 * and position), after the worker ran the writes queued so far. */
static void
report_committed (HearthStoreWorker *worker, HearthConversation *conversation)
{
  GListModel *messages = hearth_conversation_get_messages (conversation);
  gint64 chat_id = hearth_chat_object_get_id (hearth_conversation_get_chat (conversation));

  hearth_store_worker_flush (worker);
  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(HearthMessageObject) message = g_list_model_get_item (messages, i);
      g_autofree char *checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                                  hearth_message_object_get_content (message), -1);

      /* A streaming answer's text is appended about every 250 ms: only
       * finished messages are held to their exact text. */
      if (hearth_message_object_get_state (message) != HEARTH_MESSAGE_STREAMING)
        printf ("message %" G_GINT64_FORMAT ":%u %s\n", chat_id, i, checksum);
    }
  fflush (stdout);
}

static void
on_index_changed (HearthPhotoLibrary *library, gpointer data)
{
  HearthPhotoLibraryProgress progress;

  hearth_photo_library_get_progress (library, &progress);
  printf ("described %u\n", progress.n_described);
  fflush (stdout);
}

static gboolean
answer_started (gpointer data)
{
  HearthConversation *conversation = data;
  GListModel *messages = hearth_conversation_get_messages (conversation);
  g_autoptr(HearthMessageObject) last = g_list_model_get_item (messages, g_list_model_get_n_items (messages) - 1);

  return !hearth_conversation_get_generating (conversation) || *hearth_message_object_get_content (last) != '\0';
}

static gboolean
answer_ended (gpointer data)
{
  return !hearth_conversation_get_generating (data);
}

typedef struct {
  HearthPhotoLibrary *library;
  guint               n_described; /* when the answer ended */
} PhotoTurn;

/* One more photo described, or none left to describe. */
static gboolean
photo_turn_over (gpointer data)
{
  PhotoTurn *turn = data;
  HearthPhotoLibraryProgress progress;

  hearth_photo_library_get_progress (turn->library, &progress);
  return progress.n_described > turn->n_described || progress.n_pending == 0 ||
         hearth_photo_library_get_state (turn->library) != HEARTH_PHOTO_LIBRARY_INDEXING;
}

/* Each start brings new photos: the library indexes, unless it cannot. */
static gboolean
indexing_or_failed (gpointer data)
{
  HearthPhotoLibraryState state = hearth_photo_library_get_state (data);

  return state == HEARTH_PHOTO_LIBRARY_INDEXING || state == HEARTH_PHOTO_LIBRARY_NO_MODEL ||
         state == HEARTH_PHOTO_LIBRARY_FAILED;
}

static gboolean
conversation_loaded (gpointer data)
{
  return hearth_conversation_get_loaded (data);
}

/* Chats until killed. */
static int
run_child (const char *model_path, const char *pictures)
{
  g_autoptr(HearthEngine) engine = hearth_engine_new ();
  g_autofree char *db_path = hearth_store_default_path ();
  g_autoptr(HearthStoreWorker) worker = hearth_store_worker_new (db_path);
  g_autoptr(HearthPhotoLibrary) library = hearth_photo_library_new (engine, NULL);
  const char *folders[] = { pictures, NULL };
  g_autoptr(HearthChatObject) chat = NULL;
  g_autoptr(HearthConversation) conversation = NULL;
  g_autoptr(HearthModel) model = NULL;
  g_autoptr(HearthSession) session = NULL;
  Wait opened = { 0 }, loaded = { 0 };

  hearth_store_worker_open_async (worker, store_opened, &opened);
  run_until (is_true, &opened.done);
  g_assert_no_error (opened.error);

  g_signal_connect (library, "index-changed", G_CALLBACK (on_index_changed), NULL);
  hearth_photo_library_set_max_tokens (library, 8);
  hearth_photo_library_set_folders (library, folders);
  run_until (indexing_or_failed, library);
  if (hearth_photo_library_get_state (library) != HEARTH_PHOTO_LIBRARY_INDEXING)
    g_error ("the photo library does not index: %s", hearth_photo_library_get_error (library));

  hearth_engine_load_model_async (engine, model_path, NULL, NULL, model_loaded, &loaded);
  run_until (is_true, &loaded.done);
  g_assert_no_error (loaded.error);
  model = loaded.result;
  session = hearth_engine_new_session (engine, model, 0);

  chat = new_chat (worker, model_path);
  conversation = hearth_conversation_new (worker, engine, chat);
  run_until (conversation_loaded, conversation);
  hearth_conversation_set_session (conversation, session);
  {
    HearthSamplingParams params;

    hearth_sampling_params_init (&params);
    params.max_tokens = ANSWER_TOKENS;
    hearth_conversation_set_sampling_params (conversation, &params);
  }
  for (guint turn = 1; turn < G_MAXUINT; turn++)
    {
      g_autofree char *prompt = g_strdup_printf ("Tell me story number %u.", turn);

      g_assert_true (hearth_conversation_send (conversation, prompt));
      run_until (answer_started, conversation);
      printf ("streaming\n");
      report_committed (worker, conversation);
      run_until (answer_ended, conversation);
      report_committed (worker, conversation);
      /* Chat goes first on the engine: the indexer describes (and writes)
       * between the answers. */
      {
        PhotoTurn photo_turn = { library, 0 };
        HearthPhotoLibraryProgress progress;

        hearth_photo_library_get_progress (library, &progress);
        photo_turn.n_described = progress.n_described;
        run_until (photo_turn_over, &photo_turn);
      }
    }
  g_printerr ("%u answers, and the parent has not killed this child\n", G_MAXUINT);
  return 1;
}

/* ---- the parent ---- */

typedef struct {
  GHashTable *messages;    /* "chat id:position" -> checksum of the text */
  guint       n_described; /* the most the child saw in the index */
} Committed;

typedef struct {
  GSubprocess *child;
  gulong       delay_us;
} Killer;

static gpointer
kill_later (gpointer data)
{
  Killer *killer = data;

  g_usleep (killer->delay_us);
  g_subprocess_force_exit (killer->child); /* SIGKILL */
  return NULL;
}

/* Reads the child's reports; from its first streamed text on (or, with
 * after_photo, from the first photo it describes), a thread kills it after
 * a random time, whether or not it reports anything meanwhile; what it
 * wrote before dying is read too. */
static void
run_and_kill (GSubprocess *child, GRand *rand, gboolean after_photo, Committed *committed)
{
  g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  Killer killer = { child, g_rand_int_range (rand, 0, after_photo ? MAX_AFTER_PHOTO_US : MAX_KILL_DELAY_US) };
  guint n_described_before = committed->n_described;
  GThread *thread = NULL;
  char *line;

  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL)) != NULL)
    {
      g_auto(GStrv) fields = g_strsplit (line, " ", -1);
      gboolean start_killer = FALSE;

      if (g_str_equal (fields[0], "streaming"))
        start_killer = !after_photo;
      else if (g_str_equal (fields[0], "message"))
        g_hash_table_replace (committed->messages, g_strdup (fields[1]), g_strdup (fields[2]));
      else if (g_str_equal (fields[0], "described"))
        {
          committed->n_described = MAX (committed->n_described, (guint) g_ascii_strtoull (fields[1], NULL, 10));
          start_killer = after_photo && committed->n_described > n_described_before;
        }
      if (start_killer && thread == NULL)
        thread = g_thread_new ("killer", kill_later, &killer);
      g_free (line);
    }
  g_assert_nonnull (thread);
  g_thread_join (thread);
  g_assert_true (g_subprocess_wait (child, NULL, NULL));
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
}

static void
assert_intact (const char *path)
{
  g_autoptr(sqlite3) db = store_test_open_raw (path);
  g_autofree char *integrity = store_test_query_text (db, "PRAGMA integrity_check");

  g_assert_cmpstr (integrity, ==, "ok");
}

/* Every message reported committed is stored with the same text. */
static void
assert_messages_kept (const char *path, Committed *committed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = hearth_store_open (path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, &error);
  g_autoptr(GPtrArray) chats = NULL;
  g_autoptr(GHashTable) stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer id, checksum;

  g_assert_no_error (error);
  chats = hearth_store_list_chats (store, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < chats->len; i++)
    {
      g_autoptr(GPtrArray) messages = hearth_store_list_messages (store, ((HearthChat *) chats->pdata[i])->id, &error);

      g_assert_no_error (error);
      for (guint j = 0; j < messages->len; j++)
        {
          HearthMessage *message = messages->pdata[j];

          g_hash_table_replace (stored, g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, message->chat_id,
                                                         message->position),
                                g_compute_checksum_for_string (G_CHECKSUM_SHA256, message->content, -1));
        }
    }
  g_hash_table_iter_init (&iter, committed->messages);
  while (g_hash_table_iter_next (&iter, &id, &checksum))
    if (g_strcmp0 (g_hash_table_lookup (stored, id), checksum) != 0)
      g_error ("message %s was committed before the kill, but %s", (char *) id,
               g_hash_table_contains (stored, id) ? "its text changed" : "it is gone");
}

static void
assert_photos_kept (const char *path, Committed *committed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthPhotoIndex) index = hearth_photo_index_open (path, &error);
  HearthPhotoCounts counts;

  g_assert_no_error (error);
  g_assert_true (hearth_photo_index_count (index, &counts, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (counts.n_described, >=, committed->n_described);
}

/* New photos for the next start, so the indexer writes while it runs. */
static void
add_photos (const char *pictures, const char *photo, guint start)
{
  g_autofree char *target = g_canonicalize_filename (photo, NULL);

  for (guint i = 0; i < PHOTOS_PER_START; i++)
    {
      g_autofree char *name = g_strdup_printf ("photo-%02u-%u.jpg", start, i);
      g_autofree char *link = g_build_filename (pictures, name, NULL);

      g_assert_cmpint (symlink (target, link), ==, 0);
    }
}

static void
test_kill_loop (void)
{
  g_autofree char *model = hearth_test_shared_path ("models/stories260K.gguf");
  g_autofree char *photo = model != NULL ? hearth_test_shared_path ("fixtures/images/photo-96x96.jpg") : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *models = NULL;
  g_autofree char *pictures = NULL;
  g_autofree char *chats_db = NULL;
  g_autofree char *photos_db = NULL;
  g_autoptr(GRand) rand = NULL;
  Committed committed = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), 0 };
  guint seed = g_test_rand_int ();

  if (photo == NULL)
    goto out;
  dir = store_test_make_dir ();
  models = g_build_filename (dir, "hearth", "models", NULL);
  if (!hearth_test_link_vision_pair (models))
    {
      g_test_skip ("../shared/models/random/smolvlm-tiny-{text,mmproj}-f16.gguf are missing (HEARTH_SHARED_DIR)");
      goto out;
    }
  pictures = g_build_filename (dir, "Pictures", NULL);
  g_assert_cmpint (g_mkdir (pictures, 0700), ==, 0);
  chats_db = g_build_filename (dir, "hearth", "hearth.db", NULL);
  photos_db = g_build_filename (dir, "hearth", "photos.db", NULL);
  g_test_message ("seed %u (kill times)", seed);
  rand = g_rand_new_with_seed (seed);

  for (guint start = 0; start < N_KILLS; start++)
    {
      g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      g_autoptr(GSubprocess) child = NULL;
      g_autoptr(GError) error = NULL;

      add_photos (pictures, photo, start);
      g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", dir, TRUE);
      /* The store is under test here, not the kernels (checked under the
       * validation layer elsewhere): 50 starts are faster without it. */
      g_subprocess_launcher_unsetenv (launcher, "HEARTH_VULKAN_VALIDATION");
      child = g_subprocess_launcher_spawn (launcher, &error, program_path, "--child", model, pictures, NULL);
      g_assert_no_error (error);
      run_and_kill (child, rand, start % KILL_AFTER_PHOTO_EVERY == KILL_AFTER_PHOTO_EVERY - 1, &committed);
      assert_intact (chats_db);
      assert_messages_kept (chats_db, &committed);
      if (g_file_test (photos_db, G_FILE_TEST_EXISTS))
        {
          assert_intact (photos_db);
          assert_photos_kept (photos_db, &committed);
        }
    }
  g_test_message ("%u kills: %u committed messages kept, %u photos described", N_KILLS,
                  g_hash_table_size (committed.messages), committed.n_described);
  g_assert_cmpuint (g_hash_table_size (committed.messages), >, 0);
  g_assert_cmpuint (committed.n_described, >, 0);

out:
  g_hash_table_unref (committed.messages);
  if (dir != NULL)
    store_test_remove_dir (dir);
}

int
main (int argc, char **argv)
{
  /* Itself, again: inside the namespace, or as the child. */
  program_path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (program_path);
  if (argc == 4 && g_str_equal (argv[1], "--child"))
    return run_child (argv[2], argv[3]);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/store-crash/kill-loop", test_kill_loop);
  return g_test_run ();
}
