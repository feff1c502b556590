#define G_LOG_DOMAIN "hearth-conversation"

/* hearth-conversation.c: the life of one answer:
 *
 *   send/regenerate ─► store job "begin turn" (user message + empty
 *   streaming answer, or truncation) ─► engine generate ─► deltas into the
 *   message object and, every FLUSH_INTERVAL, into the store ─► final
 *   result: the rest of the text, state and statistics into the store.
 *
 * Every store job is queued on the one worker thread, so they run in
 * order: the appends of an answer can never overtake its begin. */

#include "hearth-conversation.h"

#define FLUSH_INTERVAL_US (250 * G_TIME_SPAN_MILLISECOND)
#define TITLE_MAX_CHARS 48

struct _HearthConversation {
  GObject            parent_instance;
  HearthStoreWorker *worker;
  HearthEngine      *engine;
  HearthChatObject  *chat;
  GListStore        *messages;
  HearthSession     *session;
  GCancellable      *cancellable; /* the running generation's; NULL when idle */
  gboolean           loaded;
  double             tokens_per_second;
  guint              context_used;
  HearthSamplingParams params;
};

G_DEFINE_FINAL_TYPE (HearthConversation, hearth_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADED,
  PROP_GENERATING,
  PROP_SESSION,
  PROP_TOKENS_PER_SECOND,
  PROP_CONTEXT_USED,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
report_error (HearthConversation *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

/* ---- store jobs (run on the worker thread) ---- */

typedef struct {
  gint64 chat_id;
  char  *user_text;          /* NULL: regenerate */
  GPtrArray *user_images;    /* of HearthAttachment, NULL-terminated; NULL: none */
  gint64 truncate_after;     /* -2: keep everything */
  char  *title;              /* NULL: keep the title */
} BeginTurn;

typedef struct {
  gint64 user_id;
  gint64 assistant_id;
} TurnIds;

static void
begin_turn_free (BeginTurn *job)
{
  g_free (job->user_text);
  g_clear_pointer (&job->user_images, g_ptr_array_unref);
  g_free (job->title);
  g_free (job);
}

static gpointer
begin_turn_run (HearthStore *store, gpointer data, GError **error)
{
  BeginTurn *job = data;
  g_autofree TurnIds *ids = g_new0 (TurnIds, 1);

  if (job->truncate_after > -2 && !hearth_store_truncate_chat (store, job->chat_id, job->truncate_after, error))
    return NULL;
  if (job->title != NULL && !hearth_store_rename_chat (store, job->chat_id, job->title, error))
    return NULL;
  if (job->user_text != NULL)
    {
      const HearthAttachment *const *images = job->user_images != NULL
                                              ? (const HearthAttachment *const *) job->user_images->pdata : NULL;

      ids->user_id = hearth_store_add_message_with_attachments (store, job->chat_id, HEARTH_ROLE_USER,
                                                                job->user_text, images, error);
      if (ids->user_id == 0)
        return NULL;
    }
  ids->assistant_id = hearth_store_begin_streaming (store, job->chat_id, error);
  if (ids->assistant_id == 0)
    return NULL;
  return g_steal_pointer (&ids);
}

typedef struct {
  gint64                message_id;
  char                 *text;
  gboolean              finish;
  HearthMessageState    state;
  HearthGenerationStats stats;
} WriteAnswer;

static void
write_answer_free (WriteAnswer *job)
{
  g_free (job->text);
  g_free (job);
}

static gpointer
write_answer_run (HearthStore *store, gpointer data, GError **error)
{
  WriteAnswer *job = data;

  if (job->text != NULL && *job->text != '\0' &&
      !hearth_store_append_streaming (store, job->message_id, job->text, error))
    return NULL;
  if (job->finish &&
      !hearth_store_finish_streaming (store, job->message_id, job->state, &job->stats, error))
    return NULL;
  return NULL;
}

/* A chat as loaded: messages[i] has the images attachments[i]. */
typedef struct {
  GPtrArray *messages;    /* of HearthMessage */
  GPtrArray *attachments; /* of GPtrArray of HearthAttachment */
} ChatContents;

static void
chat_contents_free (ChatContents *contents)
{
  g_clear_pointer (&contents->messages, g_ptr_array_unref);
  g_clear_pointer (&contents->attachments, g_ptr_array_unref);
  g_free (contents);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChatContents, chat_contents_free)

static gpointer
list_messages_run (HearthStore *store, gpointer data, GError **error)
{
  g_autoptr(ChatContents) contents = g_new0 (ChatContents, 1);

  contents->messages = hearth_store_list_messages (store, *(gint64 *) data, error);
  if (contents->messages == NULL)
    return NULL;
  contents->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < contents->messages->len; i++)
    {
      HearthMessage *message = contents->messages->pdata[i];
      GPtrArray *attachments = hearth_store_list_attachments (store, message->id, error);

      if (attachments == NULL)
        return NULL;
      g_ptr_array_add (contents->attachments, attachments);
    }
  return g_steal_pointer (&contents);
}

/* ---- store job results (main thread) ---- */

static void
store_write_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthConversation) self = user_data;
  g_autoptr(GError) error = NULL;

  hearth_store_worker_run_finish (NULL, result, &error);
  if (error != NULL)
    report_error (self, error);
}

