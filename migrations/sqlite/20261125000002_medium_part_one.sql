-- Medium, part 1: drafts, rendered Markdown and reading time, claps, bookmarks, threaded comments,
-- full-text search, popular and followed tags. Every count below is kept by a trigger, so it stays
-- exact whatever path writes (including cascades from deleting an account).

-- Drafts and publishing. Rows written before this migration were all published.
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'published'
    CHECK (status IN ('draft', 'published', 'unlisted'));
ALTER TABLE articles ADD COLUMN published_at TEXT;
ALTER TABLE articles ADD COLUMN reading_time_minutes INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN claps_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN comments_count INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET published_at = created_at;

-- The first publish stamps published_at once; unpublishing and republishing keep it.
CREATE TRIGGER articles_published_at_insert AFTER INSERT ON articles
    WHEN NEW.status = 'published' AND NEW.published_at IS NULL
BEGIN
    UPDATE articles SET published_at = NEW.updated_at WHERE id = NEW.id;
END;
CREATE TRIGGER articles_published_at_update AFTER UPDATE OF status ON articles
    WHEN NEW.status = 'published' AND NEW.published_at IS NULL
BEGIN
    UPDATE articles SET published_at = NEW.updated_at WHERE id = NEW.id;
END;

-- Lists show published articles newest-published first; the author page and drafts go by author.
DROP INDEX articles_author_idx;
CREATE INDEX articles_published_idx ON articles (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX articles_author_idx ON articles (author_id, published_at DESC, id DESC);

-- Rendered HTML, written with the body; NULL only for rows older than this migration, which the
-- server renders once at start-up.
ALTER TABLE article_bodies ADD COLUMN body_html TEXT;

-- Full-text search: an FTS5 index (bm25 ranking, Unicode word breaking so Korean words are
-- words) whose rowid is the article's id, kept in step with both tables by the triggers below.
CREATE VIRTUAL TABLE article_search USING fts5 (
    title, tags, description, body, tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO article_search (rowid, title, tags, description, body)
    SELECT a.id, a.title, a.tag_list, a.description, b.body
    FROM articles a JOIN article_bodies b ON b.article_id = a.id;

CREATE TRIGGER article_search_insert AFTER INSERT ON article_bodies
BEGIN
    INSERT INTO article_search (rowid, title, tags, description, body)
        SELECT a.id, a.title, a.tag_list, a.description, NEW.body FROM articles a WHERE a.id = NEW.article_id;
END;
CREATE TRIGGER article_search_body AFTER UPDATE OF body ON article_bodies
BEGIN
    UPDATE article_search SET body = NEW.body WHERE rowid = NEW.article_id;
END;
CREATE TRIGGER article_search_article AFTER UPDATE OF title, tag_list, description ON articles
BEGIN
    UPDATE article_search SET title = NEW.title, tags = NEW.tag_list, description = NEW.description
    WHERE rowid = NEW.id;
END;
CREATE TRIGGER article_search_delete AFTER DELETE ON articles
BEGIN
    DELETE FROM article_search WHERE rowid = OLD.id;
END;

-- Claps: up to 50 per reader per article, their sum kept on the article.
CREATE TABLE claps (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    claps      INTEGER NOT NULL CHECK (claps BETWEEN 1 AND 50),
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX claps_article_idx ON claps (article_id);

CREATE TRIGGER claps_count_insert AFTER INSERT ON claps
BEGIN
    UPDATE articles SET claps_count = claps_count + NEW.claps WHERE id = NEW.article_id;
END;
CREATE TRIGGER claps_count_update AFTER UPDATE OF claps ON claps
BEGIN
    UPDATE articles SET claps_count = claps_count + NEW.claps - OLD.claps WHERE id = NEW.article_id;
END;
CREATE TRIGGER claps_count_delete AFTER DELETE ON claps
BEGIN
    UPDATE articles SET claps_count = claps_count - OLD.claps WHERE id = OLD.article_id;
END;

-- Bookmarks: a reader's reading list, most recently saved first.
CREATE TABLE bookmarks (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, article_id)
);
CREATE INDEX bookmarks_user_idx ON bookmarks (user_id, created_at DESC, article_id DESC);
CREATE INDEX bookmarks_article_idx ON bookmarks (article_id);

-- Threaded comments. A reply whose parent goes away with its author's account moves to the top
-- level rather than disappearing. A deleted comment that has replies stays as a tombstone
-- (deleted_at set, body emptied) so that its thread holds together.
ALTER TABLE comments ADD COLUMN parent_id INTEGER REFERENCES comments (id) ON DELETE SET NULL;
ALTER TABLE comments ADD COLUMN body_html TEXT;
ALTER TABLE comments ADD COLUMN deleted_at TEXT;
CREATE INDEX comments_parent_idx ON comments (parent_id);
UPDATE articles SET comments_count = (SELECT COUNT(*) FROM comments c WHERE c.article_id = articles.id);

-- commentsCount counts the comments a reader can read: tombstones are not counted.
CREATE TRIGGER comments_count_insert AFTER INSERT ON comments
BEGIN
    UPDATE articles SET comments_count = comments_count + 1 WHERE id = NEW.article_id;
END;
CREATE TRIGGER comments_count_tombstone AFTER UPDATE OF deleted_at ON comments
    WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    UPDATE articles SET comments_count = comments_count - 1 WHERE id = NEW.article_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments WHEN OLD.deleted_at IS NULL
BEGIN
    UPDATE articles SET comments_count = comments_count - 1 WHERE id = OLD.article_id;
END;

-- A tombstone lives only while it has replies: when its last reply goes, by whatever path
-- (the API, or the replier's account being deleted), it goes too, and so on up the thread
-- (connections enable recursive_triggers for that).
CREATE TRIGGER comments_tombstone_cleanup AFTER DELETE ON comments WHEN OLD.parent_id IS NOT NULL
BEGIN
    DELETE FROM comments
     WHERE id = OLD.parent_id AND deleted_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_id = OLD.parent_id);
END;

-- Popular tags: each tag counts the published articles that use it. article_tags carries the
-- article's published flag so that the count follows status changes and cascading deletes.
ALTER TABLE article_tags ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tags ADD COLUMN articles_count INTEGER NOT NULL DEFAULT 0;
UPDATE tags SET articles_count = (SELECT COUNT(*) FROM article_tags at WHERE at.tag_id = tags.id);
CREATE INDEX tags_popular_idx ON tags (articles_count DESC, name);

CREATE TRIGGER tags_count_insert AFTER INSERT ON article_tags
BEGIN
    UPDATE tags SET articles_count = articles_count + NEW.published WHERE id = NEW.tag_id;
END;
CREATE TRIGGER tags_count_update AFTER UPDATE OF published ON article_tags
BEGIN
    UPDATE tags SET articles_count = articles_count + NEW.published - OLD.published WHERE id = NEW.tag_id;
END;
CREATE TRIGGER tags_count_delete AFTER DELETE ON article_tags
BEGIN
    UPDATE tags SET articles_count = articles_count - OLD.published WHERE id = OLD.tag_id;
END;
CREATE TRIGGER article_tags_published_sync AFTER UPDATE OF status ON articles
    WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE article_tags SET published = CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END
    WHERE article_id = NEW.id;
END;

-- Followed tags feed the feed beside followed authors.
CREATE TABLE tag_follows (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tag_id)
);
CREATE INDEX tag_follows_tag_idx ON tag_follows (tag_id);
