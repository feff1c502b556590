/* hearth-store-private.h: what the store's source files (and its tests)
 * share; not for the app. */
#pragma once

#include <sqlite3.h>

#include "hearth-store.h"

G_BEGIN_DECLS

/* What differs between Hearth's SQLite databases (the chat history, the
 * photo index): they share the opening, modes, migrations and errors here. */
typedef struct {
  const char *noun;            /* for messages: "the chat history" */
  const char *Noun;            /* at a sentence start: "The chat history" */
  const char *saving;          /* what a read-only file prevents: "save chats" */
  const char *migrations_path; /* NNN-what.sql files in hearth_store's GResource */
} _HearthStoreKind;

struct _HearthStore {
  sqlite3 *db;
  char *path;
  GThread *owner; /* a connection is used by one thread only */
  const _HearthStoreKind *kind;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Each helper that can fail takes @doing, a phrase completing "Could not
 * ...", e.g. "save the message", for the error message. */
gboolean      _hearth_store_fail (HearthStore *self, int rc, const char *doing, GError **error);
sqlite3_stmt *_hearth_store_prepare (HearthStore *self, const char *sql, const char *doing, GError **error);
int           _hearth_store_step (HearthStore *self, sqlite3_stmt *stmt, const char *doing, GError **error);
gboolean      _hearth_store_run (HearthStore *self, sqlite3_stmt *stmt, const char *doing, GError **error);
gboolean      _hearth_store_exec (HearthStore *self, const char *sql, const char *doing, GError **error);
gboolean      _hearth_store_begin (HearthStore *self, const char *doing, GError **error);
gboolean      _hearth_store_commit (HearthStore *self, const char *doing, GError **error);
void          _hearth_store_rollback (HearthStore *self);
typedef gpointer (*_HearthRowReader) (sqlite3_stmt *stmt);
GPtrArray    *_hearth_store_collect_rows (HearthStore *self, sqlite3_stmt *stmt, _HearthRowReader read_row,
                                          GDestroyNotify free_row, const char *doing, GError **error);
void          _hearth_store_set_not_found (HearthStore *self, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* The SQL that migrates schema version - 1 to @version, NULL past the newest. */
GBytes *_hearth_store_migration_sql (guint version);

/* hearth_store_open() and the schema functions for another kind of database. */
HearthStore *_hearth_store_open_kind (const char *path, guint busy_timeout_ms,
                                      const _HearthStoreKind *kind, GError **error);
guint        _hearth_store_kind_schema_version (const _HearthStoreKind *kind);
GBytes      *_hearth_store_kind_migration_sql (const _HearthStoreKind *kind, guint version);

#define _hearth_store_assert_owner(self) \
  g_assert ((self)->owner == g_thread_self ())

G_END_DECLS
