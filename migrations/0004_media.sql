-- Media attachments. A local upload has file keys (its bytes live in the media store, not here)
-- and an owner; a remote attachment has only the URL its server gave (it is not downloaded).
-- An upload starts unattached (post_id NULL) and is attached when its post is written.
CREATE TABLE media (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SET NULL, not CASCADE: a row must outlive its account and post until the orphan sweep has
    -- deleted its files, or the files would be left with nothing pointing at them.
    account_id      bigint REFERENCES accounts (id) ON DELETE SET NULL,
    post_id         bigint REFERENCES posts (id) ON DELETE SET NULL,
    position        smallint NOT NULL DEFAULT 0,
    kind            text NOT NULL CHECK (kind IN ('image', 'video', 'audio', 'unknown')),
    content_type    text NOT NULL,
    file_key        text UNIQUE,
    thumbnail_key   text UNIQUE,
    remote_url      text,
    width           integer CHECK (width > 0),
    height          integer CHECK (height > 0),
    blurhash        text,
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 1500),
    size            bigint CHECK (size >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((file_key IS NULL) <> (remote_url IS NULL))
);
CREATE INDEX media_post ON media (post_id, position) WHERE post_id IS NOT NULL;
-- The orphan sweep reads unattached rows oldest first.
CREATE INDEX media_unattached ON media (created_at) WHERE post_id IS NULL;
CREATE INDEX media_account ON media (account_id) WHERE account_id IS NOT NULL;
