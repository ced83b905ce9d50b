-- Meetings: committees, meetings and agenda items (edited by staff or imported from ModernGov),
-- residents' questions with their moderation, votes, live polls, the event log behind the
-- public live wall, and the notices that tell each asker what happened to their question.

CREATE TABLE committees (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  category text,
  is_active boolean NOT NULL DEFAULT true,
  -- ModernGov's committeeid: a repeated import updates the same row.
  moderngov_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (council_id, moderngov_id),
  UNIQUE (council_id, id)
);

CREATE TABLE meetings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  committee_id uuid,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  location text,
  attendance text NOT NULL DEFAULT 'in_person' CHECK (attendance IN ('in_person', 'hybrid', 'online')),
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
  stream_url text,
  recording_url text,
  hashtag text,
  -- Overrides the council's standing-order deadline for this meeting.
  question_deadline_at timestamptz,
  moderngov_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, committee_id) REFERENCES committees(council_id, id),
  UNIQUE (council_id, moderngov_id),
  UNIQUE (council_id, id)
);
CREATE INDEX meetings_time_idx ON meetings (council_id, starts_at);

CREATE TABLE agenda_items (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  meeting_id uuid NOT NULL,
  position integer NOT NULL,
  number text,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  -- Plain text: ModernGov's HTML is reduced to text on import, never shown as markup.
  body text NOT NULL DEFAULT '',
  minutes text,
  -- Papers: [{ "title": "...", "url": "https://..." }]
  papers jsonb NOT NULL DEFAULT '[]'::jsonb,
  moderngov_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, meeting_id) REFERENCES meetings(council_id, id) ON DELETE CASCADE,
  UNIQUE (council_id, meeting_id, moderngov_id),
  UNIQUE (council_id, id)
);
CREATE INDEX agenda_items_meeting_idx ON agenda_items (council_id, meeting_id, position);

-- The council's standing orders for public questions.
CREATE TABLE meeting_settings (
  council_id uuid PRIMARY KEY REFERENCES councils(id),
  deadline_hours_before integer NOT NULL DEFAULT 72 CHECK (deadline_hours_before BETWEEN 0 AND 720),
  is_ward_required boolean NOT NULL DEFAULT true,
  is_one_per_person boolean NOT NULL DEFAULT true,
  word_limit integer NOT NULL DEFAULT 100 CHECK (word_limit BETWEEN 10 AND 1000),
  votes_per_source_per_hour integer NOT NULL DEFAULT 30 CHECK (votes_per_source_per_hour BETWEEN 1 AND 10000),
  moderngov_url text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE meeting_questions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  meeting_id uuid NOT NULL,
  agenda_item_id uuid,
  channel_kind text NOT NULL DEFAULT 'web',
  -- Questions that arrived through the inbox (social, email, SMS) keep their conversation.
  conversation_id uuid,
  asker_name text NOT NULL,
  asker_email text,
  asker_ward text,
  -- Who asked, normalised (lower-cased email, or channel and author id): one question per person.
  asker_key text NOT NULL,
  original_text text NOT NULL,
  text text NOT NULL,
  status text NOT NULL DEFAULT 'received'
    CHECK (status IN ('received', 'approved', 'put', 'answered', 'answered_in_writing', 'rejected')),
  rejection_reason text,
  edit_note text,
  flags text[] NOT NULL DEFAULT '{}',
  ask_count integer NOT NULL DEFAULT 1,
  votes integer NOT NULL DEFAULT 0,
  merged_into_id uuid,
  answer text,
  webcast_seconds integer CHECK (webcast_seconds >= 0),
  answered_at timestamptz,
  decided_by uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, meeting_id) REFERENCES meetings(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, agenda_item_id) REFERENCES agenda_items(council_id, id) ON DELETE SET NULL (agenda_item_id),
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id),
  FOREIGN KEY (council_id, merged_into_id) REFERENCES meeting_questions(council_id, id),
  UNIQUE (council_id, id)
);
CREATE INDEX meeting_questions_queue_idx ON meeting_questions (council_id, meeting_id, status, created_at);
CREATE INDEX meeting_questions_asker_idx ON meeting_questions (council_id, meeting_id, asker_key);

-- One vote per resident per question; source_hash (a keyed hash of the address) caps floods.
CREATE TABLE question_votes (
  council_id uuid NOT NULL REFERENCES councils(id),
  question_id uuid NOT NULL,
  meeting_id uuid NOT NULL,
  voter_key text NOT NULL,
  source_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, question_id, voter_key),
  FOREIGN KEY (council_id, question_id) REFERENCES meeting_questions(council_id, id) ON DELETE CASCADE
);
CREATE INDEX question_votes_source_idx ON question_votes (council_id, meeting_id, source_hash, created_at);

CREATE TABLE meeting_polls (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  meeting_id uuid NOT NULL,
  question text NOT NULL CHECK (length(question) BETWEEN 1 AND 300),
  choices jsonb NOT NULL,
  is_open boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  FOREIGN KEY (council_id, meeting_id) REFERENCES meetings(council_id, id) ON DELETE CASCADE,
  UNIQUE (council_id, id)
);

CREATE TABLE poll_votes (
  council_id uuid NOT NULL REFERENCES councils(id),
  poll_id uuid NOT NULL,
  voter_key text NOT NULL,
  choice integer NOT NULL CHECK (choice >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, poll_id, voter_key),
  FOREIGN KEY (council_id, poll_id) REFERENCES meeting_polls(council_id, id) ON DELETE CASCADE
);

-- Everything the live wall and the moderators' queue are told, in order: the SSE event id is
-- this id, so a client that reconnects with Last-Event-ID is replayed what it missed. Writers
-- take a per-meeting advisory lock first, so ids commit in order within a meeting.
CREATE TABLE meeting_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  council_id uuid NOT NULL REFERENCES councils(id),
  meeting_id uuid NOT NULL,
  -- question and poll are public; received is for moderators only.
  kind text NOT NULL CHECK (kind IN ('question', 'poll', 'received')),
  -- The SSE frame's data exactly as first sent (JSON text, not jsonb, which would reorder keys).
  data text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (council_id, meeting_id) REFERENCES meetings(council_id, id) ON DELETE CASCADE
);
CREATE INDEX meeting_events_meeting_idx ON meeting_events (council_id, meeting_id, id);

-- What each asker is told (rejected, edited, answered), on the channel they used; written in
-- the transaction that made the decision and sent by a job.
CREATE TABLE question_notices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  council_id uuid NOT NULL REFERENCES councils(id),
  question_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('rejected', 'edited', 'answered')),
  channel text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'not_sent', 'failed')),
  detail text,
  idempotency_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  FOREIGN KEY (council_id, question_id) REFERENCES meeting_questions(council_id, id) ON DELETE CASCADE,
  UNIQUE (council_id, idempotency_key)
);
CREATE INDEX question_notices_queued_idx ON question_notices (council_id, created_at) WHERE status = 'queued';

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['committees', 'meetings', 'agenda_items', 'meeting_settings', 'meeting_questions',
    'question_votes', 'meeting_polls', 'poll_votes', 'meeting_events', 'question_notices'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id())',
      t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO townsquare_app', t);
  END LOOP;
END $$;
