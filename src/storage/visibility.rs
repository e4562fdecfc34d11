//! Who sees what, and who may act on whom: the rules of drafts, blocks, hidden content and
//! suspensions, written once as the SQL every read and write of storage shares, so that every
//! interface (the API, the website) gets them by calling storage.
//!
//! - **Status.** A draft is seen by its author only; an unlisted article by anyone who has its
//!   (unguessable) link; a published one by everyone, in every list too.
//! - **Hidden.** What moderation took out of sight: a suspended author's articles and comments
//!   (`hidden`), kept for their reinstatement. Nobody reads them, lists them, counts them,
//!   reports them, reacts to them or is notified of them; they answer as if they did not exist.
//! - **Block.** Someone the author of an article or comment has blocked cannot follow them,
//!   comment on their articles, reply to their comments, favorite or clap for their articles.
//!   Neither sees the other's comments (either way round), nor is told of them; the blocker is
//!   not told of anything the other did before (a follow, a favorite, a clap). Reading, saving
//!   and reporting the other's articles stay open: a public article is public, a bookmark tells
//!   nobody anything, and abuse must stay reportable.
//! - **Suspension.** The account cannot sign in or use its tokens, and its articles and comments
//!   are hidden until it is reinstated. An article or comment written by a request that
//!   authenticated just before the suspension is checked again in its own transaction (see
//!   [`Db::may_publish`]), so it is refused or hidden with the rest, never left public.

use super::{Db, Engine};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Whether viewer `$1` (NULL when anonymous) may open article `a`: drafts only their author,
/// hidden articles nobody. Everything else opens by its link.
pub(super) const VISIBLE: &str = "(a.hidden = 0 AND (a.status <> 'draft' OR a.author_id = $1))";

/// Whether article `a` is in the public lists and counts: published and not hidden. The kept
/// totals follow the same condition (migration 20261125000007).
pub(super) const LISTED: &str = "a.status = 'published' AND a.hidden = 0";

/// Whether comment `c` is shown to viewer `$1` (NULL when anonymous): not hidden, and not by
/// someone the viewer blocked or who blocked the viewer (two lookups, one index each).
pub(super) const COMMENT_SHOWN: &str = "c.hidden = 0 \
     AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = $1 AND bl.blocked_id = c.author_id) \
     AND NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocked_id = $1 AND bl.blocker_id = c.author_id)";

/// Whether the author of article `a` has let user `$1` act on it: they have not blocked them.
pub(super) const AUTHOR_ALLOWS: &str =
    "NOT EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = a.author_id AND bl.blocked_id = $1)";

/// Whether the user `blocker` (an SQL expression) has blocked the user `blocked`.
pub(super) fn blocks(blocker: &str, blocked: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM blocks bl WHERE bl.blocker_id = {blocker} AND bl.blocked_id = {blocked})"
    )
}

/// PostgreSQL advisory locks of an account's standing live under this class ("QUIL" in ASCII),
/// keyed by the account's id (folded into 31 bits: two accounts sharing a key only wait for each
/// other a little).
const STANDING_LOCK_CLASS: i64 = 0x5155_494C;

/// How a transaction holds an account's standing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// A write of new content, which many of the account's requests may do at once.
    Writing,
    /// A suspension, which waits for those writes and makes new ones wait for it.
    Changing,
}

impl Db {
    /// Takes the account's standing lock for the rest of `tx`. On PostgreSQL an advisory lock
    /// (not a lock on the account's row, which triggers update after other rows, so two of its
    /// own requests could deadlock); on SQLite `tx` already holds the database's one write lock.
    pub(super) async fn lock_standing(
        &self,
        tx: &mut Tx,
        user: i64,
        standing: Standing,
    ) -> Result<(), sqlx::Error> {
        if self.engine() == Engine::Sqlite {
            return Ok(());
        }
        let function = match standing {
            Standing::Writing => "pg_advisory_xact_lock_shared",
            Standing::Changing => "pg_advisory_xact_lock",
        };
        // The function returns `void`, which sqlx's `Any` driver cannot read: it runs in a
        // subquery whose volatile output the planner keeps.
        sqlx::query(&format!(
            "SELECT 1 AS locked FROM (SELECT {function}(\
                 CAST($1 AS INTEGER), CAST($2 % 2147483647 AS INTEGER))) AS standing"
        ))
        .bind(STANDING_LOCK_CLASS)
        .bind(user)
        .fetch_one(&mut **tx)
        .await
        .map(|_| ())
    }

    /// Whether `user` may publish new content (an article, a comment) in `tx`: their account is
    /// not suspended. Call it first in the transaction that writes; a suspension then either
    /// waits for that transaction and hides what it wrote, or has been committed before this
    /// reads it (each statement reads afresh, after the lock), and the write is refused.
    pub(super) async fn may_publish(&self, tx: &mut Tx, user: i64) -> Result<bool, sqlx::Error> {
        self.lock_standing(tx, user, Standing::Writing).await?;
        let row = sqlx::query("SELECT 1 AS good FROM users WHERE id = $1 AND suspended_at IS NULL")
            .bind(user)
            .fetch_optional(&mut **tx)
            .await?;
        Ok(row.is_some())
    }
}
