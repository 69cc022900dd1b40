-- How many messages one visitor (a site and a hashed client address) sent in the current hour.
-- The address itself is never stored.
CREATE TABLE rate_limits (
  key           TEXT PRIMARY KEY,
  window_start  INTEGER NOT NULL,
  count         INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
