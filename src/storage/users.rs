use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, is_unique_violation};
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
}

/// What the auth check needs to know about a token's user.
pub struct TokenState {
    pub token_epoch: i64,
    pub revoked: bool,
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

    /// Applies `changes`; a new password also bumps the token epoch, revoking older tokens.
    /// `None` when the account no longer exists.
    pub async fn update_account(
        &self,
        id: i64,
        changes: AccountChanges,
    ) -> Result<Option<Result<Account, Taken>>, sqlx::Error> {
        let taken = self
            .taken(changes.username.as_deref(), changes.email.as_deref(), id)
            .await?;
        if taken.any() {
            return Ok(Some(Err(taken)));
        }
        let (set_bio, bio) = split(changes.bio);
        let (set_image, image) = split(changes.image);
        let updated = sqlx::query(&format!(
            "UPDATE users SET \
                username = COALESCE($2, username), \
                email = COALESCE($3, email), \
                password_hash = COALESCE($4, password_hash), \
                token_epoch = token_epoch + $5, \
                bio = CASE WHEN $6 = 1 THEN $7 ELSE bio END, \
                image = CASE WHEN $8 = 1 THEN $9 ELSE image END, \
                updated_at = $10 \
             WHERE id = $1 RETURNING {ACCOUNT_COLUMNS}"
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
        .fetch_optional(&self.pool)
        .await;
        match updated {
            Ok(row) => row.as_ref().map(|r| account(r).map(Ok)).transpose(),
            Err(e) if is_unique_violation(&e) => Ok(Some(Err(self
                .taken_after_conflict(changes.username.as_deref(), changes.email.as_deref(), id)
                .await?))),
            Err(e) => Err(e),
        }
    }

    /// Deletes the account; its articles, comments, favorites and follows go with it.
    pub async fn delete_account(&self, id: i64) -> Result<bool, sqlx::Error> {
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// `None` when the user is gone.
    pub async fn token_state(
        &self,
        user_id: i64,
        jti: &str,
    ) -> Result<Option<TokenState>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT token_epoch, \
                    CASE WHEN EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = $2) THEN 1 ELSE 0 END AS revoked \
             FROM users WHERE id = $1",
        )
        .bind(user_id)
        .bind(jti)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TokenState {
                token_epoch: r.try_get("token_epoch")?,
                revoked: r.try_get::<i64, _>("revoked")? == 1,
            })
        })
        .transpose()
    }

    /// Revokes one token until its expiry, and forgets revocations whose tokens expired anyway.
    pub async fn revoke_token(&self, jti: &str, expires_at: i64) -> Result<(), sqlx::Error> {
        let now = chrono::Utc::now().timestamp();
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// A tri-state change as the flag and value the UPDATE statement takes.
fn split(change: Option<Option<String>>) -> (i64, Option<String>) {
    match change {
        Some(value) => (1, value),
        None => (0, None),
    }
}
