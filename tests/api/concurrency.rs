//! Concurrent writes stay exact: every request is a real HTTP request, all in flight at once.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    twenty_concurrent_favorites_count_twenty,
    same_title_at_once_gets_unique_slugs,
    same_username_at_once_registers_once,
);

async fn twenty_concurrent_favorites_count_twenty(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Popular", &[]).await;
    let fans = join_all((0..20).map(|i| app.register_owned(format!("fan{i}")))).await;
    let fav = format!("/api/articles/{slug}/favorite");

    let results = join_all(fans.iter().map(|t| app.post(&fav, Some(t), json!({})))).await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::OK),
        "{results:?}"
    );
    assert_eq!(
        app.get(&format!("/api/articles/{slug}"), None).await.1["article"]["favoritesCount"],
        20
    );

    // Repeats and removals at once: the first ten favorite again while the last ten unfavorite.
    let again = fans[..10]
        .iter()
        .map(|t| app.post(&fav, Some(t), json!({})));
    let removed = fans[10..].iter().map(|t| app.delete(&fav, Some(t)));
    let (a, r) = tokio::join!(join_all(again), join_all(removed));
    assert!(a.iter().chain(r.iter()).all(|(s, _)| *s == StatusCode::OK));
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["favoritesCount"], 10);
    assert_eq!(
        app.get("/api/articles?favorited=fan3", None).await.1["articlesCount"],
        1
    );
    assert_eq!(
        app.get("/api/articles?favorited=fan13", None).await.1["articlesCount"],
        0
    );
}

async fn same_title_at_once_gets_unique_slugs(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("prolific").await;
    let body = json!({"article": {"title": "Breaking News", "description": "d", "body": "b", "tagList": ["news"]}});
    let results =
        join_all((0..12).map(|_| app.post("/api/articles", Some(&token), body.clone()))).await;
    let mut slugs: Vec<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, StatusCode::CREATED, "{body}");
            body["article"]["slug"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(slugs.iter().all(|s| s.starts_with("breaking-news")));
    assert!(slugs.contains(&"breaking-news".to_string()));
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 12);
    let (_, list) = app.get("/api/articles?tag=news&limit=100", None).await;
    assert_eq!(list["articlesCount"], 12);
}

async fn same_username_at_once_registers_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let results = join_all((0..8).map(|i| {
        app.post(
            "/api/users",
            None,
            json!({"user": {"username": "popular", "email": format!("p{i}@example.com"), "password": "password123"}}),
        )
    }))
    .await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let conflicts: Vec<_> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CONFLICT)
        .collect();
    assert_eq!(created, 1, "{results:?}");
    assert_eq!(conflicts.len(), 7, "{results:?}");
    assert!(
        conflicts
            .iter()
            .all(|(_, b)| b["errors"]["username"][0] == "has already been taken")
    );
}
