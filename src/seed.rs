//! `quill seed`: a site's worth of demo data, written in bulk (not through the API) into an
//! empty database: users who follow each other, Markdown articles with tags from a skewed
//! distribution (a few tags and authors are very popular, most are not), in English and Korean,
//! with headings, lists, quotes, code and images; favorites, claps, bookmarks, comment threads
//! and followed tags. Deterministic: the same sizes give the same site. Rows go through the same
//! triggers as the API's writes, so every kept count is exact.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;

use crate::auth::PasswordHasher;
use crate::domain::article::{slugify, unguessable_slug};
use crate::domain::markdown::{render_article, render_comment};
use crate::progress::Progress;
use crate::settings::Settings;
use crate::storage::Db;
use crate::storage::bulk::{ROWS_PER_STATEMENT, Value};
use crate::storage::transfer::{self, Table};

/// Every demo user signs in with this password.
pub const DEMO_PASSWORD: &str = "password123";

/// How much to make: `quill seed`'s options.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct SeedSize {
    /// Demo users to make
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = at_least_one)]
    pub users: i64,
    /// Articles to make (every 50th a draft, every 50th unlisted)
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = at_least_one)]
    pub articles: i64,
}

/// A whole number of at least 1, with `_` allowed between digits as in `1_000_000`.
fn at_least_one(raw: &str) -> Result<i64, String> {
    raw.replace('_', "")
        .parse()
        .ok()
        .filter(|n: &i64| *n >= 1)
        .ok_or_else(|| "expected a whole number of at least 1".into())
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

/// Korean words and particles: about one article in four (and its comments) is in Korean, as on a
/// site whose search and slugs must handle more than ASCII.
const KO_WORDS: &[&str] = &[
    "개발",
    "데이터베이스",
    "여행",
    "커피",
    "음악",
    "서울",
    "부산",
    "요리",
    "건강",
    "독서",
    "영화",
    "사진",
    "기록",
    "습관",
    "글쓰기",
    "디자인",
    "팀",
    "제품",
    "바다",
    "산",
    "기억",
    "배움",
    "코드",
    "시스템",
    "보안",
    "운동",
    "수면",
    "도시",
    "예술",
    "과학",
];
const KO_FILLER: &[&str] = &[
    "오늘",
    "우리는",
    "나는",
    "다시",
    "천천히",
    "조용한",
    "작은",
    "새로운",
    "오래된",
    "좋은",
    "이야기를",
    "배웠다",
    "만들었다",
    "생각했다",
    "기록했다",
    "그리고",
    "하지만",
    "그래서",
    "매일",
    "함께",
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

/// The language of an article and its comments.
#[derive(Clone, Copy)]
enum Lang {
    English,
    Korean,
}

impl Lang {
    fn pools(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Lang::English => (WORDS, FILLER),
            Lang::Korean => (KO_WORDS, KO_FILLER),
        }
    }
}

fn sentence(rng: &mut StdRng, lang: Lang, words: usize) -> String {
    let (topical, filler) = lang.pools();
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        let pool = if rng.gen_ratio(1, 6) { topical } else { filler };
        s.push_str(pool[rng.gen_range(0..pool.len())]);
    }
    let mut chars = s.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
    format!("{}{}.", first.unwrap_or_default(), chars.as_str())
}

const CODE_SAMPLES: &[(&str, &str)] = &[
    (
        "rust",
        "fn main() {\n    let words = [\"quiet\", \"honest\"];\n    println!(\"{}\", words.join(\" \"));\n}",
    ),
    (
        "sql",
        "SELECT title, published_at\n  FROM articles\n WHERE status = 'published'\n ORDER BY published_at DESC\n LIMIT 20;",
    ),
    (
        "python",
        "def mean(xs):\n    return sum(xs) / len(xs) if xs else 0.0",
    ),
];

