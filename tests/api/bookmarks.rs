use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    reading_list_is_most_recently_saved_first,
    bookmarked_is_per_viewer_and_per_article,
    articles_that_become_drafts_drop_out_of_reading_lists,
);

async fn reading_list_is_most_recently_saved_first(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let older = app.create_article(&author, "Older", &[]).await;
    let newer = app.create_article(&author, "Newer", &[]).await;
    app.create_article(&author, "Unsaved", &[]).await;
    // Saved in the other order from publication: the list follows the saving.
    for slug in [&newer, &older] {
        let (status, body) = app
            .post(
                &format!("/api/articles/{slug}/bookmark"),
                Some(&reader),
                json!({}),
            )
            .await;
        assert_eq!(
            (status, &body["article"]["bookmarked"]),
            (StatusCode::OK, &json!(true))
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // Saving again keeps the first save's place.
    app.post(
        &format!("/api/articles/{newer}/bookmark"),
        Some(&reader),
        json!({}),
    )
    .await;
    let (_, body) = app.get("/api/user/bookmarks", Some(&reader)).await;
    assert_eq!(body["articlesCount"], 2);
    assert_eq!(
        app.slugs("/api/user/bookmarks", Some(&reader)).await,
        [older.clone(), newer.clone()]
    );
    assert_eq!(
        app.slugs("/api/user/bookmarks?limit=1&offset=1", Some(&reader))
            .await,
        [newer.as_str()]
    );

    let (status, body) = app
        .delete(&format!("/api/articles/{older}/bookmark"), Some(&reader))
        .await;
    assert_eq!(
        (status, &body["article"]["bookmarked"]),
        (StatusCode::OK, &json!(false))
    );
    assert_eq!(
        app.slugs("/api/user/bookmarks", Some(&reader)).await,
        [newer]
    );
    assert_eq!(
        app.get("/api/user/bookmarks", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .post("/api/articles/missing/bookmark", Some(&reader), json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn bookmarked_is_per_viewer_and_per_article(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let first = app.create_article(&author, "First", &[]).await;
    app.create_article(&author, "Second", &[]).await;
    app.post(
        &format!("/api/articles/{first}/bookmark"),
        Some(&ann),
        json!({}),
    )
    .await;
    let flags = ["bookmarked"];
    assert_eq!(
        app.list_fields(Some(&ann), &flags).await,
        [json!([false]), json!([true])]
    );
    assert_eq!(
        app.list_fields(Some(&bob), &flags).await,
        [json!([false]), json!([false])]
    );
    assert_eq!(
        app.list_fields(None, &flags).await,
        [json!([false]), json!([false])]
    );
    let (_, body) = app.get(&format!("/api/articles/{first}"), Some(&ann)).await;
    assert_eq!(body["article"]["bookmarked"], true);
}

async fn articles_that_become_drafts_drop_out_of_reading_lists(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let kept = app.create_article(&author, "Kept", &[]).await;
    let withdrawn = app.create_article(&author, "Withdrawn", &[]).await;
    for slug in [&kept, &withdrawn] {
        app.post(
            &format!("/api/articles/{slug}/bookmark"),
            Some(&reader),
            json!({}),
        )
        .await;
    }
    let draft = app
        .update_article(&author, &withdrawn, json!({"status": "draft"}))
        .await;
    let (_, body) = app.get("/api/user/bookmarks", Some(&reader)).await;
    assert_eq!(body["articlesCount"], 1);
    assert_eq!(
        app.slugs("/api/user/bookmarks", Some(&reader)).await,
        [kept.as_str()]
    );
    // Published again (under its readable slug again), it is back where it was.
    let slug = draft["slug"].as_str().unwrap();
    app.update_article(&author, slug, json!({"status": "published"}))
        .await;
    assert_eq!(
        app.slugs("/api/user/bookmarks", Some(&reader)).await,
        [withdrawn, kept]
    );
}
