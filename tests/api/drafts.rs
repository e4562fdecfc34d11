use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, spawn_app};

engine_tests!(
    drafts_are_seen_by_their_author_only,
    publishing_puts_a_draft_in_every_list_and_unpublishing_takes_it_out,
    published_at_is_stamped_once_and_orders_the_lists,
    unlisted_articles_open_by_link_but_are_in_no_list,
    drafts_list_is_paginated_with_a_total,
    unknown_status_is_422,
);

/// Every public place an article can appear in, for `tag`, `author` and a search `word`.
async fn public_places(
    app: &TestApp,
    token: &str,
    tag: &str,
    author: &str,
    word: &str,
) -> Vec<Value> {
    let mut found = Vec::new();
    for path in [
        "/api/articles".to_string(),
        format!("/api/articles?tag={tag}"),
        format!("/api/articles?author={author}"),
        format!("/api/articles?q={word}"),
        "/api/articles/feed".to_string(),
    ] {
        let (status, body) = app.get(&path, Some(token)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        found.push(json!([
            path,
            body["articlesCount"],
            body["articles"].as_array().unwrap().len()
        ]));
    }
    let (_, tags) = app.get("/api/tags", None).await;
    found.push(json!([
        "tags",
        tags["tags"].as_array().unwrap().iter().any(|t| t == tag)
    ]));
    found
}

fn nowhere(tag: &str, author: &str, word: &str) -> Vec<Value> {
    vec![
        json!(["/api/articles", 0, 0]),
        json!([format!("/api/articles?tag={tag}"), 0, 0]),
        json!([format!("/api/articles?author={author}"), 0, 0]),
        json!([format!("/api/articles?q={word}"), 0, 0]),
        json!(["/api/articles/feed", 0, 0]),
        json!(["tags", false]),
    ]
}

fn everywhere(tag: &str, author: &str, word: &str) -> Vec<Value> {
    vec![
        json!(["/api/articles", 1, 1]),
        json!([format!("/api/articles?tag={tag}"), 1, 1]),
        json!([format!("/api/articles?author={author}"), 1, 1]),
        json!([format!("/api/articles?q={word}"), 1, 1]),
        json!(["/api/articles/feed", 1, 1]),
        json!(["tags", true]),
    ]
}

async fn drafts_are_seen_by_their_author_only(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let draft = app
        .create_article_with(&author, json!({"title": "Secret plans", "status": "draft"}))
        .await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["publishedAt"], Value::Null);
    let slug = draft["slug"].as_str().unwrap();
    let path = format!("/api/articles/{slug}");

    assert_eq!(app.get(&path, Some(&author)).await.0, StatusCode::OK);
    for token in [None, Some(reader.as_str())] {
        let (status, body) = app.get(&path, token).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"errors": {"article": ["not found"]}})
            )
        );
    }
    // Nothing the reader does reveals or touches it: 404, never 403.
    for (status, _) in [
        app.post(&format!("{path}/favorite"), Some(&reader), json!({}))
            .await,
        app.post(
            &format!("{path}/comments"),
            Some(&reader),
            json!({"comment": {"body": "hi"}}),
        )
        .await,
        app.get(&format!("{path}/comments"), Some(&reader)).await,
        app.post(&format!("{path}/claps"), Some(&reader), json!({"claps": 1}))
            .await,
        app.post(&format!("{path}/bookmark"), Some(&reader), json!({}))
            .await,
        app.put(
            &path,
            Some(&reader),
            json!({"article": {"title": "Mine now"}}),
        )
        .await,
        app.delete(&path, Some(&reader)).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, body) = app.get(&path, Some(&author)).await;
    assert_eq!(body["article"]["favoritesCount"], 0);
    assert_eq!(body["article"]["commentsCount"], 0);
    assert_eq!(body["article"]["title"], "Secret plans");
}

