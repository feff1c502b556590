#define G_LOG_DOMAIN "hearth-test-engine"

/* HearthEngine with a real model (stories260K, a plain text model without
 * a chat template, so prompts are raw text): asynchronous loading with
 * progress, greedy streaming against the known continuation, KV reuse
 * across turns, cancellation, superseded generations, the context limits,
 * a responsive main loop and shutdown with a generation in flight. Every
 * callback is checked to run on the test's main thread. */

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include "hearth-engine.h"

/* The model's greedy continuation of "Once upon a time" (see
 * ../shared/models/SOURCES.md and fixtures/reference/stories260K.json). */
#define PROMPT "Once upon a time"
#define GREEDY_START ", there was a little girl named Lily"
#define PROMPT_TOKENS 5 /* BOS ▁Once ▁upon ▁a ▁time */

static GThread      *main_thread;
static HearthEngine *engine;
static HearthModel  *model;

static char *
shared_model_path (const char *name)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  char *path;

  if (shared == NULL)
    return NULL;
  path = g_build_filename (shared, "models", name, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_clear_pointer (&path, g_free);
  return path;
}

static char *
model_path (void)
{
  return shared_model_path ("stories260K.gguf");
}

static void
assert_main_thread (void)
{
  g_assert_true (g_thread_self () == main_thread);
}

/* ------------------------------------------------------------------------ */
/* Loading */

typedef struct {
  HearthModel *model;
  GError      *error;
  gboolean     done;
  guint        n_progress;
  double       last_fraction;
} Load;

static void
load_progress (double fraction, gpointer user_data)
{
  Load *l = user_data;

  assert_main_thread ();
  g_assert_false (l->done);
  g_assert_cmpfloat (fraction, >=, l->last_fraction);
  g_assert_cmpfloat (fraction, <=, 1.0);
  l->last_fraction = fraction;
  l->n_progress++;
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Load *l = user_data;

  assert_main_thread ();
  g_assert_null (source);
  l->model = hearth_engine_load_model_finish (NULL, result, &l->error);
  l->done = TRUE;
}

