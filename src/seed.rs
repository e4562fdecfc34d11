//! `quill seed`: a site's worth of demo data, written in bulk (not through the API) into an
//! empty database: users who follow each other, Markdown articles with tags from a skewed
//! distribution (a few tags and authors are very popular, most are not), favorites, comments and
//! followed tags. Deterministic: the same sizes give the same site. Rows go through the same
//! triggers as the API's writes, so every kept count is exact.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;

use crate::auth::PasswordHasher;
use crate::domain::article::slugify;
use crate::domain::markdown::{render_article, render_comment};
use crate::settings::Settings;
use crate::storage::Db;
use crate::storage::bulk::{ROWS_PER_STATEMENT, Value};

/// Every demo user signs in with this password.
pub const DEMO_PASSWORD: &str = "password123";

/// How much to make.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    pub users: i64,
    pub articles: i64,
}

impl SeedSize {
    /// `--users N --articles N`, each optional (defaults: 200 users, 2,000 articles).
    pub fn from_args(args: &[String]) -> Result<Self, String> {
        let mut size = Self {
            users: 200,
            articles: 2_000,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let slot = match flag.as_str() {
                "--users" => &mut size.users,
                "--articles" => &mut size.articles,
                other => {
                    return Err(format!(
                        "unknown option `{other}` (use --users N --articles N)"
                    ));
                }
            };
            *slot = args
                .next()
                .and_then(|n| n.replace('_', "").parse().ok())
                .filter(|n: &i64| *n >= 1)
                .ok_or_else(|| format!("{flag} needs a whole number of at least 1"))?;
        }
        Ok(size)
    }
}

/// Articles generated and written per round; the next round is generated while one is written.
const ARTICLES_PER_BATCH: i64 = 2_000;
const FOLLOWS_PER_USER: i64 = 10;
const TAG_COUNT: usize = 300;

const WORDS: &[&str] = &[
    "rust",
    "async",
    "database",
    "design",
    "writing",
    "startup",
    "product",
    "team",
    "career",
    "music",
    "travel",
    "cooking",
    "science",
    "history",
    "health",
    "money",
    "city",
    "garden",
    "coffee",
    "books",
    "film",
    "photography",
    "climate",
    "ocean",
    "mountain",
    "language",
    "memory",
    "craft",
    "habit",
    "focus",
    "learning",
    "teaching",
    "parenting",
    "running",
    "sleep",
    "code",
    "systems",
    "testing",
    "security",
    "privacy",
    "open-source",
    "leadership",
    "remote",
    "art",
    "poetry",
    "math",
    "space",
    "energy",
    "cities",
    "food",
];
const FILLER: &[&str] = &[
    "the", "a", "quiet", "small", "honest", "long", "first", "last", "simple", "hard", "good",
    "way", "time", "work", "idea", "story", "question", "answer", "thing", "year", "week", "day",
    "people", "we", "you", "I", "learned", "found", "made", "tried", "kept", "lost", "built",
    "wrote", "read", "and", "but", "so", "because", "when", "after", "before", "with", "without",
    "about", "every", "most", "some", "never", "always", "again", "still", "better", "slower",
];
const NAMES: &[&str] = &[
    "ada", "ben", "cleo", "dev", "eun", "farah", "gus", "hana", "ivan", "jun", "kai", "lena",
    "mina", "noor", "omar", "pia", "quinn", "rosa", "sami", "tara", "uma", "vic", "wen", "yuki",
];

