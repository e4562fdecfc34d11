-- Moderation: roles, suspensions (the account's articles hidden, not deleted), blocks, reports and
-- the audit log.

ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin'));
-- Set while the account is suspended: its tokens stop working and its content is hidden.
ALTER TABLE users ADD COLUMN suspended_at TEXT;

-- A suspended author's articles are hidden: kept with their status, but out of every list, count
-- and single read until the suspension ends. Every trigger that followed "published" now follows
-- "listed" (published and not hidden), so the kept totals stay exact through (un)suspensions.
ALTER TABLE articles ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;

DROP INDEX articles_published_idx;
CREATE INDEX articles_listed_idx ON articles (published_at DESC, id DESC)
    WHERE status = 'published' AND hidden = 0;

DROP TRIGGER published_counts_insert;
DROP TRIGGER published_counts_publish;
DROP TRIGGER published_counts_unpublish;
DROP TRIGGER published_counts_delete;
DROP TRIGGER article_tags_published_sync;

CREATE TRIGGER published_counts_insert AFTER INSERT ON articles
    WHEN NEW.status = 'published' AND NEW.hidden = 0
BEGIN
    UPDATE published_counts SET articles = articles + 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count + 1 WHERE id = NEW.author_id;
END;
CREATE TRIGGER published_counts_publish AFTER UPDATE OF status, hidden ON articles
    WHEN NOT (OLD.status = 'published' AND OLD.hidden = 0) AND NEW.status = 'published' AND NEW.hidden = 0
BEGIN
    UPDATE published_counts SET articles = articles + 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count + 1 WHERE id = NEW.author_id;
    UPDATE favorites SET published = 1 WHERE article_id = NEW.id;
END;
CREATE TRIGGER published_counts_unpublish AFTER UPDATE OF status, hidden ON articles
    WHEN OLD.status = 'published' AND OLD.hidden = 0 AND NOT (NEW.status = 'published' AND NEW.hidden = 0)
BEGIN
    UPDATE published_counts SET articles = articles - 1 WHERE shard = NEW.id % 16;
    UPDATE users SET published_count = published_count - 1 WHERE id = NEW.author_id;
    UPDATE favorites SET published = 0 WHERE article_id = NEW.id;
END;
CREATE TRIGGER published_counts_delete AFTER DELETE ON articles
    WHEN OLD.status = 'published' AND OLD.hidden = 0
BEGIN
    UPDATE published_counts SET articles = articles - 1 WHERE shard = OLD.id % 16;
    UPDATE users SET published_count = published_count - 1 WHERE id = OLD.author_id;
END;
CREATE TRIGGER article_tags_published_sync AFTER UPDATE OF status, hidden ON articles
    WHEN (OLD.status = 'published' AND OLD.hidden = 0) IS NOT (NEW.status = 'published' AND NEW.hidden = 0)
BEGIN
    UPDATE article_tags
       SET published = CASE WHEN NEW.status = 'published' AND NEW.hidden = 0 THEN 1 ELSE 0 END,
           published_at = NEW.published_at
     WHERE article_id = NEW.id;
END;

-- A suspended author's comments are hidden too: out of every comment list and commentsCount.
ALTER TABLE comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER comments_count_tombstone;
DROP TRIGGER comments_count_delete;
CREATE TRIGGER comments_count_tombstone AFTER UPDATE OF deleted_at ON comments
    WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL AND NEW.hidden = 0
BEGIN
    UPDATE articles SET comments_count = comments_count - 1 WHERE id = NEW.article_id;
END;
CREATE TRIGGER comments_count_delete AFTER DELETE ON comments
    WHEN OLD.deleted_at IS NULL AND OLD.hidden = 0
BEGIN
    UPDATE articles SET comments_count = comments_count - 1 WHERE id = OLD.article_id;
END;
CREATE TRIGGER comments_count_hidden AFTER UPDATE OF hidden ON comments
    WHEN OLD.hidden IS NOT NEW.hidden AND NEW.deleted_at IS NULL
BEGIN
    UPDATE articles SET comments_count = comments_count + OLD.hidden - NEW.hidden
     WHERE id = NEW.article_id;
END;

-- Blocks: the blocked user cannot follow the blocker or comment on or clap for their articles,
-- and neither sees the other's comments (looked up from both sides).
CREATE TABLE blocks (
    blocker_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id, blocker_id);

-- Reports keep a snapshot of what was reported (the article's slug, the author, the title or the
-- comment's text), so that they still say what they were about after the content or an account
-- is gone; ids are never reused, so (kind, target_id) names the content for good. One open
-- report per reporter and target.
CREATE TABLE reports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reporter_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reporter      TEXT    NOT NULL,
    kind          TEXT    NOT NULL CHECK (kind IN ('article', 'comment')),
    target_id     INTEGER NOT NULL,
    target_slug   TEXT    NOT NULL,
    target_author TEXT    NOT NULL,
    target_text   TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at    TEXT    NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT
);
CREATE UNIQUE INDEX reports_open_once ON reports (reporter_id, kind, target_id) WHERE status = 'open';
CREATE INDEX reports_open_idx ON reports (id) WHERE status = 'open';
CREATE INDEX reports_target_idx ON reports (kind, target_id) WHERE status = 'open';

-- Every admin action, written in the same transaction as the action. actor is the admin's
-- username then, or NULL for the command line.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    actor      TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    reason     TEXT,
    created_at TEXT NOT NULL
);
