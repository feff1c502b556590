#define G_LOG_DOMAIN "hearth-store"

/* hearth-store-chats.c: chats, messages (including streaming answers),
 * attachments and full-text search. */

#include <glib/gi18n-lib.h>

#include "hearth-store-private.h"

#define CHAT_COLUMNS "id, title, model_path, system_prompt, created_at, updated_at, context_start, " \
                     "temperature, context_length"
#define MESSAGE_COLUMNS "id, chat_id, position, role, content, state, created_at, updated_at, " \
                        "prompt_tokens, completion_tokens, tokens_per_second"

static const char *const role_names[] = {
  [HEARTH_ROLE_SYSTEM] = "system",
  [HEARTH_ROLE_USER] = "user",
  [HEARTH_ROLE_ASSISTANT] = "assistant",
};

static const char *const state_names[] = {
  [HEARTH_MESSAGE_COMPLETE] = "complete",
  [HEARTH_MESSAGE_STREAMING] = "streaming",
  [HEARTH_MESSAGE_STOPPED] = "stopped",
};

const char *
hearth_role_to_string (HearthRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

const char *
hearth_message_state_to_string (HearthMessageState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

/* The schema's CHECK constraints allow only the names above. */
static guint
index_of_name (const char *const *names,
               guint              n_names,
               const char        *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return 0;
}

void
hearth_chat_free (HearthChat *chat)
{
  if (chat == NULL)
    return;
  g_free (chat->title);
  g_free (chat->model_path);
  g_free (chat->system_prompt);
  g_free (chat);
}

void
hearth_message_free (HearthMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->content);
  g_free (message);
}

void
hearth_attachment_free (HearthAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->mime);
  g_clear_pointer (&attachment->data, g_bytes_unref);
  g_free (attachment);
}

void
hearth_search_hit_free (HearthSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->chat_title);
  g_free (hit->snippet);
  g_free (hit);
}

static char *
column_strdup (sqlite3_stmt *stmt,
               int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gint64
column_int64_or (sqlite3_stmt *stmt,
                 int           column,
                 gint64        if_null)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    return if_null;
  return sqlite3_column_int64 (stmt, column);
}

/* Negative counts mean "not known" and are stored as NULL. */
static void
bind_count (sqlite3_stmt *stmt,
            int           param,
            gint64        count)
{
  if (count < 0)
    sqlite3_bind_null (stmt, param);
  else
    sqlite3_bind_int64 (stmt, param, count);
}

static HearthChat *
chat_from_row (sqlite3_stmt *stmt)
{
  HearthChat *chat = g_new0 (HearthChat, 1);

  chat->id = sqlite3_column_int64 (stmt, 0);
  chat->title = column_strdup (stmt, 1);
  chat->model_path = column_strdup (stmt, 2);
  chat->system_prompt = column_strdup (stmt, 3);
  chat->created_at = sqlite3_column_int64 (stmt, 4);
  chat->updated_at = sqlite3_column_int64 (stmt, 5);
  chat->context_start = sqlite3_column_int64 (stmt, 6);
  chat->temperature = sqlite3_column_type (stmt, 7) == SQLITE_NULL ? -1 : sqlite3_column_double (stmt, 7);
  chat->context_length = (guint) column_int64_or (stmt, 8, 0);
  return chat;
}

