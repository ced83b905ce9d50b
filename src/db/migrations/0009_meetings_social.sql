-- Meetings take questions from social networks, email and SMS through the inbox: a meeting's
-- hashtag or keyword (or triage's "meeting question" when only one meeting is taking questions)
-- files an inbound message as a question, keeping the message it came from.

-- An SMS or email keyword, like BUDGET: the first word of the message (or of an email's subject).
ALTER TABLE meetings ADD COLUMN question_keyword text CHECK (question_keyword ~ '^[A-Z][A-Z0-9]{2,19}$');

-- The inbox message a question came from (null for the web form and the API).
ALTER TABLE meeting_questions ADD COLUMN message_id bigint REFERENCES messages(id);
CREATE UNIQUE INDEX meeting_questions_message_idx ON meeting_questions (council_id, message_id)
  WHERE message_id IS NOT NULL;

-- Every inbound message the inbox handed to meetings, and what became of it. Written in the
-- inbox's own transaction (so nothing is lost between the two), then filed by a job.
CREATE TABLE meeting_inbound_messages (
  council_id uuid NOT NULL REFERENCES councils(id),
  message_id bigint NOT NULL REFERENCES messages(id),
  conversation_id uuid NOT NULL,
  -- The meeting its hashtag or keyword named, or the only one taking questions; null: unknown.
  meeting_id uuid,
  channel_kind text NOT NULL,
  -- The inbox identity (kind and id) that sent it: one question per person is counted by it.
  asker_key text NOT NULL,
  asker_name text NOT NULL,
  text text NOT NULL,
  -- pending: waiting for the job; filed: a question now; refused: a standing-order rule was
  -- broken and the asker told which; unfiled: no single meeting, left for a person to file.
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'filed', 'refused', 'unfiled')),
  question_id uuid,
  rule text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, message_id),
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id),
  FOREIGN KEY (council_id, meeting_id) REFERENCES meetings(council_id, id) ON DELETE SET NULL (meeting_id),
  FOREIGN KEY (council_id, question_id) REFERENCES meeting_questions(council_id, id) ON DELETE SET NULL (question_id)
);
CREATE INDEX meeting_inbound_pending_idx ON meeting_inbound_messages (council_id, created_at)
  WHERE status = 'pending';
CREATE INDEX meeting_inbound_conversation_idx ON meeting_inbound_messages (council_id, conversation_id);

ALTER TABLE meeting_inbound_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON meeting_inbound_messages
  USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id());
GRANT SELECT, INSERT, UPDATE ON meeting_inbound_messages TO townsquare_app;
