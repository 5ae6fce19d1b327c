-- Where a person stopped reading (the client API's markers): one row per account and timeline,
-- so every app they use opens at the same place. `version` counts changes, as Mastodon's
-- optimistic-lock column does (0 when first set).
CREATE TABLE markers (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    timeline        text NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id    bigint NOT NULL,
    version         integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, timeline)
);

-- Bookmarks get an id of their own, so a list of them pages newest bookmark first with a
-- keyset (as likes already do by likes.id) and `Link` headers can name a place in it.
ALTER TABLE bookmarks ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
CREATE UNIQUE INDEX bookmarks_by_account ON bookmarks (account_id, id DESC);
CREATE INDEX likes_by_account ON likes (account_id, id DESC) WHERE account_id IS NOT NULL;
