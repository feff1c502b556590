#define G_LOG_DOMAIN "hearth-engine"

/* The sampling loop (see generate-loop.h). */

#include "generate-loop.h"

static void
emit (const GenerateLoop *loop, gint32 id, GString *text, gsize before)
{
  if (loop->token != NULL && (text->len > before || id >= 0))
    loop->token (id, text->str + before, text->len - before, loop->user_data);
}

/* Runs id at the next position; cached keeps what the cache holds. */
static gboolean
run_token (const GenerateLoop *loop, GArray *cached, gint32 id, GCancellable *cancellable,
           GError **error)
{
  if (!llama_context_forward (loop->ctx, &id, 1, cached->len, FALSE, cancellable, error))
    {
      g_array_set_size (cached, MIN (cached->len, llama_context_get_n_past (loop->ctx)));
      return FALSE;
    }
  g_array_append_val (cached, id);
  return TRUE;
}

gboolean
generate_loop_run (const GenerateLoop *loop, GArray *cached, GString *text,
                   GenerateLoopResult *r, GCancellable *cancellable, GError **error)
{
  guint n_vocab = llama_model_get_config (llama_context_get_model (loop->ctx))->n_vocab;
  g_autoptr (HearthSampler) sampler = hearth_sampler_new (&loop->sampler);
  g_autoptr (HearthTokenStream) stream = hearth_token_stream_new (loop->tokenizer, FALSE);
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;
  gsize before;

  *r = (GenerateLoopResult) { 0, HEARTH_STOP_CANCELLED, 0 };
  /* The text seen so far, image positions left out. */
  for (guint i = 0; i < cached->len; i++)
    if (g_array_index (cached, gint32, i) >= 0)
      hearth_sampler_accept (sampler, g_array_index (cached, gint32, i));

  for (;;)
    {
      gint32 id;

      if (g_cancellable_is_cancelled (cancellable))
        {
          ok = hearth_engine_set_cancelled (error, loop->what);
          break;
        }
      id = hearth_sampler_sample (sampler, llama_context_get_logits (loop->ctx, 0), n_vocab);
      if (hearth_tokenizer_is_eog (loop->tokenizer, id))
        {
          r->stop_reason = HEARTH_STOP_EOG;
          break;
        }
      hearth_sampler_accept (sampler, id);
      r->n_generated++;
      before = text->len;
      hearth_token_stream_push (stream, id, text);
      emit (loop, id, text, before);

      if (loop->max_tokens > 0 && r->n_generated >= loop->max_tokens)
        r->stop_reason = HEARTH_STOP_MAX_TOKENS;
      else if (cached->len >= llama_context_get_n_ctx (loop->ctx))
        r->stop_reason = HEARTH_STOP_CONTEXT_FULL;
      else if ((ok = run_token (loop, cached, id, cancellable, error)))
        continue;
      break;
    }

  /* The bytes of an unfinished UTF-8 sequence, as U+FFFD. */
  before = text->len;
  hearth_token_stream_flush (stream, text);
  emit (loop, -1, text, before);
  r->seconds = (g_get_monotonic_time () - start) / 1e6;
  return ok;
}
