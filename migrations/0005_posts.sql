-- Posts as people use them: local-only posts, edit history, mentions, hashtags, bookmarks,
-- pins, blocks and notifications.

-- A local-only post is never federated (DESIGN.md §5).
ALTER TABLE posts ADD COLUMN local_only boolean NOT NULL DEFAULT false;
ALTER TABLE posts ADD COLUMN source_text text;
CREATE INDEX posts_public_timeline ON posts (id DESC) WHERE visibility = 'public';
CREATE INDEX posts_reply_parent ON posts (in_reply_to_id) WHERE in_reply_to_id IS NOT NULL;

-- Earlier versions of edited posts, oldest first.
CREATE TABLE post_edits (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    content_html    text NOT NULL,
    summary         text,
    edited_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX post_edits_post ON post_edits (post_id, id);

-- Who a post mentions: local accounts or remote actors (by uri, resolved or not).
CREATE TABLE post_mentions (
    post_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    account_id      bigint REFERENCES accounts (id) ON DELETE CASCADE,
    actor_uri       text NOT NULL,
    acct            text NOT NULL,
    PRIMARY KEY (post_id, actor_uri)
);
CREATE INDEX post_mentions_account ON post_mentions (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE post_hashtags (
    post_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag             text NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_hashtags_tag ON post_hashtags (tag, post_id DESC);

CREATE TABLE bookmarks (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, post_id)
);

CREATE TABLE pins (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    post_id         bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, post_id)
);

-- A local account blocking a local account or a remote actor.
CREATE TABLE blocks (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    blocked_account bigint REFERENCES accounts (id) ON DELETE CASCADE,
    blocked_remote  bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((blocked_account IS NULL) <> (blocked_remote IS NULL))
);
CREATE UNIQUE INDEX blocks_pair ON blocks (account_id, coalesce(blocked_account, 0), coalesce(blocked_remote, 0));

CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN
                    ('follow', 'follow_request', 'mention', 'reply', 'like', 'boost', 'poll')),
    from_account    bigint REFERENCES accounts (id) ON DELETE CASCADE,
    from_remote     bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    post_id         bigint REFERENCES posts (id) ON DELETE CASCADE,
    read_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);
CREATE UNIQUE INDEX notifications_once ON notifications
    (account_id, kind, coalesce(from_account, 0), coalesce(from_remote, 0), coalesce(post_id, 0));
