#define G_LOG_DOMAIN "hearth-engine"

/* Jobs on a session: generate a reply, and find the oldest turns to leave
 * out so that a conversation fits the context. */

#include "engine-private.h"

#include "generate-loop.h"

typedef struct {
  HearthSession        *session;
  GPtrArray            *roles;     /* char * */
  GPtrArray            *contents;  /* char * */
  GArray               *n_images;  /* guint: per message */
  GPtrArray            *images;    /* GBytes: every message's images, in order */
  HearthSamplingParams  params;
  HearthGenerateResult *result;    /* the task's data, filled on the engine thread */
} GenerateJob;

static void
generate_job_free (GenerateJob *g)
{
  hearth_session_unref (g->session);
  g_ptr_array_unref (g->roles);
  g_ptr_array_unref (g->contents);
  g_array_unref (g->n_images);
  g_ptr_array_unref (g->images);
  g_free (g);
}

/* A copy of the messages: the caller's may go away once the call returns. */
static GenerateJob *
generate_job_new (HearthSession *session, const HearthChatMessage *messages, guint n_messages)
{
  GenerateJob *g = g_new0 (GenerateJob, 1);

  g->session = hearth_session_ref (session);
  g->roles = g_ptr_array_new_full (n_messages, g_free);
  g->contents = g_ptr_array_new_full (n_messages, g_free);
  g->n_images = g_array_sized_new (FALSE, FALSE, sizeof (guint), n_messages);
  g->images = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < n_messages; i++)
    {
      g_ptr_array_add (g->roles, g_strdup (messages[i].role));
      g_ptr_array_add (g->contents, g_strdup (messages[i].content));
      g_array_append_val (g->n_images, messages[i].n_images);
      for (guint k = 0; k < messages[i].n_images; k++)
        g_ptr_array_add (g->images, g_bytes_ref (messages[i].images[k]));
    }
  return g;
}

static void
generate_result_free (HearthGenerateResult *result)
{
  hearth_generate_result_clear (result);
  g_free (result);
}

/* The job's messages from first on (later starts leave the oldest turns
 * out). */
static ChatConversation
generate_job_conversation (GenerateJob *g, guint first)
{
  return (ChatConversation) { (const char *const *) g->roles->pdata + first,
                              (const char *const *) g->contents->pdata + first,
                              (const guint *) g->n_images->data + first, g->contents->len - first };
}

/* How many of the job's images come before message first. */
static guint
generate_job_images_before (GenerateJob *g, guint first)
{
  guint n = 0;

  for (guint i = 0; i < first; i++)
    n += g_array_index (g->n_images, guint, i);
  return n;
}

static GPtrArray *
generate_job_encode_images (GenerateJob *g, SessionState *s, GCancellable *cancel,
                            GError **error)
{
  const SessionImages si = { (const guint *) g->n_images->data, g->n_images->len,
                             (GBytes *const *) g->images->pdata, g->images->len };

  return _session_encode_images (s, &si, cancel, error);
}

/* ------------------------------------------------------------------------ */
/* Generation */

static void
post_token (gint32 id, const char *text, gsize len, gpointer outbox)
{
  (void) id;
  _engine_outbox_post_text (outbox, text, len);
}

/* Samples until a stop; FALSE only on an error or cancellation. */
static gboolean
sample_reply (SessionState *s, GenerateJob *g, Outbox *outbox, GString *text,
              GCancellable *cancel, GError **error)
{
  const GenerateLoop loop = { s->ctx, s->model->tokenizer, g->params.sampler,
                              g->params.max_tokens, "the generation", post_token, outbox };
  HearthGenerateResult *r = g->result;
  GenerateLoopResult lr;
  gboolean ok = generate_loop_run (&loop, s->cached, text, &lr, cancel, error);

  r->n_generated = lr.n_generated;
  r->stop_reason = lr.stop_reason;
  r->generate_seconds = lr.seconds;
  r->tokens_per_second = r->generate_seconds > 0 ? r->n_generated / r->generate_seconds : 0;
  return ok;
}

