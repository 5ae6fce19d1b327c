-- Signed-in browsers. The session cookie carries a random id; only its SHA-256 is stored, so
-- a copy of the database signs no one in. A cookie works only while its row exists: signing
-- out deletes the row, a password change deletes the account's other rows, a reset all of
-- them (node.services.accounts.sessions).
CREATE TABLE web_sessions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id_hash         bytea NOT NULL UNIQUE,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Updated at most every few minutes, not on every request.
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    user_agent      text NOT NULL DEFAULT '' CHECK (char_length(user_agent) <= 300),
    client_addr     text NOT NULL DEFAULT '' CHECK (char_length(client_addr) <= 100)
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
