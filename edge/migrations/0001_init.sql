-- Porthole's first schema: uploaded files, conversations and their messages.
-- Times are Unix milliseconds.

CREATE TABLE uploads (
  id           TEXT PRIMARY KEY,
  site         TEXT NOT NULL,
  name         TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT,
  r2_key       TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX uploads_created_at ON uploads (created_at);

CREATE TABLE conversations (
  id          TEXT PRIMARY KEY,
  site        TEXT NOT NULL,
  reference   TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  email       TEXT NOT NULL,
  subject     TEXT NOT NULL,
  fields_json TEXT NOT NULL DEFAULT '{}',
  page_url    TEXT,
  locale      TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX conversations_created ON conversations (created_at DESC);
CREATE INDEX conversations_site_created ON conversations (site, created_at DESC);

CREATE TABLE messages (
  id              TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES conversations (id),
  author          TEXT NOT NULL CHECK (author IN ('visitor', 'agent')),
  body            TEXT NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);

-- A file belongs to at most one message: the primary key makes a second claim fail, even when
-- two submissions race for the same upload.
CREATE TABLE message_attachments (
  upload_id  TEXT PRIMARY KEY REFERENCES uploads (id),
  message_id TEXT NOT NULL REFERENCES messages (id),
  position   INTEGER NOT NULL
);
CREATE INDEX message_attachments_message ON message_attachments (message_id, position);
