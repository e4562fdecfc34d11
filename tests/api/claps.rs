use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    readers_clap_up_to_fifty_each,
    claps_are_per_viewer,
    authors_cannot_clap_for_themselves,
    clap_counts_outside_1_to_50_are_422,
    claps_can_be_taken_back,
);

async fn readers_clap_up_to_fifty_each(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Applause", &[]).await;
    let path = format!("/api/articles/{slug}/claps");

    let (status, body) = app.post(&path, Some(&reader), json!({"claps": 30})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (
            &body["article"]["clapsCount"],
            &body["article"]["viewerClaps"]
        ),
        (&json!(30), &json!(30))
    );

    // Past 50 in all: refused whole, saying how many are left; nothing is silently dropped.
    let (status, body) = app.post(&path, Some(&reader), json!({"claps": 21})).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"errors": {"claps": ["would pass 50 claps for this article: 20 left"]}})
        )
    );
    let (_, body) = app.post(&path, Some(&reader), json!({"claps": 20})).await;
    assert_eq!(body["article"]["viewerClaps"], 50);
    let (status, body) = app.post(&path, Some(&reader), json!({"claps": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["errors"]["claps"][0],
        "would pass 50 claps for this article: 0 left"
    );
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["clapsCount"], 50);
}

async fn claps_are_per_viewer(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let first = app.create_article(&author, "First", &[]).await;
    let second = app.create_article(&author, "Second", &[]).await;
    app.post(
        &format!("/api/articles/{first}/claps"),
        Some(&ann),
        json!({"claps": 7}),
    )
    .await;
    app.post(
        &format!("/api/articles/{second}/claps"),
        Some(&bob),
        json!({"claps": 3}),
    )
    .await;

    let fields = ["slug", "clapsCount", "viewerClaps"];
    assert_eq!(
        app.list_fields(Some(&ann), &fields).await,
        [json!([second, 3, 0]), json!([first, 7, 7])]
    );
    assert_eq!(
        app.list_fields(Some(&bob), &fields).await,
        [json!([second, 3, 3]), json!([first, 7, 0])]
    );
    assert_eq!(
        app.list_fields(None, &fields).await,
        [json!([second, 3, 0]), json!([first, 7, 0])]
    );
}

async fn authors_cannot_clap_for_themselves(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let slug = app.create_article(&author, "Mine", &[]).await;
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            Some(&author),
            json!({"claps": 5}),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::FORBIDDEN,
            json!({"errors": {"claps": ["authors cannot clap for their own articles"]}})
        )
    );
    let (status, _) = app
        .post(
            "/api/articles/no-such-article/claps",
            Some(&author),
            json!({"claps": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            None,
            json!({"claps": 5}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn clap_counts_outside_1_to_50_are_422(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let reader = app.register("reader").await;
    let slug = app.create_article(&author, "Numbers", &[]).await;
    let path = format!("/api/articles/{slug}/claps");
    for bad in [
        json!({"claps": 0}),
        json!({"claps": 51}),
        json!({"claps": -3}),
        json!({}),
    ] {
        let (status, body) = app.post(&path, Some(&reader), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body["errors"]["claps"].is_array(), "{bad}: {body}");
    }
    for bad in [json!({"claps": "ten"}), json!({"claps": 2.5})] {
        let (status, body) = app.post(&path, Some(&reader), bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["clapsCount"], 0);
}

async fn claps_can_be_taken_back(engine: Engine) {
    let app = spawn_app(engine).await;
    let author = app.register("author").await;
    let ann = app.register("ann").await;
    let bob = app.register("bob").await;
    let slug = app.create_article(&author, "Regret", &[]).await;
    let path = format!("/api/articles/{slug}/claps");
    app.post(&path, Some(&ann), json!({"claps": 10})).await;
    app.post(&path, Some(&bob), json!({"claps": 4})).await;
    let (status, body) = app.delete(&path, Some(&ann)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            &body["article"]["clapsCount"],
            &body["article"]["viewerClaps"]
        ),
        (&json!(4), &json!(0))
    );
    // Taken back, the reader has all 50 again.
    let (status, _) = app.post(&path, Some(&ann), json!({"claps": 50})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app
        .delete("/api/articles/nothing-here/claps", Some(&ann))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
