/* test-store-util.h: scratch folders and raw file access for the store tests. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* A fresh private folder under the temporary directory. */
char    *store_test_make_dir (void);
/* Removes @dir and everything in it. */
void     store_test_remove_dir (const char *dir);
GBytes  *store_test_read_file (const char *path);
guint    store_test_file_mode (const char *path);
/* A raw connection beside the store's, for setting up and inspecting. */
sqlite3 *store_test_open_raw (const char *path);
void     store_test_exec_raw (sqlite3 *db, const char *sql);
gint64   store_test_query_int (sqlite3 *db, const char *sql);
/* The first column of the first row as text; NULL when there is no row. */
char    *store_test_query_text (sqlite3 *db, const char *sql);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3, sqlite3_close)

G_END_DECLS
