-- Polls (ActivityPub Question): single or multiple choice, with an end time.
CREATE TABLE polls (
    post_id         bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    multiple        boolean NOT NULL DEFAULT false,
    ends_at         timestamptz,
    closed_at       timestamptz,
    voters_count    integer NOT NULL DEFAULT 0,
    -- For remote polls, counts come from the origin; for ours, from poll_votes.
    options         text[] NOT NULL,
    counts          integer[] NOT NULL,
    CHECK (array_length(options, 1) BETWEEN 2 AND 10),
    CHECK (array_length(options, 1) = array_length(counts, 1))
);
CREATE INDEX polls_due ON polls (ends_at) WHERE closed_at IS NULL;

CREATE TABLE poll_votes (
    post_id         bigint NOT NULL REFERENCES polls (post_id) ON DELETE CASCADE,
    choice          integer NOT NULL,
    account_id      bigint REFERENCES accounts (id) ON DELETE CASCADE,
    remote_id       bigint REFERENCES remote_actors (id) ON DELETE CASCADE,
    activity_uri    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((account_id IS NULL) <> (remote_id IS NULL))
);
CREATE UNIQUE INDEX poll_votes_once ON poll_votes
    (post_id, choice, coalesce(account_id, 0), coalesce(remote_id, 0));
