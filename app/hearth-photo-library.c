#define G_LOG_DOMAIN "hearth-photos"

/* hearth-photo-library.c: the library's worker thread (queries, the
 * indexer, folder monitors) and its owner side (state for the UI, the
 * vision model). Fields are marked by the thread that owns them. */

#include "hearth-photo-library.h"

#include <glib/gi18n.h>

#include "hearth-store.h"
#include "model-catalog.h"
#include "photo-indexer.h"

/* Events of a folder monitor are gathered this long before a rescan, so
 * that a copy of many photos costs one scan. */
#define MONITOR_DEBOUNCE_MS 1500

typedef enum {
  MODEL_NONE,     /* not looked for yet */
  MODEL_FINDING,
  MODEL_MISSING,
  MODEL_READY,
} ModelStatus;

struct _HearthPhotoLibrary {
  GObject parent_instance;

  /* set once */
  HearthEngine *engine;
  char         *db_path;
  guint         max_tokens;   /* before the first request to the worker */
  GMainContext *owner;
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;

  /* owner thread */
  char                      **folders;
  ModelStatus                 model_status;
  HearthModel                *model;
  GPtrArray                  *candidates;   /* HearthModelInfo: vision models still to try */
  GCancellable               *model_cancellable;
  HearthPhotoLibraryState     run_state; /* INDEXING, UP_TO_DATE or FAILED */
  HearthPhotoLibraryProgress  progress;
  char                       *error;
  gboolean                    paused;
  gboolean                    disposed;

  /* worker thread */
  HearthPhotoIndex *index;     /* for queries; the indexer has its own */
  PhotoIndexer     *indexer;
  char            **w_folders;
  gboolean          w_paused;
  gboolean          running;
  gboolean          rerun;     /* something changed during the run */
  gboolean          closing;
  GCancellable     *run_cancellable;
  GPtrArray        *monitors;  /* GFileMonitor, one per folder and subfolder */
  GSource          *debounce;
};

G_DEFINE_FINAL_TYPE (HearthPhotoLibrary, hearth_photo_library, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, SIGNAL_INDEX_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* g_set_str () is newer than GLib 2.74. */
static void
replace_string (char **target, const char *value)
{
  g_free (*target);
  *target = g_strdup (value);
}

static void
attach_idle (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify destroy)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, func, data, destroy);
  g_source_attach (source, context);
}

/* ---- worker to owner ---- */

/* A snapshot of the run for the owner thread. */
typedef struct {
  HearthPhotoLibrary         *self; /* a reference: the last one is dropped on the owner thread */
  HearthPhotoLibraryState     run_state;
  HearthPhotoLibraryProgress  progress;
  char                       *error;
  gboolean                    index_changed;
} Update;

static void
update_free (Update *update)
{
  g_object_unref (update->self);
  g_free (update->error);
  g_free (update);
}

