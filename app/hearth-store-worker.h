/* hearth-store-worker.h: the chat history on its own thread.
 *
 * HearthStore is synchronous and belongs to the thread that opened it, so
 * the app gives it one worker thread with its own connection.  Jobs run on
 * that thread in submission order; each result comes back through a GTask
 * on the thread-default main context of the caller (the UI thread).  The
 * tasks have no source object (callbacks get NULL) and the _finish
 * functions accept a NULL worker. */
#pragma once

#include <gio/gio.h>

#include "hearth-store.h"

G_BEGIN_DECLS

/* Runs on the worker thread.  Returns a result for the caller (may be
 * NULL on success), freed with the job's result_free when nobody takes it;
 * on failure returns NULL and sets error. */
typedef gpointer (*HearthStoreJobFunc) (HearthStore *store, gpointer data, GError **error);

#define HEARTH_TYPE_STORE_WORKER (hearth_store_worker_get_type ())
G_DECLARE_FINAL_TYPE (HearthStoreWorker, hearth_store_worker, HEARTH, STORE_WORKER, GObject)

/* Starts the thread; the store is opened by hearth_store_worker_open_async(). */
HearthStoreWorker *hearth_store_worker_new (const char *path);
const char        *hearth_store_worker_get_path (HearthStoreWorker *self);

/* Opens the database (and marks answers left 'streaming' by a crash as
 * 'stopped').  Errors are HEARTH_STORE_ERROR from hearth_store_open(). */
void     hearth_store_worker_open_async   (HearthStoreWorker   *self,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean hearth_store_worker_open_finish  (HearthStoreWorker   *self,
                                           GAsyncResult        *result,
                                           GError             **error);
/* Moves a broken database aside (hearth_store_move_aside()); the next
 * open starts a new history.  moved_path: where the old file went. */
void     hearth_store_worker_move_aside_async  (HearthStoreWorker   *self,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
char    *hearth_store_worker_move_aside_finish (HearthStoreWorker   *self,
                                                GAsyncResult        *result,
                                                GError             **error);

/* Runs func (store, data) on the worker thread; data is freed with
 * data_free there afterwards.  Fails with HEARTH_STORE_ERROR_FAILED while
 * the store is not open. */
void     hearth_store_worker_run_async    (HearthStoreWorker   *self,
                                           HearthStoreJobFunc   func,
                                           gpointer             data,
                                           GDestroyNotify       data_free,
                                           GDestroyNotify       result_free,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gpointer hearth_store_worker_run_finish   (HearthStoreWorker   *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Waits for every job submitted before this call (for tests and quitting). */
void     hearth_store_worker_flush        (HearthStoreWorker   *self);

G_END_DECLS
