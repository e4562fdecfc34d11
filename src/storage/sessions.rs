//! Sessions: one per sign-in, with a fixed absolute lifetime. Every token names its session, so
//! deleting the row ends all of the session's tokens on every replica at once.

use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use crate::auth::SessionRef;

/// Rows deleted per statement when purging: small enough that no purge holds locks for long.
const PURGE_BATCH: i64 = 1_000;

/// Live sessions one user may hold; signing in again past this ends the oldest. Successful
/// sign-ins are not rate-limited, so without a cap someone holding a password could grow the
/// table at the speed of password checks.
pub const MAX_SESSIONS_PER_USER: i64 = 100;

/// The user behind a live session.
pub struct SessionUser {
    /// The current token epoch; tokens signed under another have been revoked.
    pub epoch: i64,
    pub admin: bool,
    pub suspended: bool,
}

/// A live session found by its id alone, as a page's cookie names it.
pub struct LiveSession {
    pub user_id: i64,
    pub username: String,
    pub expires_at: i64,
    pub user: SessionUser,
}

/// The user's side of a row holding `token_epoch`, `role` and `suspended_at`.
fn session_user(row: &AnyRow) -> Result<SessionUser, sqlx::Error> {
    Ok(SessionUser {
        epoch: row.try_get("token_epoch")?,
        admin: row.try_get::<String, _>("role")? == "admin",
        suspended: row.try_get::<Option<String>, _>("suspended_at")?.is_some(),
    })
}

/// The outcome of signing in.
pub enum SessionStart {
    Started(SessionRef),
    /// A suspended account gets no session; nothing was written.
    Suspended,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Db {
    /// Starts a session for `user_id` that ends `lifetime` from now, ending the user's oldest
    /// sessions past [`MAX_SESSIONS_PER_USER`], unless the account is suspended.
    pub async fn start_session(
        &self,
        user_id: i64,
        lifetime: Duration,
    ) -> Result<SessionStart, sqlx::Error> {
        let created_at = chrono::Utc::now().timestamp_millis();
        let session = SessionRef {
            id: uuid::Uuid::new_v4().simple().to_string(),
            expires_at: now().saturating_add(lifetime.as_secs() as i64),
        };
        let mut tx = self.begin_write().await?;
        let suspended = sqlx::query(
            "SELECT 1 AS suspended FROM users WHERE id = $1 AND suspended_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if suspended.is_some() {
            return Ok(SessionStart::Suspended);
        }
        sqlx::query(
            "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&session.id)
        .bind(user_id)
        .bind(created_at)
        .bind(session.expires_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND id NOT IN \
             (SELECT id FROM sessions WHERE user_id = $1 \
              ORDER BY created_at DESC, id DESC LIMIT $2)",
        )
        .bind(user_id)
        .bind(MAX_SESSIONS_PER_USER)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(SessionStart::Started(session))
    }

    /// What the token's user is now, if `session_id` is a live session of `user_id`: the one
    /// query that authenticates a request, so a suspension or a change of role counts from the
    /// next request on, on every replica.
    pub async fn session_user(
        &self,
        user_id: i64,
        session_id: &str,
    ) -> Result<Option<SessionUser>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT users.token_epoch, users.role, users.suspended_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.id = $1 AND sessions.user_id = $2 AND sessions.expires_at > $3",
        )
        .bind(session_id)
        .bind(user_id)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(session_user).transpose()
    }

    /// The live session `session_id` and its user: the one query that authenticates a page.
    pub async fn live_session(&self, session_id: &str) -> Result<Option<LiveSession>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT sessions.user_id, sessions.expires_at, users.username, users.token_epoch, \
                    users.role, users.suspended_at \
             FROM sessions JOIN users ON users.id = sessions.user_id \
             WHERE sessions.id = $1 AND sessions.expires_at > $2",
        )
        .bind(session_id)
        .bind(now())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LiveSession {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                expires_at: r.try_get("expires_at")?,
                user: session_user(&r)?,
            })
        })
        .transpose()
    }

    /// Ends one session (logout).
    pub async fn end_session(&self, session_id: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of the user ("sign out everywhere"). The token epoch moves too, so a
    /// request that authenticated just before cannot still change the account afterwards.
    pub async fn end_all_sessions(&self, user_id: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE users SET token_epoch = token_epoch + 1 WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Deletes expired sessions in small batches; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64, sqlx::Error> {
        self.purge_in_batches(
            "DELETE FROM sessions WHERE id IN \
             (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2)",
            now(),
        )
        .await
    }

    /// Runs a batched `DELETE` (taking a cutoff as $1 and the batch size as $2) until it deletes
    /// less than a full batch.
    pub(crate) async fn purge_in_batches(
        &self,
        statement: &str,
        cutoff: i64,
    ) -> Result<u64, sqlx::Error> {
        let mut total = 0;
        loop {
            let deleted = sqlx::query(statement)
                .bind(cutoff)
                .bind(PURGE_BATCH)
                .execute(&self.pool)
                .await?
                .rows_affected();
            total += deleted;
            if deleted < PURGE_BATCH as u64 {
                return Ok(total);
            }
        }
    }
}
