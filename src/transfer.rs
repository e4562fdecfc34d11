//! `quill export FILE` and `quill import FILE`: a whole site as a portable, versioned JSON Lines
//! file, so a site that began on SQLite moves to PostgreSQL (or back) with nothing lost.
//!
//! The file is one header line, then per table a line naming the table and its columns followed
//! by one JSON array per row, then an end line with the number of rows:
//!
//! ```text
//! {"format":"quill-export","version":1,"exportedAt":"…","engine":"sqlite"}
//! {"table":"users","columns":["id","username",…]}
//! [1,"ada",…]
//! {"end":{"rows":1234}}
//! ```
//!
//! Both directions stream: one row in memory at a time on export, one batch on import.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::progress::Progress;
use crate::settings::Settings;
use crate::storage::bulk::Value;
use crate::storage::transfer::{Kind, TABLES, Table, tables_with_ids};
use crate::storage::{Db, Engine};

const FORMAT: &str = "quill-export";
/// Raised whenever a release changes what a file holds in a way an older import cannot read.
pub const VERSION: u32 = 1;
/// Rows written per batch (and per transaction) on import.
const BATCH_ROWS: usize = 5_000;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    format: String,
    version: u32,
    #[serde(default)]
    exported_at: String,
    #[serde(default)]
    engine: String,
}

/// A line that is not a row.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Marker {
    Table { table: String, columns: Vec<String> },
    End { end: EndCounts },
}

#[derive(Serialize, Deserialize)]
struct EndCounts {
    rows: u64,
}

/// `quill export FILE`: the site as it stood when the export began (see
/// [`Snapshot`](crate::storage::transfer::Snapshot)). The file holds password hashes, so it is
/// created readable by its owner only; it is written under a temporary name beside FILE and
/// renamed to FILE once whole, so FILE is never half a site, and an older FILE is replaced,
/// whatever its mode.
pub async fn export(settings: &Settings, path: &Path) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let partial = partial_path(path);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let written = write_export(&db, file).await;
    db.close().await;
    let total = match written {
        Ok(total) => total,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, path)
        .with_context(|| format!("cannot move {} to {}", partial.display(), path.display()))?;
    eprintln!("exported {total} rows to {}", path.display());
    Ok(())
}

/// Where an export to `path` is written until it is whole: a hidden name in the same directory,
/// so that the rename stays on one file system.
fn partial_path(path: &Path) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!(".{name}.{}.partial", std::process::id()))
}

/// Writes the whole site to `file` from one snapshot; the number of rows written.
async fn write_export(db: &Db, file: File) -> anyhow::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        engine: match db.engine() {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgresql",
        }
        .into(),
    };
    write_line(&mut out, &header)?;
    let mut snapshot = db.snapshot().await?;
    let mut total = 0;
    for table in TABLES {
        write_line(
            &mut out,
            &Marker::Table {
                table: table.name.into(),
                columns: table.column_names().iter().map(|c| c.to_string()).collect(),
            },
        )?;
        let mut progress = Progress::new(table.name, None);
        snapshot
            .for_each_row(table, |row| {
                let row: Vec<Json> = row
                    .into_iter()
                    .map(|v| match v {
                        Value::Int(i) => i.map_or(Json::Null, Json::from),
                        Value::Text(s) => s.map_or(Json::Null, Json::from),
                    })
                    .collect();
                write_line(&mut out, &row)?;
                progress.inc(1);
                total += 1;
                Ok(())
            })
            .await
            .with_context(|| format!("while exporting {}", table.name))?;
        progress.finish();
    }
    snapshot.finish().await?;
    write_line(
        &mut out,
        &Marker::End {
            end: EndCounts { rows: total },
        },
    )?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    // Whole on disk before it takes the name.
    file.sync_all()?;
    Ok(total)
}

/// `quill import FILE`: into an empty database only.
pub async fn import(settings: &Settings, path: &Path) -> anyhow::Result<()> {
    let mut lines = FileLines::open(path)?;
    check_header(&lines.next()?.unwrap_or_default(), path)?;

    let db = open(settings).await?;
    if db.holds_content().await? {
        bail!(
            "the database already holds a site: import writes into an empty database only \
             (point DATABASE_URL at a new one)"
        );
    }

    let loaded = load_tables(&db, &mut lines).await?;
    db.after_bulk_load(&tables_with_ids().collect::<Vec<_>>())
        .await?;
    db.close().await;
    eprintln!("imported {loaded} rows from {}", path.display());
    Ok(())
}

