#define G_LOG_DOMAIN "hearth-test"

/* test-store.c: opening the history store: file modes, connection
 * settings, migrations, and the failures a user can meet (locked, read-only,
 * damaged, newer, crash while streaming). */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hearth-store-private.h"
#include "test-store-util.h"

#define SHORT_TIMEOUT_MS 100
#define CHUNK_FORMAT "chunk-%05u "
#define CHUNK_LENGTH 12 /* strlen of CHUNK_FORMAT's output */
#define COMMITS_BEFORE_KILL 100

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  fixture->dir = store_test_make_dir ();
  fixture->path = g_build_filename (fixture->dir, "hearth", "hearth.db", NULL);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  store_test_remove_dir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
}

static HearthStore *
open_store (const char *path)
{
  g_autoptr(GError) error = NULL;
  HearthStore *store = hearth_store_open (path, SHORT_TIMEOUT_MS, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
assert_open_fails (const char      *path,
                   HearthStoreError code,
                   GError         **error_out)
{
  g_autoptr(GError) error = NULL;
  HearthStore *store = hearth_store_open (path, SHORT_TIMEOUT_MS, &error);

  g_assert_null (store);
  g_assert_error (error, HEARTH_STORE_ERROR, (int) code);
  /* A user can act on it only if it says which file. */
  g_assert_nonnull (strstr (error->message, path));
  if (error_out != NULL)
    *error_out = g_steal_pointer (&error);
}

static void
create_parent (const char *path)
{
  g_autofree char *folder = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
}

static void
write_file (const char *path,
            const void *data,
            gsize       size)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
}

static void
assert_same_bytes (GBytes *expected,
                   GBytes *got)
{
  gsize expected_size, got_size;
  const void *expected_data = g_bytes_get_data (expected, &expected_size);
  const void *got_data = g_bytes_get_data (got, &got_size);

  g_assert_cmpmem (expected_data, expected_size, got_data, got_size);
}

/* ---- migrations are numbered without gaps ---- */

static void
test_migration_files (void)
{
  guint latest = hearth_store_schema_version ();

  g_assert_cmpuint (latest, >=, 2);
  for (guint version = 1; version <= latest; version++)
    {
      g_autoptr(GBytes) sql = _hearth_store_migration_sql (version);
      g_assert_nonnull (sql);
      g_assert_cmpuint (g_bytes_get_size (sql), >, 0);
    }
  g_assert_null (_hearth_store_migration_sql (latest + 1));
}

/* ---- modes and settings ---- */

static void
test_private_modes (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(HearthStore) store = NULL;
  g_autofree char *folder = g_path_get_dirname (fixture->path);
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (fixture->path, "-shm", NULL);
  mode_t old_umask = umask (0);

  /* With no umask at all, only the store's own modes protect the files. */
  store = open_store (fixture->path);
  umask (old_umask);

  g_assert_cmpuint (store_test_file_mode (folder), ==, 0700);
  g_assert_cmpuint (store_test_file_mode (fixture->path), ==, 0600);
  g_assert_cmpuint (store_test_file_mode (wal), ==, 0600);
  g_assert_cmpuint (store_test_file_mode (shm), ==, 0600);
}

static void
test_repairs_file_mode (Fixture      *fixture,
                        gconstpointer data)
{
  g_autoptr(HearthStore) store = NULL;
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);

  create_parent (fixture->path);
  write_file (fixture->path, "", 0);
  g_assert_cmpint (g_chmod (fixture->path, 0644), ==, 0);

  store = open_store (fixture->path);
  g_assert_cmpuint (store_test_file_mode (fixture->path), ==, 0600);
  g_clear_pointer (&store, hearth_store_close);

  /* A -wal left readable by others (e.g. copied in) is repaired too. */
  write_file (wal, "", 0);
  g_assert_cmpint (g_chmod (wal, 0644), ==, 0);
  store = open_store (fixture->path);
  g_assert_cmpuint (store_test_file_mode (wal), ==, 0600);
}