static HearthModel *
load (HearthEngine *e, const char *path, Load *l)
{
  hearth_engine_load_model_async (e, path, load_progress, NULL, load_done, l);
  while (!l->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (l->error);
  return l->model;
}

/* FALSE (test skipped) without ../shared. */
static gboolean
ensure_model (void)
{
  g_autofree char *path = model_path ();
  Load l = { 0 };

  if (model != NULL)
    return TRUE;
  if (path == NULL)
    {
      g_test_skip ("stories260K.gguf not found; set HEARTH_SHARED_DIR to ../shared");
      return FALSE;
    }
  engine = hearth_engine_new ();
  model = load (engine, path, &l);
  return TRUE;
}

/* Progress comes on the main thread, never decreases, ends at 1, and the
 * model's information is read from the file. */
static void
test_load (void)
{
  g_autofree char *path = model_path ();
  g_autoptr (HearthEngine) e = NULL;
  g_autoptr (HearthModel) m = NULL;
  Load l = { 0 };

  if (path == NULL)
    {
      g_test_skip ("stories260K.gguf not found; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  e = hearth_engine_new ();
  m = load (e, path, &l);
  g_test_message ("%u progress callbacks", l.n_progress);
  g_assert_cmpuint (l.n_progress, >=, 1);
  g_assert_cmpfloat (l.last_fraction, ==, 1.0);
  g_assert_cmpstr (hearth_model_get_architecture (m), ==, "llama");
  g_assert_cmpstr (hearth_model_get_path (m), ==, path);
  g_assert_nonnull (hearth_model_get_name (m));
  g_assert_cmpuint (hearth_model_get_n_ctx_train (m), ==, 2048);
  g_assert_cmpuint (hearth_model_get_n_vocab (m), ==, 512);
  /* 48 F32 tensors in a 1,185,376-byte file: (1185376 - 14176) / 4 elements. */
  g_assert_cmpuint (hearth_model_get_n_params (m), ==, (1185376 - 14176) / 4);
  g_assert_false (hearth_model_has_chat_template (m));
  g_assert_null (hearth_model_get_chat_template_note (m));
  g_assert_false (hearth_model_has_vision (m));
}

/* A valid GGUF of an architecture we do not run as a language model (a
 * vision projector, `clip`) comes back as UNSUPPORTED. */
static void
test_load_unsupported (void)
{
  g_autofree char *path = shared_model_path ("random/smolvlm-tiny-mmproj-f16.gguf");
  g_autoptr (HearthEngine) e = NULL;
  Load l = { 0 };

  if (path == NULL)
    {
      g_test_skip ("smolvlm-tiny-mmproj-f16.gguf not found; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  e = hearth_engine_new ();
  hearth_engine_load_model_async (e, path, load_progress, NULL, load_done, &l);
  while (!l.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (l.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED);
  g_test_message ("%s", l.error->message);
  g_assert_null (l.model);
  g_error_free (l.error);
}

/* ------------------------------------------------------------------------ */
/* Generation */

typedef struct Gen Gen;
typedef void (*GenHook) (Gen *g);

struct Gen {
  GString              *streamed;  /* the concatenated batches */
  guint                 n_batches;
  gboolean              done;
  gboolean              ok;
  GError               *error;
  HearthGenerateResult  result;
  GCancellable         *cancellable;
  GenHook               on_batch;  /* called after each batch, may be NULL */
  guint                 n_batches_after_hook;
  gboolean              hooked;
};

static void
gen_init (Gen *g)
{
  memset (g, 0, sizeof *g);
  g->streamed = g_string_new (NULL);
  g->cancellable = g_cancellable_new ();
}

static void
gen_clear (Gen *g)
{
  g_string_free (g->streamed, TRUE);
  g_clear_error (&g->error);
  g_clear_object (&g->cancellable);
  hearth_generate_result_clear (&g->result);
}

static void
gen_token (const char *delta, gpointer user_data)
{
  Gen *g = user_data;

  assert_main_thread ();
  g_assert_false (g->done);
  g_assert_cmpuint (strlen (delta), >, 0);
  g_assert_true (g_utf8_validate (delta, -1, NULL));
  g_string_append (g->streamed, delta);
  g->n_batches++;
  if (g->hooked)
    g->n_batches_after_hook++;
  else if (g->on_batch != NULL)
    {
      g->hooked = TRUE;
      g->on_batch (g);
    }
}

static void
gen_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Gen *g = user_data;

  assert_main_thread ();
  g_assert_null (source);
  g->ok = hearth_engine_generate_finish (NULL, result, &g->result, &g->error);
  g->done = TRUE;
}

static void
gen_start (Gen *g, HearthSession *session, const HearthChatMessage *messages, guint n,
           guint max_tokens)
{
  HearthSamplingParams params;

  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0; /* greedy */
  params.max_tokens = max_tokens;
  hearth_engine_generate_async (engine, session, messages, n, &params, gen_token, g->cancellable,
                                gen_done, g);
}

static void
gen_wait (Gen *g)
{
  while (!g->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
gen_run (Gen *g, HearthSession *session, const HearthChatMessage *messages, guint n,
         guint max_tokens)
{
  gen_init (g);
  gen_start (g, session, messages, n, max_tokens);
  gen_wait (g);
}

static void
print_stats (const char *what, const Gen *g)
{
  const HearthGenerateResult *r = &g->result;

  g_test_message ("%s: prompt %u tokens (%u reused, %u processed in %.1f ms), %u generated in "
                  "%u batches, %.1f tokens/s, stopped: %s", what, r->n_prompt_tokens,
                  r->n_prompt_reused, r->n_prompt_processed, r->prompt_seconds * 1e3,
                  r->n_generated, g->n_batches, r->tokens_per_second,
                  hearth_stop_reason_to_string (r->stop_reason));
}

static const HearthChatMessage once[] = { { "user", PROMPT } };

/* Greedy from a raw prompt streams the known story, and the batches add up
 * to exactly the text the result reports. */
static void
test_greedy (void)
{
  g_autoptr (HearthSession) session = NULL;
  Gen g;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 256);
  gen_run (&g, session, once, 1, 48);
  print_stats ("greedy", &g);
  g_test_message ("text: %s", g.result.text);

  g_assert_no_error (g.error);
  g_assert_true (g.ok);
  g_assert_cmpstr (g.streamed->str, ==, g.result.text);
  g_assert_true (g_str_has_prefix (g.result.text, GREEDY_START));
  g_assert_cmpuint (g.n_batches, >=, 1);
  g_assert_cmpint (g.result.stop_reason, ==, HEARTH_STOP_MAX_TOKENS);
  g_assert_cmpuint (g.result.n_generated, ==, 48);
  g_assert_cmpuint (g.result.n_prompt_tokens, ==, PROMPT_TOKENS);
  g_assert_cmpuint (g.result.n_prompt_reused, ==, 0);
  g_assert_cmpuint (g.result.n_prompt_processed, ==, PROMPT_TOKENS);
  gen_clear (&g);
  hearth_engine_close_session (engine, session);
}

/* A follow-up reuses the cached conversation and processes only its new
 * tokens; asking again processes one token; an edited first message
 * rewinds to BOS. Replies on a reused cache equal those of a fresh one. */
static void
test_kv_reuse (void)
{
  g_autoptr (HearthSession) session = NULL, fresh = NULL;
  HearthChatMessage turn2[3] = { { "user", PROMPT }, { "assistant", NULL },
                                 { "user", " She was very happy." } };
  HearthChatMessage edited[1] = { { "user", "The little dog" } };
  Gen g1, g2, again, g_fresh, g_edit;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 256);
  gen_run (&g1, session, once, 1, 16);
  g_assert_true (g1.ok);
  print_stats ("turn 1", &g1);

  turn2[1].content = g1.result.text;
  gen_run (&g2, session, turn2, 3, 16);
  g_assert_true (g2.ok);
  print_stats ("turn 2", &g2);
  /* The cache held the prompt and the 15 replied tokens that were run. */
  g_assert_cmpuint (g2.result.n_prompt_reused, >, PROMPT_TOKENS);
  g_assert_cmpuint (g2.result.n_prompt_reused, <=, PROMPT_TOKENS + 15);
  g_assert_cmpuint (g2.result.n_prompt_processed, ==,
                    g2.result.n_prompt_tokens - g2.result.n_prompt_reused);

  gen_run (&again, session, turn2, 3, 16);
  g_assert_true (again.ok);
  print_stats ("same again", &again);
  g_assert_cmpuint (again.result.n_prompt_reused, ==, g2.result.n_prompt_tokens - 1);
  g_assert_cmpuint (again.result.n_prompt_processed, ==, 1);
  g_assert_cmpstr (again.result.text, ==, g2.result.text);

  fresh = hearth_engine_new_session (engine, model, 256);
  gen_run (&g_fresh, fresh, turn2, 3, 16);
  g_assert_true (g_fresh.ok);
  g_assert_cmpuint (g_fresh.result.n_prompt_reused, ==, 0);
  g_assert_cmpstr (g_fresh.result.text, ==, g2.result.text);

  gen_run (&g_edit, session, edited, 1, 8);
  g_assert_true (g_edit.ok);
  print_stats ("edited", &g_edit);
  g_assert_cmpuint (g_edit.result.n_prompt_reused, ==, 1);

  gen_clear (&g1);
  gen_clear (&g2);
  gen_clear (&again);
  gen_clear (&g_fresh);
  gen_clear (&g_edit);
  hearth_engine_close_session (engine, session);
  hearth_engine_close_session (engine, fresh);
}

/* Lets the engine thread get ahead first, so that batches are pending. */
static void
cancel_later (Gen *g)
{
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  g_cancellable_cancel (g->cancellable);
}

static gboolean
raise_flag (gpointer data, GCancellable *cancellable, GError **error)
{
  (void) cancellable;
  (void) error;
  g_atomic_int_set ((gint *) data, TRUE);
  return TRUE;
}

static void
ignore_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  (void) source;
  (void) user_data;
  g_assert_true (hearth_engine_run_finish (NULL, result, NULL));
}

/* While the main loop is not iterated, the text of a whole generation
 * piles up behind one idle source: the first iteration delivers all of it
 * in one batch. (A job queued after the generate raises a flag when the
 * generate is over.) */
static void
test_coalesced (void)
{
  g_autoptr (HearthSession) session = NULL;
  gint finished = FALSE;
  Gen g;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 256);
  gen_init (&g);
  gen_start (&g, session, once, 1, 32);
  hearth_engine_run_async (engine, HEARTH_ENGINE_PRIORITY_INTERACTIVE, raise_flag, &finished,
                           NULL, NULL, ignore_result, NULL);
  while (!g_atomic_int_get (&finished))
    g_usleep (G_TIME_SPAN_MILLISECOND);
  gen_wait (&g);
  g_main_context_iteration (NULL, FALSE);

  g_assert_no_error (g.error);
  g_assert_cmpuint (g.n_batches, ==, 1);
  g_assert_cmpstr (g.streamed->str, ==, g.result.text);
  g_assert_true (g_str_has_prefix (g.result.text, GREEDY_START));
  gen_clear (&g);
  hearth_engine_close_session (engine, session);
}

/* Cancelling after the first batch: nothing more is delivered (what was
 * pending is dropped), the result is CANCELLED with the partial text, long
 * before the context is full. */
static void
test_cancel (void)
{
  g_autoptr (HearthSession) session = NULL;
  Gen g;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 512);
  gen_init (&g);
  g.on_batch = cancel_later;
  gen_start (&g, session, once, 1, 0);
  gen_wait (&g);
  print_stats ("cancelled", &g);
  g_test_message ("cancelled: %zu bytes delivered of %zu generated", g.streamed->len,
                  strlen (g.result.text));

  g_assert_false (g.ok);
  g_assert_error (g.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_assert_cmpint (g.result.stop_reason, ==, HEARTH_STOP_CANCELLED);
  g_assert_cmpuint (g.n_batches, ==, 1);
  g_assert_cmpuint (g.n_batches_after_hook, ==, 0);
  g_assert_true (g_str_has_prefix (g.result.text, g.streamed->str));
  g_assert_true (g_str_has_prefix (g.result.text, ","));
  g_assert_cmpuint (g.result.n_generated, >=, 1);
  g_assert_cmpuint (g.result.n_generated, <, 512 - PROMPT_TOKENS);
  gen_clear (&g);
  hearth_engine_close_session (engine, session);
}

/* A newer generate on the same session supersedes a running one: the old
 * one delivers nothing more and ends CANCELLED; the new one reuses the
 * cache the old one left. */
static HearthSession *supersede_session;
static Gen            superseding;

static void
start_superseding (Gen *g)
{
  (void) g;
  /* As in cancel_later(). */
  g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  gen_init (&superseding);
  gen_start (&superseding, supersede_session, once, 1, 16);
}

static void
test_supersede (void)
{
  Gen old;

  if (!ensure_model ())
    return;
  supersede_session = hearth_engine_new_session (engine, model, 512);
  gen_init (&old);
  old.on_batch = start_superseding;
  gen_start (&old, supersede_session, once, 1, 0);
  gen_wait (&old);
  gen_wait (&superseding);
  print_stats ("superseded", &old);
  print_stats ("superseding", &superseding);
  g_test_message ("superseded: %zu bytes delivered of %zu generated", old.streamed->len,
                  strlen (old.result.text));

  g_assert_error (old.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_assert_cmpuint (old.n_batches_after_hook, ==, 0);
  g_assert_true (g_str_has_prefix (old.result.text, old.streamed->str));
  g_assert_no_error (superseding.error);
  g_assert_cmpstr (superseding.streamed->str, ==, superseding.result.text);
  g_assert_true (g_str_has_prefix (superseding.result.text, GREEDY_START));
  g_assert_cmpuint (superseding.result.n_prompt_reused, ==, PROMPT_TOKENS - 1);
  gen_clear (&old);
  gen_clear (&superseding);
  hearth_engine_close_session (engine, supersede_session);
  g_clear_pointer (&supersede_session, hearth_session_unref);
}

/* A prompt longer than the context fails before any work, with numbers;
 * a generation that reaches the end of the context stops and says so. */
static void
test_context_limits (void)
{
  g_autoptr (HearthSession) tiny = NULL, small = NULL;
  g_autofree char *tokens = g_strdup_printf ("%u tokens", PROMPT_TOKENS);
  Gen too_long, full;

  if (!ensure_model ())
    return;
  tiny = hearth_engine_new_session (engine, model, 4);
  gen_run (&too_long, tiny, once, 1, 0);
  g_assert_false (too_long.ok);
  g_assert_error (too_long.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL);
  g_test_message ("%s", too_long.error->message);
  g_assert_nonnull (strstr (too_long.error->message, tokens));
  g_assert_nonnull (strstr (too_long.error->message, "holds 4"));
  g_assert_cmpuint (too_long.result.n_prompt_tokens, ==, PROMPT_TOKENS);
  g_assert_cmpuint (too_long.result.n_prompt_processed, ==, 0);
  g_assert_cmpuint (too_long.n_batches, ==, 0);

  small = hearth_engine_new_session (engine, model, 16);
  gen_run (&full, small, once, 1, 0);
  g_assert_no_error (full.error);
  g_assert_cmpint (full.result.stop_reason, ==, HEARTH_STOP_CONTEXT_FULL);
  /* Positions 5..15 hold generated tokens; the 12th is sampled, not run. */
  g_assert_cmpuint (full.result.n_generated, ==, 16 - PROMPT_TOKENS + 1);
  g_assert_true (g_str_has_prefix (full.result.text, ", there was"));

  gen_clear (&too_long);
  gen_clear (&full);
  hearth_engine_close_session (engine, tiny);
  hearth_engine_close_session (engine, small);
}

/* A timer on the main loop keeps ticking during a generation. The largest
 * gap is reported for docs/benchmarks.md, not asserted. */
typedef struct {
  gint64 last;
  gint64 max_gap;
  guint  ticks;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last != 0)
    t->max_gap = MAX (t->max_gap, now - t->last);
  t->last = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_main_loop_responsive (void)
{
  g_autoptr (HearthSession) session = NULL;
  Ticker t = { 0 };
  guint timer;
  Gen g;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 512);
  timer = g_timeout_add (1, tick, &t);
  gen_run (&g, session, once, 1, 200);
  g_source_remove (timer);
  print_stats ("responsive", &g);
  g_test_message ("main loop during a %u-token generation: %u ticks of a 1 ms timer, "
                  "max gap %.2f ms", g.result.n_generated, t.ticks, t.max_gap / 1e3);
  g_printerr ("# main-loop max gap %.2f ms over %u ticks (%u tokens, %.1f tokens/s, %u batches)\n",
              t.max_gap / 1e3, t.ticks, g.result.n_generated, g.result.tokens_per_second,
              g.n_batches);
  g_assert_true (g.ok);
  g_assert_cmpuint (t.ticks, >=, 1);
  gen_clear (&g);
  hearth_engine_close_session (engine, session);
}

/* A model with a chat template (SmolVLM's, random weights): the
 * conversation is rendered through it, with the content as typed parts
 * since this template prints nothing for a plain string, and a follow-up
 * reuses the first turn. The expected ids are what `hearth-cli
 * chat-template` then `hearth-cli tokenize --special` give for
 * "<|im_start|>User: Hello<end_of_utterance>\nAssistant:". */
static void
test_chat_template (void)
{
  g_autofree char *path = shared_model_path ("random/smolvlm-tiny-text-f16.gguf");
  g_autoptr (HearthModel) chat = NULL;
  g_autoptr (HearthSession) session = NULL;
  HearthChatMessage turn1[1] = { { "user", "Hello" } };
  HearthChatMessage turn2[3] = { { "user", "Hello" }, { "assistant", NULL },
                                 { "user", "How are you?" } };
  Load l = { 0 };
  Gen g1, g2;

  if (path == NULL || !ensure_model ())
    {
      g_test_skip ("smolvlm-tiny-text-f16.gguf not found; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  chat = load (engine, path, &l);
  g_assert_true (hearth_model_has_chat_template (chat));
  g_assert_null (hearth_model_get_chat_template_note (chat));
  session = hearth_engine_new_session (engine, chat, 128);

  gen_run (&g1, session, turn1, 1, 4);
  print_stats ("chat turn 1", &g1);
  g_assert_no_error (g1.error);
  g_assert_cmpuint (g1.result.n_prompt_tokens, ==, 9);

  turn2[1].content = g1.result.text;
  gen_run (&g2, session, turn2, 3, 4);
  print_stats ("chat turn 2", &g2);
  g_assert_no_error (g2.error);
  g_assert_cmpuint (g2.result.n_prompt_reused, >=, 9);
  g_assert_cmpuint (g2.result.n_prompt_processed, ==,
                    g2.result.n_prompt_tokens - g2.result.n_prompt_reused);

  gen_clear (&g1);
  gen_clear (&g2);
  hearth_engine_unload_model (engine, chat);
}

/* A copy of stories260K in a new folder, a model of its own. */
static char *
copy_model (const char *dir)
{
  g_autofree char *from = model_path ();
  char *to = g_build_filename (dir, "stories-copy.gguf", NULL);
  g_autoptr (GFile) source = g_file_new_for_path (from);
  g_autoptr (GFile) target = g_file_new_for_path (to);
  g_autoptr (GError) error = NULL;

  g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  return to;
}

/* Spoils the GGUF magic in place, keeping the size and the mtime: a load
 * that read the file again would fail. */
static void
garble_in_place (const char *path)
{
  GStatBuf st;
  struct utimbuf times;
  FILE *f;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  f = g_fopen (path, "r+b");
  g_assert_nonnull (f);
  g_assert_cmpint (fwrite ("XXXX", 1, 4, f), ==, 4);
  g_assert_cmpint (fclose (f), ==, 0);
  times.actime = st.st_atime;
  times.modtime = st.st_mtime;
  g_assert_cmpint (g_utime (path, &times), ==, 0);
}

static void
assert_generates (HearthSession *session, gboolean works)
{
  Gen g;

  gen_run (&g, session, once, 1, 4);
  if (works)
    g_assert_no_error (g.error);
  else
    {
      g_assert_error (g.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
      g_test_message ("%s", g.error->message);
    }
  gen_clear (&g);
}

/* Loads of the same file share one model, through any path to it: a
 * second load reads nothing (the file was spoiled in place meanwhile) and
 * its progress jumps to 1. Unloading by one user keeps the model and its
 * sessions working for the other; the last unload frees it and closes its
 * sessions: a later generate says so. */
static void
test_shared_load (void)
{
  g_autofree char *path = model_path ();
  g_autofree char *dir = NULL, *copy = NULL, *alias = NULL;
  g_autoptr (HearthModel) again = NULL, first = NULL, second = NULL;
  g_autoptr (HearthSession) session = NULL;
  Load l_again = { 0 }, l_first = { 0 }, l_second = { 0 };

  if (!ensure_model ())
    return;
  again = load (engine, path, &l_again);
  g_assert_true (again == model);
  g_assert_cmpuint (l_again.n_progress, ==, 1);
  g_assert_cmpfloat (l_again.last_fraction, ==, 1.0);
  hearth_engine_unload_model (engine, again);

  dir = g_dir_make_tmp ("hearth-engine-share-XXXXXX", NULL);
  copy = copy_model (dir);
  alias = g_build_filename (dir, "another-name.gguf", NULL);
  g_assert_cmpint (link (copy, alias), ==, 0);
  first = load (engine, copy, &l_first);
  g_assert_true (first != model);
  garble_in_place (copy);
  second = load (engine, alias, &l_second);
  g_assert_true (second == first);
  g_assert_cmpstr (hearth_model_get_path (second), ==, copy);
  g_assert_cmpuint (l_second.n_progress, ==, 1);

  session = hearth_engine_new_session (engine, second, 64);
  assert_generates (session, TRUE);
  hearth_engine_unload_model (engine, first);
  assert_generates (session, TRUE);
  hearth_engine_unload_model (engine, second);
  assert_generates (session, FALSE);
  /* The shared engine's own model is untouched. */
  {
    g_autoptr (HearthSession) own = hearth_engine_new_session (engine, model, 64);
    assert_generates (own, TRUE);
    hearth_engine_close_session (engine, own);
  }

  g_assert_cmpint (g_unlink (alias), ==, 0);
  g_assert_cmpint (g_unlink (copy), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Dropping the engine from a token callback, mid-generation: finalize
 * cancels the generation and joins the engine thread; the result still
 * arrives, CANCELLED with the partial text. */
static void
drop_engine (Gen *g)
{
  gpointer weak = engine;

  (void) g;
  g_object_add_weak_pointer (G_OBJECT (engine), &weak);
  hearth_model_unref (g_steal_pointer (&model));
  g_clear_object (&engine);
  g_assert_null (weak);
}

static void
test_shutdown_generating (void)
{
  g_autoptr (HearthSession) session = NULL;
  Gen g;

  if (!ensure_model ())
    return;
  session = hearth_engine_new_session (engine, model, 512);
  gen_init (&g);
  g.on_batch = drop_engine;
  gen_start (&g, session, once, 1, 0);
  gen_wait (&g);
  print_stats ("shut down", &g);
  g_assert_null (engine);
  g_assert_error (g.error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED);
  g_assert_cmpint (g.result.stop_reason, ==, HEARTH_STOP_CANCELLED);
  g_assert_true (g_str_has_prefix (g.result.text, g.streamed->str));
  g_assert_cmpuint (g.result.n_generated, <, 512 - PROMPT_TOKENS);
  gen_clear (&g);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();
  g_test_add_func ("/engine/load", test_load);
  g_test_add_func ("/engine/load-unsupported", test_load_unsupported);
  g_test_add_func ("/engine/greedy", test_greedy);
  g_test_add_func ("/engine/kv-reuse", test_kv_reuse);
  g_test_add_func ("/engine/coalesced", test_coalesced);
  g_test_add_func ("/engine/cancel", test_cancel);
  g_test_add_func ("/engine/supersede", test_supersede);
  g_test_add_func ("/engine/context-limits", test_context_limits);
  g_test_add_func ("/engine/main-loop-responsive", test_main_loop_responsive);
  g_test_add_func ("/engine/chat-template", test_chat_template);
  g_test_add_func ("/engine/shared-load", test_shared_load);
  /* Last: it drops the shared engine. */
  g_test_add_func ("/engine/shutdown-generating", test_shutdown_generating);
  status = g_test_run ();
  g_clear_pointer (&model, hearth_model_unref);
  g_clear_object (&engine);
  return status;
}
