-- The streaming API (node/services/streaming.py): every web process LISTENs on the 'stream'
-- channel and pushes what it hears to the clients connected to it. Triggers rather than calls
-- in the services, so no code path that writes a post or a notification (a local post, an
-- inbound Create, an edit, a poll ending) has to remember it. NOTIFY is delivered on commit, so
-- listeners never see a row that is rolled back, and read it complete (mentions, tags, media).
-- Payloads stay small (pg_notify allows under 8000 bytes): ids, and for a deleted post the few
-- facts needed to tell who may hear of it, because by then the row is gone.

CREATE FUNCTION stream_post_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stream', json_build_object(
        'kind', CASE WHEN TG_OP = 'INSERT' THEN 'post' ELSE 'edit' END,
        'id', NEW.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER stream_post_inserted AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION stream_post_written();
CREATE TRIGGER stream_post_edited AFTER UPDATE OF edited_at ON posts
    FOR EACH ROW WHEN (NEW.edited_at IS DISTINCT FROM OLD.edited_at)
    EXECUTE FUNCTION stream_post_written();

-- BEFORE, not AFTER: the ON DELETE CASCADE of post_mentions runs as an AFTER trigger that sorts
-- before ours, so only now can the post's mentions be read. Capped at 300 local people (ids of
-- at most 19 digits keep the payload under the limit); past that, the rest are not told.
CREATE FUNCTION stream_post_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stream', json_build_object(
        'kind', 'delete',
        'id', OLD.id,
        'visibility', OLD.visibility,
        'local_only', OLD.local_only,
        'author_account', OLD.author_account,
        'author_remote', OLD.author_remote,
        'mentioned', coalesce((SELECT array_agg(m.account_id) FROM (
            SELECT account_id FROM post_mentions
            WHERE post_id = OLD.id AND account_id IS NOT NULL LIMIT 300) m), '{}'))::text);
    RETURN OLD;
END
$$;

CREATE TRIGGER stream_post_deleted BEFORE DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION stream_post_deleted();

CREATE FUNCTION stream_notification_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stream', json_build_object(
        'kind', 'notification', 'id', NEW.id, 'account', NEW.account_id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER stream_notification_inserted AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION stream_notification_inserted();

-- A revoked token stops streaming at once, not at the client's next reconnect (Mastodon's
-- `kill` system event). Deleting an app deletes its tokens.
CREATE FUNCTION stream_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stream', json_build_object('kind', 'revoked', 'id', OLD.id)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER stream_token_revoked AFTER UPDATE OF revoked_at ON oauth_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION stream_token_revoked();
CREATE TRIGGER stream_token_deleted AFTER DELETE ON oauth_tokens
    FOR EACH ROW EXECUTE FUNCTION stream_token_revoked();
