#define G_LOG_DOMAIN "hearth-store"

/* hearth-store.c: opening the history database (file modes, connection
 * settings, integrity check, schema migrations), moving a broken one aside,
 * and turning SQLite failures into errors a user can act on. */

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hearth-store-private.h"
#include "hearth-store-resources.h"

/* The chat history; other databases (the photo index) reuse this file's
 * code with their own kind.  The phrases are marked for translation here
 * and translated where a message is made. */
static const _HearthStoreKind chat_history_kind = {
  .noun = N_("the chat history"),
  .Noun = N_("The chat history"),
  .saving = N_("save chats"),
  .migrations_path = "/io/github/hearth/Hearth/store/migrations",
};

/* ---- errors ---- */

typedef struct {
  int sqlite_code;
} HearthStoreErrorPrivate;

static void
hearth_store_error_private_init (HearthStoreErrorPrivate *priv)
{
  priv->sqlite_code = SQLITE_OK;
}

static void
hearth_store_error_private_copy (const HearthStoreErrorPrivate *src,
                                 HearthStoreErrorPrivate       *dest)
{
  dest->sqlite_code = src->sqlite_code;
}

static void
hearth_store_error_private_clear (HearthStoreErrorPrivate *priv)
{
}

G_DEFINE_EXTENDED_ERROR (HearthStoreError, hearth_store_error)

int
hearth_store_error_get_sqlite_code (const GError *error)
{
  g_return_val_if_fail (error != NULL, SQLITE_OK);

  if (error->domain != HEARTH_STORE_ERROR)
    return SQLITE_OK;
  return hearth_store_error_get_private (error)->sqlite_code;
}

typedef struct {
  HearthStoreError code;
  const char *what; /* may hold one %s: the database's noun; untranslated */
  const char *todo; /* untranslated */
} Meaning;

static Meaning
meaning_of_sqlite_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return (Meaning) { HEARTH_STORE_ERROR_LOCKED, N_("another program is using %s"),
                         N_("Close any other copy of Hearth (or other program using the file) and try again.") };
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return (Meaning) { HEARTH_STORE_ERROR_READ_ONLY, N_("%s cannot be written"),
                         N_("Make the file and its folder writable by you (chmod u+w) and try again.") };
    case SQLITE_FULL:
      return (Meaning) { HEARTH_STORE_ERROR_DISK_FULL, N_("the disk is full"),
                         N_("Free some disk space and try again.") };
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return (Meaning) { HEARTH_STORE_ERROR_CORRUPT, N_("%s is damaged or is not a Hearth database"),
                         N_("Move it aside to start a new history; the damaged file is kept for recovery.") };
    case SQLITE_CANTOPEN:
      return (Meaning) { HEARTH_STORE_ERROR_FAILED, N_("%s cannot be opened"),
                         N_("Check that the file and its folder exist and that you may write them.") };
    case SQLITE_IOERR:
      return (Meaning) { HEARTH_STORE_ERROR_FAILED, N_("reading or writing the disk failed"),
                         N_("Check the disk for errors and try again.") };
    case SQLITE_NOMEM:
      return (Meaning) { HEARTH_STORE_ERROR_FAILED, N_("the computer ran out of memory"),
                         N_("Close some programs and try again.") };
    case SQLITE_TOOBIG:
      return (Meaning) { HEARTH_STORE_ERROR_FAILED, N_("the data is too large to store"),
                         N_("Use a smaller message or attachment.") };
    default:
      return (Meaning) { HEARTH_STORE_ERROR_FAILED, N_("an unexpected database error occurred"),
                         N_("Try again; if it keeps happening, report a bug with this message.") };
    }
}

static void
set_sqlite_error (GError                  **error,
                  int                       rc,
                  const _HearthStoreKind   *kind,
                  const char               *path,
                  const char               *sqlite_message,
                  const char               *doing)
{
  Meaning meaning = meaning_of_sqlite_code (rc);
  g_autofree char *what = NULL;
  GError *local;

  what = g_strdup_printf (_(meaning.what), _(kind->noun));
  /* Translators: "Could not <what Hearth was doing>: <what went wrong>
   * (file “<path>”). <what to do>"; the SQLite message stays English */
  local = g_error_new (HEARTH_STORE_ERROR, meaning.code, _("Could not %s: %s (file “%s”). %s (SQLite: %s, code %d)"),
                       doing, what, path, _(meaning.todo), sqlite_message, rc);
  hearth_store_error_get_private (local)->sqlite_code = rc;
  g_propagate_error (error, local);
}

