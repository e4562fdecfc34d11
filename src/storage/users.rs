use std::time::Duration;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::changes;
use super::comments::sweep_tombstones;
use super::{Db, is_unique_violation, retry_deadlocks};
use crate::domain::now_timestamp;

/// A user's own account, as stored.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub token_epoch: i64,
}

/// Which unique fields another account already holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Taken {
    pub username: bool,
    pub email: bool,
}

impl Taken {
    pub fn any(&self) -> bool {
        self.username || self.email
    }
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub bio: Option<Option<String>>,
    pub image: Option<Option<String>>,
    /// The caller gave the account's current password with the change.
    pub reauthenticated: bool,
}

/// How long after signing in a session may change the account's email or password without
/// giving the current password again: long enough for a client that has just signed a user up
/// or in to finish setting the account up, too short for a token taken later to take the
/// account over.
pub const FRESH_SIGN_IN: Duration = Duration::from_secs(5 * 60);

/// What came of an account update.
#[derive(Debug)]
pub enum AccountUpdate {
    Done(Account),
    /// Another account holds the username or email.
    Taken(Taken),
    /// The account is gone or the caller's token no longer holds.
    NotHeld,
    /// A new email or password needs the current password: the session is not fresh.
    NeedsPassword,
}

/// Who asks for a change to their own account: the session and token epoch of their token.
pub struct Caller<'a> {
    pub user_id: i64,
    pub session_id: &'a str,
    pub epoch: i64,
}

/// The condition on a `users` row that the caller's token still holds: no password change
/// since it was signed (on PostgreSQL, a concurrent one that commits first makes the row fail
/// the re-check) and its session is live. Takes the token epoch as parameter `$first`, then the
/// session id and the current time.
fn caller_holds(first: u8) -> String {
    format!(
        "token_epoch = ${first} AND EXISTS (SELECT 1 FROM sessions WHERE sessions.id = ${} \
         AND sessions.user_id = users.id AND sessions.expires_at > ${})",
        first + 1,
        first + 2
    )
}

const ACCOUNT_COLUMNS: &str = "id, username, email, password_hash, bio, image, token_epoch";

fn account(row: &AnyRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        email: row.try_get("email")?,
        password_hash: row.try_get("password_hash")?,
        bio: row.try_get("bio")?,
        image: row.try_get("image")?,
        token_epoch: row.try_get("token_epoch")?,
    })
}

