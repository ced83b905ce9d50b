-- The inbox console: round-robin assignment per team, @mentions in internal notes, who approved
-- a reply, and what the queue page and full-text search need to stay fast at a million messages.

ALTER TABLE teams ADD COLUMN is_round_robin boolean NOT NULL DEFAULT false;
ALTER TABLE messages ADD COLUMN approved_by uuid;

CREATE TABLE message_mentions (
  council_id uuid NOT NULL REFERENCES councils(id),
  message_id bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL,
  user_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (council_id, user_id, message_id),
  FOREIGN KEY (council_id, user_id) REFERENCES users(council_id, id) ON DELETE CASCADE,
  FOREIGN KEY (council_id, conversation_id) REFERENCES conversations(council_id, id) ON DELETE CASCADE
);
ALTER TABLE message_mentions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON message_mentions
  USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id());
GRANT SELECT, INSERT, DELETE ON message_mentions TO townsquare_app;

-- Queue pages with no team chosen, newest first, with or without a status; keyset on (time, id).
CREATE INDEX conversations_recent_idx ON conversations (council_id, status, last_message_at DESC, id DESC);
-- A resident's other conversations, on the conversation page.
CREATE INDEX conversations_contact_idx ON conversations (council_id, contact_id, last_message_at DESC);
-- Newest matching messages first: a backward walk of this index stops after a page of matches
-- for a common word, where a GIN bitmap would visit every match.
CREATE INDEX messages_council_recent_idx ON messages (council_id, id DESC);

-- Full-text search for the app role. Row-level security lets a query use an index only through
-- leakproof operators, and tsvector @@ tsquery (ts_match_vq) is not marked leakproof, so under
-- the policy the GIN index above is unusable and every search reads every message of the
-- council. This function runs as the tables' owner (so the index is usable) and applies the same
-- tenancy rule itself: it returns only ids of the council set by withCouncil, and nothing at all
-- when none is set.
--
-- Two steps, because the planner cannot tell a rare word from a common one well enough to
-- choose between "walk the newest messages until enough match" (fast for common words, a full
-- walk for rare ones) and "read the GIN index, then sort" (fast for rare words, slow for common
-- ones): first walk at most the newest 20,000 messages; if that fills the page of matches, done;
-- otherwise read every match through the GIN index (a MATERIALIZED CTE has no LIMIT for the
-- planner to bet on) and sort.
CREATE FUNCTION inbox_search_messages(query text, before_id bigint, max_rows integer)
  RETURNS TABLE (message_id bigint, conversation_id uuid)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
  council uuid := current_council_id();
  wanted integer := least(greatest(max_rows, 1), 2000);
  floor_id bigint;
  found integer;
BEGIN
  IF council IS NULL OR coalesce(btrim(query), '') = '' THEN
    RETURN;
  END IF;
  SELECT m.id INTO floor_id FROM messages m
   WHERE m.council_id = council AND (before_id IS NULL OR m.id < before_id)
   ORDER BY m.id DESC OFFSET 20000 LIMIT 1;
  RETURN QUERY EXECUTE
    'SELECT m.id, m.conversation_id FROM messages m
      WHERE m.council_id = $1 AND m.search @@ websearch_to_tsquery(''english'', $2)
        AND ($3::bigint IS NULL OR m.id < $3) AND ($5::bigint IS NULL OR m.id > $5)
      ORDER BY m.id DESC LIMIT $4'
    USING council, query, before_id, wanted, floor_id;
  GET DIAGNOSTICS found = ROW_COUNT;
  IF found >= wanted OR floor_id IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY EXECUTE
    'WITH hits AS MATERIALIZED (
       SELECT m.id, m.conversation_id FROM messages m
        WHERE m.council_id = $1 AND m.search @@ websearch_to_tsquery(''english'', $2) AND m.id <= $3)
     SELECT id, conversation_id FROM hits ORDER BY id DESC LIMIT $4'
    USING council, query, floor_id, wanted - found;
END;
$$;
REVOKE ALL ON FUNCTION inbox_search_messages(text, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION inbox_search_messages(text, bigint, integer) TO townsquare_app;
