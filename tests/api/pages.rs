//! The website's reading pages over real HTTP: what a browser gets for each address.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, spawn_app};

engine_tests!(
    the_home_page_lists_published_stories_and_popular_tags,
    an_article_page_shows_the_story_for_readers_and_search_engines,
    replies_are_written_inside_the_comment_they_answer,
    unknown_pages_are_pages_and_unknown_api_routes_json,
    the_interface_speaks_the_readers_language,
    assets_carry_a_fingerprint_and_are_kept_for_a_year,
    pages_are_compressed_and_locked_down,
    a_profile_page_shows_their_stories_and_favorites,
    a_tag_page_lists_its_published_stories,
);

/// GETs `path` as a browser would, sending `headers`, without following redirects.
async fn page(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = client.get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, HeaderValue::from_str(value).unwrap());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn the_home_page_lists_published_stories_and_popular_tags(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    for n in 0..25 {
        app.create_article(&token, &format!("Story number {n}"), &["rust"])
            .await;
    }
    let draft = app
        .create_article_with(&token, json!({"title": "Secret draft", "status": "draft"}))
        .await;
    let (status, headers, html) = page(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\"en\">"),
        "{html}"
    );
    assert_eq!(html.matches("<h1").count(), 1, "one h1");
    assert!(html.contains("<main id=\"main\">"));
    assert!(html.contains("href=\"/article/story-number-24\""), "{html}");
    assert!(!html.contains("Secret draft"));
    assert!(!html.contains(draft["slug"].as_str().unwrap()));
    assert!(html.contains("href=\"/tag/rust\""));
    // Twenty stories a page; the rest are one "older stories" link away, by cursor.
    assert!(!html.contains("href=\"/article/story-number-4\""));
    let older = html
        .split("href=\"/?cursor=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to older stories");
    let (status, _, html) = page(&app, &format!("/?cursor={older}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/article/story-number-4\""), "{html}");
    assert!(html.contains("href=\"/article/story-number-0\""));
    assert!(!html.contains("href=\"/article/story-number-5\""));
}

