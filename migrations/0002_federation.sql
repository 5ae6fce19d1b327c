-- Federation core: the instance actor's key, remote actors, follows, posts, and the two queues
-- (inbound activities, outbound deliveries). Queues are rows (STYLE.md "Queues are rows").

-- The instance actor (an Application, fetchable unsigned) signs every outbound GET.
CREATE TABLE instance_keys (
    id              smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    private_key_pem text NOT NULL,
    public_key_pem  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Remote actors we have fetched, cached with their key; refreshed when stale or on a failed
-- signature (key rotation).
CREATE TABLE remote_actors (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri                 text NOT NULL UNIQUE,
    actor_type          text NOT NULL,
    username            text NOT NULL,
    host                text NOT NULL,
    display_name        text NOT NULL DEFAULT '',
    summary_html        text NOT NULL DEFAULT '',
    inbox               text NOT NULL,
    shared_inbox        text,
    followers_uri       text,
    url                 text,
    key_id              text,
    public_key_pem      text,
    manually_approves   boolean NOT NULL DEFAULT false,
    raw                 jsonb NOT NULL,
    fetched_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX remote_actors_key_id ON remote_actors (key_id);
CREATE UNIQUE INDEX remote_actors_handle ON remote_actors (lower(username), lower(host));

-- Who follows whom. Exactly one local or remote party on each side.
CREATE TABLE follows (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_account    bigint REFERENCES accounts (id) ON DELETE CASCADE,
    follower_remote     bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    followee_account    bigint REFERENCES accounts (id) ON DELETE CASCADE,
    followee_remote     bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    state               text NOT NULL CHECK (state IN ('pending', 'accepted')),
    activity_uri        text NOT NULL UNIQUE,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((follower_account IS NULL) <> (follower_remote IS NULL)),
    CHECK ((followee_account IS NULL) <> (followee_remote IS NULL))
);
CREATE UNIQUE INDEX follows_pair ON follows (
    coalesce(follower_account, 0), coalesce(follower_remote, 0),
    coalesce(followee_account, 0), coalesce(followee_remote, 0)
);
CREATE INDEX follows_followee_account ON follows (followee_account) WHERE followee_account IS NOT NULL;
CREATE INDEX follows_follower_account ON follows (follower_account) WHERE follower_account IS NOT NULL;

-- Posts by local accounts and by remote actors.
CREATE TABLE posts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri                 text NOT NULL UNIQUE,
    author_account      bigint REFERENCES accounts (id) ON DELETE CASCADE,
    author_remote       bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    object_type         text NOT NULL DEFAULT 'Note',
    content_html        text NOT NULL,
    summary             text,
    sensitive           boolean NOT NULL DEFAULT false,
    language            text,
    visibility          text NOT NULL
                        CHECK (visibility IN ('public', 'unlisted', 'followers', 'direct')),
    in_reply_to_uri     text,
    in_reply_to_id      bigint REFERENCES posts (id) ON DELETE SET NULL,
    url                 text,
    published_at        timestamptz NOT NULL DEFAULT now(),
    edited_at           timestamptz,
    raw                 jsonb,
    CHECK ((author_account IS NULL) <> (author_remote IS NULL))
);
CREATE INDEX posts_author_account ON posts (author_account, id DESC) WHERE author_account IS NOT NULL;
CREATE INDEX posts_author_remote ON posts (author_remote, id DESC) WHERE author_remote IS NOT NULL;
CREATE INDEX posts_in_reply_to ON posts (in_reply_to_uri);

-- Ids of objects deleted before (or instead of) arriving, so a late Create is not resurrected.
CREATE TABLE tombstones (
    uri         text PRIMARY KEY,
    deleted_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE likes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    account_id  bigint REFERENCES accounts (id) ON DELETE CASCADE,
    remote_id   bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    activity_uri text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((account_id IS NULL) <> (remote_id IS NULL))
);
CREATE UNIQUE INDEX likes_once ON likes (post_id, coalesce(account_id, 0), coalesce(remote_id, 0));

CREATE TABLE boosts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id     bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    account_id  bigint REFERENCES accounts (id) ON DELETE CASCADE,
    remote_id   bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    activity_uri text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((account_id IS NULL) <> (remote_id IS NULL))
);
CREATE UNIQUE INDEX boosts_once ON boosts (post_id, coalesce(account_id, 0), coalesce(remote_id, 0));

-- Inbound queue: verified activities, stored raw, applied by a worker. The unique activity id
-- makes redelivery a no-op.
CREATE TABLE inbox_activities (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id     text NOT NULL UNIQUE,
    activity_type   text NOT NULL,
    actor_uri       text NOT NULL,
    body            jsonb NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    processed_at    timestamptz
);
CREATE INDEX inbox_activities_due ON inbox_activities (next_attempt_at) WHERE state = 'pending';

-- Outbound: each activity we emit, and one delivery row per (activity, inbox).
CREATE TABLE outbound_activities (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uri             text NOT NULL UNIQUE,
    account_id      bigint REFERENCES accounts (id) ON DELETE CASCADE,
    activity_type   text NOT NULL,
    body            jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    activity_id     bigint NOT NULL REFERENCES outbound_activities (id) ON DELETE CASCADE,
    inbox           text NOT NULL,
    host            text NOT NULL,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'delivered', 'gone', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (activity_id, inbox)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';

-- Per-host health: a host failing for days is marked unavailable and probed rarely.
CREATE TABLE hosts (
    host                text PRIMARY KEY,
    first_failure_at    timestamptz,
    last_success_at     timestamptz,
    unavailable_since   timestamptz
);

-- A locked account approves each follow request by hand (Mastodon's "locked").
ALTER TABLE accounts ADD COLUMN locked boolean NOT NULL DEFAULT false;
