-- Notifications: a new follower, a comment on one's article, a reply to one's comment, favorites
-- and claps on one's article (one notification per article, kind and UTC day, counting distinct
-- people), a new article from a followed author. Written by the triggers below in the same
-- statement as the action that causes them, whatever path writes it, except a new article's:
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
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL
                         CHECK (kind IN ('follow', 'comment', 'reply', 'article', 'favorite', 'clap')),
    subject_id   INTEGER NOT NULL,
    day          TEXT    NOT NULL DEFAULT '',
    -- The one actor of a follow, comment, reply or article; NULL for favorites and claps, whose
    -- actors are in notification_actors.
    actor_id     INTEGER REFERENCES users (id) ON DELETE CASCADE,
    article_id   INTEGER REFERENCES articles (id) ON DELETE CASCADE,
    comment_id   INTEGER REFERENCES comments (id) ON DELETE CASCADE,
    actors_count INTEGER NOT NULL DEFAULT 1,
    is_read      INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL,
    -- When the last actor joined.
    updated_at   TEXT    NOT NULL
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
    notification_id INTEGER NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    actor_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_latest_idx ON notification_actors (notification_id, created_at, actor_id);
CREATE INDEX notification_actors_actor_idx ON notification_actors (actor_id);

-- A new actor brings the notification back as unread.
CREATE TRIGGER notification_actors_insert AFTER INSERT ON notification_actors
    WHEN NOT EXISTS (SELECT 1 FROM bulk_loads)
BEGIN
    UPDATE notifications SET actors_count = actors_count + 1, updated_at = NEW.created_at, is_read = 0
     WHERE id = NEW.notification_id;
END;
-- An actor whose account is deleted leaves the count; the last one takes the notification along.
CREATE TRIGGER notification_actors_delete AFTER DELETE ON notification_actors
BEGIN
    UPDATE notifications SET actors_count = actors_count - 1 WHERE id = OLD.notification_id;
    DELETE FROM notifications WHERE id = OLD.notification_id AND actors_count = 0;
END;

-- SQLite triggers cannot call a procedure: a row inserted into this view is one actor's
-- favorite or clap on an article, and its INSTEAD OF trigger writes it as one.
CREATE VIEW notification_aggregates (recipient_id, kind, article_id, actor_id) AS
    SELECT NULL, NULL, NULL, NULL WHERE 0;

CREATE TRIGGER notification_aggregates_insert INSTEAD OF INSERT ON notification_aggregates
    WHEN NEW.recipient_id <> NEW.actor_id
BEGIN
    INSERT INTO notifications (recipient_id, kind, subject_id, day, article_id, actors_count,
                               created_at, updated_at)
    SELECT NEW.recipient_id, NEW.kind, NEW.article_id, strftime('%Y-%m-%d', 'now'), NEW.article_id, 0,
           strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
     WHERE true
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
    INSERT INTO notification_actors (notification_id, actor_id, created_at)
    SELECT n.id, NEW.actor_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM notifications n
     WHERE n.recipient_id = NEW.recipient_id AND n.kind = NEW.kind AND n.subject_id = NEW.article_id
       AND n.day = strftime('%Y-%m-%d', 'now')
    ON CONFLICT (notification_id, actor_id) DO NOTHING;
END;

CREATE TRIGGER favorites_notify AFTER INSERT ON favorites
    WHEN NOT EXISTS (SELECT 1 FROM bulk_loads)
BEGIN
    INSERT INTO notification_aggregates (recipient_id, kind, article_id, actor_id)
    SELECT a.author_id, 'favorite', a.id, NEW.user_id FROM articles a WHERE a.id = NEW.article_id;
END;

-- Only a reader's first clap on an article inserts their row; more claps update it.
CREATE TRIGGER claps_notify AFTER INSERT ON claps
    WHEN NOT EXISTS (SELECT 1 FROM bulk_loads)
BEGIN
    INSERT INTO notification_aggregates (recipient_id, kind, article_id, actor_id)
    SELECT a.author_id, 'clap', a.id, NEW.user_id FROM articles a WHERE a.id = NEW.article_id;
END;

CREATE TRIGGER follows_notify AFTER INSERT ON follows
    WHEN NEW.follower_id <> NEW.followee_id AND NOT EXISTS (SELECT 1 FROM bulk_loads)
BEGIN
    INSERT INTO notifications (recipient_id, kind, subject_id, actor_id, created_at, updated_at)
    VALUES (NEW.followee_id, 'follow', NEW.follower_id, NEW.follower_id,
            strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING;
END;

-- A reply notifies the author of the comment it answers, and a comment the article's author,
-- once: the article's author answered on their own comment gets the reply only.
CREATE TRIGGER comments_notify AFTER INSERT ON comments
    WHEN NOT EXISTS (SELECT 1 FROM bulk_loads)
BEGIN
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
END;

-- A comment deleted but kept for its replies is gone for its notifications too.
CREATE TRIGGER comments_unnotify AFTER UPDATE OF deleted_at ON comments
    WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
BEGIN
    DELETE FROM notifications WHERE comment_id = NEW.id;
END;
