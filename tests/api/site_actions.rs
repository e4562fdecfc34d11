//! What readers do on the pages, with forms alone: the same operations and rules as the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};

engine_tests!(
    a_reader_claps_favorites_bookmarks_and_follows_from_the_story_page,
    readers_comment_reply_delete_and_report_from_the_story_page,
    refused_actions_answer_a_page_that_says_why,
    readers_block_and_unblock_from_a_profile,
);

async fn a_reader_claps_favorites_bookmarks_and_follows_from_the_story_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Claps please", &[]).await;
    let story = format!("/article/{slug}");
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;

    for action in ["clap", "clap", "favorite", "bookmark"] {
        let done = reader
            .submit(&story, &format!("{story}/{action}"), &[])
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{action}: {}",
            done.html
        );
        assert_eq!(done.location(), format!("{story}#reactions"));
    }
    let followed = reader.submit(&story, "/profile/writer/follow", &[]).await;
    assert_eq!(followed.location(), "/profile/writer");

    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["clapsCount"], 2);
    assert_eq!(body["article"]["favoritesCount"], 1);
    let page = reader.get(&story).await.html;
    for shown in ["Unfavorite", "Remove bookmark", "Unfollow", "2 your claps"] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    // The script that does the same without a reload, for those who can act.
    let script = page
        .split("<script src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(script.starts_with("/assets/reactions."), "{script}");
    let served = reqwest::get(format!("{}{script}", app.base)).await.unwrap();
    assert!(
        served.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(served.text().await.unwrap().contains("#reactions"));
    assert!(
        !Browser::new(&app.base)
            .get(&story)
            .await
            .html
            .contains("/assets/reactions.")
    );
    let token = app.login("reader").await;
    let (_, body) = app
        .get(&format!("/api/articles/{slug}"), Some(&token))
        .await;
    assert_eq!(body["article"]["bookmarked"], true);
    assert_eq!(body["article"]["author"]["following"], true);

    for action in ["unfavorite", "unbookmark"] {
        reader
            .submit(&story, &format!("{story}/{action}"), &[])
            .await;
    }
    reader.submit(&story, "/profile/writer/unfollow", &[]).await;
    let page = reader.get(&story).await.html;
    for shown in [">Favorite<", ">Bookmark<", "Follow <"] {
        assert!(page.contains(shown), "{shown}: {page}");
    }
    let (_, body) = app.get(&format!("/api/articles/{slug}"), None).await;
    assert_eq!(body["article"]["favoritesCount"], 0);
}

/// The id in a `#comment-{id}` redirect.
fn comment_id(location: &str) -> String {
    location
        .rsplit("#comment-")
        .next()
        .expect("a link to the comment")
        .to_string()
}

async fn readers_comment_reply_delete_and_report_from_the_story_page(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let slug = app.create_article(&writer, "Talk to me", &[]).await;
    let story = format!("/article/{slug}");
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;

    let comments = format!("{story}/comments");
    let said = reader
        .submit(&story, &comments, &[("body", "First, *kindly*.")])
        .await;
    assert_eq!(said.status, StatusCode::SEE_OTHER, "{}", said.html);
    let first = comment_id(said.location());
    let replied = reader
        .submit(
            &story,
            &comments,
            &[("body", "And a reply."), ("parentId", &first)],
        )
        .await;
    let reply = comment_id(replied.location());
    let page = reader.get(&story).await.html;
    let parent = page
        .split(&format!("id=\"comment-{first}\""))
        .nth(1)
        .unwrap();
    assert!(
        parent.contains(&format!("id=\"comment-{reply}\"")),
        "{page}"
    );
    assert!(page.contains("<em>kindly</em>"));

    // Someone else's comment can be reported, not deleted.
    let mut other = Browser::new(&app.base);
    other.sign_up("other").await;
    let shown = other.get(&story).await;
    assert!(!shown.html.contains(&format!("comments/{first}/delete")));
    let reported = other
        .submit(
            &story,
            &format!("{comments}/{first}/report"),
            &[("reason", "rude")],
        )
        .await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.html);
    let thanked = other.get(reported.location()).await;
    assert!(thanked.html.contains("The admins will look at your report"));

    let deleted = reader
        .submit(&story, &format!("{comments}/{reply}/delete"), &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    let (_, body) = app
        .get(&format!("/api/articles/{slug}/comments"), None)
        .await;
    assert_eq!(body["comments"].as_array().unwrap().len(), 1, "{body}");
}

async fn refused_actions_answer_a_page_that_says_why(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let token = app.login("writer").await;
    let slug = app.create_article(&token, "Mine", &[]).await;
    let story = format!("/article/{slug}");
    // The page offers no clap to its author; a form sent anyway is refused by the same rule.
    let page = writer.get(&story).await;
    assert!(!page.html.contains(&format!("{story}/clap")));
    let csrf = page.csrf();
    let refused = writer
        .post(&format!("{story}/clap"), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .html
            .contains("authors cannot clap for their own articles"),
        "{}",
        refused.html
    );
    let empty = writer
        .post(
            &format!("{story}/comments"),
            &[("csrf", &csrf), ("body", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("body "), "{}", empty.html);
    let missing = writer
        .post("/article/no-such-story/favorite", &[("csrf", &csrf)])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.html.contains("<h1"));
}

async fn readers_block_and_unblock_from_a_profile(engine: Engine) {
    let app = spawn_app(engine).await;
    let troll = app.register("troll").await;
    let mut writer = Browser::new(&app.base);
    writer.sign_up("writer").await;
    let token = app.login("writer").await;
    let slug = app.create_article(&token, "Peace", &[]).await;

    let blocked = writer
        .submit("/profile/troll", "/profile/troll/block", &[])
        .await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    let page = writer.get("/profile/troll").await.html;
    assert!(page.contains(">Unblock<"), "{page}");
    let (status, _) = app
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(&troll),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    writer
        .submit("/profile/troll", "/profile/troll/unblock", &[])
        .await;
    let (status, _) = app
        .post(
            &format!("/api/articles/{slug}/favorite"),
            Some(&troll),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Nobody blocks or follows themselves: their own profile offers neither.
    let own = writer.get("/profile/writer").await.html;
    assert!(!own.contains("/profile/writer/block"));
}
