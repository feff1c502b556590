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

#include <glib/gi18n.h>

#include "hearth-conversation.h"
#include "hearth-generation-settings.h"

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
  guint              prompt_reused;
  char              *context_full;  /* why the next message does not fit, or NULL */
  gboolean           fitting;       /* the engine is choosing the turns to leave out */
  GSettings         *settings;      /* the app's (NULL: params) */
  HearthSamplingParams params;      /* without settings */
};

G_DEFINE_FINAL_TYPE (HearthConversation, hearth_conversation, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADED,
  PROP_GENERATING,
  PROP_SESSION,
  PROP_TOKENS_PER_SECOND,
  PROP_CONTEXT_USED,
  PROP_CONTEXT_FULL,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_ERROR, SIGNAL_REQUEST, N_SIGNALS };
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
  char  *edited_text;        /* NULL: no edit; else the new text at edited_position */
  gint64 edited_position;
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
  g_free (job->edited_text);
  g_free (job);
}

static gpointer
begin_turn_run (HearthStore *store, gpointer data, GError **error)
{
  BeginTurn *job = data;
  g_autofree TurnIds *ids = g_new0 (TurnIds, 1);

  if (job->truncate_after > -2 && !hearth_store_truncate_chat (store, job->chat_id, job->truncate_after, error))
    return NULL;
  if (job->edited_text != NULL &&
      !hearth_store_replace_message (store, job->chat_id, job->edited_position, job->edited_text, error))
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

typedef struct {
  gint64 chat_id;
  gint64 position;
} ContextStart;

/* Returns a dummy non-NULL result on success. */
static gpointer
set_context_start_run (HearthStore *store, gpointer data, GError **error)
{
  ContextStart *job = data;

  return hearth_store_set_chat_context_start (store, job->chat_id, job->position, error) ? store : NULL;
}

static gpointer
truncate_run (HearthStore *store, gpointer data, GError **error)
{
  ContextStart *job = data;

  return hearth_store_truncate_chat (store, job->chat_id, job->position, error) ? store : NULL;
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

/* the one message below the "not in the model's context" line. */
static void
mark_context_start (HearthConversation *self)
{
  gint64 start = hearth_chat_object_get_context_start (self->chat);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthMessageObject) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);
      hearth_message_object_set_starts_context (item, start > 0 && i == start);
    }
}

static void
run_chat_job (HearthConversation *self, HearthStoreJobFunc func, gint64 position)
{
  ContextStart *job = g_new (ContextStart, 1);

  job->chat_id = hearth_chat_object_get_id (self->chat);
  job->position = position;
  hearth_store_worker_run_async (self->worker, func, job, g_free, NULL, NULL, store_write_done,
                                 g_object_ref (self));
}

static void
set_context_full (HearthConversation *self, const char *why)
{
  if (g_strcmp0 (self->context_full, why) == 0)
    return;
  g_free (self->context_full);
  self->context_full = g_strdup (why);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT_FULL]);
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
  mark_context_start (self);
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

/* the prompt does not fit (the engine said so before any work):
 * the empty answer goes, from the list and the store; the user message
 * stays, waiting for an answer once older turns are left out. */
static void
take_back_answer (Generation *gen, const char *why)
{
  HearthConversation *self = gen->self;
  guint position;

  if (g_list_store_find (self->messages, gen->answer, &position))
    {
      g_list_store_remove (self->messages, position);
      run_chat_job (self, truncate_run, (gint64) position - 1);
    }
  set_context_full (self, why);
  if (self->cancellable == gen->cancellable)
    set_idle (self);
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

  if (g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CONTEXT_FULL))
    {
      take_back_answer (gen, error->message);
      hearth_generate_result_clear (&out);
      generation_free (gen);
      return;
    }

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
      self->prompt_reused = out.n_prompt_reused;
      /* The last token sampled is not in the cache yet. */
      self->context_used = MIN (out.n_prompt_tokens + out.n_generated,
                                hearth_session_get_n_ctx (self->session));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKENS_PER_SECOND]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT_USED]);
    }
  hearth_message_object_set_state (gen->answer, state);
  write_answer (gen, TRUE, state, &stats);
  /* the answer filled the context; the next message cannot fit. */
  if (out.stop_reason == HEARTH_STOP_CONTEXT_FULL)
    set_context_full (self, _("The answer filled the model’s context."));

  if (error != NULL && !g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
    report_error (self, error);
  if (self->cancellable == gen->cancellable)
    set_idle (self);
  hearth_generate_result_clear (&out);
  generation_free (gen);
}

/* The item's images as the engine takes them; the array holding them goes
 * into keep, which must outlive the call to the engine (it refs the bytes). */
static void
set_engine_images (HearthChatMessage *message, HearthMessageObject *item, GPtrArray *keep)
{
  GPtrArray *images = hearth_message_object_get_images (item);
  GPtrArray *bytes;

  if (images->len == 0)
    return;
  bytes = g_ptr_array_sized_new (images->len);
  for (guint i = 0; i < images->len; i++)
    g_ptr_array_add (bytes, hearth_image_attachment_get_png (images->pdata[i]));
  g_ptr_array_add (keep, bytes);
  message->images = (GBytes *const *) bytes->pdata;
  message->n_images = bytes->len;
}