async fn publishing_puts_a_draft_in_every_list_and_unpublishing_takes_it_out(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    app.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;
    let slug = app
        .create_article_with(
            &author,
            json!({"title": "Quietly drafted", "tagList": ["quiet"], "status": "draft"}),
        )
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let places = || public_places(&app, &reader, "quiet", "author", "drafted");
    assert_eq!(places().await, nowhere("quiet", "author", "drafted"));

    let (status, body) = app
        .put(
            &format!("/api/articles/{slug}"),
            Some(&author),
            json!({"article": {"status": "published"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["article"]["status"], "published");
    assert_eq!(places().await, everywhere("quiet", "author", "drafted"));

    let slug = body["article"]["slug"].as_str().unwrap();
    app.update_article(&author, slug, json!({"status": "draft"}))
        .await;
    assert_eq!(places().await, nowhere("quiet", "author", "drafted"));
}

async fn published_at_is_stamped_once_and_orders_the_lists(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let old = app
        .create_article_with(
            &author,
            json!({"title": "Written first", "status": "draft"}),
        )
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let newer = app.create_article(&author, "Written second", &[]).await;
    assert_eq!(app.slugs("/api/articles", None).await, [newer.as_str()]);

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let article = app
        .update_article(&author, &old, json!({"status": "published"}))
        .await;
    let published_at = article["publishedAt"].clone();
    assert!(published_at.as_str().unwrap() > article["createdAt"].as_str().unwrap());
    // Written last month, published now: on top.
    let mut slug = article["slug"].as_str().unwrap().to_string();
    assert_eq!(
        app.slugs("/api/articles", None).await,
        [slug.clone(), newer.clone()]
    );

    // Withdrawn and republished later, it keeps its first publication date.
    for status in ["draft", "published"] {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let article = app
            .update_article(&author, &slug, json!({ "status": status }))
            .await;
        slug = article["slug"].as_str().unwrap().to_string();
    }
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["publishedAt"], published_at);
}

async fn unlisted_articles_open_by_link_but_are_in_no_list(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    app.post("/api/profiles/author/follow", Some(&reader), json!({}))
        .await;
    let article = app
        .create_article_with(
            &author,
            json!({"title": "By invitation", "tagList": ["hidden"], "status": "unlisted"}),
        )
        .await;
    assert_eq!(article["publishedAt"], Value::Null);
    let slug = article["slug"].as_str().unwrap();
    let (status, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(
        (status, &body["article"]["status"]),
        (StatusCode::OK, &json!("unlisted"))
    );
    let (status, _) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&reader),
            json!({"comment": {"body": "found it"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        public_places(&app, &reader, "hidden", "author", "invitation").await,
        nowhere("hidden", "author", "invitation")
    );
}

async fn drafts_list_is_paginated_with_a_total(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let other = app.register("other").await;
    let mut drafts = Vec::new();
    for i in 0..3 {
        drafts.push(
            app.create_article_with(
                &author,
                json!({"title": format!("Draft {i}"), "status": "draft"}),
            )
            .await["slug"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    app.create_article(&author, "Out already", &[]).await;
    app.create_article_with(
        &other,
        json!({"title": "Someone else's", "status": "draft"}),
    )
    .await;
    // Last edited first.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.put(
        &format!("/api/articles/{}", drafts[0]),
        Some(&author),
        json!({"article": {"body": "more"}}),
    )
    .await;
    let (status, body) = app.get("/api/user/drafts?limit=2", Some(&author)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["articlesCount"], 3);
    assert_eq!(
        app.slugs("/api/user/drafts?limit=2", Some(&author)).await,
        [drafts[0].clone(), drafts[2].clone()]
    );
    assert_eq!(
        app.slugs("/api/user/drafts?offset=2", Some(&author)).await,
        [drafts[1].clone()]
    );
    assert_eq!(
        app.get("/api/user/drafts", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn unknown_status_is_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let (status, body) = app
        .post(
            "/api/articles",
            Some(&author),
            json!({"article": {"title": "T", "description": "d", "body": "b", "status": "secret"}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"status": ["must be one of draft, published, unlisted"]}})
        )
    );
}
