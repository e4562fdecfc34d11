-- Drafts and unlisted articles carry an unguessable part in their slug, so that their links
-- cannot be guessed from their titles and no readable slug, one a published article could
-- want, is held by an unpublished one (which would tell strangers it exists). quill makes the
-- slugs of new and edited articles (domain/article.rs: `SlugKind`); this gives the existing
-- ones theirs: 20 hexadecimal digits (80 bits) from SQLite's generator, seeded by the
-- operating system.
UPDATE articles SET slug = slug || '-' || lower(hex(randomblob(10))) WHERE status <> 'published';