static void
test_connection_settings (Fixture      *fixture,
                          gconstpointer data)
{
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(sqlite3) raw = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (store_test_query_int (store->db, "PRAGMA secure_delete"), ==, 1);
  g_assert_cmpint (store_test_query_int (store->db, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (store_test_query_int (store->db, "PRAGMA synchronous"), ==, 1 /* NORMAL */);
  g_assert_cmpint (store_test_query_int (store->db, "PRAGMA busy_timeout"), ==, SHORT_TIMEOUT_MS);

  /* WAL is recorded in the file: a new connection sees it. */
  raw = store_test_open_raw (fixture->path);
  g_assert_cmpint (sqlite3_prepare_v2 (raw, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
}

/* ---- migrations ---- */

static void
test_migrate_empty (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(HearthStore) store = open_store (fixture->path);

  g_assert_cmpint (store_test_query_int (store->db, "PRAGMA user_version"), ==, hearth_store_schema_version ());
  g_assert_cmpint (store_test_query_int (store->db,
                                         "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                         "('chats', 'messages', 'attachments', 'messages_fts')"), ==, 4);
}

/* A database at @version, as that Hearth left it, with one chat in it. */
static void
create_old_database (const char *path,
                     guint       version)
{
  g_autoptr(sqlite3) db = store_test_create_old_database (path, version);

  store_test_exec_raw (db,
                       "INSERT INTO chats (id, title, model_path, created_at, updated_at) "
                       "  VALUES (7, 'Old chat', '/models/old.gguf', 1000, 2000);"
                       "INSERT INTO messages (id, chat_id, position, role, content, state, created_at, "
                       "                      updated_at, prompt_tokens, completion_tokens) VALUES "
                       "  (70, 7, 0, 'user', 'Where do penguins live?', 'complete', 1000, 1000, NULL, NULL),"
                       "  (71, 7, 1, 'assistant', 'Penguins live in the southern hemisphere.', "
                       "   'complete', 2000, 2000, 12, 9);"
                       "INSERT INTO attachments (message_id, mime, width, height, data) "
                       "  VALUES (70, 'image/png', 2, 3, x'89504e47');");
}

static void
assert_old_chat_kept (HearthStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) chats = hearth_store_list_chats (store, &error);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  HearthChat *chat;
  HearthMessage *answer;
  HearthAttachment *image;

  g_assert_no_error (error);
  g_assert_cmpuint (chats->len, ==, 1);
  chat = g_ptr_array_index (chats, 0);
  g_assert_cmpint (chat->id, ==, 7);
  g_assert_cmpstr (chat->title, ==, "Old chat");
  g_assert_cmpstr (chat->model_path, ==, "/models/old.gguf");
  g_assert_null (chat->system_prompt);

  messages = hearth_store_list_messages (store, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  answer = g_ptr_array_index (messages, 1);
  g_assert_cmpstr (answer->content, ==, "Penguins live in the southern hemisphere.");
  g_assert_cmpint (answer->role, ==, HEARTH_ROLE_ASSISTANT);
  g_assert_cmpint (answer->prompt_tokens, ==, 12);
  g_assert_cmpint (answer->completion_tokens, ==, 9);
  g_assert_cmpfloat (answer->tokens_per_second, ==, 0);

  attachments = hearth_store_list_attachments (store, 70, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 1);
  image = g_ptr_array_index (attachments, 0);
  g_assert_cmpmem (g_bytes_get_data (image->data, NULL), g_bytes_get_size (image->data), "\x89PNG", 4);

  /* The old text is still indexed. */
  hits = hearth_store_search (store, "penguin", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);

  /* The newer columns work on the migrated rows. */
  hearth_store_set_chat_system_prompt (store, 7, "Answer briefly.", &error);
  g_assert_no_error (error);

  /* An old chat follows the app's temperature and context length, and can
   * get its own. */
  g_assert_cmpfloat (chat->temperature, <, 0);
  g_assert_cmpuint (chat->context_length, ==, 0);
  {
    HearthChat settings = { .id = 7, .model_path = "/models/old.gguf", .system_prompt = "Answer briefly.",
                            .temperature = 0.3, .context_length = 1024 };

    g_assert_true (hearth_store_set_chat_settings (store, &settings, &error));
    g_assert_no_error (error);
    g_assert_cmpint (store_test_query_int (store->db, "SELECT context_length FROM chats WHERE id = 7"), ==, 1024);
  }

  /* an old chat sends all its messages until told otherwise. */
  g_assert_cmpint (chat->context_start, ==, 0);
  hearth_store_set_chat_context_start (store, 7, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (store_test_query_int (store->db, "SELECT context_start FROM chats WHERE id = 7"), ==, 1);
}

static void
test_migrate_from_every_version (void)
{
  for (guint version = 1; version < hearth_store_schema_version (); version++)
    {
      g_autofree char *dir = store_test_make_dir ();
      g_autofree char *path = g_build_filename (dir, "hearth.db", NULL);
      g_autoptr(HearthStore) store = NULL;

      g_test_message ("migrating from schema version %u", version);
      create_old_database (path, version);
      store = open_store (path);
      g_assert_cmpint (store_test_query_int (store->db, "PRAGMA user_version"), ==,
                       hearth_store_schema_version ());
      assert_old_chat_kept (store);
      g_clear_pointer (&store, hearth_store_close);
      store_test_remove_dir (dir);
    }
}

static void
test_too_new (Fixture      *fixture,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u",
                                                  hearth_store_schema_version () + 1);
  sqlite3 *db;

  create_parent (fixture->path);
  db = store_test_open_raw (fixture->path);
  store_test_exec_raw (db, "CREATE TABLE from_the_future (x)");
  store_test_exec_raw (db, set_version);
  sqlite3_close (db);
  before = store_test_read_file (fixture->path);

  assert_open_fails (fixture->path, HEARTH_STORE_ERROR_TOO_NEW, &error);
  g_assert_nonnull (strstr (error->message, "newer Hearth"));
  g_assert_cmpint (hearth_store_error_get_sqlite_code (error), ==, SQLITE_OK);
  after = store_test_read_file (fixture->path);
  assert_same_bytes (before, after);
}

/* ---- locks ---- */

static void
test_locked_at_open (Fixture      *fixture,
                     gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(sqlite3) holder = NULL;

  hearth_store_close (open_store (fixture->path));
  holder = store_test_open_raw (fixture->path);
  /* Exclusive locking mode keeps even readers out until it closes. */
  store_test_exec_raw (holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;");

  assert_open_fails (fixture->path, HEARTH_STORE_ERROR_LOCKED, &error);
  g_assert_cmpint (hearth_store_error_get_sqlite_code (error) & 0xff, ==, SQLITE_BUSY);
  g_assert_nonnull (strstr (error->message, "another program"));
}

static void
test_locked_write (Fixture      *fixture,
                   gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(sqlite3) holder = store_test_open_raw (fixture->path);
  gint64 chat_id;

  store_test_exec_raw (holder, "BEGIN EXCLUSIVE");
  chat_id = hearth_store_create_chat (store, "Blocked", NULL, &error);
  g_assert_cmpint (chat_id, ==, 0);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_LOCKED);
  g_assert_cmpint (hearth_store_error_get_sqlite_code (error) & 0xff, ==, SQLITE_BUSY);
  g_assert_nonnull (strstr (error->message, fixture->path));
  {
    g_autoptr(GError) copy = g_error_copy (error);
    g_assert_cmpint (hearth_store_error_get_sqlite_code (copy), ==, hearth_store_error_get_sqlite_code (error));
  }
  g_clear_error (&error);

  /* Once the other program lets go, the same connection works again. */
  store_test_exec_raw (holder, "ROLLBACK");
  chat_id = hearth_store_create_chat (store, "Unblocked", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (chat_id, >, 0);
}

/* ---- read-only ---- */

static void
test_read_only (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  hearth_store_close (open_store (fixture->path));
  g_assert_cmpint (g_chmod (fixture->path, 0400), ==, 0);

  assert_open_fails (fixture->path, HEARTH_STORE_ERROR_READ_ONLY, &error);
  g_assert_nonnull (strstr (error->message, "chmod u+w"));
  g_assert_cmpuint (store_test_file_mode (fixture->path), ==, 0400);
}

/* ---- a full disk ---- */

/* A page limit stands in for a full disk: SQLite reports both as SQLITE_FULL. */
static void
test_disk_full (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(GBytes) big = g_bytes_new_take (g_malloc0 (1 << 20), 1 << 20);
  g_autofree char *limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                                            store_test_query_int (store->db, "PRAGMA page_count"));
  gint64 chat_id = hearth_store_create_chat (store, "Photos", NULL, &error);
  gint64 message_id = hearth_store_add_message (store, chat_id, HEARTH_ROLE_USER, "Look", &error);

  g_assert_no_error (error);
  store_test_exec_raw (store->db, limit);
  g_assert_cmpint (hearth_store_add_attachment (store, message_id, "image/png", 1, 1, big, &error), ==, 0);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_DISK_FULL);
  g_assert_cmpint (hearth_store_error_get_sqlite_code (error), ==, SQLITE_FULL);
  g_assert_nonnull (strstr (error->message, "Free some disk space"));
  g_assert_nonnull (strstr (error->message, fixture->path));
}

/* ---- damaged files ---- */

static void
assert_corrupt_then_move_aside (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = store_test_read_file (path);
  g_autoptr(GBytes) moved = NULL;
  g_autofree char *moved_path = NULL;
  g_autofree char *prefix = g_strconcat (path, ".broken-", NULL);

  assert_open_fails (path, HEARTH_STORE_ERROR_CORRUPT, &error);
  g_assert_nonnull (strstr (error->message, "aside"));
  g_clear_error (&error);

  hearth_store_move_aside (path, &moved_path, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (moved_path, prefix));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  moved = store_test_read_file (moved_path);
  assert_same_bytes (original, moved);

  /* The next start gets a fresh, empty history. */
  {
    g_autoptr(HearthStore) store = open_store (path);
    g_autoptr(GPtrArray) chats = hearth_store_list_chats (store, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (chats->len, ==, 0);
  }
}

static void
test_corrupt_random_bytes (Fixture      *fixture,
                           gconstpointer data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  guint32 noise[2048];

  for (guint i = 0; i < G_N_ELEMENTS (noise); i++)
    noise[i] = g_rand_int (rand);
  create_parent (fixture->path);
  write_file (fixture->path, noise, sizeof noise);

  assert_corrupt_then_move_aside (fixture->path);
}

/* A real history cut off inside its 100-byte header. */
static void
test_corrupt_truncated_header (Fixture      *fixture,
                               gconstpointer data)
{
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(GError) error = NULL;

  hearth_store_create_chat (store, "Soon damaged", NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, hearth_store_close);
  g_assert_cmpint (truncate (fixture->path, 60), ==, 0);

  assert_corrupt_then_move_aside (fixture->path);
}

/* A sound header over a garbage table page: only the integrity check
 * catches this at open. */
static void
test_corrupt_page (Fixture      *fixture,
                   gconstpointer data)
{
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(sqlite3) raw = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  gint64 page_size = store_test_query_int (store->db, "PRAGMA page_size");
  gint64 chats_root = store_test_query_int (store->db, "SELECT rootpage FROM sqlite_schema WHERE name = 'chats'");
  g_autofree guint8 *garbage = g_malloc (page_size);
  FILE *file;

  g_clear_pointer (&store, hearth_store_close);
  for (gint64 i = 0; i < page_size; i++)
    garbage[i] = (guint8) g_rand_int (rand);
  file = fopen (fixture->path, "r+b");
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, (chats_root - 1) * page_size, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (garbage, 1, page_size, file), ==, (gsize) page_size);
  fclose (file);

  assert_corrupt_then_move_aside (fixture->path);
}

static void
test_move_aside_keeps_everything (Fixture      *fixture,
                                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *const suffixes[] = { "", "-wal", "-shm" };
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  create_parent (fixture->path);
  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
        {
          g_autofree char *path = g_strconcat (fixture->path, suffixes[i], NULL);
          g_autofree char *contents = g_strdup_printf ("round %u%s", round, suffixes[i]);
          write_file (path, contents, strlen (contents));
        }
      hearth_store_move_aside (fixture->path, round == 0 ? &first : &second, &error);
      g_assert_no_error (error);
    }

  /* Two moves in the same second must not overwrite each other. */
  g_assert_cmpstr (first, !=, second);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *moved_first = g_strconcat (first, suffixes[i], NULL);
      g_autofree char *moved_second = g_strconcat (second, suffixes[i], NULL);
      g_autofree char *expect_first = g_strdup_printf ("round 0%s", suffixes[i]);
      g_autofree char *expect_second = g_strdup_printf ("round 1%s", suffixes[i]);
      g_autoptr(GBytes) got_first = store_test_read_file (moved_first);
      g_autoptr(GBytes) got_second = store_test_read_file (moved_second);

      g_assert_cmpmem (g_bytes_get_data (got_first, NULL), g_bytes_get_size (got_first),
                       expect_first, strlen (expect_first));
      g_assert_cmpmem (g_bytes_get_data (got_second, NULL), g_bytes_get_size (got_second),
                       expect_second, strlen (expect_second));
    }

  hearth_store_move_aside (fixture->path, NULL, &error);
  g_assert_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND);
}

/* ---- a crash while an answer streams ---- */

/* The child: streams chunk after chunk into a new answer of @chat_id, one
 * commit each, reporting every commit on stdout, until it is killed. */
static int
run_stream_writer (const char *path,
                   const char *chat_id_text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = hearth_store_open (path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, &error);
  gint64 message_id = 0;

  if (store != NULL)
    message_id = hearth_store_begin_streaming (store, g_ascii_strtoll (chat_id_text, NULL, 10), &error);
  /* The parent kills us long before this bound; it only stops a runaway. */
  for (guint i = 0; message_id != 0 && i < 1000000; i++)
    {
      g_autofree char *chunk = g_strdup_printf (CHUNK_FORMAT, i);

      if (!hearth_store_append_streaming (store, message_id, chunk, &error))
        break;
      printf ("committed %u\n", i + 1);
      fflush (stdout);
    }
  g_printerr ("stream writer: %s\n", error ? error->message : "ran to its bound without being killed");
  return 1;
}

static char *
expected_stream (guint n_chunks)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_chunks; i++)
    g_string_append_printf (text, CHUNK_FORMAT, i);
  return g_string_free (text, FALSE);
}

