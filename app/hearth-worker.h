/* hearth-worker.h: one thread that runs jobs in submission order, for the
 * work of the app that must not run on the UI thread nor on the engine's:
 * the chat history's SQL (HearthStoreWorker) and the photo library's
 * folder scans (PhotoIndexer).
 *
 * Each job's result comes back through a GTask on the thread-default main
 * context of the caller. The tasks have no source object (callbacks get
 * NULL), so that the last reference to the worker is never dropped on its
 * own thread; the _finish function accepts a NULL worker. Finalizing the
 * worker runs the jobs still queued, then joins the thread. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs on the worker thread. Returns a result for the caller (may be NULL
 * on success), freed with the job's result_free when nobody takes it; on
 * failure returns NULL and sets error. */
typedef gpointer (*HearthWorkerFunc) (gpointer data, GCancellable *cancellable, GError **error);

#define HEARTH_TYPE_WORKER (hearth_worker_get_type ())
G_DECLARE_FINAL_TYPE (HearthWorker, hearth_worker, HEARTH, WORKER, GObject)

/* name: the thread's, for debuggers. */
HearthWorker *hearth_worker_new        (const char          *name);

/* Runs func (data) on the worker thread; data is freed with data_free
 * there afterwards. A job whose cancellable is cancelled before it starts
 * ends with G_IO_ERROR_CANCELLED without running. */
void          hearth_worker_run_async  (HearthWorker        *self,
                                        HearthWorkerFunc     func,
                                        gpointer             data,
                                        GDestroyNotify       data_free,
                                        GDestroyNotify       result_free,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gpointer      hearth_worker_run_finish (HearthWorker        *self,
                                        GAsyncResult        *result,
                                        GError             **error);

/* Runs func (data) on the worker thread and waits for it: for what the
 * worker's thread owns and must close there (a database connection). */
void          hearth_worker_run_sync   (HearthWorker        *self,
                                        GSourceFunc          func,
                                        gpointer             data);

/* Waits for every job submitted before this call (for tests and quitting). */
void          hearth_worker_flush      (HearthWorker        *self);

G_END_DECLS
