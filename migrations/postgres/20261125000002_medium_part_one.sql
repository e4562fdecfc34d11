-- Medium, part 1: drafts, rendered Markdown and reading time, claps, bookmarks, threaded comments,
-- full-text search, popular and followed tags. Every count below is kept by a trigger, so it stays
-- exact whatever path writes (including cascades from deleting an account) and under concurrency.

-- Drafts and publishing. Rows written before this migration were all published.
ALTER TABLE articles
    ADD COLUMN status               TEXT   NOT NULL DEFAULT 'published'
                                           CHECK (status IN ('draft', 'published', 'unlisted')),
    ADD COLUMN published_at         TEXT,
    ADD COLUMN reading_time_minutes BIGINT NOT NULL DEFAULT 1,
    ADD COLUMN claps_count          BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN comments_count       BIGINT NOT NULL DEFAULT 0;
UPDATE articles SET published_at = created_at;

-- The first publish stamps published_at once; unpublishing and republishing keep it.
CREATE FUNCTION articles_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'published' AND NEW.published_at IS NULL THEN
        NEW.published_at := NEW.updated_at;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER articles_published_at BEFORE INSERT OR UPDATE OF status ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_published_at();

-- Lists show published articles newest-published first; the author page and drafts go by author.
DROP INDEX articles_author_idx;
CREATE INDEX articles_published_idx ON articles (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_author_idx ON articles (author_id, published_at DESC, id DESC);

-- Rendered HTML, written with the body; NULL only for rows older than this migration, which the
-- server renders once at start-up.
ALTER TABLE article_bodies ADD COLUMN body_html TEXT;

-- Full-text search: one weighted document per article (title above tags and description above
-- body), kept in step with both tables by the triggers below.
CREATE FUNCTION article_search_document(title TEXT, tags TEXT, description TEXT, body TEXT)
    RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT setweight(to_tsvector('simple'::regconfig, title), 'A')
        || setweight(to_tsvector('simple'::regconfig, tags), 'B')
        || setweight(to_tsvector('simple'::regconfig, description), 'B')
        || setweight(to_tsvector('simple'::regconfig, body), 'D')
$$;

ALTER TABLE article_bodies ADD COLUMN search tsvector;
UPDATE article_bodies b
   SET search = article_search_document(a.title, a.tag_list, a.description, b.body)
  FROM articles a WHERE a.id = b.article_id;
CREATE INDEX article_bodies_search_idx ON article_bodies USING GIN (search);

CREATE FUNCTION article_bodies_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT article_search_document(a.title, a.tag_list, a.description, NEW.body)
      INTO NEW.search FROM articles a WHERE a.id = NEW.article_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER article_bodies_search_sync BEFORE INSERT OR UPDATE OF body ON article_bodies
    FOR EACH ROW EXECUTE FUNCTION article_bodies_search_sync();

CREATE FUNCTION articles_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_bodies
       SET search = article_search_document(NEW.title, NEW.tag_list, NEW.description, body)
     WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_search_sync AFTER UPDATE OF title, tag_list, description ON articles
    FOR EACH ROW EXECUTE FUNCTION articles_search_sync();

-- Claps: up to 50 per reader per article, their sum kept on the article.
CREATE TABLE claps (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    claps      BIGINT NOT NULL CHECK (claps BETWEEN 1 AND 50),
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX claps_article_idx ON claps (article_id);

CREATE FUNCTION claps_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE articles SET claps_count = claps_count + NEW.claps WHERE id = NEW.article_id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE articles SET claps_count = claps_count + NEW.claps - OLD.claps WHERE id = NEW.article_id;
    ELSE
        UPDATE articles SET claps_count = claps_count - OLD.claps WHERE id = OLD.article_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER claps_count_sync AFTER INSERT OR UPDATE OR DELETE ON claps
    FOR EACH ROW EXECUTE FUNCTION claps_count_sync();

-- Bookmarks: a reader's reading list, most recently saved first.
CREATE TABLE bookmarks (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TEXT   NOT NULL,
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX bookmarks_user_idx ON bookmarks (user_id, created_at DESC, article_id DESC);
CREATE INDEX bookmarks_article_idx ON bookmarks (article_id);

-- Threaded comments. A reply whose parent goes away with its author's account moves to the top
-- level rather than disappearing. A deleted comment that has replies stays as a tombstone
-- (deleted_at set, body emptied) so that its thread holds together.
ALTER TABLE comments
    ADD COLUMN parent_id  BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    ADD COLUMN body_html  TEXT,
    ADD COLUMN deleted_at TEXT;
CREATE INDEX comments_parent_idx ON comments (parent_id);
UPDATE articles a SET comments_count = (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id);

-- commentsCount counts the comments a reader can read: tombstones are not counted.
CREATE FUNCTION comments_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE articles SET comments_count = comments_count + 1 WHERE id = NEW.article_id;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
            UPDATE articles SET comments_count = comments_count - 1 WHERE id = NEW.article_id;
        END IF;
    ELSIF OLD.deleted_at IS NULL THEN
        UPDATE articles SET comments_count = comments_count - 1 WHERE id = OLD.article_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_count_sync AFTER INSERT OR UPDATE OF deleted_at OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_count_sync();

-- A tombstone lives only while it has replies: when its last reply goes, by whatever path
-- (the API, or the replier's account being deleted), it goes too, and so on up the thread.
CREATE FUNCTION comments_tombstone_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM comments p
     WHERE p.id = OLD.parent_id AND p.deleted_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = p.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_tombstone_cleanup AFTER DELETE ON comments
    FOR EACH ROW WHEN (OLD.parent_id IS NOT NULL)
    EXECUTE FUNCTION comments_tombstone_cleanup();

-- Popular tags: each tag counts the published articles that use it. article_tags carries the
-- article's published flag so that the count follows status changes and cascading deletes.
ALTER TABLE article_tags ADD COLUMN published BIGINT NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN articles_count BIGINT NOT NULL DEFAULT 0;
UPDATE tags t SET articles_count = (SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = t.id);
CREATE INDEX tags_popular_idx ON tags (articles_count DESC, name);

CREATE FUNCTION tags_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tags SET articles_count = articles_count + NEW.published WHERE id = NEW.tag_id;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE tags SET articles_count = articles_count + NEW.published - OLD.published WHERE id = NEW.tag_id;
    ELSE
        UPDATE tags SET articles_count = articles_count - OLD.published WHERE id = OLD.tag_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER tags_count_sync AFTER INSERT OR UPDATE OF published OR DELETE ON article_tags
    FOR EACH ROW EXECUTE FUNCTION tags_count_sync();

CREATE FUNCTION article_tags_published_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET published = CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END
     WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER article_tags_published_sync AFTER UPDATE OF status ON articles
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION article_tags_published_sync();

-- Followed tags feed the feed beside followed authors.
CREATE TABLE tag_follows (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag_id  BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tag_id)
);
CREATE INDEX tag_follows_tag_idx ON tag_follows (tag_id);
