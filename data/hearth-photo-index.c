#define G_LOG_DOMAIN "hearth-photos"

/* hearth-photo-index.c: the photo index database (opened through the
 * store's shared code with its own kind), incremental recording of scanned
 * files, descriptions, and ranked full-text search. */

#include "hearth-photo-index.h"

#include <string.h>

#include "hearth-store-private.h"

#define PHOTO_COLUMNS "id, path, content_hash, size, mtime, width, height, captured_at, camera, " \
                      "state, failure, description, objects, visible_text, indexed_at"
#define DEFAULT_LIMIT 20
#define MAX_QUERY_WORDS 32
/* bm25 column weights: the sentence says most about a photo, stray OCR text least. */
#define WEIGHT_DESCRIPTION "4.0"
#define WEIGHT_OBJECTS "2.0"
#define WEIGHT_TEXT "1.0"
#define PHRASE_BOOST 2.0

static const _HearthStoreKind photo_index_kind = {
  .noun = "the photo index",
  .Noun = "The photo index",
  .saving = "remember photo descriptions",
  .migrations_path = "/io/github/hearth/Hearth/photos/migrations-photos",
};

struct _HearthPhotoIndex {
  HearthStore    *store;
  /* The index's own tokenizer, to tell which words of a hit matched. */
  fts5_tokenizer  porter;
  Fts5Tokenizer  *stemmer;
};

static const char *const state_names[] = {
  [HEARTH_PHOTO_PENDING] = "pending",
  [HEARTH_PHOTO_DESCRIBED] = "described",
  [HEARTH_PHOTO_FAILED] = "failed",
};

static HearthPhotoState
state_from_string (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (state_names[i], name) == 0)
      return i;
  return HEARTH_PHOTO_PENDING; /* the schema's CHECK allows only the names above */
}

void
hearth_photo_free (HearthPhoto *photo)
{
  if (photo == NULL)
    return;
  g_free (photo->path);
  g_free (photo->content_hash);
  g_free (photo->camera);
  g_free (photo->failure);
  g_free (photo->description);
  g_free (photo->objects);
  g_free (photo->visible_text);
  g_free (photo);
}

void
hearth_photo_hit_free (HearthPhotoHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->path);
  g_free (hit->description);
  g_free (hit->objects);
  g_free (hit->visible_text);
  g_strfreev (hit->matched);
  g_free (hit);
}

/* ---- opening ---- */

char *
hearth_photo_index_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "hearth", "photos.db", NULL);
}

static fts5_api *
find_fts5_api (sqlite3 *db)
{
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT fts5 (?1)", -1, &stmt, NULL) == SQLITE_OK)
    {
      sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
      sqlite3_step (stmt);
    }
  sqlite3_finalize (stmt);
  return api;
}

/* The tokenizer of the schema's photos_fts: porter over unicode61. */
static gboolean
create_stemmer (HearthPhotoIndex *self,
                GError          **error)
{
  fts5_api *api = find_fts5_api (self->store->db);
  const char *args[] = { "unicode61" };
  void *context = NULL;

  if (api == NULL || api->xFindTokenizer (api, "porter", &context, &self->porter) != SQLITE_OK ||
      self->porter.xCreate (context, args, G_N_ELEMENTS (args), &self->stemmer) != SQLITE_OK)
    {
      g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED,
                   "Could not open the photo index “%s”: this SQLite lacks the FTS5 porter "
                   "tokenizer. Install an SQLite built with FTS5.", self->store->path);
      return FALSE;
    }
  return TRUE;
}

