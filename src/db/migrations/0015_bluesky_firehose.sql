-- Bluesky hashtag listener: how far it has read a repo-event stream
-- (com.atproto.sync.subscribeRepos), so a restart resumes from there without losing or
-- doubling posts. One stream (the relay, or a council's own PDS) serves every council that
-- watches hashtags on it, so the cursor belongs to the stream, not to a council: the table has
-- no council_id and no row-level security, holds no resident or council data (an address and a
-- sequence number), and is not granted to townsquare_app. Only the owner connection, which the
-- worker's listener uses for this bookkeeping alone, reads or writes it.

CREATE TABLE bluesky_stream_cursors (
  service text PRIMARY KEY CHECK (length(service) <= 500),
  seq bigint NOT NULL CHECK (seq >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
