//! Writing on the pages: the editor's form, with and without an image, previews, edits and
//! deletions, under the API's rules.

use image::ImageFormat;
use reqwest::StatusCode;

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};
use crate::uploads::{encoded, picture};

engine_tests!(
    a_writer_saves_a_draft_with_an_uploaded_image_then_publishes_it,
    a_preview_shows_the_rendered_story_and_saves_nothing,
    a_refused_save_keeps_what_the_writer_typed,
    a_korean_reader_is_told_what_to_correct_in_korean,
    only_the_author_opens_a_story_in_the_editor_and_deletes_it,
    writers_pages_send_the_signed_out_to_sign_in,
);

async fn a_writer_saves_a_draft_with_an_uploaded_image_then_publishes_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let form = writer.get("/editor").await;
    assert_eq!(form.status, StatusCode::OK);
    let editor_form = form.html.split("<form").nth(2).unwrap_or_default();
    assert!(form.html.contains("enctype=\"multipart/form-data\""));
    assert!(
        form.html
            .contains("<input id=\"file\" name=\"file\" type=\"file\""),
        "{editor_form}"
    );
    assert_eq!(form.headers["cache-control"], "no-store");

    let png = encoded(&picture(7), ImageFormat::Png);
    let fields = [
        ("title", "Pictures of home"),
        ("description", "A walk"),
        ("body", "It was *bright*."),
        ("tagList", "travel, photos ,"),
        ("status", "draft"),
    ];
    let uploaded = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[fields.as_slice(), &[("intent", "upload")]].concat(),
            Some(&png),
        )
        .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.html);
    let image = uploaded
        .html
        .split("![](")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the image's Markdown in the body")
        .to_string();
    assert!(
        image.contains("/uploads/") && image.ends_with(".png"),
        "{image}"
    );
    let body = format!("It was *bright*.\n![]({image})\n");

    let saved = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[
                ("title", "Pictures of home"),
                ("description", "A walk"),
                ("body", &body),
                ("tagList", "travel, photos ,"),
                ("status", "draft"),
                ("intent", "draft"),
            ],
            None,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let story = saved.location().to_string();
    let slug = story.trim_start_matches("/article/").to_string();
    let token = app.login("writer").await;
    let (_, found) = app
        .get(&format!("/api/articles/{slug}"), Some(&token))
        .await;
    assert_eq!(found["article"]["status"], "draft");
    assert_eq!(
        found["article"]["tagList"],
        serde_json::json!(["photos", "travel"])
    );
    assert!(
        found["article"]["bodyHtml"]
            .as_str()
            .unwrap()
            .contains(&format!("<img src=\"{image}\"")),
        "{found}"
    );
    let (_, public) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert!(
        public["errors"].is_object(),
        "a draft is its author's alone"
    );

    // A saved draft's editor offers Publish, which needs no change of the status field.
    let draft = writer.get(&format!("/editor/{slug}")).await.html;
    assert!(
        draft.contains("name=\"intent\" value=\"publish\""),
        "{draft}"
    );
    let published = writer
        .submit_with_file(
            &format!("/editor/{slug}"),
            &format!("/editor/{slug}"),
            &[("intent", "publish")],
            None,
        )
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.html
    );
    let new_slug = published.location().trim_start_matches("/article/");
    let (status, public) = app.get(&format!("/api/articles/{new_slug}"), None).await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert_eq!(public["article"]["status"], "published");
    assert_eq!(public["article"]["title"], "Pictures of home");
}

async fn a_preview_shows_the_rendered_story_and_saves_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let preview = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[
                ("title", "Not yet"),
                ("description", "Soon"),
                ("body", "**Bold** <script>alert(1)</script>"),
                ("intent", "preview"),
            ],
            None,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    let shown = preview.html.split("id=\"preview-heading\"").nth(1).unwrap();
    assert!(shown.contains("<strong>Bold</strong>"), "{shown}");
    assert!(
        !shown.contains("<script>alert"),
        "sanitized as stored HTML is"
    );
    assert!(preview.html.contains("value=\"Not yet\""));
    let (_, list) = app.get("/api/articles?author=writer", None).await;
    assert_eq!(list["articlesCount"], 0);
}

async fn a_refused_save_keeps_what_the_writer_typed(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let refused = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[
                ("title", " "),
                ("description", "A line"),
                ("body", "Three paragraphs I do not want to lose."),
                ("intent", "publish"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("title "), "{}", refused.html);
    assert!(
        refused
            .html
            .contains("Three paragraphs I do not want to lose.")
    );
    let not_image = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[("title", "T"), ("body", "Kept"), ("intent", "upload")],
            Some(b"not an image at all"),
        )
        .await;
    assert!(not_image.status.is_client_error(), "{}", not_image.status);
    assert!(not_image.html.contains("Kept"));
}

async fn a_korean_reader_is_told_what_to_correct_in_korean(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.cookies.insert("lang".into(), "ko".into());
    writer.sign_up("writer").await;
    let description = "가".repeat(1001);
    let refused = writer
        .submit_with_file(
            "/editor",
            "/editor",
            &[
                ("title", " "),
                ("description", &description),
                ("body", "Kept"),
                ("intent", "publish"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for line in ["제목을 입력해 주세요.", "설명이 너무 깁니다(최대 1000자)."] {
        assert!(
            refused.html.contains(&format!("<li>{line}</li>")),
            "{line}: {}",
            refused.html
        );
    }
    assert!(!refused.html.contains("blank"), "{}", refused.html);

    let mut newcomer = Browser::new(&app.base);
    newcomer.cookies.insert("lang".into(), "ko".into());
    let taken = newcomer
        .submit(
            "/register",
            "/register",
            &[
                ("username", "writer"),
                ("email", "newcomer@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.html);
    assert!(
        taken
            .html
            .contains("<li>이미 사용 중인 사용자 이름입니다.</li>"),
        "{}",
        taken.html
    );
}

async fn only_the_author_opens_a_story_in_the_editor_and_deletes_it(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let token = app.login("writer").await;
    let slug = app.create_article(&token, "Mine alone", &[]).await;
    let mut other = Browser::new(&app.base);
    other.sign_up("other").await;
    let refused = other.get(&format!("/editor/{slug}")).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let csrf = other.get("/").await.csrf_of("/logout");
    let forbidden = other
        .post(&format!("/editor/{slug}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // The story's page leads its author, and only them, to the editor.
    let link = format!("href=\"/editor/{slug}\"");
    assert!(
        writer
            .get(&format!("/article/{slug}"))
            .await
            .html
            .contains(&link)
    );
    assert!(
        !other
            .get(&format!("/article/{slug}"))
            .await
            .html
            .contains(&link)
    );
    let edit = writer.get(&format!("/editor/{slug}")).await;
    assert!(edit.html.contains("value=\"Mine alone\""));
    let deleted = writer
        .submit(
            &format!("/editor/{slug}"),
            &format!("/editor/{slug}/delete"),
            &[],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(deleted.location(), "/profile/writer");
    let (status, _) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn writers_pages_send_the_signed_out_to_sign_in(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut visitor = Browser::new(&app.base);
    for (page, next) in [
        ("/editor", "%2Feditor"),
        ("/editor/some-story", "%2Feditor%2Fsome-story"),
    ] {
        let sent = visitor.get(page).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{page}");
        assert_eq!(sent.location(), format!("/login?next={next}"));
    }
}
