-- Groups (FEP-1b12; DESIGN.md §2 "Groups"). A group on this node is an account of kind
-- 'group': it is then an ActivityPub actor like a person (key pair, inbox, followers,
-- WebFinger) without any code written twice. It has no password and never signs in.
-- Membership is following the group: an accepted follow is a member, a pending one a join
-- request. Posts in a group carry the group and, for the thread's replies, the thread.
ALTER TABLE accounts ADD COLUMN kind text NOT NULL DEFAULT 'person'
    CHECK (kind IN ('person', 'group'));

CREATE TABLE groups (
    account_id   bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    join_policy  text NOT NULL DEFAULT 'open'
                 CHECK (join_policy IN ('open', 'approval', 'invite')),
    members_only boolean NOT NULL DEFAULT false,
    rules        text NOT NULL DEFAULT '',
    subjects     text[] NOT NULL DEFAULT '{}',
    grades       text[] NOT NULL DEFAULT '{}',
    -- Who may see the member list: everyone who may see the group, or its moderators only.
    members_listed boolean NOT NULL DEFAULT true
);

-- Owners and moderators (local people). Every member is in `follows`.
CREATE TABLE group_roles (
    group_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'moderator')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, account_id)
);

-- Invitations to invite-only groups, by actor id (a person here or elsewhere).
CREATE TABLE group_invites (
    group_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_uri   text NOT NULL,
    invited_by  bigint REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, actor_uri)
);

-- 'group': members only (of group_account or group_remote).
ALTER TABLE posts DROP CONSTRAINT posts_visibility_check;
ALTER TABLE posts ADD CONSTRAINT posts_visibility_check
    CHECK (visibility IN ('public', 'unlisted', 'followers', 'direct', 'group'));
ALTER TABLE posts
    ADD COLUMN group_account bigint REFERENCES accounts (id) ON DELETE CASCADE,
    ADD COLUMN group_remote bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    ADD COLUMN title text,
    -- The thread a group reply belongs to (its first post); NULL on the thread itself.
    ADD COLUMN thread_id bigint REFERENCES posts (id) ON DELETE CASCADE,
    ADD COLUMN thread_pinned boolean NOT NULL DEFAULT false,
    ADD COLUMN thread_locked boolean NOT NULL DEFAULT false,
    -- Latest post in the thread, kept on the thread row: the group page lists by it.
    ADD COLUMN thread_activity_at timestamptz,
    ADD CONSTRAINT posts_one_group CHECK (group_account IS NULL OR group_remote IS NULL);
CREATE INDEX posts_group_local_threads ON posts (group_account, thread_activity_at DESC, id DESC)
    WHERE group_account IS NOT NULL AND thread_id IS NULL;
CREATE INDEX posts_group_remote_threads ON posts (group_remote, thread_activity_at DESC, id DESC)
    WHERE group_remote IS NOT NULL AND thread_id IS NULL;
CREATE INDEX posts_thread ON posts (thread_id, id) WHERE thread_id IS NOT NULL;

-- When a member last opened a thread: threads with newer posts are shown as unread.
CREATE TABLE group_thread_reads (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    thread_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    read_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, thread_id)
);

-- Moderators hear of join requests: a notification names the group asked to join.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN
    ('follow', 'follow_request', 'mention', 'reply', 'like', 'boost', 'poll', 'group_request'));
ALTER TABLE notifications ADD COLUMN group_account bigint REFERENCES accounts (id) ON DELETE CASCADE;
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once ON notifications
    (account_id, kind, coalesce(from_account, 0), coalesce(from_remote, 0), coalesce(post_id, 0),
     coalesce(group_account, 0));
