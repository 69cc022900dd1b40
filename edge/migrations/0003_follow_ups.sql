-- A visitor's later messages in a conversation (chat). Each gets a delivery of its own, which
-- continues the conversation in the helpdesk once the first message is there; only the first
-- message's delivery decides the conversation's status.
ALTER TABLE deliveries ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0;

-- An Idempotency-Key sent with a later message answers with that message.
ALTER TABLE idempotency_keys ADD COLUMN message_id TEXT;
