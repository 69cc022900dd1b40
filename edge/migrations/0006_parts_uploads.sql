-- Files sent in parts (R2 multipart uploads) until they are complete; then they are a row of
-- `uploads` with the same id and these rows go.
CREATE TABLE parts_uploads (
  id            TEXT PRIMARY KEY,
  site          TEXT NOT NULL,
  name          TEXT NOT NULL,
  content_type  TEXT NOT NULL,
  size          INTEGER NOT NULL,
  r2_key        TEXT NOT NULL,
  r2_upload_id  TEXT NOT NULL,
  created_at    INTEGER NOT NULL
);
CREATE INDEX parts_uploads_created_at ON parts_uploads (created_at);

-- The parts R2 has stored, with the etag completing the upload needs. A part sent again
-- replaces its row.
CREATE TABLE upload_parts (
  upload_id  TEXT NOT NULL,
  number     INTEGER NOT NULL,
  etag       TEXT NOT NULL,
  PRIMARY KEY (upload_id, number)
);
