-- Publishing: the content calendar's service filter, and post metrics read back from the
-- networks (likes, reposts, replies, impressions where the network gives them).

-- The council service a post is about (bins, roads...), so the calendar can show one
-- service's posts. Free text chosen from a list in the application; null when not set.
ALTER TABLE posts ADD COLUMN service text CHECK (service IS NULL OR length(service) BETWEEN 1 AND 60);
CREATE INDEX posts_service_idx ON posts (council_id, service) WHERE service IS NOT NULL;

-- One row per change seen in a variant's counts: a new row only when a count moved, otherwise
-- the latest row's checked_at moves on, so a week of 15-minute reads stays a handful of rows.
CREATE TABLE post_metric_snapshots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  variant_id uuid NOT NULL,
  likes integer NOT NULL CHECK (likes >= 0),
  reposts integer NOT NULL CHECK (reposts >= 0),
  replies integer NOT NULL CHECK (replies >= 0),
  quotes integer CHECK (quotes >= 0),
  -- Null where the network does not say (Mastodon and Facebook give no impressions here).
  impressions integer CHECK (impressions >= 0),
  read_at timestamptz NOT NULL DEFAULT now(),
  checked_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, variant_id) REFERENCES post_variants(council_id, id) ON DELETE CASCADE
);
CREATE INDEX post_metric_snapshots_variant_idx ON post_metric_snapshots (council_id, variant_id, id DESC);

ALTER TABLE post_metric_snapshots ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON post_metric_snapshots
  USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id());
GRANT SELECT, INSERT, UPDATE ON post_metric_snapshots TO townsquare_app;
