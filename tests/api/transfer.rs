//! `quill export` and `quill import`: a site moves to an empty database of the other engine and
//! answers every request as before.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{
    Engine, JWT_SECRET, TestApp, fresh_database, postgres_server, quill, settings, spawn_with,
};

engine_tests!(
    a_site_moves_to_the_other_engine_with_nothing_lost,
    import_refuses_a_site_that_is_not_empty,
    import_refuses_unknown_versions_and_cut_files,
    every_table_is_exported_or_said_not_to_be,
    an_export_taken_under_writes_restores_on_either_engine,
    exports_are_readable_by_their_owner_only,
    a_load_killed_midway_leaves_notifications_working,
);

const PASSWORD: &str = "password123";
/// Who reads the site before and after the move; `dan` is suspended in between.
const USERS: [&str; 3] = ["ada", "ben", "cleo"];

/// Where a site on `engine` moves: PostgreSQL and SQLite move to each other; without a
/// PostgreSQL server, SQLite moves to SQLite.
fn other(engine: Engine) -> Engine {
    match (engine, postgres_server()) {
        (Engine::Sqlite, Some(_)) => Engine::Postgres,
        _ => Engine::Sqlite,
    }
}

fn env(url: &str) -> [(&str, &str); 2] {
    [("DATABASE_URL", url), ("JWT_SECRET", JWT_SECRET)]
}

fn run_ok(args: &[&str], url: &str) -> String {
    let out = quill(args, &env(url));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "quill {args:?} failed: {stderr}");
    stderr
}

fn run_failing(args: &[&str], url: &str) -> String {
    let out = quill(args, &env(url));
    assert!(!out.status.success(), "quill {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn export_file() -> String {
    std::env::temp_dir()
        .join(format!(
            "quill-export-{}.jsonl",
            uuid::Uuid::new_v4().simple()
        ))
        .display()
        .to_string()
}

async fn sign_in(app: &TestApp, name: &str) -> String {
    let (status, body) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": format!("{name}@example.com"), "password": PASSWORD}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{name} signs in: {body}");
    body["user"]["token"].as_str().unwrap().to_string()
}

