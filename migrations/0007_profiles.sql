-- Profiles: what a person shows about themselves beyond accounts.display_name and accounts.bio
-- (both plain text, rendered to HTML when shown or federated), and whether they consent to
-- being listed and searched. Locked stays in accounts.locked (follow requests read it there).
CREATE TABLE profiles (
    account_id          bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    -- Images are files in the media store under keys minted for the profile. They are not rows
    -- in `media`: that table's orphan sweep deletes every upload no post holds after a day.
    avatar_key          text UNIQUE,
    avatar_type         text,
    avatar_description  text NOT NULL DEFAULT '' CHECK (char_length(avatar_description) <= 1500),
    header_key          text UNIQUE,
    header_type         text,
    header_description  text NOT NULL DEFAULT '' CHECK (char_length(header_description) <= 1500),
    -- Off unless the person opts in: many people on a school's node are minors
    -- (toot:discoverable = listed in directories; toot:indexable = posts full-text searchable).
    discoverable        boolean NOT NULL DEFAULT false,
    indexable           boolean NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((avatar_key IS NULL) = (avatar_type IS NULL)),
    CHECK ((header_key IS NULL) = (header_type IS NULL))
);

-- Profile fields ("School", "Subjects", ...), federated as PropertyValue attachments. Values are
-- plain text as typed; links in them are rendered when shown. At most four, like Mastodon.
CREATE TABLE profile_fields (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position BETWEEN 0 AND 3),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
    value       text NOT NULL CHECK (char_length(value) BETWEEN 1 AND 255),
    PRIMARY KEY (account_id, position)
);