HearthPhotoIndex *
hearth_photo_index_open (const char *path,
                         GError    **error)
{
  HearthStore *store = _hearth_store_open_kind (path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS,
                                                &photo_index_kind, error);
  g_autoptr(HearthPhotoIndex) self = NULL;

  if (store == NULL)
    return NULL;
  self = g_new0 (HearthPhotoIndex, 1);
  self->store = store;
  if (!create_stemmer (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

HearthPhotoIndex *
hearth_photo_index_open_default (GError **error)
{
  g_autofree char *path = hearth_photo_index_default_path ();

  return hearth_photo_index_open (path, error);
}

void
hearth_photo_index_close (HearthPhotoIndex *self)
{
  if (self == NULL)
    return;
  if (self->stemmer != NULL)
    self->porter.xDelete (self->stemmer);
  hearth_store_close (self->store);
  g_free (self);
}

guint
hearth_photo_index_schema_version (void)
{
  return _hearth_store_kind_schema_version (&photo_index_kind);
}

gboolean
hearth_photo_index_begin (HearthPhotoIndex *self,
                          GError          **error)
{
  return _hearth_store_begin (self->store, "update the photo index", error);
}

gboolean
hearth_photo_index_commit (HearthPhotoIndex *self,
                           GError          **error)
{
  return _hearth_store_commit (self->store, "update the photo index", error);
}

void
hearth_photo_index_rollback (HearthPhotoIndex *self)
{
  _hearth_store_rollback (self->store);
}

/* ---- rows ---- */

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static HearthPhoto *
photo_from_row (sqlite3_stmt *stmt)
{
  HearthPhoto *photo = g_new0 (HearthPhoto, 1);

  photo->id = sqlite3_column_int64 (stmt, 0);
  photo->path = column_strdup (stmt, 1);
  photo->content_hash = column_strdup (stmt, 2);
  photo->size = sqlite3_column_int64 (stmt, 3);
  photo->mtime = sqlite3_column_int64 (stmt, 4);
  photo->width = sqlite3_column_int (stmt, 5);
  photo->height = sqlite3_column_int (stmt, 6);
  photo->captured_at = sqlite3_column_int64 (stmt, 7); /* NULL reads as 0 */
  photo->camera = column_strdup (stmt, 8);
  photo->state = state_from_string ((const char *) sqlite3_column_text (stmt, 9));
  photo->failure = column_strdup (stmt, 10);
  photo->description = column_strdup (stmt, 11);
  photo->objects = column_strdup (stmt, 12);
  photo->visible_text = column_strdup (stmt, 13);
  photo->indexed_at = sqlite3_column_int64 (stmt, 14);
  return photo;
}

static gpointer
string_from_row (sqlite3_stmt *stmt)
{
  return column_strdup (stmt, 0);
}

static void
bind_optional_int64 (sqlite3_stmt *stmt,
                     int           column,
                     gint64        value)
{
  if (value != 0)
    sqlite3_bind_int64 (stmt, column, value);
  else
    sqlite3_bind_null (stmt, column);
}

/* ---- folders ---- */

gint64
hearth_photo_index_add_folder (HearthPhotoIndex *self,
                               const char       *path,
                               GError          **error)
{
  const char *doing = "add the photo folder";
  g_autoptr(sqlite3_stmt) insert = NULL;
  g_autoptr(sqlite3_stmt) select = NULL;

  g_return_val_if_fail (path != NULL, 0);

  insert = _hearth_store_prepare (self->store,
    "INSERT INTO folders (path, added_at) VALUES (?1, ?2) ON CONFLICT (path) DO NOTHING",
    doing, error);
  if (insert == NULL)
    return 0;
  sqlite3_bind_text (insert, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 2, g_get_real_time ());
  if (!_hearth_store_run (self->store, insert, doing, error))
    return 0;

  select = _hearth_store_prepare (self->store, "SELECT id FROM folders WHERE path = ?1", doing, error);
  if (select == NULL)
    return 0;
  sqlite3_bind_text (select, 1, path, -1, SQLITE_STATIC);
  if (_hearth_store_step (self->store, select, doing, error) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (select, 0);
}

GPtrArray *
hearth_photo_index_list_folders (HearthPhotoIndex *self,
                                 GError          **error)
{
  const char *doing = "list the photo folders";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT path FROM folders ORDER BY path", doing, error);

  if (stmt == NULL)
    return NULL;
  return _hearth_store_collect_rows (self->store, stmt, string_from_row, g_free, doing, error);
}

gboolean
hearth_photo_index_remove_folder (HearthPhotoIndex *self,
                                  const char       *path,
                                  GError          **error)
{
  const char *doing = "remove the photo folder";
  g_autoptr(sqlite3_stmt) photos = NULL;
  g_autoptr(sqlite3_stmt) folder = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  /* Deleting the rows one statement at a time keeps the full-text index
   * in step through the photos_fts_delete trigger. */
  if ((photos = _hearth_store_prepare (self->store,
         "DELETE FROM photos WHERE folder_id = (SELECT id FROM folders WHERE path = ?1)", doing, error)) == NULL ||
      (folder = _hearth_store_prepare (self->store, "DELETE FROM folders WHERE path = ?1", doing, error)) == NULL ||
      !hearth_photo_index_begin (self, error))
    return FALSE;
  sqlite3_bind_text (photos, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_text (folder, 1, path, -1, SQLITE_STATIC);
  if (!_hearth_store_run (self->store, photos, doing, error) || !_hearth_store_run (self->store, folder, doing, error))
    {
      hearth_photo_index_rollback (self);
      return FALSE;
    }
  return hearth_photo_index_commit (self, error);
}

/* ---- scanning ---- */

gboolean
hearth_photo_index_is_current (HearthPhotoIndex *self,
                               const char       *path,
                               gint64            size,
                               gint64            mtime,
                               gboolean         *current,
                               GError          **error)
{
  const char *doing = "look up the photo";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT size = ?2 AND mtime = ?3 FROM photos WHERE path = ?1", doing, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, size);
  sqlite3_bind_int64 (stmt, 3, mtime);
  rc = _hearth_store_step (self->store, stmt, doing, error);
  *current = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

static HearthPhoto *
lookup_photo (HearthPhotoIndex *self,
              const char       *where,
              const char       *value,
              gboolean         *ok,
              GError          **error)
{
  const char *doing = "look up the photo";
  g_autofree char *sql = g_strconcat ("SELECT " PHOTO_COLUMNS " FROM photos WHERE ", where, NULL);
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store, sql, doing, error);
  int rc;

  *ok = FALSE;
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_STATIC);
  rc = _hearth_store_step (self->store, stmt, doing, error);
  *ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
  return rc == SQLITE_ROW ? photo_from_row (stmt) : NULL;
}

/* NULL without an error when no photo has that path. */
HearthPhoto *
hearth_photo_index_get_photo (HearthPhotoIndex *self,
                              const char       *path,
                              GError          **error)
{
  gboolean ok;

  return lookup_photo (self, "path = ?1", path, &ok, error);
}

/* Binds the scanned facts: ?1 path, ?2 folder, ?3 hash, ?4 size, ?5 mtime,
 * ?6 width, ?7 height, ?8 captured_at, ?9 camera. */
static void
bind_file (sqlite3_stmt          *stmt,
           gint64                 folder_id,
           const HearthPhotoFile *file)
{
  sqlite3_bind_text (stmt, 1, file->path, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, folder_id);
  sqlite3_bind_text (stmt, 3, file->content_hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, file->size);
  sqlite3_bind_int64 (stmt, 5, file->mtime);
  sqlite3_bind_int (stmt, 6, file->width);
  sqlite3_bind_int (stmt, 7, file->height);
  bind_optional_int64 (stmt, 8, file->captured_at);
  sqlite3_bind_text (stmt, 9, file->camera, -1, SQLITE_STATIC);
}

static gboolean
run_file_statement (HearthPhotoIndex      *self,
                    const char            *sql,
                    gint64                 folder_id,
                    const HearthPhotoFile *file,
                    gint64                 twin_id,
                    GError               **error)
{
  const char *doing = "record the photo";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store, sql, doing, error);

  if (stmt == NULL)
    return FALSE;
  bind_file (stmt, folder_id, file);
  if (twin_id != 0)
    sqlite3_bind_int64 (stmt, 10, twin_id);
  return _hearth_store_run (self->store, stmt, doing, error);
}

#define SET_FILE_FACTS "folder_id = ?2, content_hash = ?3, size = ?4, mtime = ?5, width = ?6, " \
                       "height = ?7, captured_at = ?8, camera = ?9"

/* Same content at a known path: only the file's facts are refreshed; new
 * content at a known path: it is described again. */
static HearthPhotoChange
record_known_path (HearthPhotoIndex      *self,
                   gint64                 folder_id,
                   const HearthPhotoFile *file,
                   const HearthPhoto     *known,
                   GError               **error)
{
  gboolean same = g_strcmp0 (known->content_hash, file->content_hash) == 0;
  const char *sql = same
    ? "UPDATE photos SET " SET_FILE_FACTS " WHERE path = ?1"
    : "UPDATE photos SET " SET_FILE_FACTS ", state = 'pending', failure = NULL, description = '', "
      "objects = '', visible_text = '', indexed_at = NULL WHERE path = ?1";

  if (!run_file_statement (self, sql, folder_id, file, 0, error))
    return HEARTH_PHOTO_CHANGE_NONE;
  return same ? HEARTH_PHOTO_CHANGE_NONE : HEARTH_PHOTO_CHANGE_EDITED;
}

/* A row with the same content whose file is gone, else one that was
 * described (or failed: the same bytes fail again), else NULL. */
static HearthPhoto *
find_twin (HearthPhotoIndex *self,
           const char       *hash,
           gboolean         *twin_gone,
           gboolean         *ok,
           GError          **error)
{
  const char *doing = "look up the photo's content";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT " PHOTO_COLUMNS " FROM photos WHERE content_hash = ?1 ORDER BY id", doing, error);
  g_autoptr(GPtrArray) twins = NULL;

  *ok = stmt != NULL;
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  twins = _hearth_store_collect_rows (self->store, stmt, (_HearthRowReader) photo_from_row,
                                      (GDestroyNotify) hearth_photo_free, doing, error);
  *ok = twins != NULL;
  *twin_gone = FALSE;
  if (twins == NULL)
    return NULL;
  for (guint i = 0; i < twins->len; i++)
    {
      HearthPhoto *twin = twins->pdata[i];
      if (!g_file_test (twin->path, G_FILE_TEST_EXISTS))
        {
          *twin_gone = TRUE;
          return g_ptr_array_steal_index (twins, i);
        }
    }
  for (guint i = 0; i < twins->len; i++)
    if (((HearthPhoto *) twins->pdata[i])->state != HEARTH_PHOTO_PENDING)
      return g_ptr_array_steal_index (twins, i);
  return NULL;
}

/* Records a file found under library folder @folder_id whose content was
 * hashed (see the top of the header for what is kept). Returns NONE with
 * @error set on failure. */
HearthPhotoChange
hearth_photo_index_record_file (HearthPhotoIndex      *self,
                                gint64                 folder_id,
                                const HearthPhotoFile *file,
                                GError               **error)
{
  g_autoptr(HearthPhoto) known = NULL;
  g_autoptr(HearthPhoto) twin = NULL;
  gboolean ok, twin_gone;

  g_return_val_if_fail (file != NULL && file->path != NULL && file->content_hash != NULL,
                        HEARTH_PHOTO_CHANGE_NONE);

  known = lookup_photo (self, "path = ?1", file->path, &ok, error);
  if (!ok)
    return HEARTH_PHOTO_CHANGE_NONE;
  if (known != NULL)
    return record_known_path (self, folder_id, file, known, error);

  twin = find_twin (self, file->content_hash, &twin_gone, &ok, error);
  if (!ok)
    return HEARTH_PHOTO_CHANGE_NONE;
  if (twin != NULL && twin_gone)
    return run_file_statement (self, "UPDATE photos SET path = ?1, " SET_FILE_FACTS " WHERE id = ?10",
                               folder_id, file, twin->id, error)
           ? HEARTH_PHOTO_CHANGE_MOVED : HEARTH_PHOTO_CHANGE_NONE;
  if (twin != NULL)
    return run_file_statement (self,
      "INSERT INTO photos (path, folder_id, content_hash, size, mtime, width, height, captured_at, "
      "camera, state, failure, description, objects, visible_text, indexed_at) "
      "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, state, failure, description, objects, "
      "visible_text, indexed_at FROM photos WHERE id = ?10",
      folder_id, file, twin->id, error) ? HEARTH_PHOTO_CHANGE_COPIED : HEARTH_PHOTO_CHANGE_NONE;
  return run_file_statement (self,
    "INSERT INTO photos (path, folder_id, content_hash, size, mtime, width, height, captured_at, "
    "camera) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    folder_id, file, 0, error) ? HEARTH_PHOTO_CHANGE_NEW : HEARTH_PHOTO_CHANGE_NONE;
}

GPtrArray *
hearth_photo_index_list_paths (HearthPhotoIndex *self,
                               gint64            folder_id,
                               GError          **error)
{
  const char *doing = "list the indexed photos";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT path FROM photos WHERE folder_id = ?1 ORDER BY path", doing, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  return _hearth_store_collect_rows (self->store, stmt, string_from_row, g_free, doing, error);
}

gboolean
hearth_photo_index_remove_path (HearthPhotoIndex *self,
                                const char       *path,
                                GError          **error)
{
  const char *doing = "remove the photo from the index";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "DELETE FROM photos WHERE path = ?1", doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, path, -1, SQLITE_STATIC);
  return _hearth_store_run (self->store, stmt, doing, error);
}

/* ---- describing ---- */

GPtrArray *
hearth_photo_index_list_pending (HearthPhotoIndex *self,
                                 guint             limit,
                                 GError          **error)
{
  const char *doing = "list the photos waiting for a description";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT " PHOTO_COLUMNS " FROM photos WHERE state = 'pending' ORDER BY id LIMIT ?1", doing, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, limit);
  return _hearth_store_collect_rows (self->store, stmt, (_HearthRowReader) photo_from_row,
                                     (GDestroyNotify) hearth_photo_free, doing, error);
}

gboolean
hearth_photo_index_set_described (HearthPhotoIndex *self,
                                  gint64            photo_id,
                                  const char       *description,
                                  const char       *objects,
                                  const char       *visible_text,
                                  GError          **error)
{
  const char *doing = "save the photo's description";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "UPDATE photos SET state = 'described', failure = NULL, description = ?2, objects = ?3, "
    "visible_text = ?4, indexed_at = ?5 WHERE id = ?1", doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, photo_id);
  sqlite3_bind_text (stmt, 2, description != NULL ? description : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, objects != NULL ? objects : "", -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, visible_text != NULL ? visible_text : "", -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 5, g_get_real_time ());
  return _hearth_store_run (self->store, stmt, doing, error);
}

gboolean
hearth_photo_index_set_failed (HearthPhotoIndex *self,
                               gint64            photo_id,
                               const char       *reason,
                               GError          **error)
{
  const char *doing = "record why the photo could not be described";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "UPDATE photos SET state = 'failed', failure = ?2, indexed_at = ?3 WHERE id = ?1", doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, photo_id);
  sqlite3_bind_text (stmt, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
  return _hearth_store_run (self->store, stmt, doing, error);
}

/* Every photo is described again by the next run; the old descriptions
 * stay searchable until their new ones replace them. */
gboolean
hearth_photo_index_mark_all_pending (HearthPhotoIndex *self,
                                     GError          **error)
{
  return _hearth_store_exec (self->store, "UPDATE photos SET state = 'pending', failure = NULL",
                             "mark the photos to be described again", error);
}

gboolean
hearth_photo_index_count (HearthPhotoIndex  *self,
                          HearthPhotoCounts *counts,
                          GError           **error)
{
  const char *doing = "count the indexed photos";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT state, count(*) FROM photos GROUP BY state", doing, error);
  int rc;

  memset (counts, 0, sizeof *counts);
  if (stmt == NULL)
    return FALSE;
  while ((rc = _hearth_store_step (self->store, stmt, doing, error)) == SQLITE_ROW)
    {
      guint n = (guint) sqlite3_column_int64 (stmt, 1);
      switch (state_from_string ((const char *) sqlite3_column_text (stmt, 0)))
        {
        case HEARTH_PHOTO_PENDING: counts->n_pending = n; break;
        case HEARTH_PHOTO_DESCRIBED: counts->n_described = n; break;
        case HEARTH_PHOTO_FAILED: counts->n_failed = n; break;
        }
    }
  return rc == SQLITE_DONE;
}

static gpointer
year_from_row (sqlite3_stmt *stmt)
{
  return GINT_TO_POINTER (sqlite3_column_int (stmt, 0));
}

GPtrArray *
hearth_photo_index_list_years (HearthPhotoIndex *self,
                               GError          **error)
{
  const char *doing = "list the photos' years";
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT DISTINCT CAST (strftime ('%Y', coalesce (captured_at, mtime) / 1000000, 'unixepoch') AS INTEGER) AS y "
    "FROM photos WHERE state = 'described' ORDER BY y DESC", doing, error);

  if (stmt == NULL)
    return NULL;
  return _hearth_store_collect_rows (self->store, stmt, year_from_row, NULL, doing, error);
}

/* ---- search ---- */

/* Candidates ranked by bm25 before the phrase boost reorders them. */
#define CANDIDATES_PER_HIT 4
#define MIN_CANDIDATES 40

/* Words that say nothing about a photo's content; left out of the match
 * (they would make nearly every photo a candidate) unless the query has
 * nothing else. The phrase boost still sees them. */
static const char *const stop_words[] = {
  "a", "an", "and", "are", "at", "by", "for", "from", "in", "is", "it", "its", "of", "on", "or",
  "the", "this", "that", "to", "with", "photo", "photos", "picture", "pictures", "image",
  "images", "showing", "shows",
};

static gboolean
is_stop_word (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (stop_words); i++)
    if (g_str_equal (word, stop_words[i]))
      return TRUE;
  return FALSE;
}

