-- The avatar (`icon`) and header (`image`) of people and groups on other servers, hot-linked
-- by our pages and the client API. Only http(s) URLs, at most 2048 characters
-- (node.services.directory checks the same before it stores them).
ALTER TABLE remote_actors
    ADD COLUMN icon_url text
        CHECK (icon_url ~* '^https?://[^/]' AND length(icon_url) <= 2048),
    ADD COLUMN image_url text
        CHECK (image_url ~* '^https?://[^/]' AND length(image_url) <= 2048);

-- Actors cached before now: read the URL from the stored document, as
-- federation.parse_fields.image_url does (a URL, an Image with `url` or `href`, or a list of
-- them: the first usable one). The next refresh (daily) stores what the parser picks anyway.
CREATE FUNCTION pg_temp.actor_image_url(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT found FROM (
        SELECT CASE
                 WHEN jsonb_typeof(item) = 'string' THEN item #>> '{}'
                 WHEN jsonb_typeof(item -> 'url') = 'string' THEN item ->> 'url'
                 WHEN jsonb_typeof(item -> 'url' -> 'href') = 'string' THEN item -> 'url' ->> 'href'
                 WHEN jsonb_typeof(item -> 'href') = 'string' THEN item ->> 'href'
               END AS found, position
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value) = 'array' THEN value
                                         ELSE jsonb_build_array(value) END)
               WITH ORDINALITY AS items (item, position)
    ) AS candidates
    WHERE found ~* '^https?://[^/]' AND length(found) <= 2048
    ORDER BY position
    LIMIT 1
$$;

UPDATE remote_actors
   SET icon_url = pg_temp.actor_image_url(raw -> 'icon'),
       image_url = pg_temp.actor_image_url(raw -> 'image')
 WHERE raw ? 'icon' OR raw ? 'image';

DROP FUNCTION pg_temp.actor_image_url(jsonb);