impl Db {
    /// Which of `username` / `email` belong to an account other than `except`.
    async fn taken(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        except: i64,
    ) -> Result<Taken, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT CASE WHEN username = $1 THEN 1 ELSE 0 END AS u, \
                    CASE WHEN lower(email) = lower($2) THEN 1 ELSE 0 END AS e \
             FROM users WHERE (username = $1 OR lower(email) = lower($2)) AND id <> $3",
        )
        .bind(username.unwrap_or_default())
        .bind(email.unwrap_or_default())
        .bind(except)
        .fetch_all(&self.pool)
        .await?;
        let mut taken = Taken::default();
        for row in rows {
            taken.username |= username.is_some() && row.try_get::<i64, _>("u")? == 1;
            taken.email |= email.is_some() && row.try_get::<i64, _>("e")? == 1;
        }
        Ok(taken)
    }

    /// What a unique violation hit: a concurrent request took a value between our check and
    /// our write. Should that row be gone again already, the username is the likelier culprit.
    async fn taken_after_conflict(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        except: i64,
    ) -> Result<Taken, sqlx::Error> {
        let taken = self.taken(username, email, except).await?;
        Ok(if taken.any() {
            taken
        } else {
            Taken {
                username: username.is_some(),
                email: username.is_none(),
            }
        })
    }

    /// Creates an account, or says which unique fields are taken (also when another request
    /// took them between the check and the insert).
    pub async fn create_account(
        &self,
        username: &str,
        email: &str,
        password_hash: &str,
    ) -> Result<Result<Account, Taken>, sqlx::Error> {
        let taken = self.taken(Some(username), Some(email), 0).await?;
        if taken.any() {
            return Ok(Err(taken));
        }
        let now = now_timestamp();
        let inserted = sqlx::query(&format!(
            "INSERT INTO users (username, email, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) RETURNING {ACCOUNT_COLUMNS}"
        ))
        .bind(username)
        .bind(email)
        .bind(password_hash)
        .bind(&now)
        .fetch_one(&self.pool)
        .await;
        match inserted {
            Ok(row) => Ok(Ok(account(&row)?)),
            Err(e) if is_unique_violation(&e) => Ok(Err(self
                .taken_after_conflict(Some(username), Some(email), 0)
                .await?)),
            Err(e) => Err(e),
        }
    }

    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users WHERE lower(email) = lower($1)"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>, sqlx::Error> {
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account).transpose()
    }

    /// Applies `changes` for the holder of `caller`'s token; a new password also bumps the token
    /// epoch (every older token stops working) and ends the user's other sessions. A new email
    /// or password (the current ones sent again are none) needs the current password, unless
    /// the session signed in within [`FRESH_SIGN_IN`]: a token alone must not be enough to take
    /// an account over. Whether the token still holds is checked by the very statement that
    /// writes, so a password change or logout that lands first always wins.
    pub async fn update_account(
        &self,
        caller: &Caller<'_>,
        changes: AccountChanges,
    ) -> Result<AccountUpdate, sqlx::Error> {
        let id = caller.user_id;
        let Some(row) = sqlx::query(
            "SELECT u.email, s.created_at FROM users u JOIN sessions s ON s.user_id = u.id \
             WHERE u.id = $1 AND s.id = $2",
        )
        .bind(id)
        .bind(caller.session_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(AccountUpdate::NotHeld);
        };
        let email: String = row.try_get("email")?;
        let signed_in_ms: i64 = row.try_get("created_at")?;
        let credentials = changes.password_hash.is_some()
            || changes
                .email
                .as_ref()
                .is_some_and(|new| !new.eq_ignore_ascii_case(&email));
        let fresh =
            chrono::Utc::now().timestamp_millis() - signed_in_ms < FRESH_SIGN_IN.as_millis() as i64;
        if credentials && !changes.reauthenticated && !fresh {
            return Ok(AccountUpdate::NeedsPassword);
        }
        let taken = self
            .taken(changes.username.as_deref(), changes.email.as_deref(), id)
            .await?;
        if taken.any() {
            return Ok(AccountUpdate::Taken(taken));
        }
        let (set_bio, bio) = split(changes.bio);
        let (set_image, image) = split(changes.image);
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(&format!(
            "UPDATE users SET \
                username = COALESCE($2, username), \
                email = COALESCE($3, email), \
                password_hash = COALESCE($4, password_hash), \
                token_epoch = token_epoch + $5, \
                bio = CASE WHEN $6 = 1 THEN $7 ELSE bio END, \
                image = CASE WHEN $8 = 1 THEN $9 ELSE image END, \
                updated_at = $10 \
             WHERE id = $1 AND {} RETURNING {ACCOUNT_COLUMNS}",
            caller_holds(11)
        ))
        .bind(id)
        .bind(changes.username.as_deref())
        .bind(changes.email.as_deref())
        .bind(changes.password_hash.as_deref())
        .bind(i64::from(changes.password_hash.is_some()))
        .bind(set_bio)
        .bind(bio)
        .bind(set_image)
        .bind(image)
        .bind(now_timestamp())
        .bind(caller.epoch)
        .bind(caller.session_id)
        .bind(chrono::Utc::now().timestamp())
        .fetch_optional(&mut *tx)
        .await;
        let account = match updated {
            Ok(Some(row)) => account(&row)?,
            Ok(None) => return Ok(AccountUpdate::NotHeld),
            Err(e) if is_unique_violation(&e) => {
                drop(tx);
                return Ok(AccountUpdate::Taken(
                    self.taken_after_conflict(
                        changes.username.as_deref(),
                        changes.email.as_deref(),
                        id,
                    )
                    .await?,
                ));
            }
            Err(e) => return Err(e),
        };
        if changes.password_hash.is_some() {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind(id)
                .bind(caller.session_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        changes::changed();
        Ok(AccountUpdate::Done(account))
    }

    /// Deletes the caller's account; its articles, comments, favorites, follows and sessions go
    /// with it. `false` when the caller's token no longer holds (checked in the same statement
    /// as the deletion, whose transaction then undoes the rest).
    ///
    /// The account's favorites, claps and articles go first, one kind at a time: their count
    /// triggers lock an article before a user row, as every other write does. Left to the
    /// cascade, the user row would be locked first, and PostgreSQL found deadlocks with
    /// concurrent favorites and article deletions.
    pub async fn delete_account(&self, caller: &Caller<'_>) -> Result<bool, sqlx::Error> {
        retry_deadlocks(move || self.try_delete_account(caller)).await
    }

    async fn try_delete_account(&self, caller: &Caller<'_>) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        for statement in [
            "DELETE FROM favorites WHERE user_id = $1",
            "DELETE FROM claps WHERE user_id = $1",
            "DELETE FROM articles WHERE author_id = $1",
        ] {
            sqlx::query(statement)
                .bind(caller.user_id)
                .execute(&mut *tx)
                .await?;
        }
        // The tombstones the account's comments answer may be emptied by the cascade.
        let answered: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT c.parent_id FROM comments c \
             JOIN comments p ON p.id = c.parent_id AND p.deleted_at IS NOT NULL \
             WHERE c.author_id = $1",
        )
        .bind(caller.user_id)
        .fetch_all(&mut *tx)
        .await?;
        let done = sqlx::query(&format!(
            "DELETE FROM users WHERE id = $1 AND {}",
            caller_holds(2)
        ))
        .bind(caller.user_id)
        .bind(caller.epoch)
        .bind(caller.session_id)
        .bind(chrono::Utc::now().timestamp())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        sweep_tombstones(&mut tx, answered).await?;
        tx.commit().await?;
        changes::changed();
        Ok(true)
    }
}

/// A tri-state change as the flag and value the UPDATE statement takes.
fn split(change: Option<Option<String>>) -> (i64, Option<String>) {
    match change {
        Some(value) => (1, value),
        None => (0, None),
    }
}
