-- Publishing: posts with a variant per channel account, the media library, approval steps,
-- publish attempts (intent recorded before anything is sent), the immutable publishing record
-- kept for Freedom of Information requests, and incident mode.

CREATE TABLE media_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  filename text NOT NULL,
  mime_type text NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
  data bytea NOT NULL,
  -- Every image a council publishes has a text alternative.
  alt_text text NOT NULL CHECK (length(btrim(alt_text)) > 0),
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, id)
);

CREATE TABLE publishing_approval_steps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  position integer NOT NULL CHECK (position > 0),
  name text NOT NULL,
  -- Either a role (any user with it may approve) or named people, or both.
  role text CHECK (role IN ('admin', 'comms', 'agent', 'moderator', 'manager')),
  user_ids uuid[] NOT NULL DEFAULT '{}',
  UNIQUE (council_id, position)
);

CREATE TABLE posts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  kind text NOT NULL DEFAULT 'news' CHECK (kind IN ('news', 'alert', 'event')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  body text NOT NULL,
  body_cy text,
  link text,
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'approved', 'scheduled', 'publishing', 'published', 'failed')),
  show_on_website boolean NOT NULL DEFAULT true,
  scheduled_at timestamptz,
  -- Why a post waits (an approval still pending at its time, incident mode); null when it does not.
  held_reason text,
  paused_at timestamptz,
  needs_extra_approval boolean NOT NULL DEFAULT false,
  event_start timestamptz,
  event_end timestamptz,
  event_location text,
  -- A repeating post: {"frequency":"weekly"|"monthly","until":"..."}; copies share series_id.
  recurrence jsonb,
  series_id uuid,
  is_emergency boolean NOT NULL DEFAULT false,
  created_by uuid NOT NULL,
  submitted_at timestamptz,
  published_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, created_by) REFERENCES users(council_id, id),
  UNIQUE (council_id, id)
);
CREATE INDEX posts_public_idx ON posts (council_id, scheduled_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX posts_status_idx ON posts (council_id, status);

CREATE TABLE post_media (
  council_id uuid NOT NULL REFERENCES councils(id),
  post_id uuid NOT NULL,
  media_id uuid NOT NULL,
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (council_id, post_id, media_id),
  FOREIGN KEY (council_id, post_id) REFERENCES posts(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, media_id) REFERENCES media_items(council_id, id)
);

-- One variant per channel account. Its id is the idempotency key for the network.
CREATE TABLE post_variants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  post_id uuid NOT NULL,
  channel_account_id uuid NOT NULL,
  text text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'scheduled', 'publishing', 'published', 'failed', 'held')),
  -- Set once, at the first attempt, and reused: connectors derive stable ids from it.
  intended_at timestamptz,
  -- A worker owns the variant until then; a killed worker's lease simply runs out.
  lease_until timestamptz,
  -- When the sweep last queued a job for it: at most one extra job per variant per window,
  -- so a backlog is never multiplied by the sweep.
  requeued_at timestamptz,
  attempt_count integer NOT NULL DEFAULT 0,
  external_id text,
  external_url text,
  error text,
  error_kind text,
  published_at timestamptz,
  metrics jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, post_id) REFERENCES posts(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, channel_account_id) REFERENCES channel_accounts(council_id, id),
  UNIQUE (council_id, post_id, channel_account_id),
  UNIQUE (council_id, id)
);
CREATE INDEX post_variants_open_idx ON post_variants (council_id, status)
  WHERE status IN ('scheduled', 'publishing', 'held');

-- Every try to publish a variant. The row is written (and committed) before the network is
-- called, so a worker killed mid-send leaves an 'pending' attempt that the next try reconciles.
CREATE TABLE publish_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  variant_id uuid NOT NULL,
  intended_at timestamptz NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL DEFAULT 'pending'
    CHECK (outcome IN ('pending', 'published', 'reconciled', 'retry', 'failed', 'held')),
  error_kind text,
  error text,
  finished_at timestamptz,
  FOREIGN KEY (council_id, variant_id) REFERENCES post_variants(council_id, id) ON DELETE CASCADE
);
CREATE INDEX publish_attempts_variant_idx ON publish_attempts (council_id, variant_id);

CREATE TABLE post_approvals (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  post_id uuid NOT NULL,
  step_name text NOT NULL,
  position integer NOT NULL,
  approver_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, post_id) REFERENCES posts(council_id, id) ON DELETE CASCADE,
  UNIQUE (council_id, post_id, position)
);

-- The publishing record: every post, edit, deletion, approval and publication, as it was.
-- Append-only like audit_events, and exportable for a Freedom of Information request.
CREATE TABLE publishing_records (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  post_id uuid NOT NULL,
  action text NOT NULL,
  actor_user_id uuid,
  actor_label text NOT NULL,
  snapshot jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX publishing_records_council_idx ON publishing_records (council_id, id);
CREATE FUNCTION publishing_records_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'publishing_records is append-only';
END $$;
CREATE TRIGGER publishing_records_no_update BEFORE UPDATE OR DELETE ON publishing_records
  FOR EACH ROW EXECUTE FUNCTION publishing_records_immutable();

-- Incident mode: at most one open incident per council.
CREATE TABLE incidents (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  reason text NOT NULL CHECK (length(btrim(reason)) > 0),
  banner text NOT NULL,
  started_by uuid NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_by uuid,
  ended_at timestamptz
);
CREATE UNIQUE INDEX incidents_open_idx ON incidents (council_id) WHERE ended_at IS NULL;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['media_items', 'publishing_approval_steps', 'posts', 'post_media',
    'post_variants', 'publish_attempts', 'post_approvals', 'publishing_records', 'incidents'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON media_items, publishing_approval_steps, posts, post_media,
  post_variants, post_approvals, incidents TO townsquare_app;
GRANT SELECT, INSERT, UPDATE ON publish_attempts TO townsquare_app;
GRANT SELECT, INSERT ON publishing_records TO townsquare_app;
