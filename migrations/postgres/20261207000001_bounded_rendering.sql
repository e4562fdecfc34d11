-- Bodies rendered before rendering was bounded may hold HTML far larger than their Markdown
-- (unclosed tags copied into every following block). Such HTML is cleared here and rendered
-- again at start-up within the bound: 8 times the Markdown plus 16 KiB, in bytes.
UPDATE article_bodies SET body_html = NULL
WHERE octet_length(body_html) > 8 * octet_length(body) + 16384;

UPDATE comments SET body_html = NULL
WHERE deleted_at IS NULL AND octet_length(body_html) > 8 * octet_length(body) + 16384;