/// A small site with one of everything a user or an admin can make.
async fn fill(app: &TestApp, url: &str) {
    for name in USERS.iter().chain(&["dan"]) {
        let (status, body) = app
            .post(
                "/api/users",
                None,
                json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": PASSWORD}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let [ada, ben, cleo] = [
        sign_in(app, "ada").await,
        sign_in(app, "ben").await,
        sign_in(app, "cleo").await,
    ];
    app.put(
        "/api/user",
        Some(&ada),
        json!({"user": {"bio": "writes about rust"}}),
    )
    .await;
    app.post("/api/profiles/ada/follow", Some(&ben), json!({}))
        .await;
    app.post("/api/profiles/ben/follow", Some(&cleo), json!({}))
        .await;
    app.post("/api/tags/rust/follow", Some(&cleo), json!({}))
        .await;
    let first = app
        .create_article(&ada, "Ownership, gently", &["rust", "learning"])
        .await;
    let second = app
        .create_article(&ben, "커피 한 잔의 기록", &["coffee"])
        .await;
    let third = app
        .create_article(&ada, "Async in practice", &["rust"])
        .await;
    app.create_article_with(
        &ada,
        json!({"title": "Unfinished", "description": "d", "body": "b", "status": "draft"}),
    )
    .await;
    app.create_article_with(
        &ben,
        json!({"title": "By link only", "description": "d", "body": "b", "status": "unlisted"}),
    )
    .await;
    app.post(
        &format!("/api/articles/{first}/favorite"),
        Some(&ben),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/articles/{first}/favorite"),
        Some(&cleo),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/articles/{second}/favorite"),
        Some(&ada),
        json!({}),
    )
    .await;
    app.post(
        &format!("/api/articles/{first}/claps"),
        Some(&cleo),
        json!({"claps": 12}),
    )
    .await;
    app.post(
        &format!("/api/articles/{third}/bookmark"),
        Some(&ben),
        json!({}),
    )
    .await;
    let comments = format!("/api/articles/{first}/comments");
    let (_, top) = app
        .post(
            &comments,
            Some(&ben),
            json!({"comment": {"body": "Clear **and** kind."}}),
        )
        .await;
    let top = top["comment"]["id"].clone();
    app.post(
        &comments,
        Some(&ada),
        json!({"comment": {"body": "Thank you!", "parentId": top}}),
    )
    .await;
    // Deleted while it has a reply: it stays as a tombstone under its thread.
    let (_, doomed) = app
        .post(
            &comments,
            Some(&cleo),
            json!({"comment": {"body": "First!"}}),
        )
        .await;
    let doomed = doomed["comment"]["id"].clone();
    app.post(
        &comments,
        Some(&ben),
        json!({"comment": {"body": "Second.", "parentId": doomed}}),
    )
    .await;
    let (status, _) = app
        .delete(&format!("{comments}/{doomed}"), Some(&cleo))
        .await;
    assert!(status.is_success());

    // Moderation: ada is the admin; dan's article and comment are hidden by his suspension.
    let out = crate::helpers::quill_command(&["admin", "grant", "ada"], url);
    assert!(out.status.success());
    let dan = sign_in(app, "dan").await;
    let spam = app.create_article(&dan, "Buy now", &["rust"]).await;
    app.post(
        &comments,
        Some(&dan),
        json!({"comment": {"body": "cheap pills"}}),
    )
    .await;
    app.post(
        &format!("/api/articles/{spam}/report"),
        Some(&ben),
        json!({"reason": "spam"}),
    )
    .await;
    app.post("/api/profiles/dan/block", Some(&cleo), json!({}))
        .await;
    let (status, _) = app
        .post(
            "/api/admin/users/dan/suspension?reason=spam",
            Some(&ada),
            json!({}),
        )
        .await;
    assert!(status.is_success());

    // Notifications, some read; an upload.
    let (_, seen) = app
        .get("/api/notifications?limit=1&offset=1", Some(&ada))
        .await;
    let up_to = seen["notifications"][0]["id"].clone();
    app.post(
        "/api/notifications/read",
        Some(&ada),
        json!({"upTo": up_to}),
    )
    .await;
    let image = crate::uploads::encoded(&crate::uploads::picture(7), image::ImageFormat::Png);
    let (status, body) = crate::uploads::upload(app, &ben, &image).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Every answer a reader or writer of the site could see, by request, without tokens: as
/// each of `users` and as an anonymous visitor.
async fn snapshot<'a>(
    app: &TestApp,
    users: &[&'a str],
) -> Vec<(String, Option<&'a str>, StatusCode, Value)> {
    let mut tokens = Vec::new();
    for &name in users {
        tokens.push((Some(name), Some(sign_in(app, name).await)));
    }
    tokens.push((None, None));
    let (_, all) = app.get("/api/articles?limit=100", None).await;
    let mut slugs = crate::helpers::slugs(&all);
    for (_, token) in &tokens[..1] {
        let (_, drafts) = app.get("/api/user/drafts", token.as_deref()).await;
        slugs.extend(crate::helpers::slugs(&drafts));
    }
    slugs.push("by-link-only".into());
    let mut paths: Vec<String> = [
        "/api/articles",
        "/api/articles?tag=rust",
        "/api/articles?author=ada",
        "/api/articles?favorited=ben",
        "/api/articles?q=coffee",
        "/api/articles?limit=1",
        "/api/articles/feed",
        "/api/user/drafts",
        "/api/user/bookmarks",
        "/api/user/tags",
        "/api/tags",
        "/api/profiles/ada",
        "/api/profiles/ben",
        "/api/notifications",
        "/api/admin/reports",
        "/api/admin/audit",
    ]
    .map(String::from)
    .to_vec();
    for slug in &slugs {
        paths.push(format!("/api/articles/{slug}"));
        paths.push(format!("/api/articles/{slug}/comments"));
    }
    let mut answers = Vec::new();
    for (who, token) in &tokens {
        for path in &paths {
            let (status, mut body) = app.get(path, token.as_deref()).await;
            if let Some(user) = body.get_mut("user") {
                user["token"] = Value::Null;
            }
            answers.push((path.clone(), *who, status, body));
        }
        let (_, mut user) = app.get("/api/user", token.as_deref()).await;
        user["user"]["token"] = Value::Null;
        answers.push(("/api/user".into(), *who, StatusCode::OK, user));
    }
    answers
}

/// A SQLite site moves to PostgreSQL (and a PostgreSQL site to SQLite): every list, article,
/// profile, comment thread, count and feed answers the same, and users sign in with their old
/// passwords; new writes continue after the imported ids.
async fn a_site_moves_to_the_other_engine_with_nothing_lost(engine: Engine) {
    let source_url = fresh_database(engine).await;
    let source = spawn_with(settings(&source_url, &[])).await;
    source.wait_ready().await;
    fill(&source, &source_url).await;
    let before = snapshot(&source, &USERS).await;
    let file = export_file();
    run_ok(&["export", &file], &source_url);

    let target_url = fresh_database(other(engine)).await;
    let stderr = run_ok(&["import", &file], &target_url);
    assert!(stderr.contains("imported"), "{stderr}");
    let target = spawn_with(settings(&target_url, &[])).await;
    target.wait_ready().await;
    let after = snapshot(&target, &USERS).await;
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "{} as {:?} differs after the move", b.0, b.1);
    }

    let ada = sign_in(&target, "ada").await;
    target
        .create_article(&ada, "Written on the new site", &["rust"])
        .await;
    target.register("newcomer").await;
    // The upload's record moved: the same image again is one ben already has.
    let ben = sign_in(&target, "ben").await;
    let image = crate::uploads::encoded(&crate::uploads::picture(7), image::ImageFormat::Png);
    let (status, _) = crate::uploads::upload(&target, &ben, &image).await;
    assert_eq!(status, StatusCode::OK);
    // dan is still suspended; reinstating him brings his article back, counted.
    let (status, _) = target
        .delete("/api/admin/users/dan/suspension", Some(&ada))
        .await;
    assert!(status.is_success());
    let (_, list) = target.get("/api/articles?tag=rust", None).await;
    assert_eq!(list["articlesCount"], 4);
    std::fs::remove_file(file).ok();
}

