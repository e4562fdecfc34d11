//! What a site export holds, table by table, and how its rows are read out and written back.
//! Only rows a user made are moved: counts kept by triggers (`favorites_count`, `articles_count`,
//! `published_count`...) are rebuilt by those same triggers as the rows go in, so an imported
//! site's counts are exact whatever the file says. Sessions, rate-limit counters and the search
//! index are not moved either: the first are per sign-in, the last is rebuilt by triggers too.

use futures_util::TryStreamExt;
use sqlx::Row;

use super::Db;
use super::bulk::Value;

/// How a column's values are written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Text,
}

/// One exported table: its columns in the order rows are written, and the key that orders them
/// (parents before children, so that self-references such as comment replies load in order).
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub order_by: &'static str,
    pub columns: &'static [(&'static str, Kind)],
}

use Kind::{Int, Text};

pub const USERS: Table = Table {
    name: "users",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("username", Text),
        ("email", Text),
        ("password_hash", Text),
        ("bio", Text),
        ("image", Text),
        ("token_epoch", Int),
        ("created_at", Text),
        ("updated_at", Text),
        ("role", Text),
        ("suspended_at", Text),
    ],
};

pub const FOLLOWS: Table = Table {
    name: "follows",
    order_by: "follower_id, followee_id",
    columns: &[("follower_id", Int), ("followee_id", Int)],
};

pub const TAGS: Table = Table {
    name: "tags",
    order_by: "id",
    columns: &[("id", Int), ("name", Text)],
};

pub const TAG_FOLLOWS: Table = Table {
    name: "tag_follows",
    order_by: "user_id, tag_id",
    columns: &[("user_id", Int), ("tag_id", Int)],
};

pub const ARTICLES: Table = Table {
    name: "articles",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("slug", Text),
        ("author_id", Int),
        ("title", Text),
        ("description", Text),
        ("tag_list", Text),
        ("status", Text),
        ("published_at", Text),
        ("reading_time_minutes", Int),
        ("created_at", Text),
        ("updated_at", Text),
        ("hidden", Int),
    ],
};

pub const ARTICLE_BODIES: Table = Table {
    name: "article_bodies",
    order_by: "article_id",
    columns: &[("article_id", Int), ("body", Text), ("body_html", Text)],
};

pub const ARTICLE_TAGS: Table = Table {
    name: "article_tags",
    order_by: "article_id, tag_id",
    columns: &[
        ("article_id", Int),
        ("tag_id", Int),
        ("published", Int),
        ("published_at", Text),
    ],
};

pub const FAVORITES: Table = Table {
    name: "favorites",
    order_by: "user_id, article_id",
    columns: &[("user_id", Int), ("article_id", Int), ("published", Int)],
};

pub const CLAPS: Table = Table {
    name: "claps",
    order_by: "user_id, article_id",
    columns: &[("user_id", Int), ("article_id", Int), ("claps", Int)],
};

pub const BOOKMARKS: Table = Table {
    name: "bookmarks",
    order_by: "user_id, article_id",
    columns: &[("user_id", Int), ("article_id", Int), ("created_at", Text)],
};

pub const COMMENTS: Table = Table {
    name: "comments",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("article_id", Int),
        ("author_id", Int),
        ("parent_id", Int),
        ("body", Text),
        ("body_html", Text),
        ("created_at", Text),
        ("updated_at", Text),
        ("deleted_at", Text),
        ("hidden", Int),
    ],
};

pub const BLOCKS: Table = Table {
    name: "blocks",
    order_by: "blocker_id, blocked_id",
    columns: &[
        ("blocker_id", Int),
        ("blocked_id", Int),
        ("created_at", Text),
    ],
};

pub const REPORTS: Table = Table {
    name: "reports",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("reporter_id", Int),
        ("reporter", Text),
        ("kind", Text),
        ("target_id", Int),
        ("target_slug", Text),
        ("target_author", Text),
        ("target_text", Text),
        ("reason", Text),
        ("status", Text),
        ("created_at", Text),
        ("closed_at", Text),
        ("closed_by", Text),
    ],
};

