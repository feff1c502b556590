/* hearth-store.h: Hearth's private chat history, one SQLite file.
 *
 * The database lives in $XDG_DATA_HOME/hearth/hearth.db; its folder is made
 * 0700 and the file 0600, whatever the umask.  The schema is migrated to the
 * newest version on open.
 *
 * Threads: a HearthStore is one SQLite connection and belongs to the thread
 * that opened it; every call must come from that thread.  The app gives the
 * store its own worker thread.  Never call these functions on the UI's main
 * thread: each one does disk I/O and may wait up to the busy timeout for a
 * lock held by another program.
 *
 * Errors are in HEARTH_STORE_ERROR; the message names the file, what went
 * wrong and what to do, and hearth_store_error_get_sqlite_code() gives the
 * SQLite (extended) result code behind it.
 *
 * Times are Unix microseconds (UTC), as g_get_real_time() returns them.
 * Functions returning an id return 0 on error; functions returning a
 * GPtrArray return NULL on error, and the array frees its elements.
 *
 * Privacy: files are 0600 in a 0700 folder, deleted rows are overwritten
 * (secure_delete), and purging deleted chats also merges the search index
 * and truncates the write-ahead log so their text leaves the disk.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HEARTH_STORE_ERROR (hearth_store_error_quark ())
GQuark hearth_store_error_quark (void);

typedef enum {
  HEARTH_STORE_ERROR_LOCKED,    /* another program holds the database; retry later */
  HEARTH_STORE_ERROR_READ_ONLY, /* the file or its folder cannot be written */
  HEARTH_STORE_ERROR_DISK_FULL,
  HEARTH_STORE_ERROR_CORRUPT,   /* damaged or not a database: offer hearth_store_move_aside() */
  HEARTH_STORE_ERROR_TOO_NEW,   /* schema written by a newer Hearth; left untouched */
  HEARTH_STORE_ERROR_NOT_FOUND, /* no such chat or message (or not in the state asked for) */
  HEARTH_STORE_ERROR_FAILED,
} HearthStoreError;

/* The SQLite extended result code behind @error, or 0 (SQLITE_OK) when
 * the error did not come from SQLite. */
int hearth_store_error_get_sqlite_code (const GError *error);

#define HEARTH_STORE_DEFAULT_BUSY_TIMEOUT_MS 5000

/* Highlight marks around matched words in HearthSearchHit.snippet: control
 * characters that chat text does not use, so a UI can escape the snippet for
 * markup first and then turn the marks into highlighting. */
#define HEARTH_STORE_MATCH_START "\x02"
#define HEARTH_STORE_MATCH_END "\x03"

typedef enum {
  HEARTH_ROLE_SYSTEM,
  HEARTH_ROLE_USER,
  HEARTH_ROLE_ASSISTANT,
} HearthRole;

typedef enum {
  HEARTH_MESSAGE_COMPLETE,
  HEARTH_MESSAGE_STREAMING, /* being written, or its writer died: see hearth_store_stop_interrupted() */
  HEARTH_MESSAGE_STOPPED,   /* the user stopped it, or it was interrupted */
} HearthMessageState;

typedef struct {
  gint64 id;
  char *title;
  char *model_path;    /* NULL: none chosen */
  char *system_prompt; /* NULL: the model's default */
  gint64 created_at;
  gint64 updated_at;   /* last activity; chat lists are ordered by it */
  gint64 context_start; /* context: position of the first message the model sees */
  double temperature;    /* < 0: the app's setting */
  guint  context_length; /* 0: the app's setting */
} HearthChat;

/* What the history holds, for the Privacy page. */
typedef struct {
  guint   n_chats;       /* live and deleted ones not yet purged */
  guint   n_messages;
  guint   n_attachments;
  guint64 bytes;         /* the database file and its write-ahead log */
} HearthHistorySize;

typedef struct {
  gint64 id;
  gint64 chat_id;
  gint64 position;     /* 0, 1, 2, ... within the chat */
  HearthRole role;
  char *content;
  HearthMessageState state;
  gint64 created_at;
  gint64 updated_at;
  gint64 prompt_tokens;     /* -1: not known */
  gint64 completion_tokens; /* -1: not known */
  double tokens_per_second; /* 0: not known */
} HearthMessage;

typedef struct {
  gint64 id;
  gint64 message_id;
  char *mime;
  int width;
  int height;
  GBytes *data;
} HearthAttachment;

typedef struct {
  gint64 chat_id;
  gint64 message_id;
  char *chat_title;
  char *snippet; /* matches between HEARTH_STORE_MATCH_START and _END */
  gint64 created_at; /* the message's */
} HearthSearchHit;

/* Measured at the end of a generation; -1 / 0 for what is not known. */
typedef struct {
  gint64 prompt_tokens;
  gint64 completion_tokens;
  double tokens_per_second;
} HearthGenerationStats;