/// An import never mixes two sites: a database with content is refused, and left as it was.
async fn import_refuses_a_site_that_is_not_empty(engine: Engine) {
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    fill(&app, &url).await;
    let file = export_file();
    run_ok(&["export", &file], &url);
    let stderr = run_failing(&["import", &file], &url);
    assert!(
        stderr.contains("already holds a site") && stderr.contains("DATABASE_URL"),
        "{stderr}"
    );
    let (_, list) = app.get("/api/articles", None).await;
    assert_eq!(list["articlesCount"], 3);
    std::fs::remove_file(file).ok();
}

/// A file from a newer release, a file that is not an export and a file cut short each get one
/// clear line, and the cut file's import says so instead of leaving a half site unnoticed.
async fn import_refuses_unknown_versions_and_cut_files(engine: Engine) {
    let source = fresh_database(engine).await;
    let app = spawn_with(settings(&source, &[])).await;
    app.wait_ready().await;
    fill(&app, &source).await;
    let file = export_file();
    run_ok(&["export", &file], &source);
    let whole = std::fs::read_to_string(&file).unwrap();

    let newer = whole.replacen("\"version\":1", "\"version\":2", 1);
    std::fs::write(&file, newer).unwrap();
    let stderr = run_failing(&["import", &file], &fresh_database(engine).await);
    assert!(
        stderr.contains("version 2; this quill reads version 1"),
        "{stderr}"
    );

    std::fs::write(&file, "{\"users\": []}\n").unwrap();
    let stderr = run_failing(&["import", &file], &fresh_database(engine).await);
    assert!(stderr.contains("is not a quill export"), "{stderr}");

    let cut: String = whole
        .lines()
        .take(whole.lines().count() - 1)
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&file, cut).unwrap();
    let stderr = run_failing(&["import", &file], &fresh_database(engine).await);
    assert!(stderr.contains("cut short"), "{stderr}");
    std::fs::remove_file(file).ok();
}

