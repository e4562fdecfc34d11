//! Lists at scale: totals kept on write match a full count after concurrent writes of every
//! kind; cursors walk every list once, in order, while articles are added; deep offsets are
//! refused with a pointer to cursors.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, slugs, spawn_app, spawn_app_with_admin};

engine_tests!(
    kept_totals_match_a_full_count_after_concurrent_writes,
    cursors_walk_each_list_once_while_articles_are_added,
    deep_offsets_and_bad_cursors_are_refused,
);

/// Every slug of a list, following `nextCursor` pages of `limit`, and the total it reported.
async fn walk(app: &TestApp, path: &str, token: Option<&str>, limit: usize) -> (Vec<String>, i64) {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let mut all = Vec::new();
    let mut url = format!("{path}{joiner}limit={limit}");
    let mut total = None;
    loop {
        let (status, body) = app.get(&url, token).await;
        assert_eq!(status, StatusCode::OK, "{url}: {body}");
        let page = slugs(&body);
        assert!(page.len() <= limit);
        total.get_or_insert(body["articlesCount"].as_i64().unwrap());
        all.extend(page);
        match body["nextCursor"].as_str() {
            Some(cursor) => url = format!("{path}{joiner}limit={limit}&cursor={cursor}"),
            None => return (all, total.unwrap()),
        }
    }
}

async fn count(app: &TestApp, path: &str) -> i64 {
    let (status, body) = app.get(path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["articlesCount"].as_i64().unwrap()
}

async fn kept_totals_match_a_full_count_after_concurrent_writes(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let app = &app;
    let authors = join_all(["ana", "ben", "cy"].map(|n| app.register(n))).await;
    let fans = join_all(["fan1", "fan2"].map(|n| app.register(n))).await;
    // Twelve articles each, written at once; every third one a draft.
    let created: Vec<(usize, Value)> = join_all((0..36).map(|i| {
        let (author, token) = (i % 3, authors[i % 3].clone());
        async move {
            let status = if i % 3 == 0 { "draft" } else { "published" };
            let tags = if i % 2 == 0 {
                json!(["even", "all"])
            } else {
                json!(["odd", "all"])
            };
            let article = app
                .create_article_with(
                    &token,
                    json!({"title": format!("Post {i}"), "status": status, "tagList": tags}),
                )
                .await;
            (author, article)
        }
    }))
    .await;
    let path = |a: &Value| format!("/api/articles/{}", a["slug"].as_str().unwrap());
    // At once: both fans favorite every article they can see, some articles are published,
    // withdrawn or deleted, one author deletes their account and another is suspended.
    let fans = &fans;
    let favorites = created.iter().flat_map(|(_, a)| {
        fans.iter().map(move |fan| async move {
            app.post(&format!("{}/favorite", path(a)), Some(fan), json!({}))
                .await
        })
    });
    let status_changes =
        created
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 4 == 1)
            .map(|(i, (author, a))| {
                let status = if i % 8 == 1 { "draft" } else { "published" };
                let authors = &authors;
                async move {
                    app.put(
                        &path(a),
                        Some(&authors[*author]),
                        json!({"article": {"status": status}}),
                    )
                    .await
                }
            });
    let deletions =
        created
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 == 2)
            .map(|(_, (author, a))| {
                let authors = &authors;
                async move { app.delete(&path(a), Some(&authors[*author])).await }
            });
    let (_, _, _, gone, suspended) = tokio::join!(
        join_all(favorites),
        join_all(status_changes),
        join_all(deletions),
        app.delete("/api/user", Some(&authors[2])),
        app.post("/api/admin/users/ben/suspension", Some(&admin), json!({})),
    );
    assert_eq!(gone.0, StatusCode::NO_CONTENT);
    assert_eq!(suspended.0, StatusCode::OK);
    assert_totals_match(app).await;
    assert_eq!(count(app, "/api/articles?author=ben").await, 0);
    // Reinstated, ben's articles count again, wherever they count.
    let (status, _) = app
        .delete("/api/admin/users/ben/suspension", Some(&admin))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_totals_match(app).await;
    assert!(count(app, "/api/articles?author=ben").await > 0);
    assert_eq!(count(app, "/api/articles?author=cy").await, 0);
}

/// Every kept total equals the number of articles its list walks.
async fn assert_totals_match(app: &TestApp) {
    for list in [
        "/api/articles",
        "/api/articles?author=ana",
        "/api/articles?author=ben",
        "/api/articles?author=cy",
        "/api/articles?tag=all",
        "/api/articles?tag=even",
        "/api/articles?favorited=fan1",
        "/api/articles?favorited=fan2",
        "/api/articles?tag=odd&author=ben",
    ] {
        let (every, reported) = walk(app, list, None, 7).await;
        assert_eq!(reported, every.len() as i64, "{list}");
        assert_eq!(count(app, list).await, reported, "{list}");
    }
}