typedef struct {
  GPtrArray *words;  /* char *, lower-case, letters and digits only */
  GArray    *prefix; /* gboolean per word: typed with a trailing '*' */
  GArray    *used;   /* gboolean per word: in the match (not a dropped stop word) */
} QueryWords;

static void
query_words_clear (QueryWords *q)
{
  g_clear_pointer (&q->words, g_ptr_array_unref);
  g_clear_pointer (&q->prefix, g_array_unref);
  g_clear_pointer (&q->used, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (QueryWords, query_words_clear)

/* Splits what the user typed into words of letters and digits, so that no
 * input can be an FTS5 syntax error; '*' right after a word makes it a
 * prefix. */
static void
query_words_parse (QueryWords *q,
                   const char *text)
{
  g_autoptr(GString) word = g_string_new (NULL);

  q->words = g_ptr_array_new_with_free_func (g_free);
  q->prefix = g_array_new (FALSE, FALSE, sizeof (gboolean));
  q->used = g_array_new (FALSE, TRUE, sizeof (gboolean));
  for (const char *p = text; q->words->len < MAX_QUERY_WORDS; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && g_unichar_isalnum (c))
        {
          g_string_append_unichar (word, g_unichar_tolower (c));
          continue;
        }
      if (word->len > 0)
        {
          gboolean prefix = c == '*';
          g_ptr_array_add (q->words, g_strdup (word->str));
          g_array_append_val (q->prefix, prefix);
          g_string_truncate (word, 0);
        }
      if (c == 0)
        break;
    }
  g_array_set_size (q->used, q->words->len);
}

#define MAX_PREFIX_TERMS 64

/* "p"* OR each indexed term starting with p: the stemmer turns a typed
 * prefix into something else ("bicy" into "bici", no prefix of "bicycl"),
 * but the stems of whole words start with what was typed. */
static gboolean
append_prefix_terms (HearthPhotoIndex *self,
                     GString          *match,
                     const char       *prefix,
                     GError          **error)
{
  const char *doing = "search the photos";
  g_autofree char *upper = g_strconcat (prefix, "\xf4\x8f\xbf\xbf", NULL);
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store,
    "SELECT term FROM photos_vocab WHERE term >= ?1 AND term < ?2 LIMIT " G_STRINGIFY (MAX_PREFIX_TERMS),
    doing, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, prefix, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, upper, -1, SQLITE_STATIC);
  g_string_append_printf (match, "\"%s\"*", prefix);
  while ((rc = _hearth_store_step (self->store, stmt, doing, error)) == SQLITE_ROW)
    g_string_append_printf (match, " OR \"%s\"", (const char *) sqlite3_column_text (stmt, 0));
  return rc == SQLITE_DONE;
}

