-- Schema version 3 (context): where the model's context starts in a chat.
-- The position of the first message sent to the model; the messages before
-- it stay in the history and on screen but were left out ("Drop Oldest
-- Turns") so that the conversation fits the model's context.
ALTER TABLE chats ADD COLUMN context_start INTEGER NOT NULL DEFAULT 0 CHECK (context_start >= 0);
