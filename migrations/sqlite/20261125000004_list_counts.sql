-- Exact list totals that cost nothing to read: published articles in all, per author, and per
-- reader's favorites (per tag exists already), each kept by triggers in the same transaction
-- as every write that changes it, cascades from deleting an account or an article included.
-- (SQLite has one writer at a time; the 16 rows only mirror PostgreSQL's schema.)

CREATE TABLE published_counts (
    shard    INTEGER PRIMARY KEY,
    articles INTEGER NOT NULL
);
WITH RECURSIVE shards(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM shards WHERE s < 15)
INSERT INTO published_counts (shard, articles)
SELECT s, (SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND a.id % 16 = s)
  FROM shards;

ALTER TABLE users ADD COLUMN published_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN favorites_published_count INTEGER NOT NULL DEFAULT 0;
UPDATE users SET published_count =
    (SELECT COUNT(*) FROM articles a WHERE a.author_id = users.id AND a.status = 'published');

-- favorites carry their article's published flag, as article_tags do, so that a reader's count
-- follows status changes and cascading deletes without looking at the article again. Writes
-- set the flag when they insert (one writer at a time: no status change can slip in between).
ALTER TABLE favorites ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
UPDATE favorites SET published = 0
 WHERE article_id IN (SELECT id FROM articles WHERE status <> 'published');
UPDATE users SET favorites_published_count =
    (SELECT COALESCE(SUM(f.published), 0) FROM favorites f WHERE f.user_id = users.id);

CREATE TRIGGER published_counts_insert AFTER INSERT ON articles WHEN NEW.status = 'published'
BEGIN
    UPDATE published_counts SET articles = articles + 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count + 1 WHERE id = NEW.author_id;
END;
CREATE TRIGGER published_counts_publish AFTER UPDATE OF status ON articles
    WHEN OLD.status <> 'published' AND NEW.status = 'published'
BEGIN
    UPDATE published_counts SET articles = articles + 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count + 1 WHERE id = NEW.author_id;
    UPDATE favorites SET published = 1 WHERE article_id = NEW.id;
END;
CREATE TRIGGER published_counts_unpublish AFTER UPDATE OF status ON articles
    WHEN OLD.status = 'published' AND NEW.status <> 'published'
BEGIN
    UPDATE published_counts SET articles = articles - 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count - 1 WHERE id = NEW.author_id;
    UPDATE favorites SET published = 0 WHERE article_id = NEW.id;
END;
CREATE TRIGGER published_counts_delete AFTER DELETE ON articles WHEN OLD.status = 'published'
BEGIN
    UPDATE published_counts SET articles = articles - 1 WHERE shard = OLD.id % 16;
    UPDATE users SET published_count = published_count - 1 WHERE id = OLD.author_id;
END;

CREATE TRIGGER favorites_published_insert AFTER INSERT ON favorites
BEGIN
    UPDATE users SET favorites_published_count = favorites_published_count + NEW.published
     WHERE id = NEW.user_id;
END;
CREATE TRIGGER favorites_published_update AFTER UPDATE OF published ON favorites
BEGIN
    UPDATE users SET favorites_published_count = favorites_published_count + NEW.published - OLD.published
     WHERE id = NEW.user_id;
END;
CREATE TRIGGER favorites_published_delete AFTER DELETE ON favorites
BEGIN
    UPDATE users SET favorites_published_count = favorites_published_count - OLD.published
     WHERE id = OLD.user_id;
END;

-- A tag's page, newest first, walks one index whatever the tag's size: article_tags carries its
-- article's published_at (set once, on the first publish, by a trigger of its own: hence the
-- second trigger here) beside the published flag.
ALTER TABLE article_tags ADD COLUMN published_at TEXT;
UPDATE article_tags
   SET published_at = (SELECT a.published_at FROM articles a WHERE a.id = article_tags.article_id);
CREATE INDEX article_tags_newest_idx ON article_tags (tag_id, published_at DESC, article_id DESC)
    WHERE published = 1;

DROP TRIGGER article_tags_published_sync;
CREATE TRIGGER article_tags_published_sync AFTER UPDATE OF status ON articles
    WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE article_tags SET published = CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END,
                            published_at = NEW.published_at
     WHERE article_id = NEW.id;
END;
CREATE TRIGGER article_tags_published_at_sync AFTER UPDATE OF published_at ON articles
BEGIN
    UPDATE article_tags SET published_at = NEW.published_at WHERE article_id = NEW.id;
END;