/* Any content word: "w1" OR "w2"* OR ...; the stop words only when there
 * is nothing else. */
static char *
query_any_word (HearthPhotoIndex *self,
                QueryWords       *q,
                GError          **error)
{
  g_autoptr(GString) match = g_string_new (NULL);
  gboolean only_stop_words = TRUE;

  for (guint i = 0; i < q->words->len; i++)
    only_stop_words = only_stop_words && is_stop_word (q->words->pdata[i]);
  for (guint i = 0; i < q->words->len; i++)
    {
      const char *word = q->words->pdata[i];
      gboolean prefix = g_array_index (q->prefix, gboolean, i);

      if (!prefix && !only_stop_words && is_stop_word (word))
        continue;
      g_array_index (q->used, gboolean, i) = TRUE;
      if (match->len > 0)
        g_string_append (match, " OR ");
      if (!prefix)
        g_string_append_printf (match, "\"%s\"", word);
      else if (!append_prefix_terms (self, match, word, error))
        return NULL;
    }
  return g_string_free (g_steal_pointer (&match), FALSE);
}

/* Lower-case words separated by single spaces, with a space at each end,
 * so that " w1 w2 " finds the exact phrase. */
static void
append_normalized (GString    *out,
                   const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (out, g_unichar_tolower (c));
      else if (out->len == 0 || out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
    }
  if (out->len == 0 || out->str[out->len - 1] != ' ')
    g_string_append_c (out, ' ');
}