/// Draws indexes `0..n` with probability falling as 1/(rank+1)^s (Zipf): a few are drawn very
/// often, most rarely, as tags and authors are on a real site.
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|k| {
                total += 1.0 / ((k + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        Self {
            cumulative: cumulative.into_iter().map(|c| c / total).collect(),
        }
    }

    fn draw(&self, rng: &mut StdRng) -> usize {
        let u: f64 = rng.r#gen();
        self.cumulative
            .partition_point(|&c| c < u)
            .min(self.cumulative.len() - 1)
    }
}

fn tag_name(k: usize) -> String {
    WORDS
        .get(k)
        .map_or_else(|| format!("topic-{k}"), |w| (*w).to_string())
}

fn sentence(rng: &mut StdRng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let pool = if rng.gen_ratio(1, 6) { WORDS } else { FILLER };
        s.push_str(pool[rng.gen_range(0..pool.len())]);
    }
    let mut chars = s.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

fn markdown_body(rng: &mut StdRng) -> String {
    let mut body = String::new();
    for p in 0..rng.gen_range(2..6) {
        if p == 1 && rng.gen_ratio(1, 3) {
            body.push_str("## ");
            body.push_str(&sentence(rng, 4));
            body.push_str("\n\n");
        }
        for _ in 0..rng.gen_range(2..5) {
            let words = rng.gen_range(6..16);
            body.push_str(&sentence(rng, words));
            body.push(' ');
        }
        body.push_str("\n\n");
        if rng.gen_ratio(1, 5) {
            for _ in 0..3 {
                body.push_str("- **");
                body.push_str(WORDS[rng.gen_range(0..WORDS.len())]);
                body.push_str("**: ");
                body.push_str(&sentence(rng, 5));
                body.push('\n');
            }
            body.push('\n');
        }
    }
    body
}

/// Timestamps spread evenly over the last two years, oldest first.
fn timestamp(k: i64, of: i64) -> String {
    let span = Duration::from_secs(2 * 365 * 24 * 3600);
    let ago = span.mul_f64(1.0 - (k as f64 + 1.0) / (of as f64 + 1.0));
    (chrono::Utc::now() - chrono::Duration::from_std(ago).unwrap_or_default())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(Some(s.into()))
}

fn int(i: i64) -> Value {
    Value::Int(Some(i))
}

/// One round of articles and what hangs off them, as rows.
#[derive(Default)]
struct Batch {
    articles: Vec<Vec<Value>>,
    bodies: Vec<Vec<Value>>,
    article_tags: Vec<Vec<Value>>,
    favorites: Vec<Vec<Value>>,
    comments: Vec<Vec<Value>>,
}

impl Batch {
    fn rows(&self) -> usize {
        self.articles.len()
            + self.bodies.len()
            + self.article_tags.len()
            + self.favorites.len()
            + self.comments.len()
    }
}

/// Articles `first..first + count`; article `j` has id `j + 1`, comments ids follow on from
/// `first_comment`.
fn article_batch(size: SeedSize, first: i64, count: i64, first_comment: &mut i64) -> Batch {
    let mut rng = StdRng::seed_from_u64(first as u64);
    let authors = Zipf::new(size.users as usize, 0.9);
    let tags = Zipf::new(TAG_COUNT, 1.1);
    let mut batch = Batch::default();
    for j in first..first + count {
        let id = j + 1;
        let title = format!(
            "{} {} of {}",
            sentence(&mut rng, 2).trim_end_matches('.'),
            WORDS[rng.gen_range(0..WORDS.len())],
            WORDS[rng.gen_range(0..WORDS.len())]
        );
        let status = match j % 50 {
            0 => "draft",
            1 => "unlisted",
            _ => "published",
        };
        let created = timestamp(j, size.articles);
        let mut tag_ids: Vec<usize> = (0..rng.gen_range(1..5))
            .map(|_| tags.draw(&mut rng))
            .collect();
        tag_ids.sort_unstable();
        tag_ids.dedup();
        let tag_list: Vec<String> = tag_ids.iter().map(|&t| tag_name(t)).collect();
        let body = markdown_body(&mut rng);
        let rendered = render_article(&body);
        let published = i64::from(status == "published");
        let published_at = Value::Text((status == "published").then(|| created.clone()));
        batch.articles.push(vec![
            int(id),
            text(format!("{}-{id}", slugify(&title))),
            int(authors.draw(&mut rng) as i64 + 1),
            text(title),
            text(sentence(&mut rng, 10)),
            text(serde_json::to_string(&tag_list).expect("strings serialize")),
            text(status),
            published_at.clone(),
            int(rendered.reading_time_minutes),
            text(created.clone()),
            text(created.clone()),
        ]);
        batch
            .bodies
            .push(vec![int(id), text(body), text(rendered.html)]);
        for t in tag_ids {
            batch.article_tags.push(vec![
                int(id),
                int(t as i64 + 1),
                int(published),
                published_at.clone(),
            ]);
        }
        // Popular articles (low Zipf rank among their peers) collect more favorites.
        let fans = if status == "draft" {
            0
        } else {
            rng.gen_range(0..5)
        };
        let mut fan_ids: Vec<i64> = (0..fans).map(|_| rng.gen_range(1..=size.users)).collect();
        fan_ids.sort_unstable();
        fan_ids.dedup();
        for fan in fan_ids {
            batch
                .favorites
                .push(vec![int(fan), int(id), int(published)]);
        }
        for _ in 0..if status == "draft" {
            0
        } else {
            rng.gen_range(0..3)
        } {
            let body = sentence(&mut rng, 12);
            let html = render_comment(&body);
            batch.comments.push(vec![
                int(*first_comment),
                int(id),
                int(rng.gen_range(1..=size.users)),
                text(body),
                text(html),
                text(created.clone()),
                text(created.clone()),
            ]);
            *first_comment += 1;
        }
    }
    batch
}

fn progress(total: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>9} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// `quill seed --users N --articles N`: refuses a database that already has users.
pub async fn seed(settings: &Settings, size: SeedSize) -> anyhow::Result<()> {
    if size.users < 2 || size.articles < 1 {
        anyhow::bail!("seed needs at least 2 users and 1 article");
    }
    let db = Db::connect_lazy(&settings.database)?;
    db.migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e} (run `quill doctor` to diagnose)"))?;
    let existing = db.count_rows("users").await?;
    if existing > 0 {
        anyhow::bail!(
            "the database already has {existing} users: seed writes into an empty database only \
             (point DATABASE_URL at a new one)"
        );
    }
    let started = Instant::now();
    let hash = PasswordHasher::new()
        .hash(&secrecy::SecretString::from(DEMO_PASSWORD))
        .await?;
    write_people(&db, size, &hash).await?;
    write_articles(&db, size).await?;
    db.continue_ids_after_bulk(&["users", "tags", "articles", "comments"])
        .await?;
    eprintln!(
        "seeded {} users and {} articles in {:.0?}; every user's password is {DEMO_PASSWORD:?} \
         (emails: <username>@example.com)",
        size.users,
        size.articles,
        started.elapsed()
    );
    db.close().await;
    Ok(())
}

