use reqwest::StatusCode;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, fresh_database, settings, spawn_app, spawn_with};

engine_tests!(
    article_bodies_are_rendered_and_sanitized_when_written,
    comment_bodies_render_without_images_or_headings,
    reading_time_counts_words_and_korean_characters,
    bodies_stored_before_rendering_are_rendered_at_start,
    bodies_whose_html_would_explode_are_refused,
    a_stored_body_that_no_longer_renders_is_shown_as_text,
);

/// Lines that each open a formatting tag with attributes of its own and a block: the HTML
/// parser copies every open formatting tag into each new block, so `n` lines once built a tree
/// quadratic in `n` (16 KB became 5 MB of `bodyHtml`).
fn unclosed_formatting(n: usize) -> String {
    (0..n).map(|i| format!("<b x={i}><p>\n")).collect()
}

async fn bodies_whose_html_would_explode_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let refused = json!({"errors": {"body": [
        "renders to more than 8 times its length; close the HTML tags it opens"
    ]}});
    let explosive = unclosed_formatting(4_000);
    let (status, body) = app
        .post(
            "/api/articles",
            Some(&token),
            json!({"article": {"title": "Boom", "description": "d", "body": explosive}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, refused.clone())
    );

    let slug = app.create_article(&token, "Calm", &[]).await;
    let (status, body) = app
        .put(
            &format!("/api/articles/{slug}"),
            Some(&token),
            json!({"article": {"body": explosive}}),
        )
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::UNPROCESSABLE_ENTITY, refused.clone())
    );
    let (_, read) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_ne!(
        read["article"]["body"],
        explosive.as_str(),
        "the refused edit changed nothing"
    );

    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&token),
            json!({"comment": {"body": unclosed_formatting(700)}}),
        )
        .await;
    assert_eq!((status, body), (StatusCode::UNPROCESSABLE_ENTITY, refused));
    let (_, comments) = app
        .get(&format!("/api/articles/{slug}/comments"), None)
        .await;
    assert_eq!(comments["comments"], json!([]));

    // The same tags, closed where they are opened, are an ordinary body.
    let closed: String = (0..4_000)
        .map(|i| format!("<b x={i}>{i}</b><p>\n"))
        .collect();
    let article = app
        .create_article_with(&token, json!({"body": closed}))
        .await;
    let html = article["bodyHtml"].as_str().unwrap();
    assert!(
        html.len() < 2 * closed.len(),
        "{} bytes from {}",
        html.len(),
        closed.len()
    );
}

