/* generate-loop.h: the one sampling loop of Hearth. A chat's reply, a
 * photo's description and `hearth-cli generate` all sample through it, so
 * they stop for the same reasons, a full context included. */
#pragma once

#include <gio/gio.h>

#include "hearth-engine.h"
#include "llama-context.h"
#include "sampler.h"
#include "tokenizer.h"

G_BEGIN_DECLS

/* id: the token sampled (-1 for the text flushed at the end); text[0..len):
 * the UTF-8 text it completed (never split inside a character). */
typedef void (*GenerateTokenFunc) (gint32 id, const char *text, gsize len, gpointer user_data);

typedef struct {
  LlamaContext        *ctx;
  HearthTokenizer     *tokenizer;
  HearthSamplerParams  sampler;
  guint                max_tokens;  /* 0: until the end of generation or a full context */
  const char          *what;        /* what a cancellation ends: "the generation" */
  GenerateTokenFunc    token;       /* may be NULL */
  gpointer             user_data;
} GenerateLoop;

typedef struct {
  guint            n_generated;
  HearthStopReason stop_reason;
  double           seconds;
} GenerateLoopResult;

/* Samples from the logits in ctx, which holds the tokens of cached (gint32,
 * the ids at positions 0..n-1 of its KV cache; negative ids are image
 * positions, which the sampler does not see), and runs each token sampled
 * at the next position, appending it to cached, until:
 *   - an end-of-generation token (not appended): HEARTH_STOP_EOG;
 *   - max_tokens tokens (the last one is not run): HEARTH_STOP_MAX_TOKENS;
 *   - a token sampled with no position left to run it: HEARTH_STOP_CONTEXT_FULL.
 * Cancellation is checked before each token. The text goes to text (and
 * loop->token) as it completes. FALSE with error on a device error or
 * HEARTH_ENGINE_ERROR_CANCELLED; result is filled in either case, and
 * cached holds what the cache holds. */
gboolean generate_loop_run (const GenerateLoop *loop,
                            GArray             *cached,
                            GString            *text,
                            GenerateLoopResult *result,
                            GCancellable       *cancellable,
                            GError            **error);

G_END_DECLS