/// Loads every table of the file, after its header, in batches; the number of rows loaded.
async fn load_tables(db: &Db, lines: &mut FileLines<'_>) -> anyhow::Result<u64> {
    let mut loaded: u64 = 0;
    let mut expected = TABLES.iter();
    let mut current: Option<(&Table, Progress)> = None;
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH_ROWS);
    let declared = loop {
        let Some(text) = lines.next()? else {
            bail!(
                "{} has no end line: the file was cut short (export again, and drop this \
                 database before importing again)",
                lines.path.display()
            );
        };
        let at = || lines.at();
        if text.starts_with('[') {
            let Some((table, progress)) = current.as_mut() else {
                bail!("{}: a row before any table line", at());
            };
            let row: Vec<Json> =
                serde_json::from_str(&text).with_context(|| format!("{}: not a JSON row", at()))?;
            batch.push(parse_row(table, row).with_context(at)?);
            if batch.len() == BATCH_ROWS {
                let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                loaded += load(db, table, rows).await.with_context(at)?;
                progress.inc(BATCH_ROWS as u64);
            }
            continue;
        }
        let marker: Marker = serde_json::from_str(&text)
            .with_context(|| format!("{}: neither a row, a table line nor the end line", at()))?;
        if let Some((table, progress)) = current.take() {
            let rows = std::mem::take(&mut batch);
            progress_finish(progress, rows.len());
            loaded += load(db, table, rows).await.with_context(at)?;
        }
        match marker {
            Marker::End { end } => break end.rows,
            Marker::Table { table, columns } => {
                let Some(spec) = expected.find(|t| t.name == table) else {
                    bail!(
                        "{}: table {table:?} is unknown or out of order (this quill reads \
                         version {VERSION} files as `quill export` writes them)",
                        at()
                    );
                };
                if columns != spec.column_names() {
                    bail!(
                        "{}: table {table} has columns {columns:?}, expected {:?}",
                        at(),
                        spec.column_names()
                    );
                }
                current = Some((spec, Progress::new(spec.name, None)));
            }
        }
    };
    if declared != loaded {
        bail!(
            "{} declares {declared} rows but holds {loaded}: the file is damaged",
            lines.path.display()
        );
    }
    Ok(loaded)
}

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect_lazy(&settings.database)?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} (run `quill doctor` to diagnose)"))?;
    Ok(db)
}

/// The file's lines, counted for error messages.
struct FileLines<'a> {
    lines: std::io::Lines<BufReader<File>>,
    number: u64,
    path: &'a Path,
}

impl<'a> FileLines<'a> {
    fn open(path: &'a Path) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Self {
            lines: BufReader::with_capacity(1 << 20, file).lines(),
            number: 0,
            path,
        })
    }

    fn next(&mut self) -> anyhow::Result<Option<String>> {
        self.number += 1;
        self.lines.next().transpose().with_context(|| self.at())
    }

    fn at(&self) -> String {
        format!("{} line {}", self.path.display(), self.number)
    }
}

fn check_header(first: &str, path: &Path) -> anyhow::Result<()> {
    let header: Header = match serde_json::from_str(first) {
        Ok(h @ Header { .. }) if h.format == FORMAT => h,
        _ => bail!(
            "{} is not a quill export (its first line is not a quill export header)",
            path.display()
        ),
    };
    if header.version != VERSION {
        bail!(
            "{} is a quill export of version {}; this quill reads version {VERSION} \
             (import it with the release that wrote it, or a newer one)",
            path.display(),
            header.version
        );
    }
    Ok(())
}

fn parse_row(table: &Table, row: Vec<Json>) -> anyhow::Result<Vec<Value>> {
    if row.len() != table.columns.len() {
        bail!(
            "a row of {} has {} values, expected {}",
            table.name,
            row.len(),
            table.columns.len()
        );
    }
    row.into_iter()
        .zip(table.columns)
        .map(|(value, (column, kind))| match (kind, value) {
            (Kind::Int, Json::Null) => Ok(Value::Int(None)),
            (Kind::Text, Json::Null) => Ok(Value::Text(None)),
            (Kind::Int, Json::Number(n)) if n.is_i64() => Ok(Value::Int(n.as_i64())),
            (Kind::Text, Json::String(s)) => Ok(Value::Text(Some(s))),
            (_, other) => bail!("{}.{column} cannot be {other}", table.name),
        })
        .collect()
}

async fn load(db: &Db, table: &Table, rows: Vec<Vec<Value>>) -> anyhow::Result<u64> {
    let n = rows.len() as u64;
    if n > 0 {
        db.load_rows(table, rows)
            .await
            .with_context(|| format!("while loading {}", table.name))?;
    }
    Ok(n)
}

fn progress_finish(mut progress: Progress, last_batch: usize) {
    progress.inc(last_batch as u64);
    progress.finish();
}

fn write_line(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}
