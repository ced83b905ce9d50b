-- Inbox: residents (contacts and their identities on each channel), conversations and
-- messages, teams and routing, SLAs, tags, saved replies, and cases (service requests).

CREATE TABLE teams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
  name text NOT NULL,
  -- Replies written by this team wait for a second person's approval before they are sent.
  requires_reply_approval boolean NOT NULL DEFAULT false,
  is_urgent_queue boolean NOT NULL DEFAULT false,
  -- The duty contact alerted at once for emergencies (email or phone).
  duty_contact text,
  round_robin_cursor integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, slug),
  UNIQUE (council_id, id)
);

CREATE TABLE team_members (
  council_id uuid NOT NULL REFERENCES councils(id),
  team_id uuid NOT NULL,
  user_id uuid NOT NULL,
  is_available boolean NOT NULL DEFAULT true,
  PRIMARY KEY (council_id, team_id, user_id),
  FOREIGN KEY (council_id, team_id) REFERENCES teams(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, user_id) REFERENCES users(council_id, id) ON DELETE CASCADE
);

-- Which team gets which service. The most specific rule wins (category over area over default).
CREATE TABLE routing_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  area text,
  category text,
  team_id uuid NOT NULL,
  FOREIGN KEY (council_id, team_id) REFERENCES teams(council_id, id) ON DELETE CASCADE,
  UNIQUE NULLS NOT DISTINCT (council_id, area, category)
);

CREATE TABLE sla_policies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  area text, -- null: the council's default
  urgency text CHECK (urgency IN ('routine', 'high', 'emergency')),
  first_response_minutes integer NOT NULL CHECK (first_response_minutes > 0),
  resolution_minutes integer NOT NULL CHECK (resolution_minutes > 0),
  -- Business hours (Europe/London, Monday to Friday, not on UK bank holidays) or round the clock.
  is_business_hours boolean NOT NULL DEFAULT true,
  UNIQUE NULLS NOT DISTINCT (council_id, area, urgency)
);

CREATE TABLE contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  display_name text NOT NULL DEFAULT '',
  email text,
  phone text,
  ward_code text,
  merged_into uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, id)
);

-- One person's accounts: a Bluesky DID, an email address, a phone number... Staff can link
-- several identities to one contact.
CREATE TABLE contact_identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  contact_id uuid NOT NULL,
  channel_kind text NOT NULL,
  external_id text NOT NULL,
  handle text,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, contact_id) REFERENCES contacts(council_id, id),
  UNIQUE (council_id, channel_kind, external_id)
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (council_id, contact_id);

CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  channel_kind text NOT NULL,
  channel_account_id uuid,
  -- The thread on the channel (root post, email thread, SMS number...).
  thread_key text NOT NULL,
  contact_id uuid NOT NULL,
  team_id uuid,
  assignee_id uuid,
  status text NOT NULL DEFAULT 'new', -- new, open, waiting, resolved, or a council-defined status
  subject text,
  is_private boolean NOT NULL DEFAULT false,
  area text,
  category text,
  intent text,
  sentiment text,
  urgency text NOT NULL DEFAULT 'routine',
  language text,
  ward_code text,
  lat double precision,
  lon double precision,
  message_count integer NOT NULL DEFAULT 0,
  last_message_at timestamptz NOT NULL DEFAULT now(),
  last_inbound_at timestamptz,
  first_response_due_at timestamptz,
  resolution_due_at timestamptz,
  first_responded_at timestamptz,
  resolved_at timestamptz,
  sla_breached_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, contact_id) REFERENCES contacts(council_id, id),
  FOREIGN KEY (council_id, team_id) REFERENCES teams(council_id, id),
  FOREIGN KEY (council_id, assignee_id) REFERENCES users(council_id, id),
  UNIQUE (council_id, channel_kind, thread_key),
  UNIQUE (council_id, id)
);
-- The queue page: a council's open conversations by team and recency, filtered by status.
CREATE INDEX conversations_queue_idx ON conversations (council_id, team_id, status, last_message_at DESC);
CREATE INDEX conversations_assignee_idx ON conversations (council_id, assignee_id, status, last_message_at DESC);
CREATE INDEX conversations_due_idx ON conversations (council_id, first_response_due_at) WHERE first_responded_at IS NULL AND status <> 'resolved';

CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  conversation_id uuid NOT NULL,
  inbound_event_id bigint,
  direction text NOT NULL CHECK (direction IN ('in', 'out', 'note')),
  author_user_id uuid,
  body text NOT NULL,
  is_private boolean NOT NULL DEFAULT false,
  external_id text,
  -- Outbound: awaiting_approval, queued, sent, failed. Inbound and notes: null.
  delivery_status text,
  delivery_error text,
  triage jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  search tsvector GENERATED ALWAYS AS (to_tsvector('english', left(body, 100000))) STORED,
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id)
);
CREATE INDEX messages_conversation_idx ON messages (council_id, conversation_id, id);
CREATE INDEX messages_search_idx ON messages USING gin (search);
CREATE UNIQUE INDEX messages_inbound_event_idx ON messages (council_id, inbound_event_id) WHERE inbound_event_id IS NOT NULL;

CREATE TABLE tags (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  name text NOT NULL,
  UNIQUE (council_id, name),
  UNIQUE (council_id, id)
);
CREATE TABLE conversation_tags (
  council_id uuid NOT NULL REFERENCES councils(id),
  conversation_id uuid NOT NULL,
  tag_id uuid NOT NULL,
  PRIMARY KEY (council_id, conversation_id, tag_id),
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, tag_id) REFERENCES tags(council_id, id) ON DELETE CASCADE
);

CREATE TABLE saved_replies (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  title text NOT NULL,
  body text NOT NULL, -- placeholders: {{resident_name}}, {{case_reference}}, {{agent_name}}, {{council_name}}
  team_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, title)
);

CREATE TABLE custom_statuses (
  council_id uuid NOT NULL REFERENCES councils(id),
  name text NOT NULL CHECK (name ~ '^[a-z0-9-]{2,40}$'),
  label text NOT NULL,
  PRIMARY KEY (council_id, name)
);

CREATE TABLE case_counters (
  council_id uuid NOT NULL REFERENCES councils(id),
  year integer NOT NULL,
  last_number integer NOT NULL DEFAULT 0,
  PRIMARY KEY (council_id, year)
);

CREATE TABLE cases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  reference text NOT NULL, -- TS-2026-000123
  conversation_id uuid NOT NULL,
  area text NOT NULL,
  category text NOT NULL,
  status text NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'in_progress', 'scheduled', 'fixed', 'closed', 'not_council')),
  summary text NOT NULL,
  place_text text,
  ward_code text,
  lat double precision,
  lon double precision,
  report_count integer NOT NULL DEFAULT 1,
  merged_into uuid,
  team_id uuid,
  created_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  satisfaction_asked_at timestamptz,
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id),
  UNIQUE (council_id, reference),
  UNIQUE (council_id, id)
);
CREATE INDEX cases_nearby_idx ON cases (council_id, category, created_at DESC) WHERE merged_into IS NULL;

-- Every resident whose report joined a case hears its updates on their own channel.
CREATE TABLE case_reporters (
  council_id uuid NOT NULL REFERENCES councils(id),
  case_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  PRIMARY KEY (council_id, case_id, conversation_id),
  FOREIGN KEY (council_id, case_id) REFERENCES cases(council_id, id),
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id)
);

CREATE TABLE case_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  case_id uuid NOT NULL,
  status text NOT NULL,
  note text,
  actor_user_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, case_id) REFERENCES cases(council_id, id)
);

CREATE TABLE satisfaction_responses (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  case_id uuid NOT NULL,
  conversation_id uuid NOT NULL,
  area text NOT NULL,
  team_id uuid,
  score integer CHECK (score BETWEEN 1 AND 5),
  comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, case_id) REFERENCES cases(council_id, id),
  UNIQUE (council_id, case_id, conversation_id)
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['teams', 'team_members', 'routing_rules', 'sla_policies', 'contacts', 'contact_identities',
    'conversations', 'messages', 'tags', 'conversation_tags', 'saved_replies', 'custom_statuses', 'case_counters',
    'cases', 'case_reporters', 'case_events', 'satisfaction_responses'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO townsquare_app', t);
  END LOOP;
END $$;
