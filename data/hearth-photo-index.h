/* hearth-photo-index.h: what Hearth knows about the user's photos, for
 * searching them by description, in its own SQLite file.
 *
 * The database lives in $XDG_DATA_HOME/hearth/photos.db and is opened like
 * the chat history (hearth-store.h): 0600 in a 0700 folder, WAL,
 * secure_delete, migrated on open, errors in HEARTH_STORE_ERROR. The same
 * thread rules apply: one connection per thread, never on the UI thread.
 *
 * A photo row is identified by its path and carries the SHA-256 of the
 * file's content. Recording a file found by a folder scan keeps a
 * description whenever the content is known: a file whose size and mtime
 * did not change is not looked at again, a renamed or moved file (same
 * hash, old path gone) keeps its row, a copy gets the description of its
 * twin, and only new content is marked pending for the vision model.
 *
 * Times are Unix microseconds (UTC). No location is stored. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HearthPhotoIndex HearthPhotoIndex;

typedef enum {
  HEARTH_PHOTO_PENDING,   /* waiting for a description */
  HEARTH_PHOTO_DESCRIBED,
  HEARTH_PHOTO_FAILED,    /* could not be decoded or described: see failure */
} HearthPhotoState;

/* What hearth_photo_index_record_file() did. */
typedef enum {
  HEARTH_PHOTO_CHANGE_NONE,    /* known at this path with this content */
  HEARTH_PHOTO_CHANGE_NEW,     /* new content: pending */
  HEARTH_PHOTO_CHANGE_EDITED,  /* known path, new content: pending again */
  HEARTH_PHOTO_CHANGE_MOVED,   /* known content whose old file is gone: row moved */
  HEARTH_PHOTO_CHANGE_COPIED,  /* known content at a new path: description copied */
} HearthPhotoChange;

/* A file as a folder scan finds it. */
typedef struct {
  const char *path;          /* absolute */
  const char *content_hash;  /* SHA-256, lower-case hex */
  gint64      size;
  gint64      mtime;
  int         width;         /* 0: not known */
  int         height;
  gint64      captured_at;   /* 0: not known */
  const char *camera;        /* NULL: not known */
} HearthPhotoFile;

typedef struct {
  gint64           id;
  char            *path;
  char            *content_hash;
  gint64           size;
  gint64           mtime;
  int              width;
  int              height;
  gint64           captured_at; /* 0: not known */
  char            *camera;      /* NULL: not known */
  HearthPhotoState state;
  char            *failure;     /* NULL unless FAILED */
  char            *description;
  char            *objects;
  char            *visible_text;
  gint64           indexed_at;  /* 0: not yet */
} HearthPhoto;

typedef struct {
  guint n_pending;
  guint n_described;
  guint n_failed;
} HearthPhotoCounts;

/* Search filters; zeroed = none. */
typedef struct {
  const char *folder; /* only photos under this folder (any depth) */
  gint64      from;   /* capture time (the file's mtime when not known) >= from */
  gint64      until;  /* ... < until; 0: no bound */
  guint       limit;  /* 0: 20 */
} HearthPhotoQuery;

typedef struct {
  gint64  photo_id;
  char   *path;
  double  score;        /* higher is better */
  char   *description;
  char   *objects;
  char   *visible_text;
  gint64  captured_at;  /* 0: not known */
  char  **matched;      /* the words of the photo's text that matched, lower-case, once each */
} HearthPhotoHit;

char             *hearth_photo_index_default_path (void);
HearthPhotoIndex *hearth_photo_index_open         (const char *path, GError **error);
HearthPhotoIndex *hearth_photo_index_open_default (GError **error);
void              hearth_photo_index_close        (HearthPhotoIndex *self);
guint             hearth_photo_index_schema_version (void);

/* Groups the writes between them into one transaction, so that a scan of
 * many files syncs the disk once per batch, not once per file. */
gboolean hearth_photo_index_begin    (HearthPhotoIndex *self, GError **error);
gboolean hearth_photo_index_commit   (HearthPhotoIndex *self, GError **error);
void     hearth_photo_index_rollback (HearthPhotoIndex *self);

/* Library folders. add returns the folder's id (existing or new), 0 on error. */
gint64     hearth_photo_index_add_folder   (HearthPhotoIndex *self, const char *path, GError **error);
GPtrArray *hearth_photo_index_list_folders (HearthPhotoIndex *self, GError **error); /* char * */
/* forgets a library folder and its photos (the files stay);
 * TRUE too when it was not a library folder. */
gboolean   hearth_photo_index_remove_folder (HearthPhotoIndex *self, const char *path, GError **error);

/* A folder scan: is_current tells whether @path is recorded with this size
 * and mtime (then the file need not be read); record_file records a file
 * whose content was hashed; list_paths gives the paths recorded under a
 * library folder, so that remove_path can drop the files that are gone. */
gboolean          hearth_photo_index_is_current  (HearthPhotoIndex *self, const char *path, gint64 size,
                                                  gint64 mtime, gboolean *current, GError **error);
HearthPhotoChange hearth_photo_index_record_file (HearthPhotoIndex *self, gint64 folder_id,
                                                  const HearthPhotoFile *file, GError **error);
GPtrArray        *hearth_photo_index_list_paths  (HearthPhotoIndex *self, gint64 folder_id, GError **error);
gboolean          hearth_photo_index_remove_path (HearthPhotoIndex *self, const char *path, GError **error);

/* Describing. Pending photos come oldest first; a row left pending by an
 * interrupted run is simply handed out again. */
GPtrArray   *hearth_photo_index_list_pending  (HearthPhotoIndex *self, guint limit, GError **error);
HearthPhoto *hearth_photo_index_get_photo     (HearthPhotoIndex *self, const char *path, GError **error);
gboolean     hearth_photo_index_set_described (HearthPhotoIndex *self, gint64 photo_id, const char *description,
                                               const char *objects, const char *visible_text, GError **error);
gboolean     hearth_photo_index_set_failed    (HearthPhotoIndex *self, gint64 photo_id, const char *reason,
                                               GError **error);
gboolean     hearth_photo_index_mark_all_pending (HearthPhotoIndex *self, GError **error);
gboolean     hearth_photo_index_count         (HearthPhotoIndex *self, HearthPhotoCounts *counts, GError **error);
/* the years (UTC) of the described photos' capture times (the
 * file's mtime when not known), newest first, for a date filter. Elements:
 * GINT_TO_POINTER (year). */
GPtrArray   *hearth_photo_index_list_years    (HearthPhotoIndex *self, GError **error);

/* Described photos matching any word of @text (English stemming; "bic*"
 * matches as a prefix), ranked by BM25 with description > objects > text
 * weights, doubled when the words appear as the exact phrase; best first.
 * @query may be NULL. Elements are HearthPhotoHit. */
GPtrArray *hearth_photo_index_search (HearthPhotoIndex *self, const char *text,
                                      const HearthPhotoQuery *query, GError **error);
/* the same, stopped within a few thousand SQLite steps when
 * @cancellable is cancelled (G_IO_ERROR_CANCELLED), so that a query typed
 * over by a newer one does not hold up the connection: a query of stop
 * words only ranks every photo. */
GPtrArray *hearth_photo_index_search_cancellable (HearthPhotoIndex *self, const char *text,
                                                  const HearthPhotoQuery *query, GCancellable *cancellable,
                                                  GError **error);

void hearth_photo_free     (HearthPhoto *photo);
void hearth_photo_hit_free (HearthPhotoHit *hit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthPhotoIndex, hearth_photo_index_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthPhoto, hearth_photo_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthPhotoHit, hearth_photo_hit_free)

G_END_DECLS
