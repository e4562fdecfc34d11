-- Drafts and unlisted articles carry an unguessable part in their slug, so that their links
-- cannot be guessed from their titles and no readable slug, one a published article could
-- want, is held by an unpublished one (which would tell strangers it exists). quill makes the
-- slugs of new and edited articles (domain/article.rs: `SlugKind`); this gives the existing
-- ones theirs: 20 hexadecimal digits (80 bits) hashed from a random UUID, whose bits come from
-- the server's cryptographically secure generator (gen_random_uuid, PostgreSQL 13 and later).
UPDATE articles SET slug = slug || '-' || substr(md5(gen_random_uuid()::text), 1, 20)
 WHERE status <> 'published';