static gboolean
generate (EngineState *st, GenerateJob *g, Outbox *outbox, GCancellable *cancel, GError **error)
{
  HearthGenerateResult *r = g->result;
  const ChatConversation c = generate_job_conversation (g, 0);
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GArray) prompt = NULL;
  g_autoptr (GPtrArray) images = NULL;
  SessionState *s;
  gboolean ok;

  if ((s = _engine_lookup_session (st, g->session, error)) == NULL ||
      (images = generate_job_encode_images (g, s, cancel, error)) == NULL ||
      (prompt = _session_tokenize (s, &c, images, 0, error)) == NULL)
    return FALSE;
  r->n_prompt_tokens = prompt->len;
  if (prompt->len == 0)
    {
      g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                           "the conversation is empty: there is nothing to reply to");
      return FALSE;
    }
  /* Never a truncated prompt; the caller decides what to leave out. */
  if ((guint64) prompt->len + MAX (g->params.reserve_tokens, 1) > g->session->n_ctx)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL,
                   "the conversation is %u tokens and the reply needs room for %u but the "
                   "chat's context holds %u; leave earlier messages out or start a new chat",
                   prompt->len, MAX (g->params.reserve_tokens, 1), g->session->n_ctx);
      return FALSE;
    }
  if (s->ctx == NULL &&
      (s->ctx = llama_context_new (s->model->llama, g->session->n_ctx, 0, error)) == NULL)
    return FALSE;

  ok = _session_process_prompt (s, prompt, images, r, cancel, error) &&
       sample_reply (s, g, outbox, text, cancel, error);
  r->text = g_string_free (g_steal_pointer (&text), FALSE);
  return ok;
}

