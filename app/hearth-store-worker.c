#define G_LOG_DOMAIN "hearth-store-worker"

/* hearth-store-worker.c: one HearthWorker, one SQLite connection. The
 * worker's thread owns the HearthStore; the main thread only queues. */

#include <glib/gi18n.h>

#include "hearth-store-worker.h"
#include "hearth-worker.h"

struct _HearthStoreWorker {
  GObject       parent_instance;
  char         *path;
  HearthWorker *worker;
  HearthStore  *store; /* touched only on the worker's thread */
};

G_DEFINE_FINAL_TYPE (HearthStoreWorker, hearth_store_worker, G_TYPE_OBJECT)

static gpointer
open_store (gpointer data, GCancellable *cancellable, GError **error)
{
  HearthStoreWorker *self = data;

  (void) cancellable;
  if (self->store == NULL)
    {
      self->store = hearth_store_open (self->path, HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS, error);
      if (self->store != NULL && !hearth_store_stop_interrupted (self->store, NULL, error))
        g_clear_pointer (&self->store, hearth_store_close);
    }
  return self->store != NULL ? GINT_TO_POINTER (TRUE) : NULL;
}

static gpointer
move_store_aside (gpointer data, GCancellable *cancellable, GError **error)
{
  HearthStoreWorker *self = data;
  char *moved_path = NULL;

  (void) cancellable;
  g_clear_pointer (&self->store, hearth_store_close);
  hearth_store_move_aside (self->path, &moved_path, error);
  return moved_path;
}

typedef struct {
  HearthStoreWorker  *self;
  HearthStoreJobFunc  func;
  gpointer            data;
  GDestroyNotify      data_free;
} StoreJob;

static void
store_job_free (StoreJob *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_free (job);
}

static gpointer
run_store_job (gpointer data, GCancellable *cancellable, GError **error)
{
  StoreJob *job = data;

  (void) cancellable;
  if (job->self->store == NULL)
    {
      g_set_error (error, HEARTH_STORE_ERROR, HEARTH_STORE_ERROR_FAILED,
                   _("The chat history “%s” is not open."), job->self->path);
      return NULL;
    }
  return job->func (job->self->store, job->data, error);
}

static gboolean
close_store (gpointer data)
{
  HearthStoreWorker *self = data;

  g_clear_pointer (&self->store, hearth_store_close);
  return G_SOURCE_REMOVE;
}

/* The jobs still queued run before the store is closed on its thread. */
static void
hearth_store_worker_finalize (GObject *object)
{
  HearthStoreWorker *self = HEARTH_STORE_WORKER (object);

  hearth_worker_run_sync (self->worker, close_store, self);
  g_clear_object (&self->worker);
  g_free (self->path);

  G_OBJECT_CLASS (hearth_store_worker_parent_class)->finalize (object);
}

static void
hearth_store_worker_class_init (HearthStoreWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_store_worker_finalize;
}

static void
hearth_store_worker_init (HearthStoreWorker *self)
{
  self->worker = hearth_worker_new ("hearth-store");
}

HearthStoreWorker *
hearth_store_worker_new (const char *path)
{
  HearthStoreWorker *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (HEARTH_TYPE_STORE_WORKER, NULL);
  self->path = g_strdup (path);
  return self;
}

const char *
hearth_store_worker_get_path (HearthStoreWorker *self)
{
  g_return_val_if_fail (HEARTH_IS_STORE_WORKER (self), NULL);
  return self->path;
}

void
hearth_store_worker_open_async (HearthStoreWorker   *self,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  hearth_worker_run_async (self->worker, open_store, self, NULL, NULL, NULL, callback, user_data);
}

gboolean
hearth_store_worker_open_finish (HearthStoreWorker  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  return hearth_worker_run_finish (NULL, result, error) != NULL;
}

void
hearth_store_worker_move_aside_async (HearthStoreWorker   *self,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  hearth_worker_run_async (self->worker, move_store_aside, self, NULL, g_free, NULL, callback,
                           user_data);
}

char *
hearth_store_worker_move_aside_finish (HearthStoreWorker  *self,
                                       GAsyncResult       *result,
                                       GError            **error)
{
  return hearth_worker_run_finish (NULL, result, error);
}

void
hearth_store_worker_run_async (HearthStoreWorker   *self,
                               HearthStoreJobFunc   func,
                               gpointer             data,
                               GDestroyNotify       data_free,
                               GDestroyNotify       result_free,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  StoreJob *job;

  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (StoreJob, 1);
  job->self = self;
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  hearth_worker_run_async (self->worker, run_store_job, job, (GDestroyNotify) store_job_free,
                           result_free, cancellable, callback, user_data);
}

gpointer
hearth_store_worker_run_finish (HearthStoreWorker  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  return hearth_worker_run_finish (NULL, result, error);
}

void
hearth_store_worker_flush (HearthStoreWorker *self)
{
  g_return_if_fail (HEARTH_IS_STORE_WORKER (self));
  hearth_worker_flush (self->worker);
}
