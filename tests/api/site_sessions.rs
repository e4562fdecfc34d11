//! Signing up, in and out on the pages: the session cookie, its forms' tokens, and the API's
//! rules (limits, suspension, ending sessions) applied to both.

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{
    Engine, TestApp, fresh_database, settings, spawn_app, spawn_app_with_admin, spawn_with,
};

engine_tests!(
    signing_up_on_a_page_starts_a_session_that_signing_out_ends,
    a_forged_cross_site_form_changes_nothing,
    signing_in_on_a_page_is_under_the_sign_in_limits,
    signing_in_never_sends_the_reader_to_another_site,
    signing_out_everywhere_ends_every_page_and_token,
    a_suspended_account_is_signed_out_of_its_pages,
);

fn signed_in_as(html: &str, name: &str) -> bool {
    html.contains(&format!("href=\"/profile/{name}\">{name}</a>")) && html.contains("Sign out")
}

async fn signing_up_on_a_page_starts_a_session_that_signing_out_ends(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut browser = Browser::new(&app.base);
    let signed_up = browser.sign_up("writer").await;
    assert_eq!(signed_up.location(), "/");
    let cookie = signed_up
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap())
        .find(|c| c.starts_with("quill_session="))
        .expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "http://: {cookie}");
    // The cookie holds the session's id and nothing else.
    let session = browser.cookies["quill_session"].clone();
    assert!(
        session.len() == 32 && session.chars().all(|c| c.is_ascii_hexdigit()),
        "{session}"
    );

    let home = browser.get("/").await;
    assert!(signed_in_as(&home.html, "writer"), "{}", home.html);
    // The account is the API's: its password signs in there too.
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "writer@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let csrf = home.csrf_of("/logout");
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!browser.cookies.contains_key("quill_session"));
    // The session itself has ended: the old cookie, sent again, signs in no one.
    browser.cookies.insert("quill_session".into(), session);
    let home = browser.get("/").await;
    assert!(!signed_in_as(&home.html, "writer"));
    assert!(home.html.contains("href=\"/login\""));
}