static void
run_generate (EngineState *st, Job *job)
{
  GenerateJob *g = job->data;

  g->result->stop_reason = HEARTH_STOP_CANCELLED;
  if (!_engine_job_cancelled (job))
    generate (st, g, job->outbox, job->cancel, &job->error);

  if (g_error_matches (job->error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
    g->result->stop_reason = HEARTH_STOP_CANCELLED;
}

/* Makes job the session's newest generation: the one before is cancelled
 * on the engine thread, and its undelivered output dropped by its outbox. */
static void
session_supersede (HearthSession *session, Job *job)
{
  g_mutex_lock (&session->lock);
  if (session->latest_cancel != NULL)
    g_cancellable_cancel (session->latest_cancel);
  g_set_object (&session->latest_cancel, job->cancel);
  job->outbox->session = hearth_session_ref (session);
  job->outbox->generation = ++session->generation;
  g_mutex_unlock (&session->lock);
}

void
hearth_engine_generate_async (HearthEngine *self, HearthSession *session,
                              const HearthChatMessage *messages, guint n_messages,
                              const HearthSamplingParams *params, HearthTokenFunc token,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GenerateJob *g;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (messages != NULL || n_messages == 0);
  for (guint i = 0; i < n_messages; i++)
    g_return_if_fail (messages[i].images != NULL || messages[i].n_images == 0);

  g = generate_job_new (session, messages, n_messages);
  if (params != NULL)
    g->params = *params;
  else
    hearth_sampling_params_init (&g->params);
  g->result = g_new0 (HearthGenerateResult, 1);

  job = _engine_job_new (run_generate, HEARTH_ENGINE_PRIORITY_INTERACTIVE, "the generation",
                         cancellable);
  _engine_job_set_task (job, hearth_engine_generate_async, callback, user_data);
  g_task_set_task_data (job->task, g->result, (GDestroyNotify) generate_result_free);
  _engine_job_set_outbox (job, NULL, token, user_data);
  job->data = g;
  job->data_free = (GDestroyNotify) generate_job_free;
  session_supersede (session, job);
  _engine_submit (self, job);
}

gboolean
hearth_engine_generate_finish (HearthEngine *self, GAsyncResult *result,
                               HearthGenerateResult *out, GError **error)
{
  HearthGenerateResult *r;

  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_generate_async,
                        FALSE);

  r = g_task_get_task_data (G_TASK (result));
  if (out != NULL)
    {
      *out = *r;
      out->text = g_strdup (r->text != NULL ? r->text : "");
    }
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------ */
/* Which oldest turns to leave out */

static gboolean
prompt_length_from (SessionState *s, GenerateJob *g, GPtrArray *images, guint first,
                    guint *length, GError **error)
{
  const ChatConversation c = generate_job_conversation (g, first);
  g_autoptr (GArray) ids = _session_tokenize (s, &c, images,
                                              generate_job_images_before (g, first), error);

  if (ids != NULL)
    *length = ids->len;
  return ids != NULL;
}

/* Tries the user messages earliest first: the prompt only shrinks as its
 * start moves on, so the first start that fits drops the fewest turns. */
static guint *
fit_context (EngineState *st, GenerateJob *g, GCancellable *cancel, GError **error)
{
  guint n_ctx = g->session->n_ctx, reserve = MAX (g->params.reserve_tokens, 1);
  guint shortest = 0;
  g_autoptr (GPtrArray) images = NULL;
  SessionState *s;

  /* The images are encoded once here, and kept by the session for the
   * generation that follows. */
  if ((s = _engine_lookup_session (st, g->session, error)) == NULL ||
      (images = generate_job_encode_images (g, s, cancel, error)) == NULL)
    return NULL;
  for (guint first = 0; first < g->roles->len; first++)
    {
      guint length;

      if (!g_str_equal (g->roles->pdata[first], "user"))
        continue;
      if (g_cancellable_is_cancelled (cancel))
        {
          hearth_engine_set_cancelled (error, "fitting the context");
          return NULL;
        }
      if (!prompt_length_from (s, g, images, first, &length, error))
        return NULL;
      if ((guint64) length + reserve <= n_ctx)
        return g_memdup2 (&first, sizeof first);
      shortest = length;
    }
  if (shortest == 0)
    g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                         "the conversation has no user message to start the model's context at");
  else
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL,
                 "the last message alone is %u tokens and the reply needs room for %u but the "
                 "chat's context holds %u; shorten the message or raise the context length",
                 shortest, reserve, n_ctx);
  return NULL;
}

static void
run_fit_context (EngineState *st, Job *job)
{
  if (!_engine_job_cancelled (job))
    job->value = fit_context (st, job->data, job->cancel, &job->error);
}

void
hearth_engine_fit_context_async (HearthEngine *self, HearthSession *session,
                                 const HearthChatMessage *messages, guint n_messages,
                                 guint reserve_tokens, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GenerateJob *g;
  Job *job;

  g_return_if_fail (HEARTH_IS_ENGINE (self));
  g_return_if_fail (session != NULL);
  g_return_if_fail (messages != NULL || n_messages == 0);

  g = generate_job_new (session, messages, n_messages);
  g->params.reserve_tokens = reserve_tokens;
  job = _engine_job_new (run_fit_context, HEARTH_ENGINE_PRIORITY_INTERACTIVE,
                         "fitting the context", cancellable);
  _engine_job_set_task (job, hearth_engine_fit_context_async, callback, user_data);
  job->data = g;
  job->data_free = (GDestroyNotify) generate_job_free;
  job->value_free = g_free;
  _engine_submit (self, job);
}

gboolean
hearth_engine_fit_context_finish (HearthEngine *self, GAsyncResult *result, guint *first_kept,
                                  GError **error)
{
  g_autofree guint *first = NULL;

  g_return_val_if_fail (self == NULL || HEARTH_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == hearth_engine_fit_context_async,
                        FALSE);

  first = g_task_propagate_pointer (G_TASK (result), error);
  if (first == NULL)
    return FALSE;
  if (first_kept != NULL)
    *first_kept = *first;
  return TRUE;
}