static gboolean
apply_update (gpointer data)
{
  Update *update = data;
  HearthPhotoLibrary *self = update->self;

  if (self->disposed)
    return G_SOURCE_REMOVE;
  self->run_state = update->run_state;
  self->progress = update->progress;
  if (self->model_status == MODEL_READY)
    replace_string (&self->error, update->error);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  if (update->index_changed)
    g_signal_emit (self, signals[SIGNAL_INDEX_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* Counts come from the worker's own connection; a failure only leaves
 * them at zero. */
static void
post_update (HearthPhotoLibrary *self, HearthPhotoLibraryState run_state, const PhotoIndexerProgress *run,
             const char *error, gboolean index_changed)
{
  Update *update = g_new0 (Update, 1);
  HearthPhotoCounts counts = { 0 };

  if (self->index != NULL)
    hearth_photo_index_count (self->index, &counts, NULL);
  update->self = g_object_ref (self);
  update->run_state = run_state;
  update->progress.eta_seconds = -1;
  if (run != NULL)
    {
      update->progress.done = run->done;
      update->progress.total = run->total;
      update->progress.per_second = run->per_second;
      update->progress.eta_seconds = run->eta_seconds;
    }
  update->progress.n_described = counts.n_described;
  update->progress.n_pending = counts.n_pending;
  update->progress.n_failed = counts.n_failed;
  update->error = g_strdup (error);
  update->index_changed = index_changed;
  attach_idle (self->owner, apply_update, update, (GDestroyNotify) update_free);
}

/* ---- the worker: indexing ---- */

static gboolean
ensure_index (HearthPhotoLibrary *self, GError **error)
{
  if (self->index == NULL)
    self->index = hearth_photo_index_open (self->db_path, error);
  return self->index != NULL;
}

static void start_run (HearthPhotoLibrary *self);

static void
on_run_progress (const PhotoIndexerProgress *progress, gpointer user_data)
{
  HearthPhotoLibrary *self = user_data;

  /* Each progress after the first photo means one more description. */
  post_update (self, HEARTH_PHOTO_LIBRARY_INDEXING, progress, NULL, progress->done > 0);
}

static void
run_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPhotoLibrary *self = user_data;
  g_autoptr(GError) error = NULL;
  PhotoScanStats scan = { 0 };
  gboolean ok = photo_indexer_run_finish (self->indexer, result, &scan, NULL, NULL, &error);
  gboolean cancelled = g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);

  self->running = FALSE;
  g_clear_object (&self->run_cancellable);
  if (self->closing)
    {
      g_main_loop_quit (self->loop);
      return;
    }
  if (ok || cancelled)
    post_update (self, HEARTH_PHOTO_LIBRARY_UP_TO_DATE, NULL, NULL, TRUE);
  else
    post_update (self, HEARTH_PHOTO_LIBRARY_FAILED, NULL, error->message, TRUE);
  if (self->rerun)
    start_run (self);
}

static void
start_run (HearthPhotoLibrary *self)
{
  if (self->closing || self->indexer == NULL || self->w_folders == NULL || self->w_folders[0] == NULL)
    return;
  if (self->running)
    {
      self->rerun = TRUE;
      return;
    }
  self->running = TRUE;
  self->rerun = FALSE;
  self->run_cancellable = g_cancellable_new ();
  post_update (self, HEARTH_PHOTO_LIBRARY_INDEXING, NULL, NULL, FALSE);
  photo_indexer_run_async (self->indexer, (const char *const *) self->w_folders, on_run_progress,
                           self->run_cancellable, run_done, self);
}

/* ---- the worker: folder monitors ---- */

static gboolean
on_debounced (gpointer data)
{
  HearthPhotoLibrary *self = data;

  g_clear_pointer (&self->debounce, g_source_unref);
  start_run (self);
  return G_SOURCE_REMOVE;
}

static void watch_tree (HearthPhotoLibrary *self, GFile *dir);

static void
on_folder_changed (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer data)
{
  HearthPhotoLibrary *self = data;
  g_autofree char *name = g_file_get_basename (file);

  if (name[0] == '.')
    return;
  /* A new subfolder is watched too (inotify is not recursive). */
  if ((event == G_FILE_MONITOR_EVENT_CREATED || event == G_FILE_MONITOR_EVENT_MOVED_IN) &&
      g_file_query_file_type (file, G_FILE_QUERY_INFO_NONE, NULL) == G_FILE_TYPE_DIRECTORY)
    watch_tree (self, file);
  /* Each event restarts the wait. */
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
  self->debounce = g_timeout_source_new (MONITOR_DEBOUNCE_MS);
  g_source_set_callback (self->debounce, on_debounced, self, NULL);
  g_source_attach (self->debounce, self->context);
}

/* Watches dir and, like the scan, its subfolders that are not hidden. */
static void
watch_tree (HearthPhotoLibrary *self, GFile *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileMonitor) monitor = g_file_monitor_directory (dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile *child;

  if (monitor == NULL)
    {
      g_message ("Not watching a photo folder: %s", error->message);
      return;
    }
  g_signal_connect (monitor, "changed", G_CALLBACK (on_folder_changed), self);
  g_ptr_array_add (self->monitors, g_steal_pointer (&monitor));
  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && g_file_enumerator_iterate (children, &info, &child, NULL, NULL) && info != NULL)
    if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY && g_file_info_get_name (info)[0] != '.')
      watch_tree (self, child);
}

static void
stop_watching (HearthPhotoLibrary *self)
{
  for (guint i = 0; i < self->monitors->len; i++)
    {
      g_file_monitor_cancel (self->monitors->pdata[i]);
      g_signal_handlers_disconnect_by_data (self->monitors->pdata[i], self);
    }
  g_ptr_array_set_size (self->monitors, 0);
  if (self->debounce != NULL)
    {
      g_source_destroy (self->debounce);
      g_clear_pointer (&self->debounce, g_source_unref);
    }
}

/* ---- the worker: requests from the owner ---- */

typedef struct {
  HearthPhotoLibrary *self;
  char              **folders;
  HearthModel        *model;
} Request;

