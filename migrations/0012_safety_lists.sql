-- What a person does to shape what they see and who reaches them (the client API's blocks,
-- mutes, reports, lists, filters and conversations): one migration for all of it.

-- Blocks (0005) get an id to page the list of blocks by, and the id of the Block activity sent
-- to a remote actor's server, so an unblock can Undo exactly that activity.
ALTER TABLE blocks ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE blocks ADD COLUMN activity_uri text;
CREATE INDEX blocks_listing ON blocks (account_id, id DESC);
-- "Who blocks me" (the blocked side's `blocked_by`, and refusing follows from them).
CREATE INDEX blocks_blocked_account ON blocks (blocked_account) WHERE blocked_account IS NOT NULL;

-- A mute hides someone's posts from the muter's timelines (and, with `notifications`, their
-- notifications) until `expires_at`. Private: never federated, never shown to the muted.
CREATE TABLE mutes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    muted_account   bigint REFERENCES accounts (id) ON DELETE CASCADE,
    muted_remote    bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    notifications   boolean NOT NULL DEFAULT true,
    expires_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((muted_account IS NULL) <> (muted_remote IS NULL))
);
-- Leads with account_id: timelines probe it once per post (NOT EXISTS), like blocks_pair.
CREATE UNIQUE INDEX mutes_pair ON mutes
    (account_id, coalesce(muted_account, 0), coalesce(muted_remote, 0));
CREATE INDEX mutes_listing ON mutes (account_id, id DESC);

-- Reports for this node's moderators. The reported posts are kept as ids and as a copy of
-- their text, so a post deleted after it was reported is still there for the moderator.
CREATE TABLE reports (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter        bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_account  bigint REFERENCES accounts (id) ON DELETE CASCADE,
    target_remote   bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    category        text NOT NULL CHECK (category IN ('spam', 'legal', 'violation', 'other')),
    comment         text NOT NULL DEFAULT '',
    forwarded       boolean NOT NULL DEFAULT false,
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((target_account IS NULL) <> (target_remote IS NULL))
);
CREATE INDEX reports_open ON reports (id DESC) WHERE resolved_at IS NULL;

CREATE TABLE report_posts (
    report_id       bigint NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    post_id         bigint NOT NULL,
    uri             text NOT NULL,
    content_html    text NOT NULL,
    PRIMARY KEY (report_id, post_id)
);

-- Lists: named subsets of the people someone follows, each with its own timeline.
CREATE TABLE lists (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           text NOT NULL,
    replies_policy  text NOT NULL DEFAULT 'list'
                    CHECK (replies_policy IN ('followed', 'list', 'none')),
    exclusive       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lists_account ON lists (account_id, id);

-- A member is one of the owner's follows (Mastodon's rule: only people you follow), so an
-- unfollow, or a block that removes the follow, takes them off every list by itself.
CREATE TABLE list_members (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    list_id         bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    follow_id       bigint NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (list_id, follow_id)
);
CREATE INDEX list_members_follow ON list_members (follow_id);

-- Filters (Mastodon's v2): keywords that warn about or hide posts in chosen contexts.
CREATE TABLE filters (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           text NOT NULL,
    contexts        text[] NOT NULL,
    action          text NOT NULL DEFAULT 'warn' CHECK (action IN ('warn', 'hide')),
    expires_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    filter_id       bigint NOT NULL REFERENCES filters (id) ON DELETE CASCADE,
    keyword         text NOT NULL,
    whole_word      boolean NOT NULL DEFAULT true
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

-- Conversations are derived from direct posts (grouped by their thread's root); only what a
-- person did to one is stored: read up to which post, deleted (hidden) up to which post.
CREATE TABLE conversation_marks (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    root_post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    read_up_to      bigint NOT NULL DEFAULT 0,
    hidden_up_to    bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, root_post_id)
);
-- Finding a person's direct posts: the ones they wrote (posts_author_account) and the ones
-- that mention them (post_mentions_account) are already indexed.