gboolean
_hearth_store_fail (HearthStore *self,
                    int          rc,
                    const char  *doing,
                    GError     **error)
{
  /* The connection's message is about @rc only while it is the latest code. */
  const char *message = sqlite3_extended_errcode (self->db) == rc
                        ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc);

  set_sqlite_error (error, rc, self->kind, self->path, message, doing);
  return FALSE;
}

void
_hearth_store_set_not_found (HearthStore *self,
                             GError     **error,
                             const char  *format,
                             ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Translators: the first %s is "There is no chat 12", the second a path */
  g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND,
               _("%s in the chat history “%s”; it may have been deleted. Reload the chat list."),
               what, self->path);
}

static gboolean
set_errno_error (GError    **error,
                 int         saved_errno,
                 const char *path,
                 const char *doing)
{
  HearthStoreError code = HEARTH_STORE_ERROR_FAILED;
  const char *todo = _("Check the path and try again.");

  switch (saved_errno)
    {
    case EACCES:
    case EPERM:
    case EROFS:
      code = HEARTH_STORE_ERROR_READ_ONLY;
      todo = _("Make it and its folder writable by you (chmod u+w) and try again.");
      break;
    case ENOSPC:
    case EDQUOT:
      code = HEARTH_STORE_ERROR_DISK_FULL;
      todo = _("Free some disk space and try again.");
      break;
    default:
      break;
    }
  /* Translators: "Could not <do what> “<path>”: <system error>. <what to do>" */
  g_set_error (error, HEARTH_STORE_ERROR, code, _("Could not %s “%s”: %s. %s"),
               doing, path, g_strerror (saved_errno), todo);
  return FALSE;
}

/* ---- statements ---- */

sqlite3_stmt *
_hearth_store_prepare (HearthStore *self,
                       const char  *sql,
                       const char  *doing,
                       GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  _hearth_store_assert_owner (self);
  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _hearth_store_fail (self, rc, doing, error);
      return NULL;
    }
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE, or another code with @error set. */
int
_hearth_store_step (HearthStore  *self,
                    sqlite3_stmt *stmt,
                    const char   *doing,
                    GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _hearth_store_fail (self, rc, doing, error);
  return rc;
}

/* Steps @stmt to the end, one element per row. */
GPtrArray *
_hearth_store_collect_rows (HearthStore      *self,
                            sqlite3_stmt     *stmt,
                            _HearthRowReader  read_row,
                            GDestroyNotify    free_row,
                            const char       *doing,
                            GError          **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (free_row);
  int rc;

  while ((rc = _hearth_store_step (self, stmt, doing, error)) == SQLITE_ROW)
    g_ptr_array_add (rows, read_row (stmt));
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&rows);
}

/* Steps a statement that returns no rows. */
gboolean
_hearth_store_run (HearthStore  *self,
                   sqlite3_stmt *stmt,
                   const char   *doing,
                   GError      **error)
{
  return _hearth_store_step (self, stmt, doing, error) == SQLITE_DONE;
}

gboolean
_hearth_store_exec (HearthStore *self,
                    const char  *sql,
                    const char  *doing,
                    GError     **error)
{
  int rc;

  _hearth_store_assert_owner (self);
  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    return _hearth_store_fail (self, rc, doing, error);
  return TRUE;
}

/* IMMEDIATE takes the write lock up front, so a busy database waits for the
 * busy timeout instead of failing later when a read would upgrade. */
gboolean
_hearth_store_begin (HearthStore *self,
                     const char  *doing,
                     GError     **error)
{
  return _hearth_store_exec (self, "BEGIN IMMEDIATE", doing, error);
}

gboolean
_hearth_store_commit (HearthStore *self,
                      const char  *doing,
                      GError     **error)
{
  if (_hearth_store_exec (self, "COMMIT", doing, error))
    return TRUE;
  _hearth_store_rollback (self);
  return FALSE;
}

