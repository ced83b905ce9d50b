-- Inbox replies: where residents' email replies go. Every email Townsquare sends a resident
-- carries a Reply-To, so an answer comes back into the inbox thread rather than a mailbox
-- nobody watches. Null means the council's own inbound address (<slug>@<inbound domain>).

CREATE TABLE inbox_settings (
  council_id uuid PRIMARY KEY REFERENCES councils(id),
  reply_to_address text CHECK (reply_to_address IS NULL OR length(reply_to_address) <= 254),
  updated_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE inbox_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON inbox_settings
  USING (council_id = current_council_id()) WITH CHECK (council_id = current_council_id());
GRANT SELECT, INSERT, UPDATE ON inbox_settings TO townsquare_app;