pub const AUDIT_LOG: Table = Table {
    name: "audit_log",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("actor", Text),
        ("action", Text),
        ("target", Text),
        ("reason", Text),
        ("created_at", Text),
    ],
};

/// Loaded as they were, read or not: the triggers that write notifications are quiet during a
/// bulk load (see [`Db::begin_bulk`]).
pub const NOTIFICATIONS: Table = Table {
    name: "notifications",
    order_by: "id",
    columns: &[
        ("id", Int),
        ("recipient_id", Int),
        ("kind", Text),
        ("subject_id", Int),
        ("day", Text),
        ("actor_id", Int),
        ("article_id", Int),
        ("comment_id", Int),
        ("actors_count", Int),
        ("is_read", Int),
        ("created_at", Text),
        ("updated_at", Text),
    ],
};

pub const NOTIFICATION_ACTORS: Table = Table {
    name: "notification_actors",
    order_by: "notification_id, actor_id",
    columns: &[
        ("notification_id", Int),
        ("actor_id", Int),
        ("created_at", Text),
    ],
};

/// References to stored images; the images themselves are files or bucket objects.
pub const UPLOADS: Table = Table {
    name: "uploads",
    order_by: "user_id, hash",
    columns: &[
        ("user_id", Int),
        ("hash", Text),
        ("ext", Text),
        ("size", Int),
        ("created_at", Text),
    ],
};

pub const UPLOAD_USAGE: Table = Table {
    name: "upload_usage",
    order_by: "user_id",
    columns: &[("user_id", Int), ("bytes", Int)],
};

/// Every exported table, in an order that loads: each table after those it refers to.
pub const TABLES: &[&Table] = &[
    &USERS,
    &FOLLOWS,
    &TAGS,
    &TAG_FOLLOWS,
    &ARTICLES,
    &ARTICLE_BODIES,
    &ARTICLE_TAGS,
    &FAVORITES,
    &CLAPS,
    &BOOKMARKS,
    &COMMENTS,
    &BLOCKS,
    &REPORTS,
    &AUDIT_LOG,
    &NOTIFICATIONS,
    &NOTIFICATION_ACTORS,
    &UPLOADS,
    &UPLOAD_USAGE,
];

/// Tables that are deliberately not exported, and why; a test checks that every table of the
/// schema is in [`TABLES`] or here, so a new table cannot be forgotten silently.
pub const NOT_EXPORTED: &[(&str, &str)] = &[
    ("sessions", "sign-ins: users sign in again on the new site"),
    (
        "revoked_tokens",
        "sign-outs of tokens that no longer verify",
    ),
    ("rate_limits", "short-lived abuse counters"),
    ("published_counts", "kept by triggers as articles load"),
    ("article_search", "search index, kept by triggers"),
    ("search_words", "the search index's words, kept by triggers"),
    ("_sqlx_migrations", "the new site runs its own migrations"),
    ("bulk_loads", "marks a loading transaction, never committed"),
    (
        "site_changes",
        "tells servers on a SQLite file that cached answers are stale",
    ),
];

/// The tables whose ids continue after an import.
pub fn tables_with_ids() -> impl Iterator<Item = &'static str> {
    TABLES
        .iter()
        .filter(|t| t.columns.first().is_some_and(|(c, _)| *c == "id"))
        .map(|t| t.name)
}

impl Table {
    pub fn column_names(&self) -> Vec<&'static str> {
        self.columns.iter().map(|(name, _)| *name).collect()
    }
}

