-- Schema version 1: chats, their messages, image attachments and a
-- full-text index over message content.
-- Times are Unix microseconds (UTC), as g_get_real_time() returns them.

CREATE TABLE chats (
  id          INTEGER PRIMARY KEY,
  title       TEXT    NOT NULL,
  model_path  TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL          -- last activity: orders the chat list
);

CREATE INDEX chats_by_activity ON chats (updated_at DESC, id DESC);

CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  chat_id            INTEGER NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
  position           INTEGER NOT NULL,  -- 0, 1, 2, ... within the chat
  role               TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content            TEXT    NOT NULL DEFAULT '',
  state              TEXT    NOT NULL DEFAULT 'complete'
                             CHECK (state IN ('complete', 'streaming', 'stopped')),
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  prompt_tokens      INTEGER,           -- NULL: not known
  completion_tokens  INTEGER,
  UNIQUE (chat_id, position)
);

CREATE TABLE attachments (
  id          INTEGER PRIMARY KEY,
  message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  mime        TEXT    NOT NULL,
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  data        BLOB    NOT NULL
);

CREATE INDEX attachments_by_message ON attachments (message_id);

-- External-content index: the text lives once, in messages.content.
-- A message is indexed only once it stops streaming, so the many small
-- appends of a streaming answer do not rewrite the index each time.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  content,
  content = 'messages',
  content_rowid = 'id',
  tokenize = 'porter unicode61'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.state != 'streaming'
BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.state != 'streaming'
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content)
  VALUES ('delete', old.id, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, state ON messages
BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content)
  SELECT 'delete', old.id, old.content WHERE old.state != 'streaming';
  INSERT INTO messages_fts (rowid, content)
  SELECT new.id, new.content WHERE new.state != 'streaming';
END;