async fn an_article_page_shows_the_story_for_readers_and_search_engines(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let article = app
        .create_article_with(
            &token,
            json!({
                "title": "Dragons </script> & friends",
                "description": "All about <dragons>",
                "body": "They are **big**.\n\n![a dragon](https://example.com/dragon.png)",
                "tagList": ["myth"],
            }),
        )
        .await;
    let slug = article["slug"].as_str().unwrap();
    let (status, _, html) = page(&app, &format!("/article/{slug}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<h1>Dragons &#60;/script&#62; &#38; friends</h1>")
            || html.contains("<h1>Dragons &lt;/script&gt; &amp; friends</h1>"),
        "{html}"
    );
    assert!(
        html.contains("<strong>big</strong>"),
        "the stored bodyHtml is shown as HTML"
    );
    let canonical = html
        .split("<link rel=\"canonical\" href=\"")
        .nth(1)
        .unwrap();
    assert!(canonical.starts_with("http") && canonical.contains(&format!("/article/{slug}\">")));
    assert!(
        html.contains("<meta property=\"og:image\" content=\"https://example.com/dragon.png\">")
    );
    assert!(html.contains("href=\"/profile/writer\""));
    assert!(html.contains("href=\"/tag/myth\""));
    assert!(!html.contains("noindex"));
    let json_ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("structured data");
    let data: serde_json::Value = serde_json::from_str(json_ld).unwrap();
    assert_eq!(data["@type"], "Article");
    assert_eq!(data["headline"], "Dragons </script> & friends");
    assert_eq!(data["author"]["name"], "writer");

    // Unlisted stories are read by link but kept out of search engines; drafts are not there.
    let unlisted = app
        .create_article_with(
            &token,
            json!({"title": "By link only", "status": "unlisted"}),
        )
        .await;
    let (status, _, html) = page(
        &app,
        &format!("/article/{}", unlisted["slug"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<meta name=\"robots\" content=\"noindex\">"));
    let draft = app
        .create_article_with(&token, json!({"title": "Not yet", "status": "draft"}))
        .await;
    let (status, _, _) = page(
        &app,
        &format!("/article/{}", draft["slug"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn replies_are_written_inside_the_comment_they_answer(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let slug = app.create_article(&token, "Talked about", &[]).await;
    let comments = format!("/api/articles/{slug}/comments");
    let (_, first) = app
        .post(
            &comments,
            Some(&token),
            json!({"comment": {"body": "First *thought*"}}),
        )
        .await;
    let first = first["comment"]["id"].as_i64().unwrap();
    let (_, reply) = app
        .post(
            &comments,
            Some(&token),
            json!({"comment": {"body": "A reply", "parentId": first}}),
        )
        .await;
    let reply = reply["comment"]["id"].as_i64().unwrap();
    let (_, second) = app
        .post(
            &comments,
            Some(&token),
            json!({"comment": {"body": "Second"}}),
        )
        .await;
    let second = second["comment"]["id"].as_i64().unwrap();
    let (_, _, html) = page(&app, &format!("/article/{slug}"), &[]).await;
    let at = |id: i64| {
        html.find(&format!("id=\"comment-{id}\""))
            .expect("comment shown")
    };
    let first_element = &html[at(first)..at(second)];
    assert!(
        first_element.contains(&format!("id=\"comment-{reply}\"")),
        "{html}"
    );
    assert!(first_element.contains("<em>thought</em>"));
    // The reply's element and then its parent's close before the next comment opens.
    assert_eq!(
        first_element.matches("</article>").count(),
        2,
        "{first_element}"
    );
}

async fn unknown_pages_are_pages_and_unknown_api_routes_json(engine: Engine) {
    let app = spawn_app(engine).await;
    let (status, headers, html) = page(&app, "/no/such/page", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(
        html.contains("Page not found") && html.contains("noindex"),
        "{html}"
    );
    let (status, _, html) = page(&app, "/article/nothing-here", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    // An address that is not UTF-8 is a page too.
    for malformed in ["/article/%FF", "/profile/%FF", "/tag/%C3"] {
        let (status, headers, html) = page(&app, malformed, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{malformed}");
        assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        assert!(html.contains("<h1"), "{html}");
    }
    let (status, body) = app.get("/api/no/such/route", None).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::NOT_FOUND,
            json!({"errors": {"route": ["not found"]}})
        )
    );
}

async fn the_interface_speaks_the_readers_language(engine: Engine) {
    let app = spawn_app(engine).await;
    let korean = [("accept-language", "ko-KR,ko;q=0.9,en;q=0.8")];
    let (_, _, html) = page(&app, "/", &korean).await;
    assert!(
        html.contains("<html lang=\"ko\">") && html.contains("최신 글"),
        "{html}"
    );
    let (_, _, html) = page(&app, "/", &[("accept-language", "fr")]).await;
    assert!(html.contains("<html lang=\"en\">") && html.contains("Newest stories"));

    // The switch keeps the reader's choice in a cookie and goes back where it was made.
    let (status, headers, _) = page(&app, "/lang/en?next=%2Farticle%2Fx", &korean).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/article/x");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("lang=en;") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (_, _, html) = page(&app, "/", &[korean[0], ("cookie", "lang=en")]).await;
    assert!(html.contains("<html lang=\"en\">"));
    // It never leads to another site.
    for next in ["https://evil.example", "//evil.example", "/%5Cevil.example"] {
        let (_, headers, _) = page(&app, &format!("/lang/ko?next={next}"), &[]).await;
        assert_eq!(headers["location"], "/", "{next}");
    }
}

async fn assets_carry_a_fingerprint_and_are_kept_for_a_year(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, _, html) = page(&app, "/", &[]).await;
    let style = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    assert!(
        style.starts_with("/assets/quill.") && style.ends_with(".css"),
        "{style}"
    );
    let (status, headers, css) = page(&app, &style, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(css.contains("prefers-color-scheme:dark"));
    // A page from an earlier release finds the current file.
    let (status, headers, _) = page(&app, "/assets/quill.000000000000.css", &[]).await;
    assert_eq!(status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(headers["location"], style.as_str());
    let (status, headers, _) = page(&app, "/favicon.ico", &[]).await;
    assert_eq!(status, StatusCode::PERMANENT_REDIRECT);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/assets/favicon.")
    );
}

async fn pages_are_compressed_and_locked_down(engine: Engine) {
    let app = spawn_app(engine).await;
    let (_, headers, _) = page(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(headers["content-encoding"], "gzip");
    let (_, headers, _) = page(&app, "/", &[("accept-encoding", "br")]).await;
    assert_eq!(headers["content-encoding"], "br");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"));
    // A page names itself to itself, so that browsers send its forms with their `Origin`.
    assert_eq!(headers["referrer-policy"], "same-origin");
    // The API keeps its own policy, and is not compressed.
    let response = app
        .client
        .get(format!("{}/api/tags", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert!(response.headers().get("content-encoding").is_none());
}

async fn a_profile_page_shows_their_stories_and_favorites(engine: Engine) {
    let app = spawn_app(engine).await;
    let writer = app.register("writer").await;
    let reader = app.register("reader").await;
    app.put(
        "/api/user",
        Some(&writer),
        json!({"user": {"bio": "Writes <about> dragons"}}),
    )
    .await;
    let mine = app.create_article(&writer, "Mine to tell", &[]).await;
    let theirs = app.create_article(&reader, "Theirs to tell", &[]).await;
    app.create_article_with(&writer, json!({"title": "Hidden draft", "status": "draft"}))
        .await;
    app.post(
        &format!("/api/articles/{theirs}/favorite"),
        Some(&writer),
        json!({}),
    )
    .await;

    let (status, _, html) = page(&app, "/profile/writer", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1 id=\"name\">writer</h1>"), "{html}");
    assert!(
        html.contains("Writes &#60;about&#62; dragons")
            || html.contains("Writes &lt;about&gt; dragons")
    );
    assert!(html.contains(&format!("href=\"/article/{mine}\"")));
    assert!(!html.contains(&format!("href=\"/article/{theirs}\"")));
    assert!(!html.contains("Hidden draft"));
    assert!(html.contains("\"@type\":\"Person\""));

    let (status, _, html) = page(&app, "/profile/writer?tab=favorites", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("href=\"/article/{theirs}\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("href=\"/article/{mine}\"")));

    let (status, _, _) = page(&app, "/profile/nobody", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_tag_page_lists_its_published_stories(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("writer").await;
    let tagged = app
        .create_article(&token, "About gardens", &["garden"])
        .await;
    let other = app.create_article(&token, "About code", &["rust"]).await;
    app.create_article_with(
        &token,
        json!({"title": "Draft", "status": "draft", "tagList": ["secret"]}),
    )
    .await;
    let (status, _, html) = page(&app, "/tag/garden", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1 id=\"tag\">#garden</h1>"), "{html}");
    assert!(html.contains(&format!("href=\"/article/{tagged}\"")));
    assert!(!html.contains(&format!("href=\"/article/{other}\"")));
    // A tag only drafts use is not revealed.
    let (status, _, _) = page(&app, "/tag/secret", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
