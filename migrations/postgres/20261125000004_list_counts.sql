-- Exact list totals that cost nothing to read: published articles in all, per author, and per
-- reader's favorites (per tag exists already), each kept by triggers in the same transaction
-- as every write that changes it, cascades from deleting an account or an article included.

-- The site-wide count is spread over 16 rows (by article id) so that concurrent publishes do
-- not all queue on one row lock; reading it sums 16 rows.
CREATE TABLE published_counts (
    shard    SMALLINT PRIMARY KEY,
    articles BIGINT   NOT NULL
);
INSERT INTO published_counts (shard, articles)
SELECT s, (SELECT COUNT(*) FROM articles a WHERE a.status = 'published' AND a.id % 16 = s)
  FROM generate_series(0, 15) AS s;

ALTER TABLE users ADD COLUMN published_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN favorites_published_count BIGINT NOT NULL DEFAULT 0;
UPDATE users u SET published_count =
    (SELECT COUNT(*) FROM articles a WHERE a.author_id = u.id AND a.status = 'published');

-- favorites carry their article's published flag, as article_tags do, so that a reader's count
-- follows status changes and cascading deletes without looking at the article again.
ALTER TABLE favorites ADD COLUMN published BIGINT NOT NULL DEFAULT 1;
UPDATE favorites f SET published = 0
  FROM articles a WHERE a.id = f.article_id AND a.status <> 'published';
UPDATE users u SET favorites_published_count =
    (SELECT COALESCE(SUM(f.published), 0) FROM favorites f WHERE f.user_id = u.id);

-- Lock order: these counters (the author's row, a shard) are taken before the tags' counters,
-- so that concurrent writes by one author queue instead of deadlocking. Triggers of one event
-- fire in name order, so the insert/update trigger's name sorts before
-- article_tags_published_sync; on delete a BEFORE trigger runs ahead of the cascades that
-- reach the tags.
CREATE FUNCTION article_counts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was INTEGER := CASE WHEN TG_OP <> 'INSERT' AND OLD.status = 'published' THEN 1 ELSE 0 END;
    now_published INTEGER := CASE WHEN TG_OP <> 'DELETE' AND NEW.status = 'published' THEN 1 ELSE 0 END;
    row_id BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
    author BIGINT := CASE WHEN TG_OP = 'DELETE' THEN OLD.author_id ELSE NEW.author_id END;
BEGIN
    IF now_published <> was THEN
        UPDATE users SET published_count = published_count + now_published - was WHERE id = author;
        UPDATE published_counts SET articles = articles + now_published - was WHERE shard = row_id % 16;
        IF TG_OP = 'UPDATE' THEN
            UPDATE favorites SET published = now_published WHERE article_id = row_id;
        END IF;
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
END
$$;
CREATE TRIGGER article_counts_sync AFTER INSERT OR UPDATE OF status ON articles
    FOR EACH ROW EXECUTE FUNCTION article_counts_sync();
CREATE TRIGGER article_counts_delete BEFORE DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION article_counts_sync();

-- A new favorite's flag is written by the statement that inserts it, from a snapshot that a
-- concurrent status change may make stale; it is checked again here, after
-- favorites_count_sync (triggers fire in name order) has taken the article's row lock, which a
-- status change holds until it commits: the check's fresh snapshot sees the final status.
-- Taking that lock before the insert instead deadlocked a favorite against an unfavorite of
-- the same pair (each waiting for the lock the other held).
CREATE FUNCTION favorites_published_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actual BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT CASE WHEN a.status = 'published' THEN 1 ELSE 0 END INTO actual
          FROM articles a WHERE a.id = NEW.article_id;
        UPDATE users SET favorites_published_count = favorites_published_count + NEW.published
         WHERE id = NEW.user_id;
        IF actual IS DISTINCT FROM NEW.published THEN
            UPDATE favorites SET published = actual
             WHERE user_id = NEW.user_id AND article_id = NEW.article_id;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE users SET favorites_published_count = favorites_published_count + NEW.published - OLD.published
         WHERE id = NEW.user_id;
    ELSE
        UPDATE users SET favorites_published_count = favorites_published_count - OLD.published
         WHERE id = OLD.user_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER favorites_published_count_sync AFTER INSERT OR UPDATE OF published OR DELETE ON favorites
    FOR EACH ROW EXECUTE FUNCTION favorites_published_count_sync();

-- A tag's page, newest first, walks one index whatever the tag's size: article_tags carries its
-- article's published_at (set once, on the first publish) beside the published flag.
ALTER TABLE article_tags ADD COLUMN published_at TEXT;
UPDATE article_tags at SET published_at = a.published_at FROM articles a WHERE a.id = at.article_id;
CREATE INDEX article_tags_newest_idx ON article_tags (tag_id, published_at DESC, article_id DESC)
    WHERE published = 1;

CREATE OR REPLACE FUNCTION article_tags_published_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags SET published = CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END,
                            published_at = NEW.published_at
     WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