static void
request_free (Request *request)
{
  g_strfreev (request->folders);
  g_clear_pointer (&request->model, hearth_model_unref);
  g_free (request);
}

static void
post_request (HearthPhotoLibrary *self, GSourceFunc func, char **folders, HearthModel *model)
{
  Request *request = g_new0 (Request, 1);

  request->self = self;
  request->folders = folders;
  request->model = model != NULL ? hearth_model_ref (model) : NULL;
  attach_idle (self->context, func, request, (GDestroyNotify) request_free);
}

/* Drops the folders the user removed from the library (not those that
 * something else, such as hearth-cli index, put in the index). */
static void
forget_removed_folders (HearthPhotoLibrary *self, char **before)
{
  g_autoptr(GError) error = NULL;

  if (!ensure_index (self, &error))
    {
      post_update (self, HEARTH_PHOTO_LIBRARY_FAILED, NULL, error->message, FALSE);
      return;
    }
  for (guint i = 0; before != NULL && before[i] != NULL; i++)
    if (!g_strv_contains ((const char *const *) self->w_folders, before[i]) &&
        !hearth_photo_index_remove_folder (self->index, before[i], &error))
      {
        post_update (self, HEARTH_PHOTO_LIBRARY_FAILED, NULL, error->message, TRUE);
        return;
      }
}

static gboolean
worker_set_folders (gpointer data)
{
  Request *request = data;
  HearthPhotoLibrary *self = request->self;
  g_auto(GStrv) before = g_steal_pointer (&self->w_folders);

  self->w_folders = g_steal_pointer (&request->folders);
  stop_watching (self);
  forget_removed_folders (self, before);
  for (guint i = 0; self->w_folders[i] != NULL; i++)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (self->w_folders[i]);
      watch_tree (self, folder);
    }
  /* A run in progress goes on; the new folders are scanned after it. */
  post_update (self, self->running ? HEARTH_PHOTO_LIBRARY_INDEXING : HEARTH_PHOTO_LIBRARY_UP_TO_DATE, NULL, NULL,
               TRUE);
  start_run (self);
  return G_SOURCE_REMOVE;
}

static gboolean
worker_set_indexer (gpointer data)
{
  Request *request = data;
  HearthPhotoLibrary *self = request->self;
  g_autoptr(GError) error = NULL;

  /* The indexer opens its own connection to the index, here. */
  if ((self->indexer = photo_indexer_new (self->engine, request->model, self->db_path, self->max_tokens, &error)) == NULL)
    {
      post_update (self, HEARTH_PHOTO_LIBRARY_FAILED, NULL, error->message, FALSE);
      return G_SOURCE_REMOVE;
    }
  if (self->w_paused)
    photo_indexer_pause (self->indexer);
  start_run (self);
  return G_SOURCE_REMOVE;
}

static gboolean
worker_pause (gpointer data)
{
  Request *request = data;

  request->self->w_paused = TRUE;
  if (request->self->indexer != NULL)
    photo_indexer_pause (request->self->indexer);
  return G_SOURCE_REMOVE;
}

static gboolean
worker_resume (gpointer data)
{
  Request *request = data;

  request->self->w_paused = FALSE;
  if (request->self->indexer != NULL)
    photo_indexer_resume (request->self->indexer);
  return G_SOURCE_REMOVE;
}

static gboolean
worker_describe_again (gpointer data)
{
  Request *request = data;
  HearthPhotoLibrary *self = request->self;
  g_autoptr(GError) error = NULL;

  if (!ensure_index (self, &error) || !hearth_photo_index_mark_all_pending (self->index, &error))
    {
      post_update (self, HEARTH_PHOTO_LIBRARY_FAILED, NULL, error->message, FALSE);
      return G_SOURCE_REMOVE;
    }
  start_run (self);
  return G_SOURCE_REMOVE;
}

/* A running describe job is cancelled; the loop ends when its callback
 * came, so that the indexer is freed with no photo in flight. */