/* " w1 w2 ... ", or NULL when there is no phrase to boost (one word, or a
 * prefix among them). */
static char *
query_phrase (const QueryWords *q)
{
  GString *phrase;

  if (q->words->len < 2)
    return NULL;
  for (guint i = 0; i < q->prefix->len; i++)
    if (g_array_index (q->prefix, gboolean, i))
      return NULL;
  phrase = g_string_new (" ");
  for (guint i = 0; i < q->words->len; i++)
    g_string_append_printf (phrase, "%s ", (char *) q->words->pdata[i]);
  return g_string_free (phrase, FALSE);
}

static HearthPhotoHit *
hit_from_row (sqlite3_stmt *stmt,
              const char   *phrase)
{
  HearthPhotoHit *hit = g_new0 (HearthPhotoHit, 1);

  hit->photo_id = sqlite3_column_int64 (stmt, 0);
  hit->path = column_strdup (stmt, 1);
  hit->score = sqlite3_column_double (stmt, 2);
  hit->description = column_strdup (stmt, 3);
  hit->captured_at = sqlite3_column_int64 (stmt, 4);
  hit->objects = column_strdup (stmt, 5);
  hit->visible_text = column_strdup (stmt, 6);
  if (phrase != NULL)
    {
      g_autoptr(GString) all = g_string_new (" ");
      append_normalized (all, hit->description);
      append_normalized (all, hit->objects);
      append_normalized (all, hit->visible_text);
      if (strstr (all->str, phrase) != NULL)
        hit->score *= PHRASE_BOOST;
    }
  return hit;
}

