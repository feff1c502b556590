#define G_LOG_DOMAIN "hearth-engine"

/* A job's output on its way to the caller's main context (see
 * engine-private.h). */

#include "engine-private.h"

Outbox *
_engine_outbox_new (GMainContext *context, GCancellable *cancel, HearthLoadProgressFunc progress,
                    HearthTokenFunc token, gpointer user_data)
{
  Outbox *o = g_new0 (Outbox, 1);

  g_atomic_ref_count_init (&o->ref);
  g_mutex_init (&o->lock);
  o->context = g_main_context_ref (context);
  o->cancel = g_object_ref (cancel);
  o->progress = progress;
  o->token = token;
  o->user_data = user_data;
  o->text = g_string_new (NULL);
  o->fraction = -1;
  return o;
}

static Outbox *
outbox_ref (Outbox *o)
{
  g_atomic_ref_count_inc (&o->ref);
  return o;
}

void
_engine_outbox_unref (Outbox *o)
{
  if (!g_atomic_ref_count_dec (&o->ref))
    return;
  g_main_context_unref (o->context);
  g_object_unref (o->cancel);
  g_clear_pointer (&o->session, hearth_session_unref);
  g_string_free (o->text, TRUE);
  g_mutex_clear (&o->lock);
  g_free (o);
}

void
_engine_outbox_deliver (Outbox *o)
{
  g_autofree char *text = NULL;
  double fraction;

  g_mutex_lock (&o->lock);
  text = o->text->len > 0 ? g_strndup (o->text->str, o->text->len) : NULL;
  g_string_truncate (o->text, 0);
  fraction = o->fraction;
  o->fraction = -1;
  o->idle_pending = FALSE;
  g_mutex_unlock (&o->lock);

  if (g_cancellable_is_cancelled (o->cancel) ||
      (o->session != NULL && o->generation != _hearth_session_latest_generation (o->session)))
    return;
  if (fraction >= 0 && o->progress != NULL)
    o->progress (fraction, o->user_data);
  if (text != NULL && o->token != NULL)
    o->token (text, o->user_data);
}

static gboolean
outbox_idle_cb (gpointer data)
{
  _engine_outbox_deliver (data);
  return G_SOURCE_REMOVE;
}

void
_engine_attach_idle (GMainContext *context, const char *name, GSourceFunc func, gpointer data,
                     GDestroyNotify destroy)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, func, data, destroy);
  g_source_set_static_name (source, name);
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Called with o->lock held. */
static void
outbox_schedule_locked (Outbox *o)
{
  if (o->idle_pending)
    return;
  o->idle_pending = TRUE;
  _engine_attach_idle (o->context, "hearth-engine output", outbox_idle_cb, outbox_ref (o),
                       (GDestroyNotify) _engine_outbox_unref);
}

void
_engine_outbox_post_text (Outbox *o, const char *text, gsize len)
{
  if (len == 0 || o->token == NULL)
    return;
  g_mutex_lock (&o->lock);
  g_string_append_len (o->text, text, len);
  outbox_schedule_locked (o);
  g_mutex_unlock (&o->lock);
}

void
_engine_outbox_post_progress (Outbox *o, double fraction)
{
  if (o->progress == NULL)
    return;
  g_mutex_lock (&o->lock);
  o->fraction = fraction;
  outbox_schedule_locked (o);
  g_mutex_unlock (&o->lock);
}