/* An answer may fill a quarter of the context, so that a model that never
 * ends its turn (a plain text model) leaves room to go on. */
/* The settings' sampling, else the fixed params, with the chat's own
 * temperature over either. */
static void
current_params (HearthConversation *self, HearthSamplingParams *params)
{
  hearth_generation_settings_read_sampling (self->settings, self->chat, params);
  if (self->settings == NULL)
    {
      double temperature = params->sampler.temperature;

      *params = self->params;
      if (hearth_chat_object_get_temperature (self->chat) >= 0)
        params->sampler.temperature = temperature;
    }
}

static guint
answer_budget (HearthConversation *self)
{
  guint quarter = MAX (hearth_session_get_n_ctx (self->session) / 4, 1);
  HearthSamplingParams params;

  current_params (self, &params);
  return params.max_tokens == 0 ? quarter : MIN (params.max_tokens, quarter);
}

/* The chat's system prompt, as the first message; FALSE when it has none. */
static gboolean
system_message (HearthConversation *self, HearthChatMessage *message)
{
  const char *prompt = hearth_chat_object_get_system_prompt (self->chat);

  if (prompt == NULL || *prompt == '\0')
    return FALSE;
  message->role = hearth_role_to_string (HEARTH_ROLE_SYSTEM);
  message->content = prompt;
  return TRUE;
}

/* The messages the model sees: from the chat's context start on, without
 * skip (the answer being written). They point into the list's objects and
 * into keep (see set_engine_images()). */
static HearthChatMessage *
context_messages (HearthConversation *self, HearthMessageObject *skip, GPtrArray *keep,
                  guint *n_messages)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  guint start = MIN ((guint) hearth_chat_object_get_context_start (self->chat), n);
  HearthChatMessage *messages = g_new0 (HearthChatMessage, n - start + 2);

  *n_messages = system_message (self, &messages[0]) ? 1 : 0;
  for (guint i = start; i < n; i++)
    {
      g_autoptr(HearthMessageObject) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      if (item == skip)
        continue;
      messages[*n_messages].role = hearth_role_to_string (hearth_message_object_get_role (item));
      messages[*n_messages].content = hearth_message_object_get_content (item);
      set_engine_images (&messages[*n_messages], item, keep);
      (*n_messages)++;
    }
  return messages;
}

static void
start_generation (Generation *gen)
{
  HearthConversation *self = gen->self;
  g_autoptr(GPtrArray) image_arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  guint n_messages;
  g_autofree HearthChatMessage *messages = context_messages (self, gen->answer, image_arrays, &n_messages);
  HearthSamplingParams params;

  current_params (self, &params);
  params.max_tokens = answer_budget (self);
  /* the whole answer must fit; else the engine says so up front. */
  params.reserve_tokens = params.max_tokens;
  g_signal_emit (self, signals[SIGNAL_REQUEST], 0, messages, n_messages, &params);
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

/* The rows the store gets for images (NULL-terminated), built here on the
 * main thread: the worker only reads them. */
static GPtrArray *
attachment_records (GPtrArray *images)
{
  GPtrArray *records = g_ptr_array_new_null_terminated (images->len, (GDestroyNotify) hearth_attachment_free, TRUE);

  for (guint i = 0; i < images->len; i++)
    {
      HearthImageAttachment *image = images->pdata[i];
      HearthAttachment *record = g_new0 (HearthAttachment, 1);

      record->mime = g_strdup (HEARTH_IMAGE_ATTACHMENT_MIME);
      record->width = (int) hearth_image_attachment_get_width (image);
      record->height = (int) hearth_image_attachment_get_height (image);
      record->data = g_bytes_ref (hearth_image_attachment_get_png (image));
      g_ptr_array_add (records, record);
    }
  return records;
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
  /* a full context keeps the text where it is until the user chose. */
  if (!can_start (self) || (*stripped == '\0' && !has_images) || self->context_full != NULL)
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

gboolean
hearth_conversation_edit (HearthConversation *self, HearthMessageObject *message, const char *text)
{
  g_autofree char *stripped = NULL;
  BeginTurn *job;
  guint position;
  guint n;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (message), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (!can_start (self) || *stripped == '\0' ||
      hearth_message_object_get_role (message) != HEARTH_ROLE_USER ||
      !g_list_store_find (self->messages, message, &position))
    return FALSE;

  job = g_new0 (BeginTurn, 1);
  /* A title made from the first message follows its edit; one the user
   * chose stays. */
  if (position == 0)
    {
      g_autofree char *old_title = title_from_message (hearth_message_object_get_content (message));

      if (g_strcmp0 (old_title, hearth_chat_object_get_title (self->chat)) == 0)
        {
          job->title = title_from_message (stripped);
          hearth_chat_object_set_title (self->chat, job->title);
        }
    }
  /* Positions are list indexes: the chat is loaded whole, in order. */
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_list_store_splice (self->messages, position + 1, n - position - 1, NULL, 0);
  hearth_message_object_set_content (message, stripped);
  job->truncate_after = -2;
  job->edited_text = g_strdup (stripped);
  job->edited_position = position;
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
    case PROP_CONTEXT_FULL:      g_value_set_string (value, self->context_full); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_conversation_dispose (GObject *object)
{
  HearthConversation *self = HEARTH_CONVERSATION (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->session, hearth_session_unref);
  g_clear_pointer (&self->context_full, g_free);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->messages);
  g_clear_object (&self->chat);
  g_clear_object (&self->engine);
  g_clear_object (&self->worker);
  g_clear_object (&self->settings);

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
  properties[PROP_CONTEXT_FULL] = g_param_spec_string ("context-full", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A store or engine failure, as a sentence for the user. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* What the next answer is asked with, just before the engine gets it:
   * (const HearthChatMessage *messages, guint n_messages,
   *  const HearthSamplingParams *params), valid during the emission. */
  signals[SIGNAL_REQUEST] = g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                          NULL, NULL, NULL, G_TYPE_NONE, 3,
                                          G_TYPE_POINTER, G_TYPE_UINT, G_TYPE_POINTER);
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

void
hearth_conversation_set_settings (HearthConversation *self, GSettings *settings)
{
  g_return_if_fail (HEARTH_IS_CONVERSATION (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));
  g_set_object (&self->settings, settings);
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
  g_clear_pointer (&self->session, hearth_session_unref);
  self->session = session != NULL ? hearth_session_ref (session) : NULL;
  self->context_used = 0;
  /* another session may hold more; the next send finds out. */
  set_context_full (self, NULL);
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
hearth_conversation_get_prompt_reused (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), 0);
  return self->prompt_reused;
}

guint
hearth_conversation_get_context_used (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), 0);
  return self->context_used;
}

