-- Local accounts: people who sign in to this node. Each is also an ActivityPub actor, so each
-- gets an RSA key pair at creation (federation signs with it).
CREATE TABLE accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{1,30}$'),
    email           text NOT NULL,
    password_hash   text,
    role            text NOT NULL DEFAULT 'educator'
                    CHECK (role IN ('admin', 'moderator', 'educator', 'student')),
    display_name    text NOT NULL DEFAULT '',
    bio             text NOT NULL DEFAULT '',
    private_key_pem text NOT NULL,
    public_key_pem  text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- Usernames and emails are unique regardless of case: @Ana and @ana are one person.
CREATE UNIQUE INDEX accounts_username_key ON accounts (lower(username));
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));

-- One-time links: set a first password, reset a forgotten one. Only the hash is stored.
CREATE TABLE password_tokens (
    token_hash  bytea PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    max_uses    integer CHECK (max_uses IS NULL OR max_uses > 0),
    uses        integer NOT NULL DEFAULT 0,
    expires_at  timestamptz,
    created_by  bigint REFERENCES accounts (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Failed sign-ins, counted per account and per client address to rate-limit guessing. Kept in
-- the database, not in memory, so every web process sees the same counts.
CREATE TABLE sign_in_failures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username    text NOT NULL,
    client_addr text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_username ON sign_in_failures (lower(username), failed_at);
CREATE INDEX sign_in_failures_client ON sign_in_failures (client_addr, failed_at);