static HearthMessage *
message_from_row (sqlite3_stmt *stmt)
{
  HearthMessage *message = g_new0 (HearthMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->chat_id = sqlite3_column_int64 (stmt, 1);
  message->position = sqlite3_column_int64 (stmt, 2);
  message->role = index_of_name (role_names, G_N_ELEMENTS (role_names),
                                 (const char *) sqlite3_column_text (stmt, 3));
  message->content = column_strdup (stmt, 4);
  message->state = index_of_name (state_names, G_N_ELEMENTS (state_names),
                                  (const char *) sqlite3_column_text (stmt, 5));
  message->created_at = sqlite3_column_int64 (stmt, 6);
  message->updated_at = sqlite3_column_int64 (stmt, 7);
  message->prompt_tokens = column_int64_or (stmt, 8, -1);
  message->completion_tokens = column_int64_or (stmt, 9, -1);
  message->tokens_per_second = sqlite3_column_double (stmt, 10);
  return message;
}

static HearthAttachment *
attachment_from_row (sqlite3_stmt *stmt)
{
  HearthAttachment *attachment = g_new0 (HearthAttachment, 1);

  attachment->id = sqlite3_column_int64 (stmt, 0);
  attachment->message_id = sqlite3_column_int64 (stmt, 1);
  attachment->mime = column_strdup (stmt, 2);
  attachment->width = sqlite3_column_int (stmt, 3);
  attachment->height = sqlite3_column_int (stmt, 4);
  attachment->data = g_bytes_new (sqlite3_column_blob (stmt, 5), sqlite3_column_bytes (stmt, 5));
  return attachment;
}

static HearthSearchHit *
search_hit_from_row (sqlite3_stmt *stmt)
{
  HearthSearchHit *hit = g_new0 (HearthSearchHit, 1);

  hit->chat_id = sqlite3_column_int64 (stmt, 0);
  hit->message_id = sqlite3_column_int64 (stmt, 1);
  hit->chat_title = column_strdup (stmt, 2);
  hit->snippet = column_strdup (stmt, 3);
  hit->created_at = sqlite3_column_int64 (stmt, 4);
  return hit;
}

/* Runs a one-row UPDATE/DELETE; NOT_FOUND when it matched no row
 * (missing: a message with one %lld, the id). */
static gboolean
run_on_one (HearthStore  *self,
            sqlite3_stmt *stmt,
            const char   *doing,
            const char   *missing,
            gint64        id,
            GError      **error)
{
  if (!_hearth_store_run (self, stmt, doing, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    {
      _hearth_store_set_not_found (self, error, missing, (long long) id);
      return FALSE;
    }
  return TRUE;
}

/* ---- chats ---- */

/* Returns the new chat's id, or 0 with @error set. */
gint64
hearth_store_create_chat (HearthStore *self,
                          const char  *title,
                          const char  *model_path,
                          GError     **error)
{
  const char *doing = _("create the chat");
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 now = g_get_real_time ();

  g_return_val_if_fail (title != NULL && g_utf8_validate (title, -1, NULL), 0);

  stmt = _hearth_store_prepare (self,
                                "INSERT INTO chats (title, model_path, created_at, updated_at) "
                                "VALUES (?1, ?2, ?3, ?3)", doing, error);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, model_path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, now);
  if (!_hearth_store_run (self, stmt, doing, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

/* Sets one text column of a live chat; @column is a literal from this file. */
static gboolean
set_chat_text (HearthStore *self,
               gint64       chat_id,
               const char  *column,
               const char  *value,
               const char  *doing,
               GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("UPDATE chats SET %s = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                                          column);
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self, sql, doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, chat_id);
  return run_on_one (self, stmt, doing, _("There is no chat %lld"), chat_id, error);
}

gboolean
hearth_store_rename_chat (HearthStore *self,
                          gint64       chat_id,
                          const char  *title,
                          GError     **error)
{
  g_return_val_if_fail (title != NULL && g_utf8_validate (title, -1, NULL), FALSE);
  return set_chat_text (self, chat_id, "title", title, "rename the chat", error);
}

/* @model_path NULL: no model chosen. */
gboolean
hearth_store_set_chat_model (HearthStore *self,
                             gint64       chat_id,
                             const char  *model_path,
                             GError     **error)
{
  g_return_val_if_fail (model_path == NULL || g_utf8_validate (model_path, -1, NULL), FALSE);
  return set_chat_text (self, chat_id, "model_path", model_path, "save the chat's model", error);
}

/* @system_prompt NULL: back to the model's default. */
gboolean
hearth_store_set_chat_system_prompt (HearthStore *self,
                                     gint64       chat_id,
                                     const char  *system_prompt,
                                     GError     **error)
{
  g_return_val_if_fail (system_prompt == NULL || g_utf8_validate (system_prompt, -1, NULL), FALSE);
  return set_chat_text (self, chat_id, "system_prompt", system_prompt, "save the system prompt", error);
}

gboolean
hearth_store_set_chat_settings (HearthStore      *self,
                                const HearthChat *settings,
                                GError          **error)
{
  const char *doing = _("save the chat’s settings");
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (settings->model_path == NULL || g_utf8_validate (settings->model_path, -1, NULL), FALSE);
  g_return_val_if_fail (settings->system_prompt == NULL || g_utf8_validate (settings->system_prompt, -1, NULL), FALSE);

  stmt = _hearth_store_prepare (self,
                                "UPDATE chats SET model_path = ?1, system_prompt = ?2, temperature = ?3, "
                                "context_length = ?4 WHERE id = ?5 AND deleted_at IS NULL", doing, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, settings->model_path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, settings->system_prompt, -1, SQLITE_TRANSIENT);
  if (settings->temperature < 0)
    sqlite3_bind_null (stmt, 3);
  else
    sqlite3_bind_double (stmt, 3, settings->temperature);
  bind_count (stmt, 4, settings->context_length > 0 ? (gint64) settings->context_length : -1);
  sqlite3_bind_int64 (stmt, 5, settings->id);
  return run_on_one (self, stmt, doing, _("There is no chat %lld"), settings->id, error);
}

gboolean
hearth_store_set_chat_context_start (HearthStore *self,
                                     gint64       chat_id,
                                     gint64       position,
                                     GError     **error)
{
  const char *doing = "save where the model's context starts";
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (position >= 0, FALSE);
  stmt = _hearth_store_prepare (self, "UPDATE chats SET context_start = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                                doing, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, position);
  sqlite3_bind_int64 (stmt, 2, chat_id);
  return run_on_one (self, stmt, doing, "There is no chat %" G_GINT64_FORMAT, chat_id, error);
}

HearthChat *
hearth_store_get_chat (HearthStore *self,
                       gint64       chat_id,
                       GError     **error)
{
  const char *doing = _("read the chat");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "SELECT " CHAT_COLUMNS " FROM chats "
                                                        "WHERE id = ? AND deleted_at IS NULL",
                                                        doing, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  rc = _hearth_store_step (self, stmt, doing, error);
  if (rc == SQLITE_DONE)
    _hearth_store_set_not_found (self, error, _("There is no chat %lld"), (long long) chat_id);
  if (rc != SQLITE_ROW)
    return NULL;
  return chat_from_row (stmt);
}

/* Live chats, most recent activity first; elements are HearthChat. */
GPtrArray *
hearth_store_list_chats (HearthStore *self,
                         GError     **error)
{
  const char *doing = _("list the chats");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "SELECT " CHAT_COLUMNS " FROM chats "
                                                        "WHERE deleted_at IS NULL "
                                                        "ORDER BY updated_at DESC, id DESC",
                                                        doing, error);

  if (stmt == NULL)
    return NULL;
  return _hearth_store_collect_rows (self, stmt, (_HearthRowReader) chat_from_row, (GDestroyNotify) hearth_chat_free,
                       doing, error);
}

/* Hides the chat everywhere; hearth_store_restore_chat() undoes this until
 * hearth_store_purge_deleted_chats() erases it. */
gboolean
hearth_store_delete_chat (HearthStore *self,
                          gint64       chat_id,
                          GError     **error)
{
  const char *doing = _("delete the chat");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "UPDATE chats SET deleted_at = ?1 "
                                                        "WHERE id = ?2 AND deleted_at IS NULL",
                                                        doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 2, chat_id);
  return run_on_one (self, stmt, doing, _("There is no chat %lld"), chat_id, error);
}

gboolean
hearth_store_restore_chat (HearthStore *self,
                           gint64       chat_id,
                           GError     **error)
{
  const char *doing = _("restore the chat");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "UPDATE chats SET deleted_at = NULL "
                                                        "WHERE id = ? AND deleted_at IS NOT NULL",
                                                        doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  return run_on_one (self, stmt, doing, _("There is no deleted chat %lld to restore"),
                     chat_id, error);
}

/* Erases chats deleted at or before @deleted_before (G_MAXINT64: all), with
 * their messages and attachments.  The index is merged and the log
 * truncated so the erased text does not linger on disk. */
gboolean
hearth_store_purge_deleted_chats (HearthStore *self,
                                  gint64       deleted_before,
                                  guint       *n_purged,
                                  GError     **error)
{
  const char *doing = _("erase deleted chats");
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int changes = 0;

  if (!_hearth_store_begin (self, doing, error))
    return FALSE;
  stmt = _hearth_store_prepare (self, "DELETE FROM chats WHERE deleted_at <= ?", doing, error);
  if (stmt != NULL)
    sqlite3_bind_int64 (stmt, 1, deleted_before);
  if (stmt == NULL
      || !_hearth_store_run (self, stmt, doing, error)
      || ((changes = sqlite3_changes (self->db)) > 0
          && !_hearth_store_exec (self, "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
                                  doing, error)))
    {
      _hearth_store_rollback (self);
      return FALSE;
    }
  if (!_hearth_store_commit (self, doing, error)
      || !_hearth_store_exec (self, "PRAGMA wal_checkpoint (TRUNCATE)", doing, error))
    return FALSE;
  if (n_purged != NULL)
    *n_purged = (guint) changes;
  return TRUE;
}

/* ---- messages ---- */

static gint64 insert_attachment (HearthStore *self, gint64 message_id, const HearthAttachment *attachment,
                                 const char *doing, GError **error);

/* Appends a message (and its attachments, NULL or NULL-terminated) at the
 * end of a live chat and marks the chat active, in one transaction. */
static gint64
insert_message (HearthStore             *self,
                gint64                   chat_id,
                HearthRole               role,
                const char              *content,
                const HearthAttachment *const *attachments,
                HearthMessageState       state,
                GError                 **error)
{
  const char *doing = _("save the message");
  g_autoptr(sqlite3_stmt) touch = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  gint64 now = g_get_real_time ();
  gint64 id = 0;

  if (!_hearth_store_begin (self, doing, error))
    return 0;

  touch = _hearth_store_prepare (self, "UPDATE chats SET updated_at = ?1 WHERE id = ?2 AND deleted_at IS NULL",
                                 doing, error);
  insert = touch == NULL ? NULL : _hearth_store_prepare (self,
    "INSERT INTO messages (chat_id, position, role, content, state, created_at, updated_at) "
    "VALUES (?1, (SELECT COALESCE (MAX (position) + 1, 0) FROM messages WHERE chat_id = ?1), "
    "        ?2, ?3, ?4, ?5, ?5)", doing, error);
  if (insert != NULL)
    {
      sqlite3_bind_int64 (touch, 1, now);
      sqlite3_bind_int64 (touch, 2, chat_id);
      sqlite3_bind_int64 (insert, 1, chat_id);
      sqlite3_bind_text (insert, 2, role_names[role], -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, content, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (insert, 4, state_names[state], -1, SQLITE_STATIC);
      sqlite3_bind_int64 (insert, 5, now);
      if (run_on_one (self, touch, doing, _("There is no chat %lld"), chat_id, error)
          && _hearth_store_run (self, insert, doing, error))
        id = sqlite3_last_insert_rowid (self->db);
    }
  for (guint i = 0; id != 0 && attachments != NULL && attachments[i] != NULL; i++)
    if (insert_attachment (self, id, attachments[i], doing, error) == 0)
      id = 0;

  if (id == 0 || !_hearth_store_commit (self, doing, error))
    {
      _hearth_store_rollback (self);
      return 0;
    }
  return id;
}

/* Returns the new message's id, or 0 with @error set. */
gint64
hearth_store_add_message (HearthStore *self,
                          gint64       chat_id,
                          HearthRole   role,
                          const char  *content,
                          GError     **error)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), 0);
  g_return_val_if_fail (content != NULL && g_utf8_validate (content, -1, NULL), 0);
  return insert_message (self, chat_id, role, content, NULL, HEARTH_MESSAGE_COMPLETE, error);
}

/* Like hearth_store_add_message(), with @attachments (NULL-terminated; their
 * id and message_id are ignored) stored in the same transaction: either the
 * message and all its images are saved, or nothing is. */
gint64
hearth_store_add_message_with_attachments (HearthStore                   *self,
                                           gint64                         chat_id,
                                           HearthRole                     role,
                                           const char                    *content,
                                           const HearthAttachment *const *attachments,
                                           GError                       **error)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), 0);
  g_return_val_if_fail (content != NULL && g_utf8_validate (content, -1, NULL), 0);
  for (guint i = 0; attachments != NULL && attachments[i] != NULL; i++)
    g_return_val_if_fail (attachments[i]->mime != NULL && *attachments[i]->mime != '\0'
                          && attachments[i]->width >= 0 && attachments[i]->height >= 0
                          && attachments[i]->data != NULL, 0);
  return insert_message (self, chat_id, role, content, attachments, HEARTH_MESSAGE_COMPLETE, error);
}

