//! Notifications: read here, and a new article's told to its author's followers; the others are
//! written by the database's triggers in the same transaction as the follow, comment, favorite
//! or clap that causes them (see the migration).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::lists::{Page, Position};
use super::profiles::read_profile;
use super::visibility::{COMMENT_SHOWN, VISIBLE, blocks};
use crate::domain::views::{Notification, NotificationKind, NotifiedArticle, NotifiedComment};

/// `unreadCount` is counted up to this many; past it, it says this number, meaning "at least".
pub const UNREAD_CAP: i64 = 1000;

/// The recipient's (`$1`) notifications they may see, from `notifications n LEFT JOIN articles
/// a`, by the rules of [`super::visibility`]: one about an article the recipient may not open
/// (taken back to draft, hidden), or about a comment they are not shown (hidden, or across a
/// block either way), is not shown until that changes; nor is what someone the recipient
/// blocked did (an aggregate shows its latest other actor, or nothing when none is left). A new
/// article of someone the recipient blocked and then followed again is their own choice.
fn shown() -> String {
    format!(
        "n.recipient_id = $1 AND (n.article_id IS NULL OR {VISIBLE}) \
         AND (n.comment_id IS NULL OR EXISTS (SELECT 1 FROM comments c \
              WHERE c.id = n.comment_id AND {COMMENT_SHOWN})) \
         AND (n.kind = 'article' OR CASE WHEN n.actor_id IS NULL \
              THEN EXISTS (SELECT 1 FROM notification_actors na \
                           WHERE na.notification_id = n.id AND NOT {blocked_actor}) \
              ELSE NOT {blocked_single} END)",
        blocked_actor = blocks("$1", "na.actor_id"),
        blocked_single = blocks("$1", "n.actor_id"),
    )
}

/// The recipient's unread notifications, counted up to [`UNREAD_CAP`] over the unread index.
fn unread() -> String {
    format!(
        "(SELECT COUNT(*) FROM (SELECT 1 FROM notifications n \
          LEFT JOIN articles a ON a.id = n.article_id \
          WHERE {shown} AND n.is_read = 0 LIMIT {UNREAD_CAP}) unread)",
        shown = shown()
    )
}

/// A page of notifications, newest first, with the recipient's unread count.
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    pub unread: i64,
    pub next: Option<Position>,
}

fn notification(row: &AnyRow) -> Result<Notification, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let article = match row.try_get::<Option<String>, _>("slug")? {
        Some(slug) => Some(NotifiedArticle {
            slug,
            title: row.try_get("title")?,
        }),
        None => None,
    };
    let comment = match row.try_get::<Option<i64>, _>("comment_id")? {
        Some(id) => Some(NotifiedComment {
            id,
            body: row.try_get("comment_body")?,
        }),
        None => None,
    };
    Ok(Notification {
        id: row.try_get("id")?,
        kind: NotificationKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown notification kind {kind}").into())
        })?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        read: row.try_get::<i64, _>("is_read")? == 1,
        actor: read_profile(row)?,
        actors_count: row.try_get("actors_count")?,
        article,
        comment,
    })
}

/// Tells the author's followers of an article's first publish, in the transaction that wrote it:
/// one statement over the follows index. Nothing unless that write published the article for the
/// first time: the first publish stamps `published_at` with the write's `updated_at`, which any
/// later write moves past it. A follower is told once per article whatever happens later.
pub(super) async fn notify_followers(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    article: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (recipient_id, kind, subject_id, actor_id, article_id, \
                                    created_at, updated_at) \
         SELECT f.follower_id, 'article', a.id, a.author_id, a.id, a.published_at, a.published_at \
         FROM articles a JOIN follows f ON f.followee_id = a.author_id \
         WHERE a.id = $1 AND a.status = 'published' AND a.published_at = a.updated_at \
         ON CONFLICT (recipient_id, kind, subject_id, day) DO NOTHING",
    )
    .bind(article)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

impl Db {
    /// One page of `user`'s notifications, newest first (ids only grow), and how many are
    /// unread. An index walk from the page's position; the count stops at [`UNREAD_CAP`].
    pub async fn notifications(
        &self,
        user: i64,
        page: Page,
    ) -> Result<NotificationPage, sqlx::Error> {
        // The actor of a favorite or clap is its latest, read from the end of its actors' index.
        let head = format!(
            "SELECT n.id, n.kind, n.actors_count, n.is_read, n.created_at, n.updated_at, \
                    a.slug, a.title, c.id AS comment_id, c.body AS comment_body, \
                    u.username, u.bio, u.image, \
                    CASE WHEN EXISTS (SELECT 1 FROM follows f \
                                      WHERE f.follower_id = $1 AND f.followee_id = u.id) \
                         THEN 1 ELSE 0 END AS following, \
                    {unread} AS unread \
             FROM notifications n \
             LEFT JOIN articles a ON a.id = n.article_id \
             LEFT JOIN comments c ON c.id = n.comment_id \
             JOIN users u ON u.id = COALESCE(n.actor_id, \
                 (SELECT na.actor_id FROM notification_actors na WHERE na.notification_id = n.id \
                  AND NOT {blocked} ORDER BY na.created_at DESC, na.actor_id DESC LIMIT 1)) \
             WHERE {shown}",
            unread = unread(),
            shown = shown(),
            blocked = blocks("$1", "na.actor_id"),
        );
        // One more than the page, to know whether another page follows.
        let rows = match &page.from {
            Position::After { id, .. } => {
                sqlx::query(&format!("{head} AND n.id < $2 ORDER BY n.id DESC LIMIT $3"))
                    .bind(user)
                    .bind(*id)
                    .bind(page.limit + 1)
                    .fetch_all(&self.pool)
                    .await?
            }
            Position::Offset(offset) => {
                sqlx::query(&format!("{head} ORDER BY n.id DESC LIMIT $2 OFFSET $3"))
                    .bind(user)
                    .bind(page.limit + 1)
                    .bind(*offset)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        let more = rows.len() as i64 > page.limit;
        let rows = &rows[..rows.len().min(page.limit as usize)];
        let unread = match rows.first() {
            Some(row) => row.try_get("unread")?,
            None => self.unread_notifications(user).await?,
        };
        // The cursor has the article lists' shape; this list is keyed by the id alone.
        let next = match rows.last() {
            Some(last) if more => Some(Position::After {
                at: last.try_get("created_at")?,
                id: last.try_get("id")?,
            }),
            _ => None,
        };
        Ok(NotificationPage {
            notifications: rows.iter().map(notification).collect::<Result<_, _>>()?,
            unread,
            next,
        })
    }

    async fn unread_notifications(&self, user: i64) -> Result<i64, sqlx::Error> {
        sqlx::query(&format!("SELECT {} AS unread", unread()))
            .bind(user)
            .fetch_one(&self.pool)
            .await?
            .try_get("unread")
    }

    /// Marks `user`'s notifications read, all of them or those up to id `up_to` (the one the
    /// reader saw last and every older one, not those that arrived since). Returns how many are
    /// still unread.
    pub async fn mark_notifications_read(
        &self,
        user: i64,
        up_to: Option<i64>,
    ) -> Result<i64, sqlx::Error> {
        sqlx::query(
            "UPDATE notifications SET is_read = 1 \
             WHERE recipient_id = $1 AND is_read = 0 AND id <= $2",
        )
        .bind(user)
        .bind(up_to.unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        self.unread_notifications(user).await
    }
}