static void
messages_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthConversation) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(ChatContents) contents = hearth_store_worker_run_finish (NULL, result, &error);

  if (contents == NULL)
    {
      report_error (self, error);
      return;
    }
  for (guint i = 0; i < contents->messages->len; i++)
    {
      g_autoptr(HearthMessageObject) item = hearth_message_object_new_from_store (contents->messages->pdata[i]);
      GPtrArray *attachments = contents->attachments->pdata[i];

      for (guint j = 0; j < attachments->len; j++)
        {
          HearthAttachment *stored = attachments->pdata[j];
          g_autoptr(HearthImageAttachment) image = hearth_image_attachment_new (stored->data, stored->width,
                                                                                stored->height);
          hearth_message_object_add_image (item, image);
        }
      g_list_store_append (self->messages, item);
    }
  self->loaded = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

/* ---- one generation ---- */

typedef struct {
  HearthConversation  *self;      /* owned */
  HearthMessageObject *answer;    /* owned */
  GCancellable        *cancellable;
  GString             *unsaved;   /* text not yet sent to the store */
  gint64               last_flush;
} Generation;

static void
generation_free (Generation *gen)
{
  g_object_unref (gen->self);
  g_object_unref (gen->answer);
  g_object_unref (gen->cancellable);
  g_string_free (gen->unsaved, TRUE);
  g_free (gen);
}

static void
write_answer (Generation *gen, gboolean finish, HearthMessageState state, const HearthGenerationStats *stats)
{
  WriteAnswer *job = g_new0 (WriteAnswer, 1);

  job->message_id = hearth_message_object_get_id (gen->answer);
  job->text = g_string_free (g_steal_pointer (&gen->unsaved), FALSE);
  job->finish = finish;
  job->state = state;
  if (stats != NULL)
    job->stats = *stats;
  gen->unsaved = g_string_new (NULL);
  gen->last_flush = g_get_monotonic_time ();
  hearth_store_worker_run_async (gen->self->worker, write_answer_run, job, (GDestroyNotify) write_answer_free,
                                 NULL, NULL, store_write_done, g_object_ref (gen->self));
}

static void
on_token (const char *delta, gpointer user_data)
{
  Generation *gen = user_data;

  hearth_message_object_append (gen->answer, delta);
  g_string_append (gen->unsaved, delta);
  if (g_get_monotonic_time () - gen->last_flush >= FLUSH_INTERVAL_US)
    write_answer (gen, FALSE, HEARTH_MESSAGE_STREAMING, NULL);
}

static void
set_idle (HearthConversation *self)
{
  g_clear_object (&self->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATING]);
}