/* An empty assistant message in state STREAMING at the end of the chat;
 * returns its id, or 0 with @error set. */
gint64
hearth_store_begin_streaming (HearthStore *self,
                              gint64       chat_id,
                              GError     **error)
{
  return insert_message (self, chat_id, HEARTH_ROLE_ASSISTANT, "", NULL, HEARTH_MESSAGE_STREAMING, error);
}

/* Appends @text (whole UTF-8 characters) to a streaming message and commits:
 * once this returns, the text survives a crash of the app.  Meant for a few
 * calls a second; the text is indexed for search when the message finishes. */
gboolean
hearth_store_append_streaming (HearthStore *self,
                               gint64       message_id,
                               const char  *text,
                               GError     **error)
{
  const char *doing = _("save the answer");
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (text != NULL && g_utf8_validate (text, -1, NULL), FALSE);

  stmt = _hearth_store_prepare (self,
                                "UPDATE messages SET content = content || ?1, updated_at = ?2 "
                                "WHERE id = ?3 AND state = 'streaming'", doing, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, message_id);
  return run_on_one (self, stmt, doing, _("There is no streaming message %lld"),
                     message_id, error);
}

/* Ends a streaming message as COMPLETE or STOPPED with optional @stats. */
gboolean
hearth_store_finish_streaming (HearthStore                 *self,
                               gint64                       message_id,
                               HearthMessageState           final_state,
                               const HearthGenerationStats *stats,
                               GError                     **error)
{
  const char *doing = _("finish the answer");
  g_autoptr(sqlite3_stmt) finish = NULL;
  g_autoptr(sqlite3_stmt) touch = NULL;
  gint64 now = g_get_real_time ();
  gboolean ok;

  g_return_val_if_fail (final_state == HEARTH_MESSAGE_COMPLETE || final_state == HEARTH_MESSAGE_STOPPED, FALSE);

  if (!_hearth_store_begin (self, doing, error))
    return FALSE;
  finish = _hearth_store_prepare (self,
    "UPDATE messages SET state = ?1, prompt_tokens = ?2, completion_tokens = ?3, "
    "                    tokens_per_second = ?4, updated_at = ?5 "
    "WHERE id = ?6 AND state = 'streaming'", doing, error);
  touch = finish == NULL ? NULL : _hearth_store_prepare (self,
    "UPDATE chats SET updated_at = ?1 WHERE id = (SELECT chat_id FROM messages WHERE id = ?2)",
    doing, error);
  ok = touch != NULL;
  if (ok)
    {
      sqlite3_bind_text (finish, 1, state_names[final_state], -1, SQLITE_STATIC);
      bind_count (finish, 2, stats ? stats->prompt_tokens : -1);
      bind_count (finish, 3, stats ? stats->completion_tokens : -1);
      if (stats != NULL && stats->tokens_per_second > 0)
        sqlite3_bind_double (finish, 4, stats->tokens_per_second);
      sqlite3_bind_int64 (finish, 5, now);
      sqlite3_bind_int64 (finish, 6, message_id);
      sqlite3_bind_int64 (touch, 1, now);
      sqlite3_bind_int64 (touch, 2, message_id);
      ok = run_on_one (self, finish, doing, _("There is no streaming message %lld"),
                       message_id, error)
           && _hearth_store_run (self, touch, doing, error);
    }

  if (!ok || !_hearth_store_commit (self, doing, error))
    {
      _hearth_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* Marks every message still STREAMING as STOPPED: call at start-up, when no
 * generation can be running, to close answers cut off by a crash. */
gboolean
hearth_store_stop_interrupted (HearthStore *self,
                               guint       *n_stopped,
                               GError     **error)
{
  const char *doing = _("mark interrupted answers as stopped");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "UPDATE messages SET state = 'stopped', updated_at = ? "
                                                        "WHERE state = 'streaming'", doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time ());
  if (!_hearth_store_run (self, stmt, doing, error))
    return FALSE;
  if (n_stopped != NULL)
    *n_stopped = (guint) sqlite3_changes (self->db);
  return TRUE;
}

/* The chat's messages in order; elements are HearthMessage. */
GPtrArray *
hearth_store_list_messages (HearthStore *self,
                            gint64       chat_id,
                            GError     **error)
{
  const char *doing = _("read the messages");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "SELECT " MESSAGE_COLUMNS " FROM messages "
                                                        "WHERE chat_id = ? ORDER BY position",
                                                        doing, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  return _hearth_store_collect_rows (self, stmt, (_HearthRowReader) message_from_row, (GDestroyNotify) hearth_message_free,
                       doing, error);
}

/* Deletes the messages after @after_position (and their attachments), e.g.
 * before resending an edited message; -1 empties the chat. */
gboolean
hearth_store_truncate_chat (HearthStore *self,
                            gint64       chat_id,
                            gint64       after_position,
                            GError     **error)
{
  const char *doing = _("remove the later messages");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "DELETE FROM messages WHERE chat_id = ? AND position > ?",
                                                        doing, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, chat_id);
  sqlite3_bind_int64 (stmt, 2, after_position);
  return _hearth_store_run (self, stmt, doing, error);
}