static gint
compare_hits (gconstpointer a,
              gconstpointer b)
{
  const HearthPhotoHit *x = *(HearthPhotoHit *const *) a;
  const HearthPhotoHit *y = *(HearthPhotoHit *const *) b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return (x->photo_id > y->photo_id) - (x->photo_id < y->photo_id);
}

typedef struct {
  GHashTable *stems;    /* stems of the query's whole words */
  GPtrArray  *prefixes; /* the query's prefixes, as typed */
  const char *text;     /* being tokenized */
  GPtrArray  *matched;  /* char *: words of the text, lower-case */
  gboolean    collect;  /* FALSE: stems go into stems instead */
} StemScan;

static int
on_token (void       *data,
          int         flags,
          const char *token,
          int         n_token,
          int         start,
          int         end)
{
  StemScan *scan = data;
  g_autofree char *stem = g_strndup (token, n_token);
  g_autofree char *word = NULL;
  gboolean hit;

  (void) flags;
  if (!scan->collect)
    {
      g_hash_table_add (scan->stems, g_steal_pointer (&stem));
      return SQLITE_OK;
    }
  word = g_utf8_strdown (scan->text + start, end - start);
  hit = g_hash_table_contains (scan->stems, stem);
  for (guint i = 0; !hit && i < scan->prefixes->len; i++)
    hit = g_str_has_prefix (word, scan->prefixes->pdata[i]) || g_str_has_prefix (stem, scan->prefixes->pdata[i]);
  if (hit && !g_ptr_array_find_with_equal_func (scan->matched, word, g_str_equal, NULL))
    g_ptr_array_add (scan->matched, g_steal_pointer (&word));
  return SQLITE_OK;
}

