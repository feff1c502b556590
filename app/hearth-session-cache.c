#define G_LOG_DOMAIN "hearth-session-cache"

/* hearth-session-cache.c: a most-recent-first queue of (chat, session).
 * Chats are few, so a linear search is all the lookup needs. */

#include "hearth-session-cache.h"

typedef struct {
  gint64         chat_id;
  HearthSession *session;
} Entry;

struct _HearthSessionCache {
  GObject       parent_instance;
  HearthEngine *engine;
  GQueue        entries; /* Entry, most recently used first */
  guint         max_sessions;
  guint64       max_bytes;
};

G_DEFINE_FINAL_TYPE (HearthSessionCache, hearth_session_cache, G_TYPE_OBJECT)

/* The engine frees the KV cache on its thread, after the jobs queued
 * before (an answer still being cancelled finishes first). */
static void
close_entry (HearthSessionCache *self, GList *link)
{
  Entry *entry = link->data;

  hearth_engine_close_session (self->engine, entry->session);
  hearth_session_unref (entry->session);
  g_free (entry);
  g_queue_delete_link (&self->entries, link);
}

static void
evict (HearthSessionCache *self)
{
  while (self->entries.length > 1 &&
         (self->entries.length > self->max_sessions || hearth_session_cache_get_bytes (self) > self->max_bytes))
    close_entry (self, self->entries.tail);
}

static GList *
find_chat (HearthSessionCache *self, gint64 chat_id)
{
  for (GList *l = self->entries.head; l != NULL; l = l->next)
    if (((Entry *) l->data)->chat_id == chat_id)
      return l;
  return NULL;
}

HearthSession *
hearth_session_cache_get (HearthSessionCache *self, gint64 chat_id, HearthModel *model, guint n_ctx)
{
  GList *link;
  Entry *entry;

  g_return_val_if_fail (HEARTH_IS_SESSION_CACHE (self), NULL);
  g_return_val_if_fail (model != NULL, NULL);

  link = find_chat (self, chat_id);
  if (link != NULL)
    {
      entry = link->data;
      if (hearth_session_get_model (entry->session) == model && hearth_session_get_n_ctx (entry->session) == n_ctx)
        {
          g_queue_unlink (&self->entries, link);
          g_queue_push_head_link (&self->entries, link);
          return hearth_session_ref (entry->session);
        }
      close_entry (self, link);
    }
  entry = g_new (Entry, 1);
  entry->chat_id = chat_id;
  entry->session = hearth_engine_new_session (self->engine, model, n_ctx);
  g_queue_push_head (&self->entries, entry);
  evict (self);
  return hearth_session_ref (entry->session);
}

void
hearth_session_cache_drop_model (HearthSessionCache *self, HearthModel *model)
{
  GList *next;

  g_return_if_fail (HEARTH_IS_SESSION_CACHE (self));

  for (GList *l = self->entries.head; l != NULL; l = next)
    {
      next = l->next;
      if (hearth_session_get_model (((Entry *) l->data)->session) == model)
        close_entry (self, l);
    }
}

guint
hearth_session_cache_get_n_sessions (HearthSessionCache *self)
{
  g_return_val_if_fail (HEARTH_IS_SESSION_CACHE (self), 0);
  return self->entries.length;
}

guint64
hearth_session_cache_get_bytes (HearthSessionCache *self)
{
  guint64 bytes = 0;

  g_return_val_if_fail (HEARTH_IS_SESSION_CACHE (self), 0);

  for (GList *l = self->entries.head; l != NULL; l = l->next)
    bytes += hearth_session_get_kv_bytes (((Entry *) l->data)->session);
  return bytes;
}

static void
hearth_session_cache_dispose (GObject *object)
{
  HearthSessionCache *self = HEARTH_SESSION_CACHE (object);

  while (self->entries.head != NULL)
    close_entry (self, self->entries.head);
  g_clear_object (&self->engine);
  G_OBJECT_CLASS (hearth_session_cache_parent_class)->dispose (object);
}

static void
hearth_session_cache_class_init (HearthSessionCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hearth_session_cache_dispose;
}

static void
hearth_session_cache_init (HearthSessionCache *self)
{
  g_queue_init (&self->entries);
}

HearthSessionCache *
hearth_session_cache_new (HearthEngine *engine, guint max_sessions, guint64 max_bytes)
{
  HearthSessionCache *self;

  g_return_val_if_fail (HEARTH_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (max_sessions > 0, NULL);

  self = g_object_new (HEARTH_TYPE_SESSION_CACHE, NULL);
  self->engine = g_object_ref (engine);
  self->max_sessions = max_sessions;
  self->max_bytes = max_bytes;
  return self;
}