/* editing a message and resending from there.  Replaces the
 * text of the message at @position and deletes every message after it,
 * in one transaction: a crash leaves either the old chat or the edited
 * one, never the new text followed by answers to the old. */
gboolean
hearth_store_replace_message (HearthStore *self,
                              gint64       chat_id,
                              gint64       position,
                              const char  *content,
                              GError     **error)
{
  const char *doing = "save the edited message";
  g_autoptr(sqlite3_stmt) update = NULL;

  g_return_val_if_fail (content != NULL && g_utf8_validate (content, -1, NULL), FALSE);

  if (!_hearth_store_begin (self, doing, error))
    return FALSE;
  update = _hearth_store_prepare (self, "UPDATE messages SET content = ?1, updated_at = ?2 "
                                        "WHERE chat_id = ?3 AND position = ?4", doing, error);
  if (update != NULL)
    {
      sqlite3_bind_text (update, 1, content, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (update, 2, g_get_real_time ());
      sqlite3_bind_int64 (update, 3, chat_id);
      sqlite3_bind_int64 (update, 4, position);
    }
  if (update == NULL
      || !run_on_one (self, update, doing, "The chat has no message at position %" G_GINT64_FORMAT, position, error)
      || !hearth_store_truncate_chat (self, chat_id, position, error)
      || !_hearth_store_commit (self, doing, error))
    {
      _hearth_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/* ---- attachments ---- */

static gboolean
message_exists (HearthStore *self,
                gint64       message_id,
                const char  *doing,
                GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self, "SELECT 1 FROM messages WHERE id = ?",
                                                        doing, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  rc = _hearth_store_step (self, stmt, doing, error);
  if (rc == SQLITE_DONE)
    _hearth_store_set_not_found (self, error, _("There is no message %lld"), (long long) message_id);
  return rc == SQLITE_ROW;
}

static gint64
insert_attachment (HearthStore            *self,
                   gint64                  message_id,
                   const HearthAttachment *attachment,
                   const char             *doing,
                   GError                **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gsize size;
  const void *bytes;
  int rc;

  stmt = _hearth_store_prepare (self,
                                "INSERT INTO attachments (message_id, mime, width, height, data) "
                                "VALUES (?, ?, ?, ?, ?)", doing, error);
  if (stmt == NULL)
    return 0;
  bytes = g_bytes_get_data (attachment->data, &size);
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_text (stmt, 2, attachment->mime, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 3, attachment->width);
  sqlite3_bind_int (stmt, 4, attachment->height);
  /* Binding checks the size against SQLite's limit (SQLITE_TOOBIG). */
  rc = sqlite3_bind_blob64 (stmt, 5, bytes != NULL ? bytes : "", size, SQLITE_STATIC);
  if (rc != SQLITE_OK)
    {
      _hearth_store_fail (self, rc, doing, error);
      return 0;
    }
  if (!_hearth_store_run (self, stmt, doing, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

/* Stores an image (@data encoded as @mime, @width × @height pixels) with a
 * message; returns its id, or 0 with @error set. */
gint64
hearth_store_add_attachment (HearthStore *self,
                             gint64       message_id,
                             const char  *mime,
                             int          width,
                             int          height,
                             GBytes      *data,
                             GError     **error)
{
  const char *doing = _("save the attachment");
  HearthAttachment attachment = { 0, message_id, (char *) mime, width, height, data };

  g_return_val_if_fail (mime != NULL && *mime != '\0', 0);
  g_return_val_if_fail (width >= 0 && height >= 0, 0);
  g_return_val_if_fail (data != NULL, 0);

  if (!message_exists (self, message_id, doing, error))
    return 0;
  return insert_attachment (self, message_id, &attachment, doing, error);
}

/* Elements are HearthAttachment, in the order they were added. */
GPtrArray *
hearth_store_list_attachments (HearthStore *self,
                               gint64       message_id,
                               GError     **error)
{
  const char *doing = _("read the attachments");
  g_autoptr(sqlite3_stmt) stmt = _hearth_store_prepare (self,
                                                        "SELECT id, message_id, mime, width, height, data "
                                                        "FROM attachments WHERE message_id = ? ORDER BY id",
                                                        doing, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, message_id);
  return _hearth_store_collect_rows (self, stmt, (_HearthRowReader) attachment_from_row,
                       (GDestroyNotify) hearth_attachment_free, doing, error);
}

/* ---- search ---- */

/* Turns what the user typed into an FTS5 query that cannot be a syntax
 * error: the text is cut into words as the unicode61 tokenizer cuts it
 * (letters, digits and marks; everything else separates, so quotes,
 * operators and '*' never reach FTS5), and every word becomes a quoted
 * prefix phrase, all of which must match: "photo" finds "photograph", as
 * someone typing a search expects.  NULL when there is no word. */
static char *
fts_query_from_text (const char *text)
{
  g_autoptr(GString) query = g_string_new (NULL);
  gboolean in_word = FALSE;

  for (const char *c = text; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar ch = g_utf8_get_char (c);

      if (g_unichar_isalnum (ch) || g_unichar_ismark (ch))
        {
          if (!in_word)
            g_string_append (query, query->len > 0 ? " \"" : "\"");
          g_string_append_unichar (query, ch);
          in_word = TRUE;
        }
      else if (in_word)
        {
          g_string_append (query, "\"*");
          in_word = FALSE;
        }
    }
  if (in_word)
    g_string_append (query, "\"*");
  if (query->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&query), FALSE);
}

/* Finished messages of live chats matching every word of @text as a
 * prefix, with English stemming ("running" finds "run", "hel" finds
 * "hello"), best first, at
 * most @limit.  Elements are HearthSearchHit. */
GPtrArray *
hearth_store_search (HearthStore *self,
                     const char  *text,
                     guint        limit,
                     GError     **error)
{
  const char *doing = _("search the chats");
  g_autofree char *query = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (text != NULL && g_utf8_validate (text, -1, NULL), NULL);

  query = fts_query_from_text (text);
  if (query == NULL || limit == 0)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_search_hit_free);

  stmt = _hearth_store_prepare (self,
    "SELECT m.chat_id, m.id, c.title, snippet (messages_fts, 0, ?2, ?3, '…', 12), m.created_at "
    "FROM messages_fts "
    "JOIN messages m ON m.id = messages_fts.rowid "
    "JOIN chats c ON c.id = m.chat_id "
    "WHERE messages_fts MATCH ?1 AND c.deleted_at IS NULL "
    "ORDER BY rank LIMIT ?4", doing, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, query, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, HEARTH_STORE_MATCH_START, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, HEARTH_STORE_MATCH_END, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, limit);
  return _hearth_store_collect_rows (self, stmt, (_HearthRowReader) search_hit_from_row,
                       (GDestroyNotify) hearth_search_hit_free, doing, error);
}
