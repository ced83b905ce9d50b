-- Authentication in one round trip. Every staff page and API call asks "who is this?"; doing
-- that inside withCouncil costs four round trips (BEGIN, set_config, SELECT, COMMIT). These
-- functions run as their owner (SECURITY DEFINER) with the council as an explicit filter, so
-- they answer only for the council the request is for, and they return only the user's
-- identity, never a hash. last_seen_at / last_used_at are touched at most once a minute.

CREATE FUNCTION auth_session_user(p_council_id uuid, p_session_hash text)
RETURNS TABLE (id uuid, council_id uuid, email text, name text, role text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE sessions s SET last_seen_at = now()
   WHERE s.id = p_session_hash AND s.council_id = p_council_id
     AND s.last_seen_at < now() - interval '1 minute';
  RETURN QUERY
    SELECT u.id, u.council_id, u.email, u.name, u.role
      FROM sessions s JOIN users u ON u.id = s.user_id AND u.council_id = s.council_id
     WHERE s.id = p_session_hash AND s.council_id = p_council_id
       AND s.expires_at > now() AND u.disabled_at IS NULL;
END $$;

CREATE FUNCTION auth_token_user(p_council_id uuid, p_token_hash text)
RETURNS TABLE (id uuid, council_id uuid, email text, name text, role text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  UPDATE api_tokens t SET last_used_at = now()
   WHERE t.token_hash = p_token_hash AND t.council_id = p_council_id AND t.revoked_at IS NULL
     AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute');
  RETURN QUERY
    SELECT u.id, u.council_id, u.email, u.name, u.role
      FROM api_tokens t JOIN users u ON u.id = t.user_id AND u.council_id = t.council_id
     WHERE t.token_hash = p_token_hash AND t.council_id = p_council_id
       AND t.revoked_at IS NULL AND u.disabled_at IS NULL;
END $$;

REVOKE ALL ON FUNCTION auth_session_user(uuid, text), auth_token_user(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_session_user(uuid, text), auth_token_user(uuid, text) TO townsquare_app;
