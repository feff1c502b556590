-- Schema version 4: a chat's own temperature and context length, set in
-- its Chat Settings.  NULL: the app's setting (Preferences) applies.
ALTER TABLE chats ADD COLUMN temperature REAL
  CHECK (temperature IS NULL OR (temperature >= 0 AND temperature <= 2));
ALTER TABLE chats ADD COLUMN context_length INTEGER
  CHECK (context_length IS NULL OR (context_length >= 256 AND context_length <= 131072));
