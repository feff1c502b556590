#define G_LOG_DOMAIN "hearth-store"

/* hearth-store-history.c: the history as a whole, for the Privacy page:
 * what it holds and erasing all of it. */

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "hearth-store-private.h"

static guint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (guint64) st.st_size : 0;
}

gboolean
hearth_store_get_history_size (HearthStore       *self,
                               HearthHistorySize *size,
                               GError           **error)
{
  const char *doing = _("count the chats");
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *wal = g_strconcat (self->path, "-wal", NULL);

  g_return_val_if_fail (size != NULL, FALSE);

  stmt = _hearth_store_prepare (self,
                                "SELECT (SELECT count(*) FROM chats), (SELECT count(*) FROM messages), "
                                "(SELECT count(*) FROM attachments)", doing, error);
  if (stmt == NULL || _hearth_store_step (self, stmt, doing, error) != SQLITE_ROW)
    return FALSE;
  size->n_chats = (guint) sqlite3_column_int64 (stmt, 0);
  size->n_messages = (guint) sqlite3_column_int64 (stmt, 1);
  size->n_attachments = (guint) sqlite3_column_int64 (stmt, 2);
  size->bytes = file_size (self->path) + file_size (wal);
  return TRUE;
}

/* Every row goes in one transaction (secure_delete zeroes the pages it
 * frees); VACUUM then rewrites the file without free pages, and the
 * checkpoint copies that into the database and empties the log, which
 * held the old pages too.  A checkpoint that another reader blocks is an
 * error: the text would stay in the log. */
gboolean
hearth_store_erase_history (HearthStore *self,
                            GError     **error)
{
  const char *doing = _("erase the history");
  int rc;

  if (!_hearth_store_begin (self, doing, error))
    return FALSE;
  if (!_hearth_store_exec (self, "DELETE FROM chats", doing, error)
      || !_hearth_store_exec (self, "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all')", doing, error))
    {
      _hearth_store_rollback (self);
      return FALSE;
    }
  if (!_hearth_store_commit (self, doing, error)
      || !_hearth_store_exec (self, "VACUUM", doing, error))
    return FALSE;
  rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  if (rc != SQLITE_OK)
    return _hearth_store_fail (self, rc, doing, error);
  return TRUE;
}