static gboolean
worker_close (gpointer data)
{
  Request *request = data;
  HearthPhotoLibrary *self = request->self;

  self->closing = TRUE;
  stop_watching (self);
  if (!self->running)
    {
      g_main_loop_quit (self->loop);
      return G_SOURCE_REMOVE;
    }
  g_cancellable_cancel (self->run_cancellable);
  /* A paused run notices the cancellation when it goes on. */
  if (self->indexer != NULL && photo_indexer_is_paused (self->indexer))
    photo_indexer_resume (self->indexer);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main (gpointer data)
{
  HearthPhotoLibrary *self = data;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_clear_pointer (&self->indexer, photo_indexer_free);
  g_clear_pointer (&self->index, hearth_photo_index_close);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ---- queries on the worker ---- */

typedef gpointer (*QueryFunc) (HearthPhotoIndex *index, gpointer data, GCancellable *cancellable, GError **error);

typedef struct {
  HearthPhotoLibrary *self;
  GTask              *task;
  QueryFunc           func;
  gpointer            data;
  GDestroyNotify      data_free;
  GDestroyNotify      result_free;
  gboolean            returned;
} Query;

/* A query still queued when the library went away is answered too. */
static void
query_free (Query *query)
{
  if (!query->returned)
    g_task_return_new_error (query->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the photo library was closed");
  if (query->data_free != NULL)
    query->data_free (query->data);
  g_object_unref (query->task);
  g_free (query);
}

static gboolean
run_query (gpointer data)
{
  Query *query = data;
  GError *error = NULL;
  gpointer result;

  query->returned = TRUE;
  if (g_task_return_error_if_cancelled (query->task))
    return G_SOURCE_REMOVE;
  if (!ensure_index (query->self, &error) || (result = query->func (query->self->index, query->data, g_task_get_cancellable (query->task), &error)) == NULL)
    g_task_return_error (query->task, error);
  else
    g_task_return_pointer (query->task, result, query->result_free);
  return G_SOURCE_REMOVE;
}

static void
post_query (HearthPhotoLibrary *self, gpointer source_tag, QueryFunc func, gpointer data, GDestroyNotify data_free,
            GDestroyNotify result_free, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Query *query = g_new0 (Query, 1);

  query->self = self;
  /* No source object: the last reference to the library must not be
   * dropped on its own worker thread. */
  query->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (query->task, source_tag);
  query->func = func;
  query->data = data;
  query->data_free = data_free;
  query->result_free = result_free;
  attach_idle (self->context, run_query, query, (GDestroyNotify) query_free);
}

static gpointer
query_finish (HearthPhotoLibrary *self, GAsyncResult *result, gpointer source_tag, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  char            *text;
  char            *folder;
  HearthPhotoQuery query;
} Search;

static void
search_free (Search *search)
{
  g_free (search->text);
  g_free (search->folder);
  g_free (search);
}

/* A newer query cancels this one even while SQLite ranks. */
static gpointer
search_run (HearthPhotoIndex *index, gpointer data, GCancellable *cancellable, GError **error)
{
  Search *search = data;

  return hearth_photo_index_search_cancellable (index, search->text, &search->query, cancellable, error);
}

void
hearth_photo_library_search_async (HearthPhotoLibrary *self, const char *text, const HearthPhotoQuery *query,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  Search *search = g_new0 (Search, 1);

  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));
  g_return_if_fail (text != NULL);

  search->text = g_strdup (text);
  if (query != NULL)
    search->query = *query;
  search->folder = g_strdup (search->query.folder);
  search->query.folder = search->folder;
  post_query (self, hearth_photo_library_search_async, search_run, search, (GDestroyNotify) search_free,
              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
hearth_photo_library_search_finish (HearthPhotoLibrary *self, GAsyncResult *result, GError **error)
{
  return query_finish (self, result, hearth_photo_library_search_async, error);
}

static gpointer
get_photo_run (HearthPhotoIndex *index, gpointer data, GCancellable *cancellable, GError **error)
{
  GError *lookup_error = NULL;
  HearthPhoto *photo = hearth_photo_index_get_photo (index, data, &lookup_error);

  if (photo == NULL && lookup_error == NULL)
    g_set_error (&lookup_error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_NOT_FOUND,
                 _("“%s” is not in the photo index any more"), (const char *) data);
  if (lookup_error != NULL)
    g_propagate_error (error, lookup_error);
  return photo;
}

void
hearth_photo_library_get_photo_async (HearthPhotoLibrary *self, const char *path, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));
  g_return_if_fail (path != NULL);

  post_query (self, hearth_photo_library_get_photo_async, get_photo_run, g_strdup (path), g_free,
              (GDestroyNotify) hearth_photo_free, cancellable, callback, user_data);
}

HearthPhoto *
hearth_photo_library_get_photo_finish (HearthPhotoLibrary *self, GAsyncResult *result, GError **error)
{
  return query_finish (self, result, hearth_photo_library_get_photo_async, error);
}

static gpointer
list_years_run (HearthPhotoIndex *index, gpointer data, GCancellable *cancellable, GError **error)
{
  return hearth_photo_index_list_years (index, error);
}

void
hearth_photo_library_list_years_async (HearthPhotoLibrary *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));

  post_query (self, hearth_photo_library_list_years_async, list_years_run, NULL, NULL,
              (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data);
}

