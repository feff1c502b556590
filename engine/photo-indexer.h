/* photo-indexer.h: keeps a photo index (data/hearth-photo-index.h) up to
 * date with the user's library folders, describing new photos with a
 * vision model on the engine thread.
 *
 * A run has two phases, both at HEARTH_ENGINE_PRIORITY_BACKGROUND so that
 * chat always goes first:
 *   1. the scan, one engine job (hearth_engine_run_async) with its own
 *      connection to the index: walks the folders (hidden folders, Hearth's
 *      own data folder and symlink loops skipped), hashes only files whose
 *      size or mtime changed, records them and drops the files that are gone;
 *   2. one hearth_engine_describe_image_async() per pending photo, its
 *      answer parsed and saved on the caller's thread (one small row write
 *      per photo; call from a thread that may do that, not the UI thread).
 * A photo that cannot be decoded is marked failed with the reason and
 * skipped. Pending rows survive a restart: the next run continues them.
 *
 * The indexer joins engine/ and data/, so it is built into its own static
 * library (hearth_photos) rather than into hearth-engine. */
#pragma once

#include "hearth-engine.h"
#include "hearth-photo-index.h"

G_BEGIN_DECLS

/* The fixed retrieval prompt; photo_description_parse() reads its answer. */
#define PHOTO_DESCRIBE_PROMPT                                                        \
  "Describe this photo in one sentence. Then list the visible objects and scene " \
  "words, comma-separated. Then write any legible text."

typedef struct {
  char *description;  /* one sentence */
  char *objects;      /* "a, b, c": lower-case, trimmed, without repeats */
  char *visible_text; /* "" when there is none */
} PhotoDescription;

/* Splits a model's answer to PHOTO_DESCRIBE_PROMPT into its three parts,
 * with or without "Objects:"-style labels, numbering or bullets. */
void photo_description_parse (const char *answer, PhotoDescription *out);
void photo_description_clear (PhotoDescription *d);

/* Lower-case file name extensions of the photo formats this system's
 * GdkPixbuf can decode (among JPEG, PNG, WebP, GIF, HEIF and AVIF). */
gboolean photo_indexer_is_photo_name (const char *name);

/* A JPEG's EXIF capture time (DateTimeOriginal, the camera's clock read
 * as UTC; 0 when missing) and camera ("Make Model" as valid UTF-8 without
 * control characters; NULL when missing). Location is never read. Other
 * formats give 0 and NULL. photo_exif_parse() reads the first @size bytes
 * of the file from memory. */
void photo_exif_read  (const char *path, gint64 *captured_at, char **camera);
void photo_exif_parse (const guint8 *data, gsize size, gint64 *captured_at, char **camera);

typedef struct {
  guint n_unchanged;
  guint n_new;
  guint n_edited;
  guint n_moved;
  guint n_copied;
  guint n_removed;
} PhotoScanStats;

typedef struct {
  guint       done;         /* described or failed in this run */
  guint       total;        /* done + still pending */
  double      per_second;   /* photos per second so far (0 before the first) */
  double      eta_seconds;  /* -1: not known yet */
  const char *current;      /* the photo being described, or NULL */
} PhotoIndexerProgress;

typedef void (*PhotoIndexerProgressFunc) (const PhotoIndexerProgress *progress, gpointer user_data);

typedef struct _PhotoIndexer PhotoIndexer;

/* model must have its vision projector loaded. max_tokens bounds each
 * answer (0: 96). The index at db_path is opened on this thread. */
PhotoIndexer *photo_indexer_new  (HearthEngine *engine, HearthModel *model, const char *db_path,
                                  guint max_tokens, GError **error);
/* Not while a photo is being described: cancel the run and wait for its
 * callback first. A run paused between photos ends with _CANCELLED. */
void          photo_indexer_free (PhotoIndexer *self);

/* Scans folders (absolute paths) and describes what is pending. progress
 * (may be NULL) is called after the scan and after each photo. Only one
 * run at a time. */
void     photo_indexer_run_async  (PhotoIndexer *self, const char *const *folders,
                                   PhotoIndexerProgressFunc progress, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean photo_indexer_run_finish (PhotoIndexer *self, GAsyncResult *result,
                                   PhotoScanStats *scan, guint *n_described, guint *n_failed,
                                   GError **error);

/* Pausing lets the photo being described finish and then waits; resuming
 * continues with the next pending photo. */
void     photo_indexer_pause     (PhotoIndexer *self);
void     photo_indexer_resume    (PhotoIndexer *self);
gboolean photo_indexer_is_paused (PhotoIndexer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PhotoIndexer, photo_indexer_free)

G_END_DECLS
