//! The lists a reader opens besides the home, tag and profile pages: search, their bookmarks,
//! their drafts, and the stories of whom they follow.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    search_finds_published_stories_in_either_language,
    bookmarks_and_drafts_are_the_reader_s_own,
    the_following_tab_shows_whom_the_reader_follows,
    notifications_say_what_happened_and_are_marked_read,
);

async fn search_finds_published_stories_in_either_language(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let found = app
        .create_article_with(
            &writer,
            json!({"title": "데이터베이스 입문", "description": "d", "body": "Indexes and queries"}),
        )
        .await;
    app.create_article_with(
        &writer,
        json!({"title": "Hidden database notes", "description": "d", "body": "b", "status": "draft"}),
    )
    .await;
    let mut reader = Browser::new(&app.base);
    let empty = reader.get("/search").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(
        empty
            .html
            .contains("<input id=\"q\" name=\"q\" type=\"search\"")
    );
    let korean = reader
        .get("/search?q=%EB%8D%B0%EC%9D%B4%ED%84%B0%EB%B2%A0%EC%9D%B4%EC%8A%A4")
        .await;
    let slug = found["slug"].as_str().unwrap();
    assert!(
        korean.html.contains(&format!("href=\"/article/{slug}\"")),
        "{}",
        korean.html
    );
    let english = reader.get("/search?q=queries").await;
    assert!(english.html.contains(&format!("href=\"/article/{slug}\"")));
    let none = reader.get("/search?q=hidden").await;
    assert!(
        none.html.contains("No stories match."),
        "drafts are not found"
    );
    assert!(!none.html.contains("Hidden database notes"));
}

async fn bookmarks_and_drafts_are_the_reader_s_own(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Worth keeping", &[]).await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let empty = reader.get("/bookmarks").await;
    assert!(empty.html.contains("Stories you bookmark are kept here."));
    reader
        .submit(
            &format!("/article/{slug}"),
            &format!("/article/{slug}/bookmark"),
            &[],
        )
        .await;
    let kept = reader.get("/bookmarks").await;
    assert!(
        kept.html.contains(&format!("href=\"/article/{slug}\"")),
        "{}",
        kept.html
    );

    let token = app.login("reader").await;
    let draft = app
        .create_article_with(
            &token,
            json!({"title": "Half done", "description": "d", "body": "b", "status": "draft"}),
        )
        .await;
    let drafts = reader.get("/drafts").await;
    let draft_slug = draft["slug"].as_str().unwrap();
    assert!(
        drafts
            .html
            .contains(&format!("href=\"/article/{draft_slug}\""))
    );
    let mut visitor = Browser::new(&app.base);
    for page in ["/bookmarks", "/drafts"] {
        let sent = visitor.get(page).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{page}");
        assert!(sent.location().starts_with("/login?next="));
    }
}

async fn the_following_tab_shows_whom_the_reader_follows(engine: Engine) {
    let app = spawn_app(engine).await;
    let followed = app.register("followed").await;
    let other = app.register("other").await;
    let theirs = app.create_article(&followed, "From a friend", &[]).await;
    let stranger = app.create_article(&other, "From a stranger", &[]).await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    reader
        .submit("/profile/followed", "/profile/followed/follow", &[])
        .await;
    let tab = reader.get("/?feed=following").await;
    assert!(
        tab.html.contains(&format!("href=\"/article/{theirs}\"")),
        "{}",
        tab.html
    );
    assert!(!tab.html.contains(&format!("href=\"/article/{stranger}\"")));
    // A followed tag brings its stories into the tab too, and leaves with them.
    let tagged = app.create_article(&other, "Tagged for me", &["rust"]).await;
    let followed_tag = reader.submit("/tag/rust", "/tag/rust/follow", &[]).await;
    assert_eq!(followed_tag.location(), "/tag/rust");
    assert!(reader.get("/tag/rust").await.html.contains(">Unfollow <"));
    let tab = reader.get("/?feed=following").await;
    assert!(tab.html.contains(&format!("href=\"/article/{tagged}\"")));
    reader.submit("/tag/rust", "/tag/rust/unfollow", &[]).await;
    let tab = reader.get("/?feed=following").await;
    assert!(!tab.html.contains(&format!("href=\"/article/{tagged}\"")));
    // Signed out, the tab is the newest stories.
    let anyone = Browser::new(&app.base).get("/?feed=following").await;
    assert!(
        anyone
            .html
            .contains(&format!("href=\"/article/{stranger}\""))
    );
}

async fn notifications_say_what_happened_and_are_marked_read(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    let signed_out = writer.get("/notifications").await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.location(), "/login?next=%2Fnotifications");
    writer.sign_up("writer").await;
    let empty = writer.get("/notifications").await;
    assert!(empty.html.contains("Nothing new yet."), "{}", empty.html);
    assert!(!empty.html.contains("Mark all read"));

    let token = app.login("writer").await;
    let slug = app.create_article(&token, "Spring & rain", &[]).await;
    let reader = app.register("reader").await;
    app.post("/api/profiles/writer/follow", Some(&reader), json!({}))
        .await;
    let (_, comment) = app
        .post(
            &format!("/api/articles/{slug}/comments"),
            Some(&reader),
            json!({"comment": {"body": "Lovely"}}),
        )
        .await;
    let id = comment["comment"]["id"].as_i64().unwrap();
    let page = writer.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["cache-control"], "no-store");
    let html = &page.html;
    assert!(html.contains("(2 unread)"), "{html}");
    assert!(
        html.contains("<a href=\"/profile/reader\">reader</a> started following you."),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "<a href=\"/profile/reader\">reader</a> commented on \
             <a href=\"/article/{slug}#comment-{id}\">Spring &#38; rain</a>."
        )),
        "{html}"
    );

    // One more arrives while the page is open: marking read leaves it unread.
    let (status, clap) = app
        .post(
            &format!("/api/articles/{slug}/claps"),
            Some(&reader),
            json!({"claps": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{clap}");
    let done = writer
        .post_from(
            &app.base,
            "/notifications/read",
            &page
                .form_fields("/notifications/read")
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location(), "/notifications");
    let (_, body) = app.get("/api/notifications", Some(&token)).await;
    assert_eq!(body["unreadCount"], 1, "{body}");
    let after = writer.get("/notifications").await.html;
    assert!(after.contains("(1 unread)"), "{after}");
    assert!(after.contains("reader</a> clapped for"), "{after}");

    writer.cookies.insert("lang".into(), "ko".into());
    let korean = writer.get("/notifications").await.html;
    assert!(
        korean.contains(
            "<a href=\"/profile/reader\">reader</a>님이 회원님을 팔로우하기 시작했습니다."
        ),
        "{korean}"
    );

    // A forged form marks nothing read.
    let forged = writer
        .post_from("https://evil.example", "/notifications/read", &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let (_, body) = app.get("/api/notifications", Some(&token)).await;
    assert_eq!(body["unreadCount"], 1);
}
