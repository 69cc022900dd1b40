-- Delivery into helpdesks: every accepted message gets a delivery, worked from the queue; each
-- step's result is journalled before the next step runs, so a retry resumes where it stopped.

-- queued | delivering | delivered | failed, mirrored from the first message's delivery.
ALTER TABLE conversations ADD COLUMN status TEXT NOT NULL DEFAULT 'delivered';
-- The helpdesk's id or number for the conversation, once delivered.
ALTER TABLE conversations ADD COLUMN helpdesk_ref TEXT;

CREATE TABLE deliveries (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  message_id      TEXT NOT NULL UNIQUE REFERENCES messages (id),
  site            TEXT NOT NULL,
  connector       TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'delivering', 'delivered', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  -- The token of the one queue message that may start the next attempt; older messages for this
  -- delivery (duplicates, superseded retries) find another token and are dropped.
  job             TEXT NOT NULL,
  -- Who holds the delivery now, and until when; past it, the sweeper hands it to another worker.
  lease_owner     TEXT,
  lease_until     INTEGER NOT NULL DEFAULT 0,
  helpdesk_ref    TEXT,
  last_error      TEXT,
  -- Files the helpdesk could not take, as a JSON list of reasons: reported, never dropped silently.
  notes           TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX deliveries_status ON deliveries (status, lease_until);

CREATE TABLE delivery_steps (
  delivery_id TEXT NOT NULL REFERENCES deliveries (id),
  step        TEXT NOT NULL,
  -- started: the call may have reached the helpdesk and its answer been lost; done: result kept.
  state       TEXT NOT NULL CHECK (state IN ('started', 'done')),
  result      TEXT,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (delivery_id, step)
);

CREATE TABLE idempotency_keys (
  site            TEXT NOT NULL,
  key             TEXT NOT NULL,
  body_sha256     TEXT NOT NULL,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (site, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Access tokens of helpdesks that use OAuth, per site, reused until they expire.
CREATE TABLE connector_tokens (
  site       TEXT PRIMARY KEY,
  token      TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
