//! RSS, Atom and sitemaps, read with a real feed parser (feed-rs) and an XML reader.

use quick_xml::Reader;
use quick_xml::events::Event;
use reqwest::StatusCode;
use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, fresh_database, settings, spawn_with};

engine_tests!(
    site_feeds_show_the_newest_published_articles_with_their_html,
    feeds_hold_twenty_articles_unless_asked,
    author_and_tag_feeds_hold_only_their_articles,
    unknown_authors_and_tags_are_404,
    drafts_and_unlisted_articles_appear_in_no_feed_or_sitemap,
    text_that_xml_cannot_hold_leaves_feeds_valid,
    unchanged_feeds_answer_304,
    an_edit_changes_the_feed_s_validators,
    the_sitemap_lists_published_articles_and_their_authors,
    past_the_limit_the_sitemap_is_an_index_of_pages,
);

const PUBLIC_URL: &str = "https://blog.example.com";

async fn app(engine: Engine, extra: &[(&str, &str)]) -> TestApp {
    let url = fresh_database(engine).await;
    let mut vars = vec![("PUBLIC_URL", PUBLIC_URL), ("SITE_NAME", "Quill Daily")];
    vars.extend_from_slice(extra);
    let app = spawn_with(settings(&url, &vars)).await;
    app.wait_ready().await;
    app
}

/// The raw answer to a GET of `path` with `headers`.
async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

/// Reads `xml` to its end with an XML reader (which checks that every element closes in
/// order), returning the text of every `element`, in order.
fn texts(xml: &str, element: &str) -> Vec<String> {
    let mut reader = Reader::from_str(xml);
    let (mut inside, mut found, mut roots, mut depth) = (false, Vec::new(), 0, 0);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
                inside = e.name().0 == element;
                if inside {
                    found.push(String::new());
                }
            }
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::End(_)) => {
                depth -= 1;
                inside = false;
            }
            Ok(Event::Text(t)) if inside => found.last_mut().unwrap().push_str(&t.into_inner()),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed XML at {}: {e}\n{xml}",
                reader.error_position()
            ),
        }
    }
    assert_eq!((roots, depth), (1, 0), "one root element, closed: {xml}");
    found
}

/// GETs a feed, checks its content type and that it is well-formed, and parses it.
async fn feed(app: &TestApp, path: &str, content_type: &str) -> feed_rs::model::Feed {
    let res = fetch(app, path, &[]).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(res.headers()[CONTENT_TYPE], content_type, "{path}");
    let xml = res.text().await.unwrap();
    texts(&xml, "title");
    feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{xml}"))
}

async fn atom(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    feed(app, path, "application/atom+xml; charset=utf-8").await
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect()
}

/// The `<loc>`s of a sitemap or sitemap index, checking it is well-formed XML.
async fn locs(app: &TestApp, path: &str) -> Vec<String> {
    let res = fetch(app, path, &[]).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    assert_eq!(
        res.headers()[CONTENT_TYPE],
        "application/xml; charset=utf-8"
    );
    texts(&res.text().await.unwrap(), "loc")
}

fn article_url(slug: &str) -> String {
    format!("{PUBLIC_URL}/article/{slug}")
}

fn profile_url(username: &str) -> String {
    format!("{PUBLIC_URL}/profile/{username}")
}

async fn article(app: &TestApp, slug: &str) -> Value {
    app.get(&format!("/api/articles/{slug}"), None).await.1["article"].clone()
}

/// The instant an API timestamp names.
fn instant(timestamp: &Value) -> chrono::DateTime<chrono::Utc> {
    timestamp.as_str().unwrap().parse().unwrap()
}

