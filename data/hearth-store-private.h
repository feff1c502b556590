/* hearth-store-private.h: what the store's source files (and its tests)
 * share; not for the app. */
#pragma once

#include <sqlite3.h>

#include "hearth-store.h"

G_BEGIN_DECLS

struct _HearthStore {
  sqlite3 *db;
  char *path;
  GThread *owner; /* a connection is used by one thread only */
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
void          _hearth_store_set_not_found (HearthStore *self, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* The SQL that migrates schema version - 1 to @version, NULL past the newest. */
GBytes *_hearth_store_migration_sql (guint version);

#define _hearth_store_assert_owner(self) \
  g_assert ((self)->owner == g_thread_self ())

G_END_DECLS
