//! Moderation: blocks, reports, suspensions, roles and the audit log. Every admin action writes
//! its audit entry in the same transaction as the action itself.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::changes;
use super::comments::remove_comment;
use super::profiles::ProfileRow;
use super::visibility::{COMMENT_SHOWN, Standing as StandingLock, VISIBLE};
use super::{Db, retry_deadlocks};
use crate::domain::moderation::{AccountStanding, AuditEntry, Report, ReportKind, Resolution};
use crate::domain::now_timestamp;
use crate::domain::views::Profile;

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The outcome of filing a report.
pub enum Reporting {
    /// A new report.
    Filed(Report),
    /// The reporter's open report on the same content, unchanged.
    AlreadyOpen(Report),
    ArticleNotFound,
    CommentNotFound,
}

/// The outcome of closing a report.
pub enum Closing {
    Closed(Report),
    NotFound,
    /// It was resolved or dismissed before; the report as it stands.
    AlreadyClosed(Report),
}

/// The outcome of suspending or unsuspending an account.
pub enum Standing {
    /// The account as it stands now (also when it already stood so: nothing was written).
    Done(AccountStanding),
    NotFound,
    /// Admins do not suspend themselves.
    Yourself,
}

/// The outcome of blocking someone.
pub enum Blocking {
    /// The profile blocked, as the blocker now sees it (no follow either way).
    Done(Profile),
    NotFound,
    /// Nobody blocks themselves.
    Yourself,
}

/// Who does an admin action: an admin (by id), or the command line.
#[derive(Clone, Copy)]
pub enum Actor {
    Admin(i64),
    CommandLine,
}

impl Actor {
    fn id(self) -> Option<i64> {
        match self {
            Self::Admin(id) => Some(id),
            Self::CommandLine => None,
        }
    }
}

/// One page of a list newest first, and where the next one starts.
pub struct Paged<T> {
    pub items: Vec<T>,
    /// The id (and timestamp, for the cursor) of the last item, when more follow.
    pub next: Option<(String, i64)>,
}

/// Where a page of a newest-first list by id starts.
pub enum Start {
    Offset(i64),
    Before(i64),
}

const REPORT_COLUMNS: &str = "r.id, r.kind, r.target_id, r.target_slug, r.target_author, \
     r.target_text, r.reason, r.reporter, r.status, r.created_at, r.closed_at, r.closed_by, \
     CASE WHEN (r.kind = 'article' AND NOT EXISTS (SELECT 1 FROM articles ra WHERE ra.id = r.target_id)) \
            OR (r.kind = 'comment' AND NOT EXISTS \
                (SELECT 1 FROM comments rc WHERE rc.id = r.target_id AND rc.deleted_at IS NULL)) \
          THEN 1 ELSE 0 END AS removed";

fn report(row: &AnyRow) -> Result<Report, sqlx::Error> {
    let kind = ReportKind::parse(&row.try_get::<String, _>("kind")?)
        .map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(Report {
        id: row.try_get("id")?,
        kind,
        slug: row.try_get("target_slug")?,
        comment_id: match kind {
            ReportKind::Article => None,
            ReportKind::Comment => Some(row.try_get("target_id")?),
        },
        author: row.try_get("target_author")?,
        excerpt: row.try_get("target_text")?,
        reason: row.try_get("reason")?,
        reporter: row.try_get("reporter")?,
        status: row.try_get("status")?,
        removed: row.try_get::<i64, _>("removed")? == 1,
        created_at: row.try_get("created_at")?,
        closed_at: row.try_get("closed_at")?,
        closed_by: row.try_get("closed_by")?,
    })
}

fn standing(row: &AnyRow) -> Result<AccountStanding, sqlx::Error> {
    Ok(AccountStanding {
        username: row.try_get("username")?,
        role: row.try_get("role")?,
        suspended_at: row.try_get("suspended_at")?,
    })
}