void
_hearth_store_rollback (HearthStore *self)
{
  /* Fails only when no transaction is open: nothing left to undo then. */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- migrations ---- */

static char **
migration_names (const _HearthStoreKind *kind)
{
  g_autofree char *folder = g_strconcat (kind->migrations_path, "/", NULL);
  char **names = g_resource_enumerate_children (hearth_store_get_resource (), folder,
                                                G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

  g_assert (names != NULL);
  qsort (names, g_strv_length (names), sizeof (char *), (GCompareFunc) g_strcmp0);
  return names;
}

/* Migration files are named NNN-what.sql, numbered 1, 2, ... without gaps
 * (tests/test-store checks), so the newest version is their count. */
guint
_hearth_store_kind_schema_version (const _HearthStoreKind *kind)
{
  g_auto(GStrv) names = migration_names (kind);

  return g_strv_length (names);
}

guint
hearth_store_schema_version (void)
{
  return _hearth_store_kind_schema_version (&chat_history_kind);
}

GBytes *
_hearth_store_migration_sql (guint version)
{
  return _hearth_store_kind_migration_sql (&chat_history_kind, version);
}

GBytes *
_hearth_store_kind_migration_sql (const _HearthStoreKind *kind,
                                  guint                   version)
{
  g_auto(GStrv) names = migration_names (kind);
  g_autofree char *prefix = g_strdup_printf ("%03u-", version);

  for (guint i = 0; names[i] != NULL; i++)
    {
      if (g_str_has_prefix (names[i], prefix))
        {
          g_autofree char *path = g_strconcat (kind->migrations_path, "/", names[i], NULL);
          return g_resource_lookup_data (hearth_store_get_resource (), path,
                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
        }
    }
  return NULL;
}

static gboolean
read_user_version (HearthStore *self,
                   guint       *version,
                   GError     **error)
{
  const char *doing = _("read the schema version");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self, "PRAGMA user_version", doing, error);

  if (stmt == NULL || _hearth_store_step (self, stmt, doing, error) != SQLITE_ROW)
    return FALSE;
  *version = (guint) sqlite3_column_int (stmt, 0);
  return TRUE;
}

static gboolean
check_not_too_new (HearthStore *self,
                   guint        version,
                   GError     **error)
{
  guint latest = _hearth_store_kind_schema_version (self->kind);

  if (version <= latest)
    return TRUE;
  g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_TOO_NEW,
               _("%s “%s” was written by a newer Hearth (schema version %u; this Hearth "
                 "knows up to %u). Update Hearth to open it; the file has been left untouched."),
               _(self->kind->Noun), self->path, version, latest);
  return FALSE;
}

/* Applies migration @version in the open transaction. */
static gboolean
apply_migration (HearthStore *self,
                 guint        version,
                 GError     **error)
{
  g_autofree char *doing = g_strdup_printf (_("upgrade %s to schema version %u"), _(self->kind->noun), version);
  g_autoptr(GBytes) sql = _hearth_store_kind_migration_sql (self->kind, version);
  g_autofree char *script = g_strndup (g_bytes_get_data (sql, NULL), g_bytes_get_size (sql));
  g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %u", version);

  return _hearth_store_exec (self, script, doing, error)
         && _hearth_store_exec (self, set_version, doing, error);
}

/* One transaction per version; the version is read again inside it, so two
 * Hearths opening the same file at once migrate it only once. */
static gboolean
migrate (HearthStore *self,
         GError     **error)
{
  guint latest = _hearth_store_kind_schema_version (self->kind);
  g_autofree char *doing = g_strdup_printf (_("upgrade %s"), _(self->kind->noun));

  for (;;)
    {
      guint version;

      if (!_hearth_store_begin (self, doing, error))
        return FALSE;
      if (!read_user_version (self, &version, error)
          || !check_not_too_new (self, version, error)
          || (version < latest && !apply_migration (self, version + 1, error)))
        {
          _hearth_store_rollback (self);
          return FALSE;
        }
      if (!_hearth_store_commit (self, doing, error))
        return FALSE;
      if (version + 1 >= latest)
        return TRUE;
    }
}

/* ---- opening ---- */

char *
hearth_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "hearth", "hearth.db", NULL);
}