async fn cursors_walk_each_list_once_while_articles_are_added(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let reader = app.register("reader").await;
    app.post("/api/profiles/writer/follow", Some(&reader), json!({}))
        .await;
    let mut published = Vec::new();
    for i in 0..23 {
        let slug = app
            .create_article(&writer, &format!("Story {i}"), &["walk"])
            .await;
        app.post(
            &format!("/api/articles/{slug}/bookmark"),
            Some(&reader),
            json!({}),
        )
        .await;
        published.push(slug);
        app.create_article_with(
            &writer,
            json!({"title": format!("Draft {i}"), "status": "draft"}),
        )
        .await;
    }
    let newest_first: Vec<String> = published.iter().rev().cloned().collect();
    // Walking the public list while new articles arrive: none is seen twice or skipped.
    let joiner = '?';
    let mut seen = Vec::new();
    let mut url = "/api/articles?limit=5".to_string();
    let mut added = 0;
    loop {
        let (_, body) = app.get(&url, None).await;
        seen.extend(slugs(&body));
        if added < 3 {
            app.create_article(&writer, &format!("Late {added}"), &["walk"])
                .await;
            added += 1;
        }
        match body["nextCursor"].as_str() {
            Some(cursor) => url = format!("/api/articles{joiner}limit=5&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, newest_first);
    for (list, token, expected) in [
        ("/api/articles?tag=walk&author=writer", None, 26),
        ("/api/articles/feed", Some(&reader), 26),
        ("/api/user/bookmarks", Some(&reader), 23),
        ("/api/user/drafts", Some(&writer), 23),
        ("/api/articles?q=story", None, 23),
    ] {
        let (every, total) = walk(&app, list, token.map(String::as_str), 4).await;
        assert_eq!(every.len(), expected, "{list}");
        assert_eq!(total, expected as i64, "{list}");
        let mut unique = every.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), every.len(), "{list}: an article came twice");
        // Page by page, the same order as one big page.
        let (_, body) = app
            .get(
                &format!(
                    "{list}{}limit=100",
                    if list.contains('?') { '&' } else { '?' }
                ),
                token.map(String::as_str),
            )
            .await;
        assert_eq!(slugs(&body), every, "{list}");
        assert!(
            body.get("nextCursor").is_none(),
            "{list}: no page after the last"
        );
    }
}

async fn deep_offsets_and_bad_cursors_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("deep").await;
    let slug = app.create_article(&token, "Only one", &[]).await;
    let (status, body) = app.get("/api/articles?offset=10000", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["articlesCount"], 1);
    let (status, body) = app.get("/api/articles?offset=10001", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["errors"]["offset"][0]
            .as_str()
            .unwrap()
            .contains("cursor"),
        "{body}"
    );
    for bad in ["garbage", "eyJ4IjoxfQ", "%00%01"] {
        let (status, body) = app.get(&format!("/api/articles?cursor={bad}"), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            body["errors"]["cursor"][0]
                .as_str()
                .unwrap()
                .starts_with("is invalid")
        );
    }
    // Well-formed but for a NUL in its sort key: PostgreSQL would fail on it with a 500.
    let nul = URL_SAFE_NO_PAD.encode(br#"{"at":"2026\u0000","id":1}"#);
    for list in [
        "/api/articles",
        "/api/articles/feed",
        "/api/user/drafts",
        "/api/user/bookmarks",
    ] {
        let (status, body) = app.get(&format!("{list}?cursor={nul}"), Some(&token)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{list}: {body}");
        assert!(body["errors"]["cursor"].is_array(), "{list}: {body}");
    }
    let (_, first) = app.get("/api/articles?limit=1", None).await;
    assert!(first.get("nextCursor").is_none());
    app.create_article(&token, "Second", &[]).await;
    let (_, first) = app.get("/api/articles?limit=1", None).await;
    let cursor = first["nextCursor"].as_str().unwrap();
    let (status, body) = app
        .get(
            &format!("/api/articles?limit=1&offset=1&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["offset"].is_array());
    let (status, body) = app
        .get(
            &format!("/api/articles/{slug}/comments?cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["errors"]["cursor"].is_array());
    let (status, _) = app
        .get(&format!("/api/articles/{slug}/comments?offset=10001"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
