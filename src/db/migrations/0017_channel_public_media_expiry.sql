-- Public image copies (channel_public_media) are kept only while a network may still fetch
-- them. Instagram fetches image_url while it makes a media container, and a container not
-- published within 24 hours expires; so a copy is deleted once nothing has been handed its
-- address for a day (the channels.purge-public-media job). Handing it out again refreshes
-- last_used_at in the same statement that returns the token, so the purge never removes a
-- copy between being handed out and being fetched.
ALTER TABLE channel_public_media ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX channel_public_media_last_used_idx ON channel_public_media (council_id, last_used_at);

GRANT UPDATE (last_used_at), DELETE ON channel_public_media TO townsquare_app;
