#define G_LOG_DOMAIN "hearth-worker"

/* One thread, a queue of jobs (see hearth-worker.h). */

#include "hearth-worker.h"

typedef enum {
  JOB_RUN,   /* a GTask's job */
  JOB_SYNC,  /* a waiter's function: signalled when it ran */
  JOB_QUIT,
} JobKind;

typedef struct {
  JobKind           kind;
  HearthWorkerFunc  func;
  GSourceFunc       sync_func;
  gpointer          data;
  GDestroyNotify    data_free;
  GDestroyNotify    result_free;
  GTask            *task;     /* JOB_RUN only */
  GMutex            mutex;    /* JOB_SYNC: the waiter owns the job */
  GCond             cond;
  gboolean          reached;
} Job;

struct _HearthWorker {
  GObject      parent_instance;
  GAsyncQueue *queue;
  GThread     *thread;
};

G_DEFINE_FINAL_TYPE (HearthWorker, hearth_worker, G_TYPE_OBJECT)

static Job *
job_new (JobKind kind)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  g_mutex_init (&job->mutex);
  g_cond_init (&job->cond);
  return job;
}

static void
job_free (Job *job)
{
  if (job->data_free != NULL && job->data != NULL)
    job->data_free (job->data);
  g_clear_object (&job->task);
  g_mutex_clear (&job->mutex);
  g_cond_clear (&job->cond);
  g_free (job);
}

static void
run_job (Job *job)
{
  g_autoptr (GError) error = NULL;
  gpointer result;

  if (g_task_return_error_if_cancelled (job->task))
    return;
  result = job->func (job->data, g_task_get_cancellable (job->task), &error);
  if (error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&error));
  else
    g_task_return_pointer (job->task, result, job->result_free);
}

static void
run_sync (Job *job)
{
  if (job->sync_func != NULL)
    job->sync_func (job->data);
  g_mutex_lock (&job->mutex);
  job->reached = TRUE;
  g_cond_signal (&job->cond);
  g_mutex_unlock (&job->mutex);
}

static gpointer
worker_thread (gpointer user_data)
{
  HearthWorker *self = user_data;

  for (;;)
    {
      Job *job = g_async_queue_pop (self->queue);

      switch (job->kind)
        {
        case JOB_RUN:
          run_job (job);
          job_free (job);
          break;
        case JOB_SYNC:
          /* The waiter owns it: signal and do not touch it again. */
          run_sync (job);
          break;
        case JOB_QUIT:
          job_free (job);
          return NULL;
        }
    }
}

static void
hearth_worker_finalize (GObject *object)
{
  HearthWorker *self = HEARTH_WORKER (object);

  g_async_queue_push (self->queue, job_new (JOB_QUIT));
  g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  G_OBJECT_CLASS (hearth_worker_parent_class)->finalize (object);
}

static void
hearth_worker_class_init (HearthWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_worker_finalize;
}

static void
hearth_worker_init (HearthWorker *self)
{
  self->queue = g_async_queue_new ();
}

HearthWorker *
hearth_worker_new (const char *name)
{
  HearthWorker *self = g_object_new (HEARTH_TYPE_WORKER, NULL);

  self->thread = g_thread_new (name, worker_thread, self);
  return self;
}

void
hearth_worker_run_async (HearthWorker *self, HearthWorkerFunc func, gpointer data,
                         GDestroyNotify data_free, GDestroyNotify result_free,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_WORKER (self));
  g_return_if_fail (func != NULL);

  job = job_new (JOB_RUN);
  job->func = func;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, hearth_worker_run_async);
  g_async_queue_push (self->queue, job);
}

gpointer
hearth_worker_run_finish (HearthWorker *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (self == NULL || HEARTH_IS_WORKER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hearth_worker_run_sync (HearthWorker *self, GSourceFunc func, gpointer data)
{
  Job *job;

  g_return_if_fail (HEARTH_IS_WORKER (self));

  job = job_new (JOB_SYNC);
  job->sync_func = func;
  job->data = data;
  g_mutex_lock (&job->mutex);
  g_async_queue_push (self->queue, job);
  while (!job->reached)
    g_cond_wait (&job->cond, &job->mutex);
  g_mutex_unlock (&job->mutex);
  job->data = NULL;
  job_free (job);
}

void
hearth_worker_flush (HearthWorker *self)
{
  hearth_worker_run_sync (self, NULL, NULL);
}