static void
generated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Generation *gen = user_data;
  HearthConversation *self = gen->self;
  g_autoptr(GError) error = NULL;
  HearthGenerateResult out = { 0 };
  HearthGenerationStats stats = { -1, -1, 0 };
  HearthMessageState state;

  if (hearth_engine_generate_finish (NULL, result, &out, &error))
    state = HEARTH_MESSAGE_COMPLETE;
  else
    state = HEARTH_MESSAGE_STOPPED;

  /* Text produced after the last delivered batch (e.g. when cancelled). */
  if (out.text != NULL && g_str_has_prefix (out.text, hearth_message_object_get_content (gen->answer)))
    {
      const char *rest = out.text + strlen (hearth_message_object_get_content (gen->answer));
      hearth_message_object_append (gen->answer, rest);
      g_string_append (gen->unsaved, rest);
    }
  if (out.n_prompt_tokens > 0 && self->session != NULL)
    {
      stats.prompt_tokens = out.n_prompt_tokens;
      stats.completion_tokens = out.n_generated;
      stats.tokens_per_second = out.tokens_per_second;
      self->tokens_per_second = out.tokens_per_second;
      /* The last token sampled is not in the cache yet. */
      self->context_used = MIN (out.n_prompt_tokens + out.n_generated,
                                hearth_session_get_n_ctx (self->session));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_PER_SECOND]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT_USED]);
    }
  hearth_message_object_set_state (gen->answer, state);
  write_answer (gen, TRUE, state, &stats);

  if (error != NULL && !g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
    report_error (self, error);
  if (self->cancellable == gen->cancellable)
    set_idle (self);
  hearth_generate_result_clear (&out);
  generation_free (gen);
}

static void
start_generation (Generation *gen)
{
  HearthConversation *self = gen->self;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_autofree HearthChatMessage *messages = g_new0 (HearthChatMessage, n);
  /* The images of each message as the engine takes them (it refs them). */
  g_autoptr(GPtrArray) image_arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  guint n_messages = 0;
  HearthSamplingParams params;
  guint quarter;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthMessageObject) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);
      GPtrArray *images;

      if (item == gen->answer)
        continue;
      messages[n_messages].role = hearth_role_to_string (hearth_message_object_get_role (item));
      messages[n_messages].content = hearth_message_object_get_content (item);
      images = hearth_message_object_get_images (item);
      if (images->len > 0)
        {
          GPtrArray *bytes = g_ptr_array_sized_new (images->len);

          for (guint j = 0; j < images->len; j++)
            g_ptr_array_add (bytes, hearth_image_attachment_get_png (images->pdata[j]));
          g_ptr_array_add (image_arrays, bytes);
          messages[n_messages].images = (GBytes *const *) bytes->pdata;
          messages[n_messages].n_images = bytes->len;
        }
      n_messages++;
    }
  /* An answer may fill a quarter of the context, so that a model that
   * never ends its turn (a plain text model) leaves room to go on. */
  params = self->params;
  quarter = MAX (hearth_session_get_n_ctx (self->session) / 4, 1);
  params.max_tokens = params.max_tokens == 0 ? quarter : MIN (params.max_tokens, quarter);
  /* The engine copies the messages before it returns. */
  hearth_engine_generate_async (self->engine, self->session, messages, n_messages, &params, on_token,
                                gen->cancellable, generated, gen);
}

static void
turn_begun (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Generation *gen = user_data;
  HearthConversation *self = gen->self;
  g_autoptr(GError) error = NULL;
  g_autofree TurnIds *ids = hearth_store_worker_run_finish (NULL, result, &error);

  if (ids == NULL)
    {
      /* Nothing reached the store: take the unsaved turn back. */
      hearth_message_object_set_state (gen->answer, HEARTH_MESSAGE_STOPPED);
      report_error (self, error);
      if (self->cancellable == gen->cancellable)
        set_idle (self);
      generation_free (gen);
      return;
    }
  hearth_message_object_set_id (gen->answer, ids->assistant_id);
  if (g_cancellable_is_cancelled (gen->cancellable) || self->session == NULL)
    {
      hearth_message_object_set_state (gen->answer, HEARTH_MESSAGE_STOPPED);
      write_answer (gen, TRUE, HEARTH_MESSAGE_STOPPED, NULL);
      if (self->cancellable == gen->cancellable)
        set_idle (self);
      generation_free (gen);
      return;
    }
  start_generation (gen);
}