static void
stem_scan (HearthPhotoIndex *self,
           StemScan         *scan,
           const char       *text)
{
  scan->text = text;
  self->porter.xTokenize (self->stemmer, scan, FTS5_TOKENIZE_DOCUMENT, text, (int) strlen (text), on_token);
}

/* Fills each hit's matched words: the words of its text whose stem is the
 * stem of a query word (as the index matched them), or that start with a
 * typed prefix. */
static void
find_matched_words (HearthPhotoIndex *self,
                    const QueryWords *q,
                    GPtrArray        *hits)
{
  StemScan scan = {
    .stems = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL),
    .prefixes = g_ptr_array_new (),
  };

  for (guint i = 0; i < q->words->len; i++)
    {
      if (!g_array_index (q->used, gboolean, i))
        continue;
      if (g_array_index (q->prefix, gboolean, i))
        g_ptr_array_add (scan.prefixes, q->words->pdata[i]);
      else
        stem_scan (self, &scan, q->words->pdata[i]);
    }
  scan.collect = TRUE;
  for (guint i = 0; i < hits->len; i++)
    {
      HearthPhotoHit *hit = hits->pdata[i];

      scan.matched = g_ptr_array_new_with_free_func (g_free);
      stem_scan (self, &scan, hit->description);
      stem_scan (self, &scan, hit->objects);
      stem_scan (self, &scan, hit->visible_text);
      g_ptr_array_add (scan.matched, NULL);
      hit->matched = (char **) g_ptr_array_free (scan.matched, FALSE);
    }
  g_hash_table_unref (scan.stems);
  g_ptr_array_unref (scan.prefixes);
}

/* The best candidates by bm25 that pass the filters, with their text for
 * the phrase check. Only matching rows are ranked: pending and failed
 * photos have no text, so they never match. Without filters the ranking
 * reads the full-text index alone; the photos table is read for the
 * candidates that are kept. */
