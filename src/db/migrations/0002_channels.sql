-- Channels: the council's connected accounts on each network, with sealed credentials and
-- health, and the raw store of everything that arrives from a channel.

CREATE TABLE channel_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  kind text NOT NULL CHECK (kind IN ('bluesky', 'mastodon', 'facebook', 'instagram', 'x', 'email', 'notify', 'web')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  handle text,
  external_id text,
  -- Non-secret settings (service URL, page id, template ids). Secrets live only in credentials.
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  credentials text NOT NULL, -- AES-256-GCM sealed JSON; never logged, never shown again
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
  token_expires_at timestamptz,
  last_success_at timestamptz,
  last_error_at timestamptz,
  last_error text,
  rate_limit_remaining integer,
  rate_limit_reset_at timestamptz,
  inbound_cursor text,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disconnected_at timestamptz,
  UNIQUE (council_id, id)
);
CREATE INDEX channel_accounts_council_idx ON channel_accounts (council_id, kind) WHERE status <> 'disconnected';

-- Everything a channel sends us, exactly as it came, before any interpretation: a redelivered
-- item hits the unique key and is recognised; a payload we cannot parse is kept as text.
CREATE TABLE inbound_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  channel_account_id uuid,
  channel_kind text NOT NULL,
  external_id text NOT NULL,
  payload jsonb,
  raw_text text,
  status text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'malformed', 'failed')),
  error text,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  FOREIGN KEY (council_id, channel_account_id) REFERENCES channel_accounts(council_id, id),
  UNIQUE NULLS NOT DISTINCT (council_id, channel_kind, channel_account_id, external_id)
);
CREATE INDEX inbound_events_pending_idx ON inbound_events (council_id, id) WHERE status = 'received';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['channel_accounts', 'inbound_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON channel_accounts, inbound_events TO townsquare_app;
