//! Bulk writes: many rows per statement, for generating demo data (and moving whole sites).
//! Rows go through the same triggers as the API's writes, so every kept count stays exact.

use super::{Db, Engine};

/// One value of a bulk row; `None` is SQL NULL.
#[derive(Debug, Clone)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
}

/// Rows per statement: well below both engines' limits on bound parameters (SQLite 32766,
/// PostgreSQL 65535) for tables of up to a dozen columns.
pub const ROWS_PER_STATEMENT: usize = 500;

impl Db {
    /// Inserts `rows` (each with one value per column) into `table`, many rows per statement,
    /// all in one transaction. Rows may bring their own `id` (PostgreSQL generates ids unless
    /// told otherwise; see [`Db::continue_ids_after_bulk`]).
    pub async fn insert_rows(
        &self,
        table: &str,
        columns: &[&str],
        rows: &[Vec<Value>],
    ) -> Result<(), sqlx::Error> {
        let overriding = match self.engine {
            Engine::Postgres if columns.contains(&"id") => " OVERRIDING SYSTEM VALUE",
            _ => "",
        };
        let mut tx = self.begin_bulk().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut sql = format!(
                "INSERT INTO {table} ({}){overriding} VALUES ",
                columns.join(", ")
            );
            let mut n = 0;
            for (r, row) in chunk.iter().enumerate() {
                debug_assert_eq!(row.len(), columns.len());
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..row.len() {
                    n += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                sql.push(')');
            }
            let mut query = sqlx::query(&sql);
            for value in chunk.iter().flatten() {
                query = match value {
                    Value::Int(i) => query.bind(*i),
                    Value::Text(s) => query.bind(s.as_deref()),
                };
            }
            query.execute(&mut *tx).await?;
        }
        self.commit_bulk(tx).await
    }

    /// A write transaction of a bulk load, in which the triggers that record events
    /// (notifications) stay quiet: the rows of a site's past must not notify anyone again, and
    /// an import brings its notifications as rows of their own. Kept counts are kept as always.
    /// Bulk mode belongs to this transaction alone, so a load that dies midway (killed, or
    /// failing) leaves nothing behind: PostgreSQL sets it as a transaction-local setting;
    /// SQLite, whose triggers cannot read per-connection state, as a row of `bulk_loads` that
    /// this transaction writes first and deletes before [`commit_bulk`](Self::commit_bulk),
    /// never seen by another (SQLite has one writer at a time, and readers see only commits)
    /// and unable to commit (see its migration).
    pub(crate) async fn begin_bulk(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let mark = match self.engine {
            Engine::Postgres => "SELECT set_config('quill.bulk_load', 'on', true)",
            Engine::Sqlite => "INSERT INTO bulk_loads (id, never) VALUES (1, 0)",
        };
        sqlx::query(mark).execute(&mut *tx).await?;
        Ok(tx)
    }

    pub(crate) async fn commit_bulk(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
    ) -> Result<(), sqlx::Error> {
        if self.engine == Engine::Sqlite {
            sqlx::query("DELETE FROM bulk_loads")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    /// After a bulk load on PostgreSQL: the id generators continue after the largest id of
    /// each of `tables` (SQLite's do by themselves), and a vacuum clears the dead row versions
    /// that every trigger-kept count leaves behind (a popular author's row is rewritten once per
    /// article), which index scans would otherwise step over until autovacuum came by, and
    /// gathers the statistics the planner needs for tables that were empty a minute ago. Then
    /// running replicas are told.
    pub async fn after_bulk_load(&self, tables: &[&str]) -> Result<(), sqlx::Error> {
        if self.engine == Engine::Postgres {
            for table in tables {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                ))
                .execute(&self.pool)
                .await?;
            }
            sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await?;
        }
        // A server already running on this database must not keep serving the empty site.
        self.announce_change("bulk load").await
    }

    /// How many rows `table` has (the seed refuses to write into a site that has users).
    pub async fn count_rows(&self, table: &str) -> Result<i64, sqlx::Error> {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
    }
}
