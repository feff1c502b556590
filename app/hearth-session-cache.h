/* hearth-session-cache.h: context: each chat's engine session (its KV cache)
 * kept across chat switches, so that going back to a chat continues from
 * its cached prompt instead of running the whole conversation again.
 *
 * Bounded by a count and by the device memory of the caches (estimated
 * from n_ctx and the model's KV bytes per position); the least recently
 * used sessions are closed on the engine thread first.  The most recent
 * one is always kept, whatever its size. */
#pragma once

#include <gio/gio.h>

#include "hearth-engine.h"

G_BEGIN_DECLS

/* A GiB of KV caches: a few 4096-token chats of a 3B model. */
#define HEARTH_SESSION_CACHE_DEFAULT_MAX_BYTES (G_GUINT64_CONSTANT (1) << 30)
#define HEARTH_SESSION_CACHE_DEFAULT_MAX_SESSIONS 8

#define HEARTH_TYPE_SESSION_CACHE (hearth_session_cache_get_type ())
G_DECLARE_FINAL_TYPE (HearthSessionCache, hearth_session_cache, HEARTH, SESSION_CACHE, GObject)

HearthSessionCache *hearth_session_cache_new        (HearthEngine *engine,
                                                     guint         max_sessions,
                                                     guint64       max_bytes);
/* The chat's session on model with n_ctx positions (the cached one when it
 * matches, else a new one, which closes a mismatched one), now the most
 * recently used.  Transfer full. */
HearthSession      *hearth_session_cache_get        (HearthSessionCache *self,
                                                     gint64              chat_id,
                                                     HearthModel        *model,
                                                     guint               n_ctx);
/* Closes the sessions of model (before it is unloaded). */
void                hearth_session_cache_drop_model (HearthSessionCache *self,
                                                     HearthModel        *model);
guint               hearth_session_cache_get_n_sessions (HearthSessionCache *self);
/* The estimated KV bytes of the sessions kept. */
guint64             hearth_session_cache_get_bytes  (HearthSessionCache *self);

G_END_DECLS
