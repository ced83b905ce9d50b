-- Foundation: councils (tenants), staff users, sessions, API tokens and the audit log.
-- Every council-owned table carries council_id and is guarded by row-level security: the
-- application role sees only rows of the council named in the transaction-local setting
-- app.council_id, and a query without that setting sees nothing.

-- Roles are shared by every database of a server; two databases migrating at once may race
-- to create it, and that is fine.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'townsquare_app') THEN
    CREATE ROLE townsquare_app NOLOGIN NOBYPASSRLS;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;
-- The connecting user switches to townsquare_app for application queries (SET ROLE).
DO $$
BEGIN
  EXECUTE format('GRANT townsquare_app TO %I', current_user);
EXCEPTION WHEN others THEN
  RAISE NOTICE 'could not grant townsquare_app to %: %', current_user, SQLERRM;
END $$;

GRANT USAGE ON SCHEMA public TO townsquare_app;

CREATE FUNCTION current_council_id() RETURNS uuid
  LANGUAGE sql STABLE
  AS $$ SELECT nullif(current_setting('app.council_id', true), '')::uuid $$;

CREATE TABLE councils (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 2 AND 120),
  name_cy text,
  hostnames text[] NOT NULL DEFAULT '{}',
  logo_svg text,
  brand_colour text NOT NULL DEFAULT '#1d70b8' CHECK (brand_colour ~ '^#[0-9a-fA-F]{6}$'),
  contact_email text,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Councils are public facts (name, logo, host names); anyone may read them.
GRANT SELECT ON councils TO townsquare_app;
CREATE INDEX councils_hostnames_idx ON councils USING gin (hostnames);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  email text NOT NULL CHECK (email = lower(email) AND position('@' in email) > 1),
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'comms', 'agent', 'moderator', 'manager')),
  password_hash text NOT NULL,
  failed_sign_ins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, email),
  UNIQUE (council_id, id)
);

CREATE TABLE sessions (
  id text PRIMARY KEY, -- sha256 of the cookie value: a leaked table cannot be replayed
  council_id uuid NOT NULL REFERENCES councils(id),
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  user_agent text,
  FOREIGN KEY (council_id, user_id) REFERENCES users(council_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_user_idx ON sessions (council_id, user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  user_id uuid NOT NULL,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE, -- sha256 of the secret part
  prefix text NOT NULL,            -- first characters, shown to identify the token
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  FOREIGN KEY (council_id, user_id) REFERENCES users(council_id, id) ON DELETE CASCADE
);
CREATE INDEX api_tokens_user_idx ON api_tokens (council_id, user_id);

CREATE TABLE audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  actor_user_id uuid,
  actor_label text NOT NULL,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id text,
  before jsonb,
  after jsonb,
  request_id text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_council_time_idx ON audit_events (council_id, created_at DESC, id DESC);
CREATE INDEX audit_events_entity_idx ON audit_events (council_id, entity_type, entity_id);

-- The audit log is append-only, even for a buggy application.
CREATE FUNCTION audit_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only';
END $$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_immutable();

-- Row-level security on every council-owned table.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users', 'sessions', 'api_tokens', 'audit_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE, DELETE ON users, sessions, api_tokens TO townsquare_app;
GRANT SELECT, INSERT ON audit_events TO townsquare_app;