static void
begin_turn (HearthConversation *self, BeginTurn *job)
{
  Generation *gen = g_new0 (Generation, 1);

  gen->self = g_object_ref (self);
  gen->answer = hearth_message_object_new (HEARTH_ROLE_ASSISTANT, "", HEARTH_MESSAGE_STREAMING);
  gen->cancellable = g_cancellable_new ();
  gen->unsaved = g_string_new (NULL);
  gen->last_flush = g_get_monotonic_time ();
  g_list_store_append (self->messages, gen->answer);

  g_set_object (&self->cancellable, gen->cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATING]);
  hearth_chat_object_touch (self->chat);

  job->chat_id = hearth_chat_object_get_id (self->chat);
  hearth_store_worker_run_async (self->worker, begin_turn_run, job, (GDestroyNotify) begin_turn_free,
                                 g_free, NULL, turn_begun, gen);
}

/* A title from the first line of the first message. */
static char *
title_from_message (const char *text)
{
  g_autofree char *line = g_strndup (text, strcspn (text, "\n"));
  g_autofree char *stripped = g_strstrip (g_strdup (line));
  g_autofree char *start = NULL;

  if (g_utf8_strlen (stripped, -1) <= TITLE_MAX_CHARS)
    return g_steal_pointer (&stripped);
  start = g_utf8_substring (stripped, 0, TITLE_MAX_CHARS - 1);
  return g_strconcat (start, "…", NULL);
}

static gboolean
can_start (HearthConversation *self)
{
  return self->loaded && self->session != NULL && self->cancellable == NULL;
}

static void
attachment_record_free (HearthAttachment *attachment)
{
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

/* The rows the store gets for images (NULL-terminated), built here on the
 * main thread: the worker only reads them. */
static GPtrArray *
attachment_records (GPtrArray *images)
{
  GPtrArray *records = g_ptr_array_new_null_terminated (images->len, (GDestroyNotify) attachment_record_free, TRUE);

  for (guint i = 0; i < images->len; i++)
    {
      HearthImageAttachment *image = images->pdata[i];
      HearthAttachment *record = g_new0 (HearthAttachment, 1);

      record->mime = (char *) HEARTH_IMAGE_ATTACHMENT_MIME;
      record->width = (int) hearth_image_attachment_get_width (image);
      record->height = (int) hearth_image_attachment_get_height (image);
      record->data = g_bytes_ref (hearth_image_attachment_get_png (image));
      g_ptr_array_add (records, record);
    }
  return records;
}

gboolean
hearth_conversation_send (HearthConversation *self, const char *text)
{
  return hearth_conversation_send_with_images (self, text, NULL);
}

gboolean
hearth_conversation_send_with_images (HearthConversation *self, const char *text, GPtrArray *images)
{
  g_autoptr(HearthMessageObject) user = NULL;
  g_autofree char *stripped = NULL;
  gboolean has_images = images != NULL && images->len > 0;
  BeginTurn *job;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (!can_start (self) || (*stripped == '\0' && !has_images))
    return FALSE;

  job = g_new0 (BeginTurn, 1);
  job->truncate_after = -2;
  job->user_text = g_strdup (stripped);
  if (has_images)
    job->user_images = attachment_records (images);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->messages)) == 0 && *stripped != '\0')
    {
      job->title = title_from_message (stripped);
      hearth_chat_object_set_title (self->chat, job->title);
    }
  user = hearth_message_object_new (HEARTH_ROLE_USER, stripped, HEARTH_MESSAGE_COMPLETE);
  for (guint i = 0; has_images && i < images->len; i++)
    hearth_message_object_add_image (user, images->pdata[i]);
  g_list_store_append (self->messages, user);
  begin_turn (self, job);
  return TRUE;
}

gboolean
hearth_conversation_can_regenerate (HearthConversation *self)
{
  guint n;
  g_autoptr(HearthMessageObject) last = NULL;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  if (!can_start (self) || n < 2)
    return FALSE;
  last = g_list_model_get_item (G_LIST_MODEL (self->messages), n - 1);
  return hearth_message_object_get_role (last) == HEARTH_ROLE_ASSISTANT;
}

gboolean
hearth_conversation_regenerate (HearthConversation *self)
{
  BeginTurn *job;
  guint n;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);

  if (!hearth_conversation_can_regenerate (self))
    return FALSE;
  /* Positions are list indexes: the chat is loaded whole, in order. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_list_store_remove (self->messages, n - 1);
  job = g_new0 (BeginTurn, 1);
  job->truncate_after = (gint64) n - 2;
  begin_turn (self, job);
  return TRUE;
}

void
hearth_conversation_stop (HearthConversation *self)
{
  g_return_if_fail (HEARTH_IS_CONVERSATION (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

/* ---- GObject ---- */