static GPtrArray *
rank_candidates (HearthPhotoIndex       *self,
                 const char             *match,
                 const char             *phrase,
                 const char             *folder,
                 const HearthPhotoQuery *query,
                 guint                   n_candidates,
                 GError                **error)
{
  const char *doing = "search the photos";
  gboolean filtered = folder != NULL || query->from != 0 || query->until != 0;
  g_autofree char *sql = g_strdup_printf (
    "WITH h AS (SELECT f.rowid AS id, bm25 (photos_fts, " WEIGHT_DESCRIPTION ", " WEIGHT_OBJECTS
    ", " WEIGHT_TEXT ") AS bm FROM photos_fts f %s WHERE photos_fts MATCH ?1 %s "
    "ORDER BY bm LIMIT ?5) "
    "SELECT p.id, p.path, -h.bm, p.description, p.captured_at, p.objects, p.visible_text "
    "FROM h JOIN photos p ON p.id = h.id ORDER BY h.bm, p.id",
    filtered ? "JOIN photos q ON q.id = f.rowid" : "",
    filtered ? "AND (?2 IS NULL OR substr (q.path, 1, length (?2) + 1) = ?2 || '/') "
               "AND coalesce (q.captured_at, q.mtime) >= ?3 "
               "AND (?4 = 0 OR coalesce (q.captured_at, q.mtime) < ?4)" : "");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self->store, sql, doing, error);
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_photo_hit_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  if (filtered)
    {
      sqlite3_bind_text (stmt, 2, folder, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, query->from);
      sqlite3_bind_int64 (stmt, 4, query->until);
    }
  sqlite3_bind_int64 (stmt, 5, n_candidates);
  while ((rc = _hearth_store_step (self->store, stmt, doing, error)) == SQLITE_ROW)
    g_ptr_array_add (hits, hit_from_row (stmt, phrase));
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&hits);
}

GPtrArray *
hearth_photo_index_search (HearthPhotoIndex       *self,
                           const char             *text,
                           const HearthPhotoQuery *query,
                           GError                **error)
{
  static const HearthPhotoQuery no_filter = { 0 };
  g_auto(QueryWords) words = { 0 };
  g_autofree char *match = NULL, *phrase = NULL, *folder = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  guint limit;

  g_return_val_if_fail (text != NULL && g_utf8_validate (text, -1, NULL), NULL);

  if (query == NULL)
    query = &no_filter;
  limit = query->limit > 0 ? query->limit : DEFAULT_LIMIT;
  query_words_parse (&words, text);
  if (words.words->len == 0)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_photo_hit_free);
  if ((match = query_any_word (self, &words, error)) == NULL)
    return NULL;
  phrase = query_phrase (&words);
  /* "/photos/" and "/photos" mean the same folder. */
  if (query->folder != NULL)
    {
      folder = g_strdup (query->folder);
      while (strlen (folder) > 1 && g_str_has_suffix (folder, "/"))
        folder[strlen (folder) - 1] = '\0';
    }

  /* The boost can lift a candidate by at most PHRASE_BOOST, so the few
   * times limit best by bm25 alone hold every hit of the boosted order
   * in practice; without a phrase, limit is exact. */
  hits = rank_candidates (self, match, phrase, folder, query,
                          phrase != NULL ? MAX (limit * CANDIDATES_PER_HIT, MIN_CANDIDATES) : limit,
                          error);
  if (hits == NULL)
    return NULL;
  g_ptr_array_sort (hits, compare_hits);
  if (hits->len > limit)
    g_ptr_array_set_size (hits, limit);
  find_matched_words (self, &words, hits);
  return g_steal_pointer (&hits);
}

/* SQLite's progress callback: non-zero interrupts the statement. */
static int
on_search_progress (void *data)
{
  return g_cancellable_is_cancelled (data);
}

/* Virtual-machine steps between checks: about a millisecond of ranking. */
#define CANCEL_CHECK_STEPS 4000

GPtrArray *
hearth_photo_index_search_cancellable (HearthPhotoIndex       *self,
                                       const char             *text,
                                       const HearthPhotoQuery *query,
                                       GCancellable           *cancellable,
                                       GError                **error)
{
  g_autoptr(GError) search_error = NULL;
  GPtrArray *hits;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (cancellable != NULL)
    sqlite3_progress_handler (self->store->db, CANCEL_CHECK_STEPS, on_search_progress, cancellable);
  hits = hearth_photo_index_search (self, text, query, &search_error);
  sqlite3_progress_handler (self->store->db, 0, NULL, NULL);
  if (hits == NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (hits == NULL)
    g_propagate_error (error, g_steal_pointer (&search_error));
  return hits;
}
