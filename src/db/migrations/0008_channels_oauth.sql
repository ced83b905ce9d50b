-- Channels, part two: OAuth connections made from the staff console, the durable record of
-- emails an SMTP server accepted, and the public copies of images Instagram must fetch.

-- A council's registration of Townsquare as an OAuth client on a Mastodon server, made once
-- per council, server and callback address (POST /api/v1/apps) and reused afterwards.
CREATE TABLE channel_oauth_apps (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  provider text NOT NULL CHECK (provider IN ('mastodon')),
  instance_url text NOT NULL,
  redirect_uri text NOT NULL,
  client_id text NOT NULL,
  client_secret text NOT NULL, -- AES-256-GCM sealed; never logged, never shown
  scopes text NOT NULL,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, provider, instance_url, redirect_uri)
);

-- One OAuth sign-in in progress. Only the SHA-256 of the `state` sent to the provider is kept;
-- it is bound to the staff member's session, used once and expires within minutes. The PKCE
-- verifier and (for Facebook) the Pages offered to choose from are sealed in `sealed`.
CREATE TABLE channel_oauth_states (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  state_hash text NOT NULL UNIQUE,
  provider text NOT NULL CHECK (provider IN ('mastodon', 'x', 'facebook', 'instagram')),
  user_id uuid NOT NULL,
  session_hash text NOT NULL,
  account_name text NOT NULL,
  redirect_uri text NOT NULL,
  sealed text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_oauth_states_expiry_idx ON channel_oauth_states (expires_at);

-- Emails an SMTP server accepted, by the Message-ID derived from the idempotency key: after a
-- crash, a retry finds the message here and does not send it again.
CREATE TABLE email_sent_ledger (
  council_id uuid NOT NULL REFERENCES councils(id),
  channel_account_id uuid NOT NULL,
  message_id text NOT NULL,
  published jsonb NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, channel_account_id, message_id),
  FOREIGN KEY (council_id, channel_account_id) REFERENCES channel_accounts(council_id, id)
);

-- Images published to a network that fetches them itself (Instagram's image_url), served by
-- the council's public site at an unguessable token. Only images handed to a network are here;
-- the media library itself stays private. The same bytes keep the same address.
CREATE TABLE channel_public_media (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  token text NOT NULL UNIQUE CHECK (length(token) >= 32),
  sha256 text NOT NULL,
  mime_type text NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, sha256)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['channel_oauth_apps', 'channel_oauth_states', 'email_sent_ledger', 'channel_public_media'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
  END LOOP;
END $$;

GRANT SELECT, INSERT ON channel_oauth_apps, email_sent_ledger, channel_public_media TO townsquare_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON channel_oauth_states TO townsquare_app;