async fn site_feeds_show_the_newest_published_articles_with_their_html(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    let older = app
        .create_article_with(
            &jake,
            json!({"title": "Older", "body": "# Hi\n\n**bold** & <script>alert(1)</script>",
                   "tagList": ["rust", "web"]}),
        )
        .await;
    let newer = app
        .create_article_with(&jake, json!({"title": "Newer <&> \"quoted\""}))
        .await;

    for (path, content_type) in [
        ("/feeds/atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds/rss.xml", "application/rss+xml; charset=utf-8"),
    ] {
        let feed = feed(&app, path, content_type).await;
        assert_eq!(
            feed.title.as_ref().unwrap().content,
            "Quill Daily",
            "{path}"
        );
        assert!(
            feed.links
                .iter()
                .any(|l| l.href == format!("{PUBLIC_URL}/")),
            "{path}: {:?}",
            feed.links
        );
        assert_eq!(
            titles(&feed),
            ["Newer <&> \"quoted\"", "Older"],
            "{path}: newest first, text as written"
        );
        for (entry, written) in feed.entries.iter().zip([&newer, &older]) {
            let slug = written["slug"].as_str().unwrap();
            let shown = article(&app, slug).await;
            assert_eq!(entry.links[0].href, article_url(slug), "{path}");
            let html = entry.content.as_ref().unwrap().body.as_ref().unwrap();
            // The parser trims the trailing line break of Atom content, not of RSS.
            assert_eq!(
                html.trim(),
                shown["bodyHtml"].as_str().unwrap().trim(),
                "{path}"
            );
            assert_eq!(
                entry.summary.as_ref().unwrap().content,
                shown["description"].as_str().unwrap()
            );
            let published = instant(&shown["publishedAt"]);
            assert_eq!(
                entry.published.unwrap().timestamp(),
                published.timestamp(),
                "{path}"
            );
            assert_eq!(entry.authors[0].name.as_deref(), Some("jake"), "{path}");
        }
        let older_entry = &feed.entries[1];
        let tags: Vec<_> = older_entry.categories.iter().map(|c| &c.term).collect();
        assert_eq!(tags, ["rust", "web"], "{path}");
        let html = older_entry.content.as_ref().unwrap().body.as_ref().unwrap();
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(!html.contains("<script"), "sanitized: {html}");
        // Entry ids stay when a title (and so the link) changes.
        assert!(
            older_entry.id.starts_with("tag:blog.example.com,"),
            "{}",
            older_entry.id
        );
    }
    let before = atom(&app, "/feeds/atom.xml").await.entries[1].id.clone();
    app.update_article(
        &jake,
        older["slug"].as_str().unwrap(),
        json!({"title": "Retitled"}),
    )
    .await;
    let after = atom(&app, "/feeds/atom.xml").await;
    assert_eq!(after.entries[1].id, before);
    assert_eq!(titles(&after)[1], "Retitled");
    assert_eq!(
        after.entries[1].updated.unwrap().timestamp(),
        instant(&article(&app, "retitled").await["updatedAt"]).timestamp()
    );
}