/// A table added to the schema must be moved by export and import, or be named with the reason
/// it is not: otherwise a site would silently lose it when it moves.
async fn every_table_is_exported_or_said_not_to_be(engine: Engine) {
    use quill::storage::transfer::{NOT_EXPORTED, TABLES};
    let url = fresh_database(engine).await;
    let db = quill::storage::Db::connect_lazy(&settings(&url, &[]).database).unwrap();
    db.migrate().await.unwrap();
    for table in db.table_names().await.unwrap() {
        assert!(
            TABLES.iter().any(|t| t.name == table)
                || NOT_EXPORTED.iter().any(|(name, _)| *name == table),
            "table {table} is neither exported nor in NOT_EXPORTED"
        );
    }
    db.close().await;
}

/// Writers keep registering, following, publishing, commenting, answering and favoriting
/// through the API while `quill export` runs. The file is one instant of the site: it imports
/// into the other engine, everything a writer did before an article of theirs is there with
/// that article, and both engines answer every request the same from it. (Read table by table,
/// an export held articles by users it had not exported, and most such files did not import.)
async fn an_export_taken_under_writes_restores_on_either_engine(engine: Engine) {
    const WRITERS: usize = 3;
    let source_url = fresh_database(engine).await;
    // Enough of a site that the export takes a while.
    run_ok(
        &["seed", "--users", "100", "--articles", "1000"],
        &source_url,
    );
    let source = spawn_with(settings(&source_url, &[])).await;
    source.wait_ready().await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let app = TestApp {
            base: source.base.clone(),
            client: reqwest::Client::new(),
        };
        let stop = stop.clone();
        writers.push(tokio::spawn(async move {
            let token = app.register(&format!("writer{w}")).await;
            let mut rounds = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                write_round(&app, w, &token, rounds).await;
                rounds += 1;
            }
            rounds
        }));
    }
    // Let the writers get going, then export while they write.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let file = export_file();
    let exported = {
        let file = file.clone();
        let url = source_url.clone();
        tokio::task::spawn_blocking(move || run_ok(&["export", &file], &url))
    };
    let stderr = exported.await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut written = 0;
    for writer in writers {
        written += writer.await.unwrap();
    }
    assert!(written > 0 && stderr.contains("exported"), "{stderr}");

    let names: Vec<String> = (0..WRITERS).map(|w| format!("writer{w}")).collect();
    let mut answers = Vec::new();
    for target in [other(engine), engine] {
        let url = fresh_database(target).await;
        let stderr = run_ok(&["import", &file], &url);
        assert!(stderr.contains("imported"), "{stderr}");
        let app = spawn_with(settings(&url, &[])).await;
        app.wait_ready().await;
        let mut present = Vec::new();
        for name in &names {
            if writer_rounds_are_whole(&app, name).await {
                present.push(name.as_str());
            }
        }
        // Ranking differs by engine (`ts_rank` and bm25): searches are compared by the move test.
        let mut answers_here = snapshot(&app, &present).await;
        answers_here.retain(|(path, ..)| !path.contains("q="));
        answers.push(answers_here);
    }
    assert_eq!(answers[0].len(), answers[1].len());
    for (a, b) in answers[0].iter().zip(&answers[1]) {
        assert_eq!(a, b, "{} as {:?} differs between the engines", a.0, a.1);
    }
    std::fs::remove_file(file).ok();
}

