-- A resident's answer to one of the council's replies is threaded by their channel under that
-- reply (a Mastodon, Bluesky or X status id) or under our email's Message-ID, not under the
-- conversation's own thread key. Ingestion finds the conversation through the outbound message
-- that carries that id: this index makes it one probe per unmatched thread however many
-- messages the council holds. Partial, so inbound messages (the great majority) cost nothing.
CREATE INDEX messages_out_external_idx ON messages (council_id, external_id)
  WHERE direction = 'out' AND external_id IS NOT NULL;