GPtrArray *
hearth_photo_library_list_years_finish (HearthPhotoLibrary *self, GAsyncResult *result, GError **error)
{
  return query_finish (self, result, hearth_photo_library_list_years_async, error);
}

/* ---- the owner: the vision model ---- */

static void
set_model_status (HearthPhotoLibrary *self, ModelStatus status, const char *error)
{
  self->model_status = status;
  replace_string (&self->error, error);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void try_next_candidate (HearthPhotoLibrary *self, const char *last_error);

/* A candidate that cannot be used (a file that fails to load, a projector
 * the engine refuses) gives way to the next one. Unloading ends only this
 * library's hold on the model: a chat using the same file keeps it. */
static void
candidate_failed (HearthPhotoLibrary *self, const GError *error)
{
  if (self->model != NULL)
    {
      hearth_engine_unload_model (self->engine, self->model);
      g_clear_pointer (&self->model, hearth_model_unref);
    }
  try_next_candidate (self, error->message);
}

static void
vision_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPhotoLibrary) self = user_data;
  g_autoptr(GError) error = NULL;

  if (self->disposed)
    return;
  if (!hearth_engine_load_vision_finish (NULL, result, &error))
    {
      candidate_failed (self, error);
      return;
    }
  post_request (self, worker_set_indexer, NULL, self->model);
  set_model_status (self, MODEL_READY, NULL);
}

static void
model_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPhotoLibrary) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthModel) model = hearth_engine_load_model_finish (NULL, result, &error);
  const HearthModelInfo *info;

  if (self->disposed)
    return;
  if (model == NULL)
    {
      candidate_failed (self, error);
      return;
    }
  info = self->candidates->pdata[0];
  self->model = g_steal_pointer (&model);
  hearth_engine_load_vision_async (self->engine, self->model, info->mmproj_path, self->model_cancellable,
                                   vision_loaded, g_object_ref (self));
}

/* Loads the next candidate; last_error says why the one before failed.
 * When a chat has the same file loaded (with its projector), the engine
 * shares that model instead of loading a second copy. */
static void
try_next_candidate (HearthPhotoLibrary *self, const char *last_error)
{
  const HearthModelInfo *info;

  if (last_error != NULL)
    g_ptr_array_remove_index (self->candidates, 0);
  if (self->candidates->len == 0)
    {
      set_model_status (self, MODEL_MISSING, last_error);
      return;
    }
  info = self->candidates->pdata[0];
  hearth_engine_load_model_async (self->engine, info->path, NULL, self->model_cancellable, model_loaded,
                                  g_object_ref (self));
}

static void
models_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthPhotoLibrary) self = user_data;
  g_autoptr(GPtrArray) models = hearth_model_catalog_scan_finish (result, NULL);

  /* The scan fails only when cancelled: the library is going away. */
  if (self->disposed || models == NULL)
    return;
  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_model_info_free);
  for (guint i = 0; i < models->len; i++)
    {
      const HearthModelInfo *info = models->pdata[i];
      if (info->runnable && hearth_model_info_has_vision (info))
        g_ptr_array_add (self->candidates, hearth_model_info_copy (info));
    }
  try_next_candidate (self, NULL);
}

/* Only once there is something to index: the model takes memory. */
static void
find_model (HearthPhotoLibrary *self)
{
  g_autoptr(GPtrArray) locations = NULL;

  if (self->model_status != MODEL_NONE || self->folders[0] == NULL)
    return;
  set_model_status (self, MODEL_FINDING, NULL);
  locations = hearth_model_catalog_default_locations (NULL, NULL, NULL);
  hearth_model_catalog_scan_async (locations, 0, self->model_cancellable, models_found, g_object_ref (self));
}

/* ---- the owner: API ---- */

void
hearth_photo_library_set_max_tokens (HearthPhotoLibrary *self, guint max_tokens)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));
  g_return_if_fail (self->folders[0] == NULL);

  self->max_tokens = max_tokens;
}