async fn feeds_hold_twenty_articles_unless_asked(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    for i in 1..=22 {
        app.create_article(&jake, &format!("Article {i}"), &[])
            .await;
    }
    let newest: Vec<_> = (3..=22).rev().map(|i| format!("Article {i}")).collect();
    assert_eq!(titles(&atom(&app, "/feeds/atom.xml").await), newest);
    let rss = feed(&app, "/feeds/rss.xml", "application/rss+xml; charset=utf-8").await;
    assert_eq!(titles(&rss), newest);
    assert_eq!(
        titles(&atom(&app, "/feeds/atom.xml?limit=2").await),
        ["Article 22", "Article 21"]
    );
    assert_eq!(
        titles(&atom(&app, "/feeds/authors/jake.atom?limit=1").await),
        ["Article 22"]
    );
    for bad in [
        "/feeds/atom.xml?limit=0",
        "/feeds/rss.xml?limit=",
        "/api/articles?limit=",
    ] {
        let (status, body) = app.get(bad, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(
            body,
            json!({"errors": {"limit": ["must be a whole number from 1 to 100"]}}),
            "{bad}"
        );
    }
}

async fn author_and_tag_feeds_hold_only_their_articles(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    app.register("quiet").await;
    app.create_article(&jake, "Jake on Rust", &["rust"]).await;
    app.create_article(&ann, "Ann on Rust", &["rust", "여행 기록"])
        .await;
    app.create_article(&ann, "Ann on Go", &["go"]).await;

    let jakes = atom(&app, "/feeds/authors/jake.atom").await;
    assert_eq!(titles(&jakes), ["Jake on Rust"]);
    assert_eq!(jakes.title.unwrap().content, "jake on Quill Daily");
    assert!(jakes.links.iter().any(|l| l.href == profile_url("jake")));
    assert_eq!(
        titles(&atom(&app, "/feeds/authors/ann.atom").await),
        ["Ann on Go", "Ann on Rust"]
    );
    assert_eq!(
        titles(&atom(&app, "/feeds/tags/rust.atom").await),
        ["Ann on Rust", "Jake on Rust"]
    );
    assert_eq!(
        titles(
            &atom(
                &app,
                "/feeds/tags/%EC%97%AC%ED%96%89%20%EA%B8%B0%EB%A1%9D.atom"
            )
            .await
        ),
        ["Ann on Rust"]
    );
    // Someone who has not published yet has a feed to subscribe to, empty for now.
    assert!(
        atom(&app, "/feeds/authors/quiet.atom")
            .await
            .entries
            .is_empty()
    );
}

async fn unknown_authors_and_tags_are_404(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    app.create_article_with(&jake, json!({"tagList": ["secret"], "status": "draft"}))
        .await;
    for (path, field) in [
        ("/feeds/authors/nobody.atom", "profile"),
        ("/feeds/tags/nothing.atom", "tag"),
        // A tag that only drafts use is not revealed.
        ("/feeds/tags/secret.atom", "tag"),
        ("/feeds/authors/jake", "route"),
        ("/feeds/authors/jake.rss", "route"),
        ("/sitemaps/articles/9.xml", "sitemap"),
        ("/sitemaps/articles/x.xml", "sitemap"),
    ] {
        let (status, body) = app.get(path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, json!({"errors": {field: ["not found"]}}), "{path}");
    }
}

async fn drafts_and_unlisted_articles_appear_in_no_feed_or_sitemap(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    app.create_article(&jake, "Public", &["rust"]).await;
    for (title, status) in [("Draft", "draft"), ("Unlisted", "unlisted")] {
        app.create_article_with(
            &jake,
            json!({"title": title, "status": status, "tagList": ["rust"]}),
        )
        .await;
    }
    let withdrawn = app.create_article(&jake, "Withdrawn", &["rust"]).await;
    app.update_article(&jake, &withdrawn, json!({"status": "draft"}))
        .await;
    // Ann's only article is a draft: she is no author yet.
    app.create_article_with(&ann, json!({"title": "Ann's draft", "status": "draft"}))
        .await;

    for path in [
        "/feeds/atom.xml",
        "/feeds/rss.xml",
        "/feeds/authors/jake.atom",
        "/feeds/tags/rust.atom",
    ] {
        let feed =
            feed_rs::parser::parse(fetch(&app, path, &[]).await.bytes().await.unwrap().as_ref())
                .unwrap();
        assert_eq!(titles(&feed), ["Public"], "{path}");
    }
    assert!(
        atom(&app, "/feeds/authors/ann.atom")
            .await
            .entries
            .is_empty()
    );
    assert_eq!(
        locs(&app, "/sitemap.xml").await,
        [article_url("public"), profile_url("jake")]
    );
}

async fn text_that_xml_cannot_hold_leaves_feeds_valid(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    app.create_article_with(
        &jake,
        json!({"title": "Bell\u{7} ]]> </title>", "description": "form\u{c}feed",
               "body": "text\u{1} with <b>control</b> characters", "tagList": ["a&b"]}),
    )
    .await;
    for path in ["/feeds/atom.xml", "/feeds/rss.xml", "/feeds/tags/a&b.atom"] {
        let res = fetch(&app, path, &[]).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let xml = res.text().await.unwrap();
        texts(&xml, "title");
        let feed =
            feed_rs::parser::parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}\n{xml}"));
        assert_eq!(titles(&feed), ["Bell ]]> </title>"], "{path}");
        assert_eq!(feed.entries[0].categories[0].term, "a&b");
    }
}

async fn unchanged_feeds_answer_304(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    app.create_article(&jake, "Hello", &["rust"]).await;
    for path in [
        "/feeds/atom.xml",
        "/feeds/rss.xml",
        "/feeds/authors/jake.atom",
        "/feeds/tags/rust.atom",
        "/sitemap.xml",
    ] {
        let first = fetch(&app, path, &[]).await;
        assert_eq!(first.status(), StatusCode::OK, "{path}");
        assert_eq!(first.headers()[CACHE_CONTROL], "public, max-age=300");
        let etag = first.headers()[ETAG].to_str().unwrap().to_string();
        let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_string();
        let listed = format!("\"other\", {etag}");
        for validator in [
            (IF_NONE_MATCH.as_str(), etag.as_str()),
            (IF_NONE_MATCH.as_str(), listed.as_str()),
            (IF_MODIFIED_SINCE.as_str(), modified.as_str()),
        ] {
            let again = fetch(&app, path, &[validator]).await;
            assert_eq!(
                again.status(),
                StatusCode::NOT_MODIFIED,
                "{path} {validator:?}"
            );
            assert_eq!(again.headers()[ETAG], etag.as_str());
            assert!(again.text().await.unwrap().is_empty());
        }
        for stale in [
            (IF_NONE_MATCH.as_str(), "W/\"0000000000000000\""),
            (IF_MODIFIED_SINCE.as_str(), "Sat, 01 Jan 2000 00:00:00 GMT"),
            (IF_MODIFIED_SINCE.as_str(), "not a date"),
        ] {
            let res = fetch(&app, path, &[stale]).await;
            assert_eq!(res.status(), StatusCode::OK, "{path} {stale:?}");
        }
    }
}