static gboolean
ensure_private_folder (const char *folder,
                       GError    **error)
{
  if (g_file_test (folder, G_FILE_TEST_IS_DIR))
    return TRUE;
  /* chmod after mkdir: the umask may have taken bits away from 0700. */
  if (g_mkdir_with_parents (folder, 0700) != 0 || g_chmod (folder, 0700) != 0)
    return set_errno_error (error, errno, folder, _("create the folder"));
  return TRUE;
}

/* Other users must not read the history: group and other bits are removed
 * from the database and its -wal/-shm files if something added them. */
static gboolean
repair_companion_mode (const char *path,
                       const char *suffix,
                       GError    **error)
{
  g_autofree char *companion = g_strconcat (path, suffix, NULL);
  GStatBuf st;

  if (g_stat (companion, &st) != 0)
    return TRUE; /* SQLite creates it later with the database's mode */
  if ((st.st_mode & 0077) != 0 && g_chmod (companion, 0600) != 0)
    return set_errno_error (error, errno, companion, _("restrict access to"));
  return TRUE;
}

/* Creates the database file 0600 before SQLite does (SQLite would use 0644
 * minus the umask) and refuses a file the user marked read-only. */
static gboolean
ensure_private_file (const char             *path,
                     const _HearthStoreKind *kind,
                     GError                **error)
{
  g_autofree char *opening = g_strdup_printf (_("open %s"), _(kind->noun));
  struct stat st;
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  gboolean ok = FALSE;

  if (fd < 0)
    return set_errno_error (error, errno, path, opening);

  if (fstat (fd, &st) != 0)
    set_errno_error (error, errno, path, _("read the mode of"));
  else if (!S_ISREG (st.st_mode))
    g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED,
                 _("%s “%s” is not a regular file. Move it away and try again."), _(kind->Noun), path);
  else if ((st.st_mode & S_IWUSR) == 0)
    g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_READ_ONLY,
                 _("%s “%s” is marked read-only, so Hearth cannot %s. "
                   "Make it writable (chmod u+w) and try again."), _(kind->Noun), path, _(kind->saving));
  else if ((st.st_mode & 0777) != 0600 && fchmod (fd, 0600) != 0)
    set_errno_error (error, errno, path, _("restrict access to"));
  else
    ok = TRUE;

  close (fd);
  return ok
         && repair_companion_mode (path, "-wal", error)
         && repair_companion_mode (path, "-shm", error);
}

/* Per-connection settings; none of them writes to the file. */
static gboolean
configure_connection (HearthStore *self,
                      guint        busy_timeout_ms,
                      GError     **error)
{
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, (int) MIN (busy_timeout_ms, G_MAXINT));
  g_autofree char *doing = g_strdup_printf (_("open %s"), _(self->kind->noun));

  /* secure_delete: deleted rows are overwritten with zeros, not just unlinked. */
  return _hearth_store_exec (self,
                             "PRAGMA secure_delete = ON;"
                             "PRAGMA foreign_keys = ON;"
                             "PRAGMA synchronous = NORMAL;",
                             doing, error);
}

static gboolean
check_integrity (HearthStore *self,
                 GError     **error)
{
  g_autofree char *doing = g_strdup_printf (_("check %s"), _(self->kind->noun));
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self, "PRAGMA quick_check", doing, error);
  const char *verdict;

  if (stmt == NULL || _hearth_store_step (self, stmt, doing, error) != SQLITE_ROW)
    return FALSE;
  verdict = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (verdict, "ok") == 0)
    return TRUE;

  g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_CORRUPT,
               _("%s “%s” is damaged (%s). Move it aside to start a new history; "
                 "the damaged file is kept for recovery."), _(self->kind->Noun), self->path, verdict);
  return FALSE;
}

/* WAL: readers never block the writer, and a commit is one append. */
static gboolean
enable_wal (HearthStore *self,
            GError     **error)
{
  const char *doing = _("switch to write-ahead logging");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self, "PRAGMA journal_mode = WAL", doing, error);
  const char *mode;

  if (stmt == NULL || _hearth_store_step (self, stmt, doing, error) != SQLITE_ROW)
    return FALSE;
  mode = (const char *) sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (mode, "wal") == 0)
    return TRUE;

  g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED,
               _("Could not switch %s “%s” to write-ahead logging (the file system "
                 "kept journal mode “%s”). Keep your data folder on a local disk and try again."),
               _(self->kind->noun), self->path, mode);
  return FALSE;
}

