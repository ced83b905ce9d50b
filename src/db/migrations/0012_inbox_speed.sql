-- Inbox speed: the queue page's counts read one index instead of the table, and the inbound
-- pipeline's tables are analysed sooner after a burst. No table, column or policy changes.

-- The queue page counts open conversations per team, "mine" and "unassigned" on every load
-- (countQueues in inbox.queries.ts). Keyed by status with the team and assignee included, the
-- index that already serves "newest first, any team" answers the count by an index-only scan:
-- about 150 index pages for 30,000 open conversations, where the heap scan read 5,700 table
-- pages. Same keys and order as before, so the queue queries that used it still do; the index
-- replaces the old one rather than adding a ninth for every new conversation to write.
DROP INDEX conversations_recent_idx;
CREATE INDEX conversations_recent_idx ON conversations (council_id, status, last_message_at DESC, id DESC)
  INCLUDE (team_id, assignee_id);

-- The pipeline's look-ups (contact identities, conversations by thread, pending events) are
-- planned from statistics. Autovacuum re-analyses a table after 10% of it has changed, which for
-- a busy council can be an hour of messages in which the planner thinks a new council has no
-- rows at all. Two per cent keeps the statistics within minutes of the truth.
ALTER TABLE inbound_events SET (autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE contacts SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE contact_identities SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE conversations SET (autovacuum_analyze_scale_factor = 0.02);
ALTER TABLE messages SET (autovacuum_analyze_scale_factor = 0.02);