static void
hearth_conversation_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HearthConversation *self = HEARTH_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_LOADED:            g_value_set_boolean (value, self->loaded); break;
    case PROP_GENERATING:        g_value_set_boolean (value, self->cancellable != NULL); break;
    case PROP_SESSION:           g_value_set_pointer (value, self->session); break;
    case PROP_TOKENS_PER_SECOND: g_value_set_double (value, self->tokens_per_second); break;
    case PROP_CONTEXT_USED:      g_value_set_uint (value, self->context_used); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_conversation_dispose (GObject *object)
{
  HearthConversation *self = HEARTH_CONVERSATION (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->session != NULL)
    hearth_engine_close_session (self->engine, self->session);
  g_clear_pointer (&self->session, hearth_session_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->messages);
  g_clear_object (&self->chat);
  g_clear_object (&self->engine);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (hearth_conversation_parent_class)->dispose (object);
}

static void
hearth_conversation_class_init (HearthConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = hearth_conversation_get_property;
  object_class->dispose = hearth_conversation_dispose;

  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_GENERATING] = g_param_spec_boolean ("generating", NULL, NULL, FALSE, flags);
  properties[PROP_SESSION] = g_param_spec_pointer ("session", NULL, NULL, flags);
  properties[PROP_TOKENS_PER_SECOND] = g_param_spec_double ("tokens-per-second", NULL, NULL,
                                                            0, G_MAXDOUBLE, 0, flags);
  properties[PROP_CONTEXT_USED] = g_param_spec_uint ("context-used", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A store or engine failure, as a sentence for the user. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hearth_conversation_init (HearthConversation *self)
{
  self->messages = g_list_store_new (HEARTH_TYPE_MESSAGE_OBJECT);
  hearth_sampling_params_init (&self->params);
}

void
hearth_conversation_set_sampling_params (HearthConversation *self, const HearthSamplingParams *params)
{
  g_return_if_fail (HEARTH_IS_CONVERSATION (self));
  g_return_if_fail (params != NULL);
  self->params = *params;
}

HearthConversation *
hearth_conversation_new (HearthStoreWorker *worker, HearthEngine *engine, HearthChatObject *chat)
{
  HearthConversation *self;
  gint64 *chat_id;

  g_return_val_if_fail (HEARTH_IS_STORE_WORKER (worker), NULL);
  g_return_val_if_fail (HEARTH_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (chat), NULL);

  self = g_object_new (HEARTH_TYPE_CONVERSATION, NULL);
  self->worker = g_object_ref (worker);
  self->engine = g_object_ref (engine);
  self->chat = g_object_ref (chat);

  chat_id = g_new (gint64, 1);
  *chat_id = hearth_chat_object_get_id (chat);
  hearth_store_worker_run_async (worker, list_messages_run, chat_id, g_free, (GDestroyNotify) g_ptr_array_unref,
                                 NULL, messages_listed, g_object_ref (self));
  return self;
}

HearthChatObject *
hearth_conversation_get_chat (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), NULL);
  return self->chat;
}

GListModel *
hearth_conversation_get_messages (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), NULL);
  return G_LIST_MODEL (self->messages);
}

void
hearth_conversation_set_session (HearthConversation *self, HearthSession *session)
{
  g_return_if_fail (HEARTH_IS_CONVERSATION (self));

  if (self->session == session)
    return;
  hearth_conversation_stop (self);
  if (self->session != NULL)
    hearth_engine_close_session (self->engine, self->session);
  g_clear_pointer (&self->session, hearth_session_unref);
  self->session = session != NULL ? hearth_session_ref (session) : NULL;
  self->context_used = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT_USED]);
}

HearthSession *
hearth_conversation_get_session (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), NULL);
  return self->session;
}

gboolean
hearth_conversation_get_loaded (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);
  return self->loaded;
}

gboolean
hearth_conversation_get_generating (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);
  return self->cancellable != NULL;
}

double
hearth_conversation_get_tokens_per_second (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), 0);
  return self->tokens_per_second;
}

guint
hearth_conversation_get_context_used (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), 0);
  return self->context_used;
}
