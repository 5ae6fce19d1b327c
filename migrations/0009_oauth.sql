-- OAuth2 for the Mastodon-compatible client API (node/api): registered client apps, one-time
-- authorization codes, access tokens, and the Idempotency-Key of status posts. Every secret
-- (client secret, code, access and refresh token) is stored as its SHA-256 only: a copy of the
-- database cannot be used to act as anyone.

CREATE TABLE oauth_apps (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id           text NOT NULL UNIQUE,
    client_secret_hash  bytea NOT NULL,
    name                text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    website             text CHECK (char_length(website) <= 2000),
    -- Where codes may be sent: https URLs, custom schemes (com.example.app:/cb), or
    -- urn:ietf:wg:oauth:2.0:oob (the code is shown on a page).
    redirect_uris       text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 20),
    scopes              text[] NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Codes live ten minutes and work once; a PKCE challenge (S256) binds one to its client.
CREATE TABLE oauth_codes (
    code_hash       bytea PRIMARY KEY,
    app_id          bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    redirect_uri    text NOT NULL,
    scopes          text[] NOT NULL,
    code_challenge  text,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- An access token acts for a person (account_id) or, from the client_credentials grant, only
-- for the app (account_id NULL). A refresh token, when issued, replaces its pair once.
CREATE TABLE oauth_tokens (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash      bytea NOT NULL UNIQUE,
    refresh_hash    bytea UNIQUE,
    app_id          bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    account_id      bigint REFERENCES accounts (id) ON DELETE CASCADE,
    scopes          text[] NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id) WHERE account_id IS NOT NULL;

-- Idempotency-Key of POST /api/v1/statuses: the same key from the same person within an hour
-- returns the first post instead of writing another (a client retrying after a timeout).
-- post_id is NULL while the first request is still writing its post.
CREATE TABLE api_idempotency_keys (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    key             text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    post_id         bigint REFERENCES posts (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
