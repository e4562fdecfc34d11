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
    twenty_readers_clapping_fifty_at_once_give_a_thousand,
    one_reader_clapping_at_once_never_passes_fifty,
    tag_counts_stay_exact_under_concurrent_writes,
    favorites_and_unfavorites_of_one_pair_at_once_all_succeed,
);

/// A reader double-clicking the heart: favorite and unfavorite of the same article by the same
/// reader race each other, as the benchmark's write mix does. Every request must succeed (no
/// deadlock answered 503), and the counts must agree with what each reader ends up with.
async fn favorites_and_unfavorites_of_one_pair_at_once_all_succeed(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Clicked", &[]).await;
    let readers = join_all((0..4).map(|i| app.register_owned(format!("clicker{i}")))).await;
    let fav = format!("/api/articles/{slug}/favorite");
    for _ in 0..10 {
        let favorites = readers.iter().map(|t| app.post(&fav, Some(t), json!({})));
        let unfavorites = readers.iter().map(|t| app.delete(&fav, Some(t)));
        let (done, undone) = tokio::join!(join_all(favorites), join_all(unfavorites));
        for (status, body) in done.into_iter().chain(undone) {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let mut favorited = 0;
    for token in &readers {
        let (_, body) = app.get(&format!("/api/articles/{slug}"), Some(token)).await;
        favorited += i64::from(body["article"]["favorited"] == true);
    }
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["favoritesCount"], favorited);
    let (_, mine) = app.get("/api/articles?favorited=clicker0", None).await;
    let (_, first) = app
        .get(&format!("/api/articles/{slug}"), Some(&readers[0]))
        .await;
    assert_eq!(
        mine["articlesCount"],
        i64::from(first["article"]["favorited"] == true)
    );
}

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

async fn twenty_readers_clapping_fifty_at_once_give_a_thousand(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Standing ovation", &[]).await;
    let readers = join_all((0..20).map(|i| app.register_owned(format!("reader{i}")))).await;
    let claps = format!("/api/articles/{slug}/claps");
    let results = join_all(
        readers
            .iter()
            .map(|t| app.post(&claps, Some(t), json!({"claps": 50}))),
    )
    .await;
    assert!(
        results.iter().all(|(s, _)| *s == StatusCode::OK),
        "{results:?}"
    );
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["clapsCount"], 1000);
}

async fn one_reader_clapping_at_once_never_passes_fifty(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Eager", &[]).await;
    let claps = format!("/api/articles/{slug}/claps");
    // Twelve requests of 5 at once: exactly ten fit, two are refused whole.
    let results =
        join_all((0..12).map(|_| app.post(&claps, Some(&reader), json!({"claps": 5})))).await;
    let ok = results.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    let refused = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((ok, refused), (10, 2), "{results:?}");
    let (_, body) = app
        .get(&format!("/api/articles/{slug}"), Some(&reader))
        .await;
    assert_eq!(
        (
            &body["article"]["clapsCount"],
            &body["article"]["viewerClaps"]
        ),
        (&json!(50), &json!(50))
    );
}

/// Tag counts kept on write match a full count after concurrent creates, status changes and
/// deletes of articles sharing tags.
async fn tag_counts_stay_exact_under_concurrent_writes(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let created = join_all((0..12).map(|i| {
        let tags = if i % 2 == 0 { vec!["even", "all"] } else { vec!["odd", "all"] };
        app.post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": format!("Post {i}"), "description": "d", "body": "b", "tagList": tags}}),
        )
    }))
    .await;
    let slugs: Vec<String> = created
        .iter()
        .map(|(s, b)| {
            assert_eq!(*s, StatusCode::CREATED, "{b}");
            b["article"]["slug"].as_str().unwrap().to_string()
        })
        .collect();
    // At once: four even ones withdrawn to drafts, two odd ones deleted.
    let paths: Vec<String> = slugs.iter().map(|s| format!("/api/articles/{s}")).collect();
    let draft = json!({"article": {"status": "draft"}});
    let withdrawn = paths
        .iter()
        .step_by(2)
        .take(4)
        .map(|p| app.put(p, Some(&token), draft.clone()));
    let deleted = paths
        .iter()
        .skip(1)
        .step_by(2)
        .take(2)
        .map(|p| app.delete(p, Some(&token)));
    let (w, d) = tokio::join!(join_all(withdrawn), join_all(deleted));
    assert!(w.iter().all(|(s, _)| *s == StatusCode::OK), "{w:?}");
    assert!(d.iter().all(|(s, _)| *s == StatusCode::NO_CONTENT), "{d:?}");
    let mut counts = Vec::new();
    for tag in ["all", "even", "odd"] {
        let (_, body) = app
            .get(&format!("/api/articles?tag={tag}&limit=100"), None)
            .await;
        let (_, followed) = app
            .post(&format!("/api/tags/{tag}/follow"), Some(&token), json!({}))
            .await;
        counts.push((
            body["articlesCount"].clone(),
            followed["tag"]["articlesCount"].clone(),
        ));
    }
    assert_eq!(
        counts,
        [
            (json!(6), json!(6)),
            (json!(2), json!(2)),
            (json!(4), json!(4))
        ]
    );
    let (_, tags) = app.get("/api/tags", None).await;
    assert_eq!(tags["tags"], json!(["all", "odd", "even"]));
}
