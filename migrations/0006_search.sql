-- Search (issue 4, item 7): full-text over posts (DESIGN.md §2: tsvector + GIN), prefix lookups
-- for people and hashtags, and whether remote authors let other people find their posts.

-- May other people find a remote actor's posts by full-text search? The actor document's
-- `indexable` (toot:indexable, Mastodon 4.2+); absent means no. A local person's consent is
-- profiles.indexable (the profiles migration): their settings page sets it, their actor
-- document carries it.
ALTER TABLE remote_actors ADD COLUMN indexable boolean NOT NULL DEFAULT false;

-- Post HTML as plain text for indexing: tags and entities become spaces. For the text-search
-- parser `&`, quotes, `<` and `>` only separate words anyway, and a decoded `<` could start
-- what it reads as an XML tag and drops, words and all. (Sanitised HTML has no bare `<`.)
CREATE FUNCTION post_search_text(html text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(regexp_replace(html, '<[^>]*>', ' ', 'g'), '&#?[A-Za-z0-9]+;', ' ', 'g')
$$;

-- Generated, so no code path that writes a post (local, inbound Create or Update, edits) has to
-- remember it. 'simple' rather than a language: schools post in many languages and the posts'
-- language tags are often wrong or missing; 'simple' lower-cases and never stems, so a search
-- finds the words as written. The content warning weighs more than the body.
-- Changing post_search_text later does not recompute stored values: add a new column instead.
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple'::regconfig, coalesce(summary, '')), 'A')
    || setweight(to_tsvector('simple'::regconfig, post_search_text(content_html)), 'B')
) STORED;
CREATE INDEX posts_search ON posts USING gin (search_vector);

-- Prefix lookups (`LIKE 'ana%'`) need the pattern operator class to use a b-tree.
CREATE INDEX accounts_username_prefix ON accounts (lower(username) text_pattern_ops);
CREATE INDEX accounts_display_name_prefix ON accounts (lower(display_name) text_pattern_ops);
CREATE INDEX remote_actors_username_prefix ON remote_actors (lower(username) text_pattern_ops);
CREATE INDEX remote_actors_display_name_prefix
    ON remote_actors (lower(display_name) text_pattern_ops);
CREATE INDEX post_hashtags_tag_prefix ON post_hashtags (tag text_pattern_ops);