/// The whole site as it stood at one instant, for an export: every table is read in one
/// transaction (PostgreSQL: a read-only `REPEATABLE READ` snapshot; SQLite: one read transaction,
/// whose snapshot is taken at its first read and held to its end), so rows written while the
/// export runs are in none of its tables or, had they committed before it began, in all of them.
/// Read table by table on their own, a comment could be exported without the article or user it
/// belongs to, and the file would not import.
pub struct Snapshot {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl Snapshot {
    /// Streams `table`'s rows in load order to `each`, one row at a time: memory stays flat
    /// however big the site.
    pub async fn for_each_row(
        &mut self,
        table: &Table,
        mut each: impl FnMut(Vec<Value>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_names().join(", "),
            table.name,
            table.order_by
        );
        let mut rows = sqlx::query(&sql).fetch(&mut *self.tx);
        while let Some(row) = rows.try_next().await? {
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(i, (_, kind))| {
                    Ok(match kind {
                        Int => Value::Int(row.try_get(i)?),
                        Text => Value::Text(row.try_get(i)?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            each(values)?;
        }
        Ok(())
    }

    /// Ends the snapshot's transaction (it wrote nothing).
    pub async fn finish(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Db {
    pub async fn snapshot(&self) -> Result<Snapshot, sqlx::Error> {
        let tx = match self.engine() {
            super::Engine::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?
            }
            super::Engine::Sqlite => self.pool.begin().await?,
        };
        Ok(Snapshot { tx })
    }

    /// Writes one batch of `table`'s rows, in bulk mode (see [`Db::begin_bulk`]). A comment that
    /// was deleted while it had replies (a tombstone), or hidden with its suspended author, goes
    /// in live and is then marked, one column at a time as the API does it, so the article's
    /// kept comment count comes out right.
    pub async fn load_rows(&self, table: &Table, rows: Vec<Vec<Value>>) -> anyhow::Result<()> {
        let columns = table.column_names();
        if table.name != COMMENTS.name {
            return Ok(self.insert_rows(table.name, &columns, &rows).await?);
        }
        let marks = ["deleted_at", "hidden"].map(|name| {
            let at = columns.iter().position(|c| *c == name);
            (name, at.expect("comments carry their marks"))
        });
        let mut marked: Vec<(i64, &str, Value)> = Vec::new();
        let rows: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|mut row| {
                let Value::Int(Some(id)) = row[0] else {
                    return row;
                };
                for (name, at) in marks {
                    let live = match &row[at] {
                        Value::Text(None) => continue,
                        Value::Int(Some(0)) => continue,
                        Value::Int(_) => Value::Int(Some(0)),
                        Value::Text(_) => Value::Text(None),
                    };
                    marked.push((id, name, std::mem::replace(&mut row[at], live)));
                }
                row
            })
            .collect();
        self.insert_rows(table.name, &columns, &rows).await?;
        let mut tx = self.begin_bulk().await?;
        for (id, column, value) in marked {
            let sql = format!("UPDATE comments SET {column} = $1 WHERE id = $2");
            let query = match value {
                Value::Int(i) => sqlx::query(&sql).bind(i),
                Value::Text(t) => sqlx::query(&sql).bind(t),
            };
            query.bind(id).execute(&mut *tx).await?;
        }
        self.commit_bulk(tx).await?;
        Ok(())
    }

    /// Whether any exported table holds a row: imports go into empty sites only.
    pub async fn holds_content(&self) -> Result<bool, sqlx::Error> {
        for table in TABLES {
            let any: Option<i64> =
                sqlx::query_scalar(&format!("SELECT 1 FROM {} LIMIT 1", table.name))
                    .fetch_optional(&self.pool)
                    .await?;
            if any.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The names of the schema's tables (besides SQLite's own and the search index's shadow
    /// tables).
    pub async fn table_names(&self) -> Result<Vec<String>, sqlx::Error> {
        let sql = match self.engine {
            super::Engine::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'article_search_%' ORDER BY name"
            }
            super::Engine::Postgres => {
                "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
                 ORDER BY tablename"
            }
        };
        sqlx::query_scalar(sql).fetch_all(&self.pool).await
    }
}