/// One round of writer `w` (signed in with `token`): a new reader signs up and follows the
/// writer, the writer publishes an article, the reader comments on it and favorites it, and the
/// writer answers.
async fn write_round(app: &TestApp, w: usize, token: &str, round: usize) {
    let writer = format!("writer{w}");
    let reader = app.register_owned(format!("reader{w}x{round}")).await;
    app.post(
        &format!("/api/profiles/{writer}/follow"),
        Some(&reader),
        json!({}),
    )
    .await;
    let slug = app
        .create_article(token, &format!("Round {round} of {writer}"), &["rounds"])
        .await;
    let comments = format!("/api/articles/{slug}/comments");
    let (status, body) = app
        .post(
            &comments,
            Some(&reader),
            json!({"comment": {"body": "A question"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let question = body["comment"]["id"].clone();
    app.post(
        &format!("/api/articles/{slug}/favorite"),
        Some(&reader),
        json!({}),
    )
    .await;
    let (status, body) = app
        .post(
            &comments,
            Some(token),
            json!({"comment": {"body": "An answer", "parentId": question}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

/// Whether the site holds `writer` (true) and every round before the writer's newest article
/// whole: a question and its answer, a favorite, counted as they are listed.
async fn writer_rounds_are_whole(app: &TestApp, writer: &str) -> bool {
    let (status, list) = app
        .get(&format!("/api/articles?author={writer}&limit=100"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let articles = list["articles"].as_array().unwrap();
    if articles.is_empty() {
        return false;
    }
    // The newest article's round may have been cut by the export; every older one was done.
    for article in &articles[1..] {
        let slug = article["slug"].as_str().unwrap();
        let (_, comments) = app
            .get(&format!("/api/articles/{slug}/comments"), None)
            .await;
        let comments = comments["comments"].as_array().unwrap();
        assert_eq!(comments.len(), 2, "{slug}: {comments:?}");
        assert_eq!(comments[1]["parentId"], comments[0]["id"], "{slug}");
        assert_eq!(article["commentsCount"], 2, "{slug}");
        assert_eq!(article["favoritesCount"], 1, "{slug}");
    }
    true
}

/// An export holds every password hash: it is created readable by its owner only, and an older
/// file of the same name, however open, is replaced by one that is.
async fn exports_are_readable_by_their_owner_only(engine: Engine) {
    use std::os::unix::fs::PermissionsExt;
    let url = fresh_database(engine).await;
    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    app.register("ada").await;
    let file = export_file();
    std::fs::write(&file, "an older export").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    run_ok(&["export", &file], &url);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"ada\""));
    // Nothing is left beside it.
    let dir = std::path::Path::new(&file).parent().unwrap();
    let name = std::path::Path::new(&file)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(&name) && *n != name)
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    std::fs::remove_file(file).ok();
}

/// `quill seed` is killed while it writes: the users it had written stay, and notifications
/// still work for what people do next (bulk mode, which keeps a load from notifying, belonged
/// to the load's transactions and died with them; it used to be a site-wide switch that the
/// dead load left on).
async fn a_load_killed_midway_leaves_notifications_working(engine: Engine) {
    let url = fresh_database(engine).await;
    let data_dir =
        std::env::temp_dir().join(format!("quill-cmd-{}", uuid::Uuid::new_v4().simple()));
    let mut seed = std::process::Command::new(env!("CARGO_BIN_EXE_quill"))
        .args(["seed", "--users", "20000", "--articles", "200000"])
        .env_clear()
        .env("DATABASE_URL", &url)
        .env("DATA_DIR", &data_dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let db = quill::storage::Db::connect_lazy(&settings(&url, &[]).database).unwrap();
    let started = std::time::Instant::now();
    loop {
        let users: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(db.pool())
            .await;
        if users.is_ok_and(|n| n > 0) {
            break;
        }
        assert!(seed.try_wait().unwrap().is_none(), "the seed ended early");
        assert!(started.elapsed().as_secs() < 120, "the seed wrote no user");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    seed.kill().unwrap();
    seed.wait().unwrap();
    let (follower, followee): (String, String) = sqlx::query_as(
        "SELECT a.email, b.username FROM users a JOIN users b ON b.id = a.id + 1 \
         WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = a.id \
                           AND f.followee_id = b.id) ORDER BY a.id LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let notifications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(notifications, 0, "the seed's own writes notified");
    db.close().await;

    let app = spawn_with(settings(&url, &[])).await;
    app.wait_ready().await;
    let sign_in = |email: String| {
        let app = &app;
        async move {
            let (status, body) = app
                .post(
                    "/api/users/login",
                    None,
                    json!({"user": {"email": email, "password": PASSWORD}}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["user"]["token"].as_str().unwrap().to_string()
        }
    };
    let token = sign_in(follower).await;
    let (status, body) = app
        .post(
            &format!("/api/profiles/{followee}/follow"),
            Some(&token),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let followee_token = sign_in(format!("{followee}@example.com")).await;
    let (status, inbox) = app.get("/api/notifications", Some(&followee_token)).await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert_eq!(inbox["notifications"][0]["kind"], "follow", "{inbox}");
}