void
hearth_photo_library_set_folders (HearthPhotoLibrary *self, const char *const *folders)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));

  g_strfreev (self->folders);
  self->folders = g_strdupv ((char **) folders);
  post_request (self, worker_set_folders, g_strdupv ((char **) folders), NULL);
  find_model (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

HearthPhotoLibraryState
hearth_photo_library_get_state (HearthPhotoLibrary *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_LIBRARY (self), HEARTH_PHOTO_LIBRARY_NO_FOLDERS);

  if (self->folders[0] == NULL)
    return HEARTH_PHOTO_LIBRARY_NO_FOLDERS;
  switch (self->model_status)
    {
    case MODEL_NONE:
    case MODEL_FINDING: return HEARTH_PHOTO_LIBRARY_FINDING_MODEL;
    case MODEL_MISSING: return HEARTH_PHOTO_LIBRARY_NO_MODEL;
    case MODEL_READY: break;
    }
  if (self->paused && self->run_state == HEARTH_PHOTO_LIBRARY_INDEXING)
    return HEARTH_PHOTO_LIBRARY_PAUSED;
  return self->run_state;
}

void
hearth_photo_library_get_progress (HearthPhotoLibrary *self, HearthPhotoLibraryProgress *progress)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));
  *progress = self->progress;
}

const char *
hearth_photo_library_get_error (HearthPhotoLibrary *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_LIBRARY (self), NULL);
  return self->error;
}

HearthModel *
hearth_photo_library_get_model (HearthPhotoLibrary *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_LIBRARY (self), NULL);
  return self->model_status == MODEL_READY ? self->model : NULL;
}

void
hearth_photo_library_pause (HearthPhotoLibrary *self)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));

  self->paused = TRUE;
  post_request (self, worker_pause, NULL, NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
hearth_photo_library_resume (HearthPhotoLibrary *self)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));

  self->paused = FALSE;
  post_request (self, worker_resume, NULL, NULL);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
hearth_photo_library_describe_again (HearthPhotoLibrary *self)
{
  g_return_if_fail (HEARTH_IS_PHOTO_LIBRARY (self));
  post_request (self, worker_describe_again, NULL, NULL);
}

/* ---- GObject ---- */

static void
hearth_photo_library_dispose (GObject *object)
{
  HearthPhotoLibrary *self = HEARTH_PHOTO_LIBRARY (object);

  if (!self->disposed)
    {
      self->disposed = TRUE;
      g_cancellable_cancel (self->model_cancellable);
      post_request (self, worker_close, NULL, NULL);
      g_thread_join (self->thread);
      if (self->model != NULL)
        hearth_engine_unload_model (self->engine, self->model);
      g_clear_pointer (&self->model, hearth_model_unref);
    }
  G_OBJECT_CLASS (hearth_photo_library_parent_class)->dispose (object);
}

static void
hearth_photo_library_finalize (GObject *object)
{
  HearthPhotoLibrary *self = HEARTH_PHOTO_LIBRARY (object);

  g_strfreev (self->folders);
  g_strfreev (self->w_folders);
  g_free (self->error);
  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_free (self->db_path);
  g_ptr_array_unref (self->monitors);
  g_object_unref (self->model_cancellable);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_main_context_unref (self->owner);
  g_object_unref (self->engine);
  G_OBJECT_CLASS (hearth_photo_library_parent_class)->finalize (object);
}

static void
hearth_photo_library_class_init (HearthPhotoLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_photo_library_dispose;
  object_class->finalize = hearth_photo_library_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_INDEX_CHANGED] = g_signal_new ("index-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hearth_photo_library_init (HearthPhotoLibrary *self)
{
  self->folders = g_new0 (char *, 1);
  self->monitors = g_ptr_array_new_with_free_func (g_object_unref);
  self->model_cancellable = g_cancellable_new ();
  self->run_state = HEARTH_PHOTO_LIBRARY_UP_TO_DATE;
  self->progress.eta_seconds = -1;
}

HearthPhotoLibrary *
hearth_photo_library_new (HearthEngine *engine, const char *db_path)
{
  HearthPhotoLibrary *self;

  g_return_val_if_fail (HEARTH_IS_ENGINE (engine), NULL);

  self = g_object_new (HEARTH_TYPE_PHOTO_LIBRARY, NULL);
  self->engine = g_object_ref (engine);
  self->db_path = db_path != NULL ? g_strdup (db_path) : hearth_photo_index_default_path ();
  self->owner = g_main_context_ref_thread_default ();
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("hearth-photos", worker_main, self);
  return self;
}