/* Starts the writer and kills it once it reported @n_commits; returns the
 * last commit it reported. */
static guint
kill_stream_writer_after (const char *path,
                          gint64      chat_id,
                          guint       n_commits)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", &error);
  g_autofree char *chat_id_text = g_strdup_printf ("%" G_GINT64_FORMAT, chat_id);
  const char *argv[] = { self_exe, "--stream-writer", path, chat_id_text, NULL };
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) reports = NULL;
  guint last = 0;

  g_assert_no_error (error);
  child = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  reports = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  while (last < n_commits)
    {
      g_autofree char *line = g_data_input_stream_read_line (reports, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("the stream writer ended after %u commits without being killed", last);
      g_assert_true (g_str_has_prefix (line, "committed "));
      last = (guint) g_ascii_strtoull (line + strlen ("committed "), NULL, 10);
    }

  /* SIGKILL lands wherever the writer is, often inside a commit. */
  g_subprocess_force_exit (child);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  return last;
}

static void
test_crash_while_streaming (Fixture      *fixture,
                            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthStore) store = open_store (fixture->path);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autofree char *expected = NULL;
  HearthMessage *question, *answer;
  gint64 chat_id;
  guint last_reported, n_chunks;

  chat_id = hearth_store_create_chat (store, "Interrupted", NULL, &error);
  g_assert_no_error (error);
  hearth_store_add_message (store, chat_id, HEARTH_ROLE_USER, "Count for me, please.", &error);
  g_assert_no_error (error);
  g_clear_pointer (&store, hearth_store_close);

  last_reported = kill_stream_writer_after (fixture->path, chat_id, COMMITS_BEFORE_KILL);

  store = open_store (fixture->path);
  messages = hearth_store_list_messages (store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  question = g_ptr_array_index (messages, 0);
  g_assert_cmpstr (question->content, ==, "Count for me, please.");
  g_assert_cmpint (question->state, ==, HEARTH_MESSAGE_COMPLETE);

  /* Every reported commit is there, and only whole chunks: the writer may
   * have committed a few more after its last report reached us. */
  answer = g_ptr_array_index (messages, 1);
  g_assert_cmpint (answer->state, ==, HEARTH_MESSAGE_STREAMING);
  g_assert_cmpuint (strlen (answer->content) % CHUNK_LENGTH, ==, 0);
  n_chunks = strlen (answer->content) / CHUNK_LENGTH;
  g_test_message ("writer reported %u commits; %u survived the kill", last_reported, n_chunks);
  g_assert_cmpuint (n_chunks, >=, last_reported);
  expected = expected_stream (n_chunks);
  g_assert_cmpstr (answer->content, ==, expected);

  /* The app closes the interrupted answer at its next start; then it is
   * searchable. */
  {
    guint n_stopped = 0;
    g_autoptr(GPtrArray) after = NULL;

    hearth_store_stop_interrupted (store, &n_stopped, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (n_stopped, ==, 1);
    after = hearth_store_list_messages (store, chat_id, &error);
    g_assert_no_error (error);
    g_assert_cmpint (((HearthMessage *) g_ptr_array_index (after, 1))->state, ==, HEARTH_MESSAGE_STOPPED);
  }
  hits = hearth_store_search (store, "00042", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpint (((HearthSearchHit *) g_ptr_array_index (hits, 0))->message_id, ==, answer->id);
}

#define ADD_TEST(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main (int    argc,
      char **argv)
{
  if (argc == 4 && g_str_equal (argv[1], "--stream-writer"))
    return run_stream_writer (argv[2], argv[3]);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/store/migrations/files", test_migration_files);
  ADD_TEST ("/store/open/private-modes", test_private_modes);
  ADD_TEST ("/store/open/repairs-file-mode", test_repairs_file_mode);
  ADD_TEST ("/store/open/connection-settings", test_connection_settings);
  ADD_TEST ("/store/migrations/empty", test_migrate_empty);
  g_test_add_func ("/store/migrations/from-every-version", test_migrate_from_every_version);
  ADD_TEST ("/store/migrations/too-new", test_too_new);
  ADD_TEST ("/store/errors/locked-at-open", test_locked_at_open);
  ADD_TEST ("/store/errors/locked-write", test_locked_write);
  ADD_TEST ("/store/errors/read-only", test_read_only);
  ADD_TEST ("/store/errors/disk-full", test_disk_full);
  ADD_TEST ("/store/errors/corrupt-random-bytes", test_corrupt_random_bytes);
  ADD_TEST ("/store/errors/corrupt-truncated-header", test_corrupt_truncated_header);
  ADD_TEST ("/store/errors/corrupt-page", test_corrupt_page);
  ADD_TEST ("/store/move-aside/keeps-everything", test_move_aside_keeps_everything);
  ADD_TEST ("/store/crash/while-streaming", test_crash_while_streaming);

  return g_test_run ();
}
