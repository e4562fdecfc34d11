//! The settings page: profile, picture, email and password, sessions and closing the account,
//! under the API's rules.

use image::ImageFormat;
use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::engine_tests;
use crate::helpers::{Engine, spawn_app};
use crate::uploads::{encoded, picture};

engine_tests!(
    a_reader_changes_their_profile_and_uploads_a_picture,
    a_new_password_ends_the_other_sessions_and_keeps_this_one,
    closing_the_account_needs_its_username_typed,
    settings_send_the_signed_out_to_sign_in,
);

async fn a_reader_changes_their_profile_and_uploads_a_picture(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let shown = reader.get("/settings").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.html.contains("value=\"reader@example.com\""));
    for button in [
        "Update profile",
        "Update account",
        ">Sign out<",
        "Delete account",
    ] {
        assert!(shown.html.contains(button), "{button}");
    }

    let saved = reader
        .submit_with_file(
            "/settings",
            "/settings/profile",
            &[("username", "writer"), ("bio", "I write <b>things</b>.")],
            Some(&encoded(&picture(3), ImageFormat::Png)),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(saved.location(), "/settings?saved=1");
    let (_, profile) = app.get("/api/profiles/writer", None).await;
    assert_eq!(profile["profile"]["bio"], "I write <b>things</b>.");
    let image = profile["profile"]["image"].as_str().unwrap();
    assert!(
        image.contains("/uploads/") && image.ends_with(".png"),
        "{profile}"
    );
    let page = reader.get("/settings?saved=1").await.html;
    assert!(page.contains("Saved."));
    assert!(
        page.contains("I write &#60;b&#62;things"),
        "escaped: {page}"
    );
    assert!(!page.contains("<b>things"));

    let taken = app.register("other").await;
    assert!(!taken.is_empty());
    let refused = reader
        .submit_with_file(
            "/settings",
            "/settings/profile",
            &[("username", "other")],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.html.contains("username has already been taken"),
        "{}",
        refused.html
    );
}

async fn a_new_password_ends_the_other_sessions_and_keeps_this_one(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let token = app.login("reader").await;
    let changed = reader
        .submit(
            "/settings",
            "/settings/account",
            &[("email", "new@example.com"), ("password", "a-new-password")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
    let (status, _) = app.get("/api/user", Some(&token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "other sessions end");
    assert!(
        reader
            .get("/settings")
            .await
            .html
            .contains("value=\"new@example.com\"")
    );
    let (status, _) = app
        .post(
            "/api/users/login",
            None,
            json!({"user": {"email": "new@example.com", "password": "a-new-password"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // A wrong current password is refused and counted like a failed sign-in.
    let refused = reader
        .submit(
            "/settings",
            "/settings/account",
            &[
                ("password", "another-one"),
                ("currentPassword", "wrong-password"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.html.contains("currentPassword is wrong"),
        "{}",
        refused.html
    );
}

async fn closing_the_account_needs_its_username_typed(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut reader = Browser::new(&app.base);
    reader.sign_up("reader").await;
    let refused = reader
        .submit("/settings", "/settings/delete", &[("confirm", "someone")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("must be your username"));
    let closed = reader
        .submit("/settings", "/settings/delete", &[("confirm", "reader")])
        .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert!(!reader.cookies.contains_key("quill_session"));
    let (status, _) = app.get("/api/profiles/reader", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn settings_send_the_signed_out_to_sign_in(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut visitor = Browser::new(&app.base);
    let sent = visitor.get("/settings").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(sent.location(), "/login?next=%2Fsettings");
}
