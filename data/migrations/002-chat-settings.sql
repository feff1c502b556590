-- Schema version 2: a system prompt per chat, undoable chat deletion and
-- generation speed per answer.

-- NULL: the model's default system prompt.
ALTER TABLE chats ADD COLUMN system_prompt TEXT;

-- Set when the user deletes a chat; the row is purged once the undo
-- offer has passed.  NULL: a live chat.
ALTER TABLE chats ADD COLUMN deleted_at INTEGER;

-- NULL: not known (user messages, or answers from before version 2).
ALTER TABLE messages ADD COLUMN tokens_per_second REAL;
