use sqlx::Row;
use sqlx::any::AnyRow;

use super::Db;
use super::changes;
use super::visibility::blocks;
use crate::domain::views::Profile;

/// A profile from a row's `username`, `bio`, `image` and `following` (0 or 1) columns.
pub(super) fn read_profile(row: &AnyRow) -> Result<Profile, sqlx::Error> {
    Ok(Profile {
        username: row.try_get("username")?,
        bio: row.try_get("bio")?,
        image: row.try_get("image")?,
        following: row.try_get::<i64, _>("following")? == 1,
    })
}

/// The outcome of following someone.
pub enum Following {
    /// The profile followed, as the follower now sees it.
    Done(Profile),
    NotFound,
    /// Nobody follows themselves.
    Yourself,
    /// The one to follow has blocked the follower.
    Blocked,
}

/// A profile together with the id the follow statements need.
pub struct ProfileRow {
    pub id: i64,
    pub profile: Profile,
}

impl Db {
    /// The profile of `username` as `viewer` sees it (`following` is false for anonymous viewers).
    pub async fn profile(
        &self,
        username: &str,
        viewer: Option<i64>,
    ) -> Result<Option<ProfileRow>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.bio, u.image, \
                    CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = $2 AND f.followee_id = u.id) \
                         THEN 1 ELSE 0 END AS following \
             FROM users u WHERE u.username = $1",
        )
        .bind(username)
        .bind(viewer)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ProfileRow {
                id: r.try_get("id")?,
                profile: read_profile(&r)?,
            })
        })
        .transpose()
    }

    /// Idempotent: following twice is one follow. Someone who blocked the follower is not
    /// followed by them (checked in the same statement, so a block made meanwhile holds).
    pub async fn follow(&self, follower: i64, username: &str) -> Result<Following, sqlx::Error> {
        let Some(ProfileRow {
            id: followee,
            mut profile,
        }) = self.profile(username, Some(follower)).await?
        else {
            return Ok(Following::NotFound);
        };
        if follower == followee {
            return Ok(Following::Yourself);
        }
        let added = sqlx::query(&format!(
            "INSERT INTO follows (follower_id, followee_id) SELECT $1, $2 WHERE NOT {} \
             ON CONFLICT (follower_id, followee_id) DO NOTHING",
            blocks("$2", "$1")
        ))
        .bind(follower)
        .bind(followee)
        .execute(&self.pool)
        .await?;
        changes::changed_rows(added.rows_affected());
        if added.rows_affected() == 0 && self.blocks(followee, follower).await? {
            return Ok(Following::Blocked);
        }
        profile.following = true;
        Ok(Following::Done(profile))
    }

    /// Idempotent; the profile unfollowed, or `None` if there is no such user.
    pub async fn unfollow(
        &self,
        follower: i64,
        username: &str,
    ) -> Result<Option<Profile>, sqlx::Error> {
        let delete = "DELETE FROM follows WHERE follower_id = $1 AND followee_id = $2";
        let profile = self.undo_towards(follower, username, delete).await?;
        Ok(profile.map(|profile| Profile {
            following: false,
            ..profile
        }))
    }

    /// Runs `delete` of what `actor` ($1) did towards the user `username` ($2), and answers that
    /// user's profile as `actor` saw it before; `None` if there is no such user.
    pub(super) async fn undo_towards(
        &self,
        actor: i64,
        username: &str,
        delete: &str,
    ) -> Result<Option<Profile>, sqlx::Error> {
        let Some(ProfileRow { id, profile }) = self.profile(username, Some(actor)).await? else {
            return Ok(None);
        };
        let done = sqlx::query(delete)
            .bind(actor)
            .bind(id)
            .execute(&self.pool)
            .await?;
        changes::changed_rows(done.rows_affected());
        Ok(Some(profile))
    }
}
