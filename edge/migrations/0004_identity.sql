-- A conversation whose email the site vouched for: the page called Porthole('identify') with a
-- signature made by the site's server, and the edge checked it.
ALTER TABLE conversations ADD COLUMN verified INTEGER NOT NULL DEFAULT 0;
