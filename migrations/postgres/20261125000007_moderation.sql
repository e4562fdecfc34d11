-- Moderation: roles, suspensions (the account's articles hidden, not deleted), blocks, reports and
-- the audit log.

ALTER TABLE users
    ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    -- Set while the account is suspended: its tokens stop working and its content is hidden.
    ADD COLUMN suspended_at TEXT;

-- A suspended author's articles are hidden: kept with their status, but out of every list, count
-- and single read until the suspension ends. Every trigger that followed "published" now follows
-- "listed" (published and not hidden), so the kept totals stay exact through (un)suspensions.
ALTER TABLE articles ADD COLUMN hidden BIGINT NOT NULL DEFAULT 0;

DROP INDEX articles_published_idx;
CREATE INDEX articles_listed_idx ON articles (published_at DESC, id DESC)
    WHERE status = 'published' AND hidden = 0;

CREATE OR REPLACE FUNCTION article_counts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was INTEGER := CASE WHEN TG_OP <> 'INSERT' AND OLD.status = 'published' AND OLD.hidden = 0
                        THEN 1 ELSE 0 END;
    now_published INTEGER := CASE WHEN TG_OP <> 'DELETE' AND NEW.status = 'published' AND NEW.hidden = 0
                                  THEN 1 ELSE 0 END;
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
DROP TRIGGER article_counts_sync ON articles;
CREATE TRIGGER article_counts_sync AFTER INSERT OR UPDATE OF status, hidden ON articles
    FOR EACH ROW EXECUTE FUNCTION article_counts_sync();

CREATE OR REPLACE FUNCTION article_tags_published_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE article_tags
       SET published = CASE WHEN NEW.status = 'published' AND NEW.hidden = 0 THEN 1 ELSE 0 END,
           published_at = NEW.published_at
     WHERE article_id = NEW.id;
    RETURN NULL;
END
$$;
DROP TRIGGER article_tags_published_sync ON articles;
CREATE TRIGGER article_tags_published_sync AFTER UPDATE OF status, hidden ON articles
    FOR EACH ROW
    WHEN ((OLD.status = 'published' AND OLD.hidden = 0) IS DISTINCT FROM (NEW.status = 'published' AND NEW.hidden = 0))
    EXECUTE FUNCTION article_tags_published_sync();

-- The recheck of a new favorite's flag (see 20261125000004) follows "listed" too.
CREATE OR REPLACE FUNCTION favorites_published_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actual BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT CASE WHEN a.status = 'published' AND a.hidden = 0 THEN 1 ELSE 0 END INTO actual
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

-- A suspended author's comments are hidden too: out of every comment list and commentsCount,
-- which counts the comments neither deleted nor hidden.
ALTER TABLE comments ADD COLUMN hidden BIGINT NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION comments_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was INTEGER := CASE WHEN TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL AND OLD.hidden = 0
                        THEN 1 ELSE 0 END;
    counted INTEGER := CASE WHEN TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL AND NEW.hidden = 0
                            THEN 1 ELSE 0 END;
BEGIN
    IF counted <> was THEN
        UPDATE articles SET comments_count = comments_count + counted - was
         WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.article_id ELSE NEW.article_id END;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER comments_count_sync ON comments;
CREATE TRIGGER comments_count_sync AFTER INSERT OR UPDATE OF deleted_at, hidden OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_count_sync();

-- Blocks: the blocked user cannot follow the blocker or comment on or clap for their articles,
-- and neither sees the other's comments (looked up from both sides).
CREATE TABLE blocks (
    blocker_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT   NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id, blocker_id);

-- Reports keep a snapshot of what was reported (the article's slug, the author, the title or the
-- comment's text), so that they still say what they were about after the content or an account
-- is gone; ids are never reused, so (kind, target_id) names the content for good. One open
-- report per reporter and target.
CREATE TABLE reports (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reporter_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reporter      TEXT   NOT NULL,
    kind          TEXT   NOT NULL CHECK (kind IN ('article', 'comment')),
    target_id     BIGINT NOT NULL,
    target_slug   TEXT   NOT NULL,
    target_author TEXT   NOT NULL,
    target_text   TEXT   NOT NULL,
    reason        TEXT   NOT NULL,
    status        TEXT   NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    created_at    TEXT   NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT
);
CREATE UNIQUE INDEX reports_open_once ON reports (reporter_id, kind, target_id) WHERE status = 'open';
CREATE INDEX reports_open_idx ON reports (id) WHERE status = 'open';
CREATE INDEX reports_target_idx ON reports (kind, target_id) WHERE status = 'open';

-- Every admin action, written in the same transaction as the action. actor is the admin's
-- username then, or NULL for the command line.
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor      TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    reason     TEXT,
    created_at TEXT NOT NULL
);
