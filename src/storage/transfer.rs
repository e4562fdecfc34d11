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
    ],
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
    ("_sqlx_migrations", "the new site runs its own migrations"),
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

impl Db {
    /// Streams `table`'s rows in load order to `each`, one row at a time: memory stays flat
    /// however big the site.
    pub async fn for_each_row(
        &self,
        table: &Table,
        mut each: impl FnMut(Vec<Value>) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_names().join(", "),
            table.name,
            table.order_by
        );
        let mut rows = sqlx::query(&sql).fetch(&self.pool);
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

    /// Writes one batch of `table`'s rows. A comment that was deleted while it had replies
    /// (a tombstone) goes in live and is then marked deleted, as the API does it, so the
    /// article's kept comment count comes out right.
    pub async fn load_rows(&self, table: &Table, rows: Vec<Vec<Value>>) -> anyhow::Result<()> {
        let columns = table.column_names();
        if table.name != "comments" {
            return Ok(self.insert_rows(table.name, &columns, &rows).await?);
        }
        let deleted_at = columns
            .iter()
            .position(|c| *c == "deleted_at")
            .expect("comments carry deleted_at");
        let mut tombstones = Vec::new();
        let rows: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|mut row| {
                if let (Value::Int(Some(id)), Value::Text(Some(at))) = (&row[0], &row[deleted_at]) {
                    tombstones.push((*id, at.clone()));
                    row[deleted_at] = Value::Text(None);
                }
                row
            })
            .collect();
        self.insert_rows(table.name, &columns, &rows).await?;
        let mut tx = self.begin_write().await?;
        for (id, at) in tombstones {
            sqlx::query("UPDATE comments SET deleted_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
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