/* Opens (creating if needed) the history at @path and migrates it to the
 * newest schema.  Fails with CORRUPT for a damaged file (offer
 * hearth_store_move_aside()), TOO_NEW for one from a newer Hearth, LOCKED
 * when another program holds it longer than @busy_timeout_ms, READ_ONLY when
 * it cannot be written.  The whole file is read once (PRAGMA quick_check). */
HearthStore *
hearth_store_open (const char *path,
                   guint       busy_timeout_ms,
                   GError    **error)
{
  return _hearth_store_open_kind (path, busy_timeout_ms, &chat_history_kind, error);
}

HearthStore *
_hearth_store_open_kind (const char             *path,
                         guint                   busy_timeout_ms,
                         const _HearthStoreKind *kind,
                         GError                **error)
{
  g_autoptr(HearthStore) self = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *opening = NULL;
  guint version;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  folder = g_path_get_dirname (path);
  if (!ensure_private_folder (folder, error) || !ensure_private_file (path, kind, error))
    return NULL;

  self = g_new0 (HearthStore, 1);
  self->path = g_strdup (path);
  self->owner = g_thread_self ();
  self->kind = kind;
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      opening = g_strdup_printf (_("open %s"), _(kind->noun));
      set_sqlite_error (error, rc, kind, path,
                        self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc), opening);
      return NULL;
    }

  /* Integrity and version first: a damaged or newer file is not written. */
  if (!configure_connection (self, busy_timeout_ms, error)
      || !check_integrity (self, error)
      || !read_user_version (self, &version, error)
      || !check_not_too_new (self, version, error)
      || !enable_wal (self, error)
      || (version < _hearth_store_kind_schema_version (kind) && !migrate (self, error)))
    return NULL;

  return g_steal_pointer (&self);
}

HearthStore *
hearth_store_open_default (GError **error)
{
  g_autofree char *path = hearth_store_default_path ();

  return hearth_store_open (path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, error);
}

void
hearth_store_close (HearthStore *self)
{
  if (self == NULL)
    return;
  /* v2 defers closing until statements are finalized; every helper
   * finalizes its own, so this closes now. */
  sqlite3_close_v2 (self->db);
  g_free (self->path);
  g_free (self);
}

const char *
hearth_store_get_path (HearthStore *self)
{
  return self->path;
}

/* ---- moving a broken database aside ---- */

static char *
free_broken_name (const char *path)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  char *base = g_strdup_printf ("%s.broken-%s", path, stamp);

  /* rename() replaces silently: never step on an earlier broken copy. */
  for (guint n = 1; g_file_test (base, G_FILE_TEST_EXISTS); n++)
    {
      g_free (base);
      base = g_strdup_printf ("%s.broken-%s-%u", path, stamp, n);
    }
  return base;
}

static gboolean
move_companions (const char *from_base,
                 const char *to_base,
                 GError    **error)
{
  static const char *const suffixes[] = { "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (from_base, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (to_base, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        return set_errno_error (error, errno, from, _("move aside"));
    }
  return TRUE;
}

/* Renames the database at @path (no connection may be open on it) and its
 * -wal/-shm files to "@path.broken-<UTC time>", so the next open starts an
 * empty history and the damaged data stays for recovery; nothing is
 * deleted.  The companions move first: a stale -wal beside a new database
 * would be replayed into it. */
gboolean
hearth_store_move_aside (const char *path,
                         char      **moved_path,
                         GError    **error)
{
  g_autofree char *target = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND,
                   _("Could not move the chat history “%s” aside: it does not exist."), path);
      return FALSE;
    }

  target = free_broken_name (path);
  if (!move_companions (path, target, error))
    return FALSE;
  if (g_rename (path, target) != 0)
    {
      int saved_errno = errno;

      /* Keep the database and its log together. */
      move_companions (target, path, NULL);
      return set_errno_error (error, saved_errno, path, _("move aside"));
    }

  g_info ("Moved the damaged chat history %s to %s", path, target);
  if (moved_path != NULL)
    *moved_path = g_steal_pointer (&target);
  return TRUE;
}
