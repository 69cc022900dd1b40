-- Conversations both ways. Every message (the visitor's, an agent's, a note such as "closed")
-- has its place in its conversation: `seq`, 1 for the first and one more for each after it,
-- which readers resume from (`after=seq`).
ALTER TABLE messages ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET seq = (
  SELECT COUNT(*) FROM messages m
  WHERE m.conversation_id = messages.conversation_id
    AND (m.created_at < messages.created_at OR (m.created_at = messages.created_at AND m.id <= messages.id))
);
CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq);

-- An agent's display name (never an email); for a note, who caused it.
ALTER TABLE messages ADD COLUMN author_name TEXT;
-- A note's event; NULL for a message someone wrote.
ALTER TABLE messages ADD COLUMN event TEXT CHECK (event IN ('closed', 'reopened'));
-- The helpdesk's own id for the message, once known: the same one twice (an echo of our own
-- delivery, a webhook sent again) is one message.
ALTER TABLE messages ADD COLUMN helpdesk_message_id TEXT;
CREATE UNIQUE INDEX messages_helpdesk_id ON messages (conversation_id, helpdesk_message_id)
  WHERE helpdesk_message_id IS NOT NULL;

-- A visitor's message's Idempotency-Key, read with the thread: the widget that sent it knows it
-- for its own at once, even before the answer to its request arrives.
CREATE INDEX idempotency_keys_message ON idempotency_keys (message_id);

-- The conversation's lifecycle, apart from the delivery status of its messages.
ALTER TABLE conversations ADD COLUMN state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed'));
CREATE INDEX conversations_state_created ON conversations (state, created_at DESC);