/// A Markdown body: paragraphs, and now and then a heading, a list, a quote, a code block or an
/// image, as real stories have.
fn markdown_body(rng: &mut StdRng, lang: Lang, id: i64) -> String {
    let (topical, _) = lang.pools();
    let mut body = String::new();
    for p in 0..rng.gen_range(2..6) {
        if p == 1 && rng.gen_ratio(1, 3) {
            body.push_str("## ");
            body.push_str(&sentence(rng, lang, 4));
            body.push_str("\n\n");
        }
        for _ in 0..rng.gen_range(2..5) {
            let words = rng.gen_range(6..16);
            body.push_str(&sentence(rng, lang, words));
            body.push(' ');
        }
        body.push_str("\n\n");
        match rng.gen_range(0..12) {
            0 | 1 => {
                for n in 1..=3 {
                    let item = sentence(rng, lang, 5);
                    let word = topical[rng.gen_range(0..topical.len())];
                    body.push_str(&format!("{n}. **{word}**: {item}\n"));
                }
                body.push('\n');
            }
            2 => {
                body.push_str("> ");
                body.push_str(&sentence(rng, lang, 9));
                body.push_str("\n\n");
            }
            3 => {
                let (language, code) = CODE_SAMPLES[rng.gen_range(0..CODE_SAMPLES.len())];
                body.push_str(&format!("```{language}\n{code}\n```\n\n"));
            }
            4 => {
                let caption = sentence(rng, lang, 3);
                body.push_str(&format!(
                    "![{}](https://picsum.photos/seed/quill-{id}-{p}/1200/630)\n\n",
                    caption.trim_end_matches('.')
                ));
            }
            _ => {}
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

/// One round of articles and what hangs off them, as rows in the column order of each table's
/// [`transfer`] description, in the order they load.
struct Batch {
    tables: [(&'static Table, Vec<Vec<Value>>); 7],
}

impl Batch {
    fn new() -> Self {
        Self {
            tables: [
                &transfer::ARTICLES,
                &transfer::ARTICLE_BODIES,
                &transfer::ARTICLE_TAGS,
                &transfer::FAVORITES,
                &transfer::CLAPS,
                &transfer::BOOKMARKS,
                &transfer::COMMENTS,
            ]
            .map(|t| (t, Vec::new())),
        }
    }

    fn push(&mut self, table: &Table, row: Vec<Value>) {
        debug_assert_eq!(row.len(), table.columns.len(), "{}", table.name);
        let slot = self
            .tables
            .iter_mut()
            .find(|(t, _)| t.name == table.name)
            .expect("every seeded table has a slot");
        slot.1.push(row);
    }

    fn rows(&self) -> usize {
        self.tables.iter().map(|(_, rows)| rows.len()).sum()
    }

    fn articles(&self) -> usize {
        self.tables[0].1.len()
    }
}

/// Fewer than `up_to` distinct users drawn at random.
fn distinct_users(rng: &mut StdRng, size: SeedSize, up_to: usize) -> Vec<i64> {
    let n = rng.gen_range(0..up_to);
    let mut ids: Vec<i64> = (0..n).map(|_| rng.gen_range(1..=size.users)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Articles `first..first + count`; article `j` has id `j + 1`, comments ids follow on from
/// `first_comment`.
fn article_batch(size: SeedSize, first: i64, count: i64, first_comment: &mut i64) -> Batch {
    let mut rng = StdRng::seed_from_u64(first as u64);
    let authors = Zipf::new(size.users as usize, 0.9);
    let tags = Zipf::new(TAG_COUNT, 1.1);
    let mut batch = Batch::new();
    for j in first..first + count {
        let id = j + 1;
        let lang = if rng.gen_ratio(1, 4) {
            Lang::Korean
        } else {
            Lang::English
        };
        let (topical, _) = lang.pools();
        let title = format!(
            "{} {} {}",
            sentence(&mut rng, lang, 2).trim_end_matches('.'),
            topical[rng.gen_range(0..topical.len())],
            topical[rng.gen_range(0..topical.len())]
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
        let body = markdown_body(&mut rng, lang, id);
        let rendered = render_article(&body).expect("seeded bodies are plain Markdown");
        let published = i64::from(status == "published");
        // Readable and unique by the id when published; unguessable otherwise, as through the API.
        let slug = if status == "published" {
            format!("{}-{id}", slugify(&title))
        } else {
            unguessable_slug(&slugify(&title), &mut rng)
        };
        let published_at = Value::Text((status == "published").then(|| created.clone()));
        batch.push(
            &transfer::ARTICLES,
            vec![
                int(id),
                text(slug),
                int(authors.draw(&mut rng) as i64 + 1),
                text(title),
                text(sentence(&mut rng, lang, 10)),
                text(serde_json::to_string(&tag_list).expect("strings serialize")),
                text(status),
                published_at.clone(),
                int(rendered.reading_time_minutes),
                text(created.clone()),
                text(created.clone()),
                int(0),
            ],
        );
        batch.push(
            &transfer::ARTICLE_BODIES,
            vec![int(id), text(body), text(rendered.html)],
        );
        for t in tag_ids {
            batch.push(
                &transfer::ARTICLE_TAGS,
                vec![
                    int(id),
                    int(t as i64 + 1),
                    int(published),
                    published_at.clone(),
                ],
            );
        }
        // Only the author sees a draft: nobody else reacts to it.
        if status == "draft" {
            continue;
        }
        for fan in distinct_users(&mut rng, size, 5) {
            batch.push(
                &transfer::FAVORITES,
                vec![int(fan), int(id), int(published)],
            );
        }
        for fan in distinct_users(&mut rng, size, 6) {
            let claps = if rng.gen_ratio(1, 4) {
                rng.gen_range(10..=50)
            } else {
                rng.gen_range(1..10)
            };
            batch.push(&transfer::CLAPS, vec![int(fan), int(id), int(claps)]);
        }
        for reader in distinct_users(&mut rng, size, 3) {
            batch.push(
                &transfer::BOOKMARKS,
                vec![int(reader), int(id), text(created.clone())],
            );
        }
        // A thread: some comments answer an earlier one on the same article.
        let thread_start = *first_comment;
        for _ in 0..rng.gen_range(0..4) {
            let parent = (*first_comment > thread_start && rng.gen_ratio(1, 3))
                .then(|| rng.gen_range(thread_start..*first_comment));
            let body = sentence(&mut rng, lang, 12);
            let html = render_comment(&body).expect("seeded comments are plain text");
            batch.push(
                &transfer::COMMENTS,
                vec![
                    int(*first_comment),
                    int(id),
                    int(rng.gen_range(1..=size.users)),
                    Value::Int(parent),
                    text(body),
                    text(html),
                    text(created.clone()),
                    text(created.clone()),
                    Value::Text(None),
                    int(0),
                ],
            );
            *first_comment += 1;
        }
    }
    batch
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
    db.after_bulk_load(&["users", "tags", "articles", "comments"])
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
    let mut bar = Progress::new("users", Some(size.users as u64));
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
                Value::Text(
                    rng.gen_ratio(1, 3)
                        .then(|| sentence(&mut rng, Lang::English, 8)),
                ),
                Value::Text(None),
                int(0),
                text(created.clone()),
                text(created),
                text("user"),
                Value::Text(None),
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
        db.load_rows(&transfer::USERS, users).await?;
        bar.inc((last - first) as u64);
    }
    bar.finish();
    let mut bar = Progress::new("follows", Some(follows.len() as u64));
    for chunk in follows.chunks(10 * ROWS_PER_STATEMENT) {
        db.load_rows(&transfer::FOLLOWS, chunk.to_vec()).await?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    let tag_rows: Vec<Vec<Value>> = (0..TAG_COUNT)
        .map(|t| vec![int(t as i64 + 1), text(tag_name(t))])
        .collect();
    db.load_rows(&transfer::TAGS, tag_rows).await?;
    for chunk in tag_follows.chunks(10 * ROWS_PER_STATEMENT) {
        db.load_rows(&transfer::TAG_FOLLOWS, chunk.to_vec()).await?;
    }
    Ok(())
}

/// Articles with their bodies, tags, favorites, claps, bookmarks and comments: each round is generated (and its
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
    let mut bar = Progress::new("articles", Some(size.articles as u64));
    let mut rows = 0;
    while let Some(batch) = rx.recv().await {
        rows += batch.rows();
        bar.inc(batch.articles() as u64);
        // PostgreSQL spends the time here, in the count triggers, one core per connection: the
        // tables whose triggers lock different rows load side by side on two connections. Where
        // two of them lock the same rows (articles' counts), both go in article order, so they
        // wait for each other but never deadlock.
        let [
            articles,
            bodies,
            tags,
            favorites,
            claps,
            bookmarks,
            comments,
        ] = batch.tables.map(|(table, rows)| db.load_rows(table, rows));
        articles.await?;
        tokio::try_join!(bodies, tags)?;
        tokio::try_join!(favorites, async {
            claps.await?;
            comments.await?;
            bookmarks.await
        })?;
    }
    generator.await?;
    bar.finish();
    eprintln!("wrote {rows} rows of articles and what hangs off them");
    Ok(())
}