typedef struct _HearthStore HearthStore;

/* Opening and closing */
char        *hearth_store_default_path (void);
HearthStore *hearth_store_open (const char *path, guint busy_timeout_ms, GError **error);
HearthStore *hearth_store_open_default (GError **error);
void         hearth_store_close (HearthStore *self);
const char  *hearth_store_get_path (HearthStore *self);
guint        hearth_store_schema_version (void);
gboolean     hearth_store_move_aside (const char *path, char **moved_path, GError **error);

/* Chats */
gint64     hearth_store_create_chat (HearthStore *self, const char *title, const char *model_path, GError **error);
gboolean   hearth_store_rename_chat (HearthStore *self, gint64 chat_id, const char *title, GError **error);
gboolean   hearth_store_set_chat_model (HearthStore *self, gint64 chat_id, const char *model_path, GError **error);
gboolean   hearth_store_set_chat_system_prompt (HearthStore *self, gint64 chat_id, const char *system_prompt, GError **error);
/* A chat's own settings: @settings' model_path, system_prompt,
 * temperature and context_length are written to chat @settings->id. */
gboolean   hearth_store_set_chat_settings (HearthStore *self, const HearthChat *settings, GError **error);
/* the messages before @position stay in the chat but are no longer sent to the model. */
gboolean   hearth_store_set_chat_context_start (HearthStore *self, gint64 chat_id, gint64 position, GError **error);
HearthChat *hearth_store_get_chat (HearthStore *self, gint64 chat_id, GError **error);
GPtrArray *hearth_store_list_chats (HearthStore *self, GError **error);
gboolean   hearth_store_delete_chat (HearthStore *self, gint64 chat_id, GError **error);
gboolean   hearth_store_restore_chat (HearthStore *self, gint64 chat_id, GError **error);
gboolean   hearth_store_purge_deleted_chats (HearthStore *self, gint64 deleted_before, guint *n_purged, GError **error);

/* The whole history: its size, and erasing it (every chat, message,
 * image and the search index) so that no text stays in free pages or in
 * the write-ahead log: secure_delete, VACUUM, then the log checkpointed
 * and truncated. */
gboolean   hearth_store_get_history_size (HearthStore *self, HearthHistorySize *size, GError **error);
gboolean   hearth_store_erase_history (HearthStore *self, GError **error);

/* Messages */
gint64     hearth_store_add_message (HearthStore *self, gint64 chat_id, HearthRole role, const char *content, GError **error);
gint64     hearth_store_begin_streaming (HearthStore *self, gint64 chat_id, GError **error);
gboolean   hearth_store_append_streaming (HearthStore *self, gint64 message_id, const char *text, GError **error);
gboolean   hearth_store_finish_streaming (HearthStore *self, gint64 message_id, HearthMessageState final_state,
                                         const HearthGenerationStats *stats, GError **error);
gboolean   hearth_store_stop_interrupted (HearthStore *self, guint *n_stopped, GError **error);
GPtrArray *hearth_store_list_messages (HearthStore *self, gint64 chat_id, GError **error);
gboolean   hearth_store_truncate_chat (HearthStore *self, gint64 chat_id, gint64 after_position, GError **error);
/* new text for the message at position; the later ones are deleted (one transaction). */
gboolean   hearth_store_replace_message (HearthStore *self, gint64 chat_id, gint64 position,
                                         const char *content, GError **error);

/* Attachments */
gint64     hearth_store_add_attachment (HearthStore *self, gint64 message_id, const char *mime,
                                        int width, int height, GBytes *data, GError **error);
gint64     hearth_store_add_message_with_attachments (HearthStore *self, gint64 chat_id, HearthRole role,
                                                      const char *content,
                                                      const HearthAttachment *const *attachments,
                                                      GError **error);
GPtrArray *hearth_store_list_attachments (HearthStore *self, gint64 message_id, GError **error);

/* Search and export */
GPtrArray *hearth_store_search (HearthStore *self, const char *text, guint limit, GError **error);
gboolean   hearth_store_export_markdown (HearthStore *self, gint64 chat_id, const char *md_path, GError **error);
gboolean   hearth_store_export_json (HearthStore *self, gint64 chat_id, const char *json_path, GError **error);

const char *hearth_role_to_string (HearthRole role);
const char *hearth_message_state_to_string (HearthMessageState state);

void hearth_chat_free (HearthChat *chat);
void hearth_message_free (HearthMessage *message);
void hearth_attachment_free (HearthAttachment *attachment);
void hearth_search_hit_free (HearthSearchHit *hit);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthStore, hearth_store_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthChat, hearth_chat_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthMessage, hearth_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthAttachment, hearth_attachment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthSearchHit, hearth_search_hit_free)

G_END_DECLS