async fn a_forged_cross_site_form_changes_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut victim = Browser::new(&app.base);
    victim.sign_up("victim").await;
    let home = victim.get("/").await;
    let csrf = home.csrf_of("/logout");

    // Another site's page posting with the victim's cookies: even a token (somehow known) does
    // not pass from another origin, and the same origin needs the token.
    for (origin, token) in [
        ("https://evil.example", csrf.as_str()),
        ("null", csrf.as_str()),
        (app.base.as_str(), ""),
        (app.base.as_str(), "00ff"),
    ] {
        let forged = victim
            .post_from(origin, "/logout", &[("csrf", token)])
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{origin} {token}");
        assert!(forged.html.contains("<h1"), "a page: {}", forged.html);
        assert!(
            forged.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(signed_in_as(&victim.get("/").await.html, "victim"));
    }

    // A visitor's token does not pass for another visitor, nor for a signed-in session.
    let mut attacker = Browser::new(&app.base);
    let form = attacker.get("/register").await;
    let visitor_token = form.csrf();
    let forged = victim
        .post("/logout", &[("csrf", visitor_token.as_str())])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut stranger = Browser::new(&app.base);
    stranger.get("/register").await;
    let forged = stranger
        .post(
            "/register",
            &[
                ("csrf", visitor_token.as_str()),
                ("username", "forged"),
                ("email", "forged@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "forged@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no account was made");
}

async fn app_with(engine: Engine, extra: &[(&str, &str)]) -> TestApp {
    let app = spawn_with(settings(&fresh_database(engine).await, extra)).await;
    app.wait_ready().await;
    app
}

async fn signing_in_on_a_page_is_under_the_sign_in_limits(engine: Engine) {
    let app = app_with(engine, &[("LOGIN_FAILURES_PER_ACCOUNT", "3")]).await;
    app.register("reader").await;
    let mut browser = Browser::new(&app.base);
    let wrong = [
        ("email", "reader@example.com"),
        ("password", "wrong-password"),
    ];
    for _ in 0..3 {
        let refused = browser.submit("/login", "/login", &wrong).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        assert!(
            refused.html.contains("do not match an account"),
            "{}",
            refused.html
        );
        assert!(refused.html.contains("value=\"reader@example.com\""));
        assert!(!refused.html.contains("wrong-password"));
    }
    let limited = browser.submit("/login", "/login", &wrong).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(
        limited.html.contains("Too many attempts"),
        "{}",
        limited.html
    );
    // The API sees the same count.
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "reader@example.com", "password": "password123"}}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn signing_in_never_sends_the_reader_to_another_site(engine: Engine) {
    let app = spawn_app(engine).await;
    app.register("reader").await;
    let mut browser = Browser::new(&app.base);
    let shown = browser.get("/login?next=//evil.example/x").await;
    assert!(
        shown.html.contains("name=\"next\" value=\"/\""),
        "{}",
        shown.html
    );
    // A session cookie planted before signing in is replaced, not adopted.
    browser.cookies.insert(
        "quill_session".into(),
        "0123456789abcdef0123456789abcdef".into(),
    );
    let csrf = browser.get("/login").await.csrf();
    let answer = browser
        .post(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("email", "reader@example.com"),
                ("password", "password123"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(answer.location(), "/");
    assert_ne!(
        browser.cookies["quill_session"],
        "0123456789abcdef0123456789abcdef"
    );

    let mut other = Browser::new(&app.base);
    let answer = other
        .submit(
            "/login?next=%2Farticle%2Fsome-story",
            "/login",
            &[("email", "reader@example.com"), ("password", "password123")],
        )
        .await;
    assert_eq!(answer.location(), "/article/some-story");
    // Signed in, the sign-in page sends the reader on.
    let again = other.get("/login?next=/tag/rust").await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), "/tag/rust");
}

async fn signing_out_everywhere_ends_every_page_and_token(engine: Engine) {
    let app = spawn_app(engine).await;
    let token = app.register("reader").await;
    let credentials = [("email", "reader@example.com"), ("password", "password123")];
    let mut laptop = Browser::new(&app.base);
    laptop.submit("/login", "/login", &credentials).await;
    let mut phone = Browser::new(&app.base);
    phone.submit("/login", "/login", &credentials).await;
    let phone_home = phone.get("/").await;
    assert!(signed_in_as(&phone_home.html, "reader"));

    let home = laptop.get("/").await;
    let out = laptop
        .post("/logout/everywhere", &[("csrf", &home.csrf_of("/logout"))])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The phone's page, still open, holds a form of the ended session: sending it asks to sign
    // in again and comes back to the page, rather than calling the form a forgery.
    let csrf = phone_home.csrf_of("/logout");
    let stale = phone
        .post_with_referer("/logout", &[("csrf", &csrf)], "/tag/rust?x=1")
        .await;
    assert_eq!(stale.status, StatusCode::SEE_OTHER);
    assert_eq!(stale.location(), "/login?next=%2Ftag%2Frust%3Fx%3D1");
    assert!(!signed_in_as(&phone.get("/").await.html, "reader"));
    let (status, _) = app.get("/api/user", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_suspended_account_is_signed_out_of_its_pages(engine: Engine) {
    let (app, admin, _) = spawn_app_with_admin(engine, "admin").await;
    let mut browser = Browser::new(&app.base);
    browser.sign_up("spammer").await;
    assert!(signed_in_as(&browser.get("/").await.html, "spammer"));
    let (status, body) = app
        .post(
            "/api/admin/users/spammer/suspension?reason=spam",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!signed_in_as(&browser.get("/").await.html, "spammer"));
    let refused = browser
        .submit(
            "/login",
            "/login",
            &[
                ("email", "spammer@example.com"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("suspended"), "{}", refused.html);
}
