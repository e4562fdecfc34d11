-- Notifications: a new follower, a comment on one's article, a reply to one's comment, favorites
-- and claps on one's article (one notification per article, kind and UTC day, counting distinct
-- people), a new article from a followed author. Written by the triggers below in the same
-- transaction as the action that causes them, whatever path writes it, except a new article's:
-- storage tells the followers in the publishing transaction, so that bulk writes of old articles
-- (quill seed, moving a site) do not fan out. Never for one's own action. A notification goes
-- with what it is about: its article, comment, recipient or (single) actor by foreign keys, an
-- aggregate with its last remaining actor.

-- While `quill import` or `quill seed` writes a site's history in bulk, a row here keeps the
-- triggers that record events quiet: an import brings its notifications as rows of their own (read
-- or not, counted as they were), and seeded history is not news. Kept counts are kept as always.
CREATE TABLE bulk_loads (started_at TEXT NOT NULL);

-- (recipient_id, kind, subject_id, day) is a notification's identity: one follow notification
-- per follower (following again adds none), one per comment, one per published article, one per
-- article and day for favorites and claps. subject_id is the follower, the comment or the
-- article; day is '' except for favorites and claps.
CREATE TABLE notifications (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT   NOT NULL
                        CHECK (kind IN ('follow', 'comment', 'reply', 'article', 'favorite', 'clap')),
    subject_id   BIGINT NOT NULL,
    day          TEXT   NOT NULL DEFAULT '',
    -- The one actor of a follow, comment, reply or article; NULL for favorites and claps, whose
    -- actors are in notification_actors.
    actor_id     BIGINT REFERENCES users (id) ON DELETE CASCADE,
    article_id   BIGINT REFERENCES articles (id) ON DELETE CASCADE,
    comment_id   BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    actors_count BIGINT NOT NULL DEFAULT 1,
    is_read      BIGINT NOT NULL DEFAULT 0,
    created_at   TEXT   NOT NULL,
    -- When the last actor joined.
    updated_at   TEXT   NOT NULL
);
CREATE UNIQUE INDEX notifications_subject_key ON notifications (recipient_id, kind, subject_id, day);
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, id);
CREATE INDEX notifications_unread_idx ON notifications (recipient_id, id) WHERE is_read = 0;
CREATE INDEX notifications_actor_idx ON notifications (actor_id);
CREATE INDEX notifications_article_idx ON notifications (article_id);
CREATE INDEX notifications_comment_idx ON notifications (comment_id);

-- The distinct people of a favorite or clap notification: a reader counts once however often
-- they clap, or unfavorite and favorite again. The triggers keep actors_count equal to the rows.
CREATE TABLE notification_actors (
    notification_id BIGINT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    actor_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT   NOT NULL,
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_latest_idx ON notification_actors (notification_id, created_at, actor_id);
CREATE INDEX notification_actors_actor_idx ON notification_actors (actor_id);

-- The time as quill writes it (RFC 3339, UTC, milliseconds), for the writes that carry none.
CREATE FUNCTION notification_now() RETURNS TEXT LANGUAGE sql STABLE AS $$
    SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A new actor brings the notification back as unread; an actor whose account is deleted leaves
-- the count, and the last one takes the notification along. The row lock of the update makes
-- concurrent actors count one by one.
CREATE FUNCTION notification_actors_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_loads) THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE notifications SET actors_count = actors_count + 1, updated_at = NEW.created_at, is_read = 0
         WHERE id = NEW.notification_id;
    ELSE
        UPDATE notifications SET actors_count = actors_count - 1 WHERE id = OLD.notification_id;
        DELETE FROM notifications WHERE id = OLD.notification_id AND actors_count = 0;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER notification_actors_count AFTER INSERT OR DELETE ON notification_actors
    FOR EACH ROW EXECUTE FUNCTION notification_actors_count();

-- A reader's favorite or clap (TG_ARGV[0] says which) on someone else's article. A concurrent
-- first one for the same article and day makes the insert wait for it and then do nothing; the
-- next statement's fresh snapshot sees the row it committed. These fire after
-- favorites_count_sync and claps_count_sync (triggers of one event fire in name order), so every
-- writer takes the article's row lock before the notification's.
CREATE FUNCTION notify_aggregate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamp TEXT := notification_now();
    recipient BIGINT;
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_loads) THEN
        RETURN NULL;
    END IF;
    SELECT a.author_id INTO recipient FROM articles a WHERE a.id = NEW.article_id;
    IF recipient IS NULL OR recipient = NEW.user_id THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications (recipient_id, kind, subject_id, day, article_id, actors_count,
                               created_at, updated_at)
    VALUES (recipient, TG_ARGV[0], NEW.article_id, left(stamp, 10), NEW.article_id, 0, stamp, stamp)
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
    INSERT INTO notification_actors (notification_id, actor_id, created_at)
    SELECT n.id, NEW.user_id, stamp FROM notifications n
     WHERE n.recipient_id = recipient AND n.kind = TG_ARGV[0] AND n.subject_id = NEW.article_id
       AND n.day = left(stamp, 10)
    ON CONFLICT (notification_id, actor_id) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER favorites_notify AFTER INSERT ON favorites
    FOR EACH ROW EXECUTE FUNCTION notify_aggregate('favorite');
-- Only a reader's first clap on an article inserts their row; more claps update it.
CREATE TRIGGER claps_notify AFTER INSERT ON claps
    FOR EACH ROW EXECUTE FUNCTION notify_aggregate('clap');

CREATE FUNCTION follows_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    stamp TEXT := notification_now();
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_loads) THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications (recipient_id, kind, subject_id, actor_id, created_at, updated_at)
    VALUES (NEW.followee_id, 'follow', NEW.follower_id, NEW.follower_id, stamp, stamp)
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER follows_notify AFTER INSERT ON follows
    FOR EACH ROW WHEN (NEW.follower_id <> NEW.followee_id) EXECUTE FUNCTION follows_notify();

-- A reply notifies the author of the comment it answers, and a comment the article's author,
-- once: the article's author answered on their own comment gets the reply only.
CREATE FUNCTION comments_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM bulk_loads) THEN
        RETURN NULL;
    END IF;
    INSERT INTO notifications (recipient_id, kind, subject_id, actor_id, article_id, comment_id,
                               created_at, updated_at)
    SELECT p.author_id, 'reply', NEW.id, NEW.author_id, NEW.article_id, NEW.id,
           NEW.created_at, NEW.created_at
      FROM comments p WHERE p.id = NEW.parent_id AND p.author_id <> NEW.author_id
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
    INSERT INTO notifications (recipient_id, kind, subject_id, actor_id, article_id, comment_id,
                               created_at, updated_at)
    SELECT a.author_id, 'comment', NEW.id, NEW.author_id, NEW.article_id, NEW.id,
           NEW.created_at, NEW.created_at
      FROM articles a WHERE a.id = NEW.article_id AND a.author_id <> NEW.author_id
       AND NOT EXISTS (SELECT 1 FROM comments p WHERE p.id = NEW.parent_id AND p.author_id = a.author_id)
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_notify AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_notify();

-- A comment deleted but kept for its replies is gone for its notifications too.
CREATE FUNCTION comments_unnotify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notifications WHERE comment_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER comments_unnotify AFTER UPDATE OF deleted_at ON comments
    FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL)
    EXECUTE FUNCTION comments_unnotify();
