-- A submission the honeypot caught is held: stored as a failed delivery (so operators list and
-- retry it like one, its reason beginning `held:`), never delivered until an operator retries it,
-- and its conversation reads as queued to its visitor. Until now the reason's prefix said so;
-- from now on this flag does, and an operator's retry clears it.
ALTER TABLE deliveries ADD COLUMN held INTEGER NOT NULL DEFAULT 0;

-- Held ones not yet retried: a retry set them queued, and their reason is replaced when they
-- fail again.
UPDATE deliveries SET held = 1 WHERE status = 'failed' AND last_error LIKE 'held:%';