/// Writes the audit entry of an admin action, in the action's transaction.
async fn audit(
    tx: &mut Tx,
    actor: Actor,
    action: &str,
    target: &str,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (actor, action, target, reason, created_at) \
         VALUES ((SELECT username FROM users WHERE id = $1), $2, $3, $4, $5)",
    )
    .bind(actor.id())
    .bind(action)
    .bind(target)
    .bind(reason)
    .bind(now_timestamp())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Closes the open reports on one piece of content, as the admin who removed it.
async fn resolve_reports_on(
    tx: &mut Tx,
    admin: i64,
    condition: &str,
    target: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE reports SET status = 'resolved', closed_at = $3, \
                closed_by = (SELECT username FROM users WHERE id = $2) \
         WHERE status = 'open' AND ({condition})"
    ))
    .bind(target)
    .bind(admin)
    .bind(now_timestamp())
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

impl Db {
    /// Whether `blocker` has blocked `blocked`.
    pub async fn blocks(&self, blocker: i64, blocked: i64) -> Result<bool, sqlx::Error> {
        let row =
            sqlx::query("SELECT 1 AS one FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
                .bind(blocker)
                .bind(blocked)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Idempotent. Follows between the two, either way, end with the block, as on Medium. What
    /// a block forbids and hides is in [`super::visibility`].
    pub async fn block(&self, blocker: i64, username: &str) -> Result<Blocking, sqlx::Error> {
        let Some(ProfileRow {
            id: blocked,
            mut profile,
        }) = self.profile(username, Some(blocker)).await?
        else {
            return Ok(Blocking::NotFound);
        };
        if blocker == blocked {
            return Ok(Blocking::Yourself);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
        )
        .bind(blocker)
        .bind(blocked)
        .bind(now_timestamp())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM follows WHERE (follower_id = $1 AND followee_id = $2) \
                                    OR (follower_id = $2 AND followee_id = $1)",
        )
        .bind(blocker)
        .bind(blocked)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        changes::changed();
        profile.following = false;
        Ok(Blocking::Done(profile))
    }

    /// Idempotent; follows ended by the block stay ended. The profile unblocked, or `None` if
    /// there is no such user.
    pub async fn unblock(
        &self,
        blocker: i64,
        username: &str,
    ) -> Result<Option<Profile>, sqlx::Error> {
        let delete = "DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2";
        self.undo_towards(blocker, username, delete).await
    }

    /// Reports an article `reporter` can see. One open report per reporter and article: a
    /// repeat (also a concurrent one) answers the open report.
    pub async fn report_article(
        &self,
        reporter: i64,
        slug: &str,
        reason: &str,
    ) -> Result<Reporting, sqlx::Error> {
        let filed = sqlx::query(&format!(
            "INSERT INTO reports (reporter_id, reporter, kind, target_id, target_slug, \
                                  target_author, target_text, reason, created_at) \
             SELECT $1, me.username, 'article', a.id, a.slug, u.username, a.title, $3, $4 \
             FROM articles a JOIN users u ON u.id = a.author_id JOIN users me ON me.id = $1 \
             WHERE a.slug = $2 AND {VISIBLE} \
             ON CONFLICT (reporter_id, kind, target_id) WHERE status = 'open' DO NOTHING \
             RETURNING id"
        ))
        .bind(reporter)
        .bind(slug)
        .bind(reason)
        .bind(now_timestamp())
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = filed {
            return Ok(Reporting::Filed(self.report(row.try_get("id")?).await?));
        }
        let Some(target) = self.target(slug, reporter).await? else {
            return Ok(Reporting::ArticleNotFound);
        };
        self.open_report_of(reporter, ReportKind::Article, target.id)
            .await
            .map(|r| r.map_or(Reporting::ArticleNotFound, Reporting::AlreadyOpen))
    }

    /// Reports a comment `reporter` is shown (see [`super::visibility`]) on an article they can
    /// see, as [`Db::report_article`] does. A comment hidden since, or across a block, answers
    /// not found, also to a reporter whose report on it is still open: never its text.
    pub async fn report_comment(
        &self,
        reporter: i64,
        slug: &str,
        comment: i64,
        reason: &str,
    ) -> Result<Reporting, sqlx::Error> {
        let filed = sqlx::query(&format!(
            "INSERT INTO reports (reporter_id, reporter, kind, target_id, target_slug, \
                                  target_author, target_text, reason, created_at) \
             SELECT $1, me.username, 'comment', c.id, a.slug, u.username, c.body, $4, $5 \
             FROM comments c JOIN articles a ON a.id = c.article_id \
             JOIN users u ON u.id = c.author_id JOIN users me ON me.id = $1 \
             WHERE a.slug = $2 AND c.id = $3 AND c.deleted_at IS NULL AND {VISIBLE} \
             AND {COMMENT_SHOWN} \
             ON CONFLICT (reporter_id, kind, target_id) WHERE status = 'open' DO NOTHING \
             RETURNING id"
        ))
        .bind(reporter)
        .bind(slug)
        .bind(comment)
        .bind(reason)
        .bind(now_timestamp())
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = filed {
            return Ok(Reporting::Filed(self.report(row.try_get("id")?).await?));
        }
        if self.target(slug, reporter).await?.is_none() {
            return Ok(Reporting::ArticleNotFound);
        }
        let shown = sqlx::query(&format!(
            "SELECT 1 AS shown FROM comments c JOIN articles a ON a.id = c.article_id \
             WHERE a.slug = $2 AND c.id = $3 AND c.deleted_at IS NULL AND {COMMENT_SHOWN}"
        ))
        .bind(reporter)
        .bind(slug)
        .bind(comment)
        .fetch_optional(&self.pool)
        .await?;
        if shown.is_none() {
            return Ok(Reporting::CommentNotFound);
        }
        self.open_report_of(reporter, ReportKind::Comment, comment)
            .await
            .map(|r| r.map_or(Reporting::CommentNotFound, Reporting::AlreadyOpen))
    }

    async fn open_report_of(
        &self,
        reporter: i64,
        kind: ReportKind,
        target: i64,
    ) -> Result<Option<Report>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports r \
             WHERE r.reporter_id = $1 AND r.kind = $2 AND r.target_id = $3 AND r.status = 'open'"
        ))
        .bind(reporter)
        .bind(kind.as_str())
        .bind(target)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(report).transpose()
    }

    async fn report(&self, id: i64) -> Result<Report, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        report(&row)
    }

    /// Reports in `status` (open ones, or those closed as `Resolution`), newest first.
    pub async fn reports(
        &self,
        status: Option<Resolution>,
        limit: i64,
        from: Start,
    ) -> Result<Paged<Report>, sqlx::Error> {
        // A constant of the statement, not a parameter: open reports have an index of their own.
        let status = status.map_or("open", Resolution::as_str);
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.status = '{status}' AND r.id < $1 \
             ORDER BY r.id DESC LIMIT $2 OFFSET $3"
        );
        let rows = newest_first(&self.pool, &sql, limit, from).await?;
        page(rows, limit, report, |r| (r.created_at.clone(), r.id))
    }

    /// The audit log, newest first.
    pub async fn audit_log(
        &self,
        limit: i64,
        from: Start,
    ) -> Result<Paged<AuditEntry>, sqlx::Error> {
        let sql = "SELECT id, actor, action, target, reason, created_at FROM audit_log \
                   WHERE id < $1 ORDER BY id DESC LIMIT $2 OFFSET $3";
        let rows = newest_first(&self.pool, sql, limit, from).await?;
        page(
            rows,
            limit,
            |row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    reason: row.try_get("reason")?,
                    created_at: row.try_get("created_at")?,
                })
            },
            |e| (e.created_at.clone(), e.id),
        )
    }

    /// Resolves or dismisses an open report.
    pub async fn close_report(
        &self,
        admin: i64,
        id: i64,
        resolution: Resolution,
        reason: Option<&str>,
    ) -> Result<Closing, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let closed = sqlx::query(
            "UPDATE reports SET status = $3, closed_at = $4, \
                    closed_by = (SELECT username FROM users WHERE id = $2) \
             WHERE id = $1 AND status = 'open' RETURNING id",
        )
        .bind(id)
        .bind(admin)
        .bind(resolution.as_str())
        .bind(now_timestamp())
        .fetch_optional(&mut *tx)
        .await?;
        if closed.is_none() {
            tx.rollback().await?;
            let row = sqlx::query(&format!(
                "SELECT {REPORT_COLUMNS} FROM reports r WHERE r.id = $1"
            ))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            return Ok(match row {
                Some(row) => Closing::AlreadyClosed(report(&row)?),
                None => Closing::NotFound,
            });
        }
        let action = match resolution {
            Resolution::Resolved => "report.resolve",
            Resolution::Dismissed => "report.dismiss",
        };
        audit(
            &mut tx,
            Actor::Admin(admin),
            action,
            &id.to_string(),
            reason,
        )
        .await?;
        tx.commit().await?;
        Ok(Closing::Closed(self.report(id).await?))
    }

    /// Deletes any article (drafts and hidden ones too) and closes the open reports on it and
    /// its comments; `false` if there is none.
    pub async fn remove_article(
        &self,
        admin: i64,
        slug: &str,
        reason: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query("SELECT id FROM articles WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *tx)
            .await?
        else {
            tx.rollback().await?;
            return Ok(false);
        };
        let id: i64 = row.try_get("id")?;
        resolve_reports_on(
            &mut tx,
            admin,
            "(kind = 'article' AND target_id = $1) OR (kind = 'comment' AND target_id IN \
             (SELECT id FROM comments WHERE article_id = $1))",
            id,
        )
        .await?;
        sqlx::query("DELETE FROM articles WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, Actor::Admin(admin), "article.remove", slug, reason).await?;
        tx.commit().await?;
        changes::changed();
        Ok(true)
    }

    /// Deletes any comment (a tombstone stays when it has replies) and closes the open reports
    /// on it; `false` if there is none.
    pub async fn remove_comment(
        &self,
        admin: i64,
        id: i64,
        reason: Option<&str>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(
            "SELECT a.slug FROM comments c JOIN articles a ON a.id = c.article_id \
             WHERE c.id = $1 AND c.deleted_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            tx.rollback().await?;
            return Ok(false);
        };
        let slug: String = row.try_get("slug")?;
        resolve_reports_on(&mut tx, admin, "kind = 'comment' AND target_id = $1", id).await?;
        remove_comment(&mut tx, id).await?;
        let target = format!("{slug}#{id}");
        audit(
            &mut tx,
            Actor::Admin(admin),
            "comment.remove",
            &target,
            reason,
        )
        .await?;
        tx.commit().await?;
        changes::changed();
        Ok(true)
    }

    /// Suspends or reinstates `username`. The account's tokens stop (or start again) working
    /// from the next request, which reads the flag; a suspension hides the account's articles
    /// and comments until it ends. Setting what already
    /// stands writes no audit entry.
    pub async fn set_suspension(
        &self,
        admin: i64,
        username: &str,
        suspend: bool,
        reason: Option<&str>,
    ) -> Result<Standing, sqlx::Error> {
        retry_deadlocks(move || self.try_set_suspension(admin, username, suspend, reason)).await
    }

    async fn try_set_suspension(
        &self,
        admin: i64,
        username: &str,
        suspend: bool,
        reason: Option<&str>,
    ) -> Result<Standing, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        if suspend {
            let account = sqlx::query("SELECT id FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(account) = account {
                // Waits for the account's articles and comments being written (see
                // `Db::may_publish`), which the hiding below then finds; later ones are refused.
                self.lock_standing(&mut tx, account.try_get("id")?, StandingLock::Changing)
                    .await?;
            }
        }
        let changed = if suspend {
            sqlx::query(
                "UPDATE users SET suspended_at = $2 \
                 WHERE username = $1 AND suspended_at IS NULL AND id <> $3 RETURNING id",
            )
            .bind(username)
            .bind(now_timestamp())
        } else {
            sqlx::query(
                "UPDATE users SET suspended_at = NULL \
                 WHERE username = $1 AND suspended_at IS NOT NULL AND id <> $2 RETURNING id",
            )
            .bind(username)
        }
        .bind(admin)
        .fetch_optional(&mut *tx)
        .await?;
        if changed.is_some() {
            let action = if suspend {
                "user.suspend"
            } else {
                "user.unsuspend"
            };
            audit(&mut tx, Actor::Admin(admin), action, username, reason).await?;
            tx.commit().await?;
            changes::changed();
        } else {
            tx.rollback().await?;
        }
        let row =
            sqlx::query("SELECT id, username, role, suspended_at FROM users WHERE username = $1")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else {
            return Ok(Standing::NotFound);
        };
        let id: i64 = row.try_get("id")?;
        if id == admin {
            return Ok(Standing::Yourself);
        }
        // Also when nothing changed: a request that failed half-way is finished by repeating it.
        self.sync_hidden(id).await?;
        Ok(Standing::Done(standing(&row)?))
    }

    /// Brings the hidden flag of `author`'s articles and comments in line with the account's
    /// suspension, one row per statement; triggers move every kept count (site, author, tags,
    /// favorites, an article's comments) with each. One row per transaction locks what a status
    /// change or a comment locks, in the same order: one transaction over all of them
    /// deadlocked on PostgreSQL with a concurrent account deletion whose articles shared
    /// favoriters. Each statement reads the flag afresh, so concurrent (un)suspensions converge
    /// on the last one.
    async fn sync_hidden(&self, author: i64) -> Result<(), sqlx::Error> {
        const SUSPENDED: &str = "(SELECT CASE WHEN u.suspended_at IS NULL THEN 0 ELSE 1 END \
             FROM users u WHERE u.id = $1)";
        for table in ["articles", "comments"] {
            let statement = format!(
                "UPDATE {table} SET hidden = {SUSPENDED} WHERE id = \
                 (SELECT t.id FROM {table} t WHERE t.author_id = $1 AND t.hidden <> {SUSPENDED} \
                  LIMIT 1) \
                 AND hidden <> {SUSPENDED}"
            );
            while sqlx::query(&statement)
                .bind(author)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0
            {
                changes::changed();
            }
        }
        Ok(())
    }

    /// Grants or revokes the admin role (`quill admin`); `None` if there is no such user.
    pub async fn set_role(
        &self,
        actor: Actor,
        username: &str,
        admin: bool,
    ) -> Result<Option<AccountStanding>, sqlx::Error> {
        let role = if admin { "admin" } else { "user" };
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query(
            "UPDATE users SET role = $2 WHERE username = $1 AND role <> $2 RETURNING id",
        )
        .bind(username)
        .bind(role)
        .fetch_optional(&mut *tx)
        .await?;
        if changed.is_some() {
            let action = if admin { "role.grant" } else { "role.revoke" };
            audit(&mut tx, actor, action, username, None).await?;
            tx.commit().await?;
            changes::changed();
        } else {
            tx.rollback().await?;
        }
        self.account(username).await
    }

    /// `username`'s role and suspension, as moderation sees them; `None` if there is no such
    /// user.
    pub async fn account(&self, username: &str) -> Result<Option<AccountStanding>, sqlx::Error> {
        let row = sqlx::query("SELECT username, role, suspended_at FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(standing).transpose()
    }
}

/// Runs a newest-first page query taking (before id, limit, offset).
async fn newest_first(
    pool: &sqlx::AnyPool,
    sql: &str,
    limit: i64,
    from: Start,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let (before, offset) = match from {
        Start::Offset(offset) => (i64::MAX, offset),
        Start::Before(id) => (id, 0),
    };
    // One more than the page, to know whether another follows.
    sqlx::query(sql)
        .bind(before)
        .bind(limit + 1)
        .bind(offset)
        .fetch_all(pool)
        .await
}

fn page<T>(
    rows: Vec<AnyRow>,
    limit: i64,
    item: impl Fn(&AnyRow) -> Result<T, sqlx::Error>,
    key: impl Fn(&T) -> (String, i64),
) -> Result<Paged<T>, sqlx::Error> {
    let more = rows.len() as i64 > limit;
    let items = rows
        .iter()
        .take(limit as usize)
        .map(item)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if more { items.last().map(key) } else { None };
    Ok(Paged { items, next })
}