/// A body written before rendering was bounded, whose HTML was cleared by the upgrade, is
/// rendered at start like any other; when it no longer renders within the bound, its readers
/// see its text.
async fn a_stored_body_that_no_longer_renders_is_shown_as_text(engine: Engine) {
    use sqlx::Connection;
    let url = fresh_database(engine).await;
    let first = spawn_with(settings(&url, &[])).await;
    first.wait_ready().await;
    let token = first.register("writer").await;
    let slug = first.create_article(&token, "Old", &[]).await;

    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    let explosive = unclosed_formatting(4_000);
    sqlx::query("UPDATE article_bodies SET body = $1, body_html = NULL")
        .bind(&explosive)
        .execute(&mut db)
        .await
        .unwrap();

    let second = spawn_with(settings(&url, &[])).await;
    second.wait_ready().await;
    for _ in 0..100 {
        let (_, after) = second.get(&format!("/api/articles/{slug}"), None).await;
        if let Some(html) = after["article"]["bodyHtml"].as_str() {
            assert!(
                html.starts_with("<p>&lt;b x=0&gt;&lt;p&gt;"),
                "{}",
                &html[..100]
            );
            assert!(html.len() < 2 * explosive.len());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the stored body was not rendered at start");
}

async fn article_bodies_are_rendered_and_sanitized_when_written(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let body = "# Dragons\n\nThey are **big**.<script>alert(1)</script>\n\n\
                [site](https://example.com) [bad](javascript:alert(1))\n\n\
                | a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~\n\n<img src=x onerror=alert(1)>";
    let article = app.create_article_with(&token, json!({"body": body})).await;
    assert_eq!(
        article["body"], body,
        "the Markdown source is kept as written"
    );
    let html = article["bodyHtml"].as_str().unwrap();
    for wanted in [
        "<h1>Dragons</h1>",
        "<strong>big</strong>",
        r#"<a href="https://example.com" rel="nofollow noopener">site</a>"#,
        "<table>",
        "<del>old</del>",
    ] {
        assert!(html.contains(wanted), "{wanted} missing from {html}");
    }
    for unwanted in ["<script", "alert(1)</", "javascript:", "onerror"] {
        assert!(!html.contains(unwanted), "{unwanted} survived in {html}");
    }

    let slug = article["slug"].as_str().unwrap();
    let (_, list) = app.get("/api/articles", None).await;
    assert!(
        list["articles"][0].get("bodyHtml").is_none(),
        "lists carry no bodies"
    );
    let (_, updated) = app
        .put(
            &format!("/api/articles/{slug}"),
            Some(&token),
            json!({"article": {"body": "*new*"}}),
        )
        .await;
    assert_eq!(updated["article"]["bodyHtml"], "<p><em>new</em></p>\n");
    let (_, read) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(read["article"]["bodyHtml"], "<p><em>new</em></p>\n");
}

async fn comment_bodies_render_without_images_or_headings(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let slug = app.create_article(&token, "Commented", &[]).await;
    let (status, body) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&token),
            json!({"comment": {"body": "# Loud\n\n![cat](https://example.com/cat.png) **agreed** <a href=\"javascript:x()\">x</a>"}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let html = body["comment"]["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>agreed</strong>"), "{html}");
    for unwanted in ["<h1", "<img", "javascript:"] {
        assert!(!html.contains(unwanted), "{unwanted} survived in {html}");
    }
}

async fn reading_time_counts_words_and_korean_characters(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let english = "word ".repeat(2650);
    let korean = "가나다라마 ".repeat(500);
    let a = app
        .create_article_with(&token, json!({"title": "Long English", "body": english}))
        .await;
    let b = app
        .create_article_with(&token, json!({"title": "Long Korean", "body": korean}))
        .await;
    let c = app
        .create_article_with(&token, json!({"title": "Short", "body": "Hi."}))
        .await;
    assert_eq!(
        [&a, &b, &c].map(|x| x["readingTimeMinutes"].clone()),
        [json!(10), json!(5), json!(1)]
    );
    let (_, list) = app.get("/api/articles", None).await;
    let minutes: Vec<_> = list["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["readingTimeMinutes"].clone())
        .collect();
    assert_eq!(minutes, [json!(1), json!(5), json!(10)]);
    let slug = c["slug"].as_str().unwrap();
    let (_, updated) = app
        .put(
            &format!("/api/articles/{slug}"),
            Some(&token),
            json!({"article": {"body": english}}),
        )
        .await;
    assert_eq!(updated["article"]["readingTimeMinutes"], 10);
}

/// A site upgraded from a release without rendering has bodies without HTML: the next start
/// renders them once, with their reading time.
async fn bodies_stored_before_rendering_are_rendered_at_start(engine: Engine) {
    use sqlx::Connection;
    let url = fresh_database(engine).await;
    let first = spawn_with(settings(&url, &[])).await;
    first.wait_ready().await;
    let token = first.register("writer").await;
    let slug = first
        .create_article_with(
            &token,
            json!({"body": format!("**old** {}", "word ".repeat(530))}),
        )
        .await["slug"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, comment) = first
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&token),
            json!({"comment": {"body": "*hi*"}}),
        )
        .await;
    assert_eq!(comment["comment"]["bodyHtml"], "<p><em>hi</em></p>\n");

    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&url).await.unwrap();
    for sql in [
        "UPDATE article_bodies SET body_html = NULL",
        "UPDATE articles SET reading_time_minutes = 1",
        "UPDATE comments SET body_html = NULL",
    ] {
        sqlx::query(sql).execute(&mut db).await.unwrap();
    }
    let (_, before) = first.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(before["article"]["bodyHtml"], serde_json::Value::Null);

    let second = spawn_with(settings(&url, &[])).await;
    second.wait_ready().await;
    for _ in 0..100 {
        let (_, after) = second.get(&format!("/api/articles/{slug}"), None).await;
        let (_, comments) = second
            .get(&format!("/api/articles/{slug}/comments"), None)
            .await;
        if after["article"]["bodyHtml"].is_string()
            && comments["comments"][0]["bodyHtml"].is_string()
        {
            assert!(
                after["article"]["bodyHtml"]
                    .as_str()
                    .unwrap()
                    .starts_with("<p><strong>old</strong>")
            );
            assert_eq!(after["article"]["readingTimeMinutes"], 2);
            assert_eq!(comments["comments"][0]["bodyHtml"], "<p><em>hi</em></p>\n");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("stored bodies were not rendered at start");
}