async fn an_edit_changes_the_feed_s_validators(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    let slug = app.create_article(&jake, "Hello", &[]).await;
    let first = fetch(&app, "/feeds/atom.xml", &[]).await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_string();
    let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_string();
    // Last-Modified has whole seconds: let the edit land in a later one.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.update_article(&jake, &slug, json!({"body": "Edited"}))
        .await;
    for validator in [
        (IF_NONE_MATCH.as_str(), etag.as_str()),
        (IF_MODIFIED_SINCE.as_str(), modified.as_str()),
    ] {
        let res = fetch(&app, "/feeds/atom.xml", &[validator]).await;
        assert_eq!(res.status(), StatusCode::OK, "{validator:?}");
        assert_ne!(res.headers()[ETAG], etag.as_str());
        assert!(res.text().await.unwrap().contains("Edited"));
    }
    // A deleted article leaves the feed, and its validators change with it.
    app.delete(&format!("/api/articles/{slug}"), Some(&jake))
        .await;
    let res = fetch(
        &app,
        "/feeds/atom.xml",
        &[(IF_NONE_MATCH.as_str(), etag.as_str())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
}

async fn the_sitemap_lists_published_articles_and_their_authors(engine: Engine) {
    let app = app(engine, &[]).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    app.register("reader").await;
    let first = app.create_article(&jake, "First", &[]).await;
    let korean = app.create_article(&ann, "안녕하세요 세계", &[]).await;
    let res = fetch(&app, "/sitemap.xml", &[]).await;
    let xml = res.text().await.unwrap();
    assert!(
        xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"),
        "{xml}"
    );
    assert_eq!(
        texts(&xml, "loc"),
        [
            article_url(&first),
            // Percent-encoded, as the protocol asks.
            format!(
                "{PUBLIC_URL}/article/%EC%95%88%EB%85%95%ED%95%98%EC%84%B8%EC%9A%94-%EC%84%B8%EA%B3%84"
            ),
            profile_url("jake"),
            profile_url("ann"),
        ]
    );
    assert_eq!(korean, "안녕하세요-세계");
    let lastmods = texts(&xml, "lastmod");
    assert_eq!(lastmods.len(), 2);
    assert_eq!(
        lastmods[0]
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
            .timestamp(),
        instant(&article(&app, &first).await["updatedAt"]).timestamp()
    );
}

async fn past_the_limit_the_sitemap_is_an_index_of_pages(engine: Engine) {
    let app = app(engine, &[("SITEMAP_URLS_PER_FILE", "3")]).await;
    let jake = app.register("jake").await;
    let ann = app.register("ann").await;
    let mut published = Vec::new();
    for i in 1..=3 {
        published.push(app.create_article(&jake, &format!("Jake {i}"), &[]).await);
    }
    // Ids 4 to 6 hold no published article: that page is left out of the index.
    for i in 4..=6 {
        app.create_article_with(
            &jake,
            json!({"title": format!("Draft {i}"), "status": "draft"}),
        )
        .await;
    }
    published.push(app.create_article(&ann, "Ann 7", &[]).await);

    let index = fetch(&app, "/sitemap.xml", &[]).await.text().await.unwrap();
    assert!(
        index.contains("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"),
        "{index}"
    );
    let pages = texts(&index, "loc");
    assert_eq!(
        pages,
        [
            format!("{PUBLIC_URL}/sitemaps/articles/1.xml"),
            format!("{PUBLIC_URL}/sitemaps/articles/3.xml"),
            format!("{PUBLIC_URL}/sitemaps/authors/1.xml"),
        ]
    );
    let mut urls = Vec::new();
    for page in &pages {
        let path = page.strip_prefix(PUBLIC_URL).unwrap();
        let page_urls = locs(&app, path).await;
        assert!(page_urls.len() <= 3, "{path}: {page_urls:?}");
        urls.extend(page_urls);
    }
    let mut expected: Vec<_> = published.iter().map(|s| article_url(s)).collect();
    expected.extend([profile_url("jake"), profile_url("ann")]);
    assert_eq!(urls, expected);
    assert_eq!(
        app.get("/sitemaps/articles/2.xml", None).await.0,
        StatusCode::NOT_FOUND
    );
}