/* ---- context: a full context ---- */

const char *
hearth_conversation_get_context_full (HearthConversation *self)
{
  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), NULL);
  return self->context_full;
}

/* The last message, when it is a user message still waiting for its answer. */
static HearthMessageObject *
pending_message (HearthConversation *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_autoptr(HearthMessageObject) last = n > 0 ? g_list_model_get_item (G_LIST_MODEL (self->messages), n - 1) : NULL;

  if (last == NULL || hearth_message_object_get_role (last) != HEARTH_ROLE_USER)
    return NULL;
  return last; /* the list keeps it */
}

char *
hearth_conversation_take_pending (HearthConversation *self)
{
  HearthMessageObject *pending;
  g_autofree char *text = NULL;
  guint n;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), NULL);

  if (self->cancellable != NULL || (pending = pending_message (self)) == NULL)
    return NULL;
  text = g_strdup (hearth_message_object_get_content (pending));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_list_store_remove (self->messages, n - 1);
  run_chat_job (self, truncate_run, (gint64) n - 2);
  return g_steal_pointer (&text);
}

/* The new start is queued on the store worker before the answer's "begin
 * turn" job: the store never has the answer without the start it was
 * written from. */
static void
context_fitted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HearthConversation) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 start = hearth_chat_object_get_context_start (self->chat);
  guint first = 0;

  self->fitting = FALSE;
  if (!hearth_engine_fit_context_finish (NULL, result, &first, &error))
    {
      if (!g_error_matches (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED))
        report_error (self, error);
      return;
    }
  /* The engine counted the system prompt as messages[0]; it never drops it
   * (only user messages start a kept part). */
  if (first > 0 && system_message (self, &(HearthChatMessage) { 0 }))
    first--;
  hearth_chat_object_set_context_start (self->chat, start + first);
  run_chat_job (self, set_context_start_run, start + first);
  mark_context_start (self);
  set_context_full (self, NULL);
  if (pending_message (self) != NULL && self->session != NULL && self->cancellable == NULL)
    {
      BeginTurn *job = g_new0 (BeginTurn, 1);

      job->truncate_after = -2;
      begin_turn (self, job);
    }
}

gboolean
hearth_conversation_drop_oldest_turns (HearthConversation *self)
{
  g_autoptr(GPtrArray) image_arrays = NULL;
  guint n_messages;
  g_autofree HearthChatMessage *messages = NULL;

  g_return_val_if_fail (HEARTH_IS_CONVERSATION (self), FALSE);

  /* One at a time: the engine's answer counts from the start it was given. */
  if (!can_start (self) || self->fitting)
    return FALSE;
  self->fitting = TRUE;
  image_arrays = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  messages = context_messages (self, NULL, image_arrays, &n_messages);
  hearth_engine_fit_context_async (self->engine, self->session, messages, n_messages, answer_budget (self),
                                   NULL, context_fitted, g_object_ref (self));
  return TRUE;
}
