-- Sign-up the way districts need it: a mode chosen by an admin, an email-domain allow-list,
-- email verification, approval by an admin, and database-backed rate limits.

-- Node-wide settings an admin edits on the web (one row). New nodes start closed, so no one
-- can join before an admin has chosen who may.
CREATE TABLE instance_settings (
    id                      smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    sign_up_mode            text NOT NULL DEFAULT 'closed'
                            CHECK (sign_up_mode IN ('closed', 'invite', 'approval', 'open')),
    -- Lower-case domains; empty means any domain may join.
    sign_up_email_domains   text[] NOT NULL DEFAULT '{}',
    updated_at              timestamptz NOT NULL DEFAULT now(),
    updated_by              bigint REFERENCES accounts (id) ON DELETE SET NULL
);
INSERT INTO instance_settings (id) VALUES (1);

-- NULL means "not yet". The defaults make every account created some other way (the first
-- admin, `commonroom user create`, existing rows) verified and approved: an operator vouched
-- for it. Sign-up sets them to NULL explicitly.
ALTER TABLE accounts
    ADD COLUMN email_verified_at timestamptz DEFAULT now(),
    ADD COLUMN approved_at timestamptz DEFAULT now();
-- The admin's list of accounts waiting for approval.
CREATE INDEX accounts_awaiting_approval ON accounts (id) WHERE approved_at IS NULL;

-- One-time links that confirm an email address. Only the hash is stored. Kept apart from
-- password_tokens so that a confirmation link can never be used to set a password.
CREATE TABLE email_verification_tokens (
    token_hash  bytea PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_verification_tokens_account ON email_verification_tokens (account_id);

-- Requests counted for rate limits (sign-up attempts, mail requests), per action and subject
-- (a client address or a recipient). In the database, not in memory, so every web process
-- sees the same counts.
CREATE TABLE rate_limit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action      text NOT NULL,
    subject     text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_limit_events_lookup ON rate_limit_events (action, subject, at);