/// Users, who follows whom, the tags and who follows which tag.
async fn write_people(db: &Db, size: SeedSize, hash: &str) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(7);
    let popular = Zipf::new(size.users as usize, 0.9);
    let tags = Zipf::new(TAG_COUNT, 1.1);
    let bar = progress(size.users as u64, "users");
    // Followees may come later in id order: follows are written once every user is.
    let mut follows = Vec::new();
    let mut tag_follows = Vec::new();
    for first in (0..size.users).step_by(ARTICLES_PER_BATCH as usize) {
        let last = (first + ARTICLES_PER_BATCH).min(size.users);
        let mut users = Vec::new();
        for u in first..last {
            let id = u + 1;
            let username = format!("{}{id}", NAMES[u as usize % NAMES.len()]);
            let created = timestamp(u, size.users);
            users.push(vec![
                int(id),
                text(username.clone()),
                text(format!("{username}@example.com")),
                text(hash),
                Value::Text(rng.gen_ratio(1, 3).then(|| sentence(&mut rng, 8))),
                Value::Text(None),
                text(created.clone()),
                text(created),
            ]);
            let mut followees: Vec<i64> = (0..FOLLOWS_PER_USER.min(size.users - 1))
                .map(|_| popular.draw(&mut rng) as i64 + 1)
                .filter(|&f| f != id)
                .collect();
            followees.sort_unstable();
            followees.dedup();
            follows.extend(followees.into_iter().map(|f| vec![int(id), int(f)]));
            let mut followed_tags: Vec<usize> = (0..rng.gen_range(0..4))
                .map(|_| tags.draw(&mut rng))
                .collect();
            followed_tags.sort_unstable();
            followed_tags.dedup();
            tag_follows.extend(
                followed_tags
                    .into_iter()
                    .map(|t| vec![int(id), int(t as i64 + 1)]),
            );
        }
        db.insert_rows(
            "users",
            &[
                "id",
                "username",
                "email",
                "password_hash",
                "bio",
                "image",
                "created_at",
                "updated_at",
            ],
            &users,
        )
        .await?;
        bar.inc((last - first) as u64);
    }
    bar.finish();
    let bar = progress(follows.len() as u64, "follows");
    for chunk in follows.chunks(10 * ROWS_PER_STATEMENT) {
        db.insert_rows("follows", &["follower_id", "followee_id"], chunk)
            .await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    let tag_rows: Vec<Vec<Value>> = (0..TAG_COUNT)
        .map(|t| vec![int(t as i64 + 1), text(tag_name(t))])
        .collect();
    db.insert_rows("tags", &["id", "name"], &tag_rows).await?;
    for chunk in tag_follows.chunks(10 * ROWS_PER_STATEMENT) {
        db.insert_rows("tag_follows", &["user_id", "tag_id"], chunk)
            .await?;
    }
    Ok(())
}

/// Articles with their bodies, tags, favorites and comments: each round is generated (and its
/// Markdown rendered) on a thread of its own while the round before it is written.
async fn write_articles(db: &Db, size: SeedSize) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::channel::<Batch>(2);
    let generator = tokio::task::spawn_blocking(move || {
        let mut next_comment = 1;
        for first in (0..size.articles).step_by(ARTICLES_PER_BATCH as usize) {
            let count = ARTICLES_PER_BATCH.min(size.articles - first);
            let batch = article_batch(size, first, count, &mut next_comment);
            if tx.blocking_send(batch).is_err() {
                return;
            }
        }
    });
    let bar = progress(size.articles as u64, "articles");
    let mut rows = 0;
    while let Some(batch) = rx.recv().await {
        db.insert_rows(
            "articles",
            &[
                "id",
                "slug",
                "author_id",
                "title",
                "description",
                "tag_list",
                "status",
                "published_at",
                "reading_time_minutes",
                "created_at",
                "updated_at",
            ],
            &batch.articles,
        )
        .await?;
        db.insert_rows(
            "article_bodies",
            &["article_id", "body", "body_html"],
            &batch.bodies,
        )
        .await?;
        db.insert_rows(
            "article_tags",
            &["article_id", "tag_id", "published", "published_at"],
            &batch.article_tags,
        )
        .await?;
        db.insert_rows(
            "favorites",
            &["user_id", "article_id", "published"],
            &batch.favorites,
        )
        .await?;
        db.insert_rows(
            "comments",
            &[
                "id",
                "article_id",
                "author_id",
                "body",
                "body_html",
                "created_at",
                "updated_at",
            ],
            &batch.comments,
        )
        .await?;
        rows += batch.rows();
        bar.inc(batch.articles.len() as u64);
    }
    generator.await?;
    bar.finish_with_message(format!("{rows} rows"));
    Ok(())
}
