//! `/settings`: the signed-in reader's profile (with a picture upload), email and password,
//! sessions, and closing the account, through the operations the JSON API calls.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::forms::{Posted, PostedWithFile};
use super::refusals;
use super::session::{Viewer, ended_session_cookie, to_sign_in};
use super::{Chrome, Lang, error_page};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::limits::ClientAddress;
use crate::http::uploads::uploaded;
use crate::http::users::{UpdateUser, change_account, close_account};

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    csrf: String,
    username: String,
    bio: String,
    image: String,
    email: String,
    saved: bool,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct Shown {
    saved: Option<String>,
}

const HERE: &str = "/settings";

/// The page, with the account as stored, `saved` after a change, or `errors` after a refusal.
async fn page(
    state: &AppState,
    lang: Lang,
    viewer: &Viewer,
    status: StatusCode,
    saved: bool,
    errors: Vec<String>,
) -> Response {
    let account = match state.db.account_by_id(viewer.user.id).await {
        Ok(Some(account)) => account,
        Ok(None) => return to_sign_in(HERE),
        Err(e) => return error_page(state, lang, e.into()),
    };
    let t = lang.messages();
    let mut chrome = Chrome::new(state, lang, Some(viewer), HERE, t.settings.to_string());
    chrome.noindex = true;
    let page = SettingsPage {
        chrome,
        csrf: viewer.csrf.clone(),
        username: account.username,
        bio: account.bio.unwrap_or_default(),
        image: account.image.unwrap_or_default(),
        email: account.email,
        saved,
        errors,
    };
    super::render(state, lang, status, page)
}

pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Viewer,
    Query(shown): Query<Shown>,
) -> Response {
    page(
        &state,
        lang,
        &viewer,
        StatusCode::OK,
        shown.saved.is_some(),
        Vec::new(),
    )
    .await
}

/// Back to the page, saved; or the page again with what to correct.
async fn finish(state: &AppState, lang: Lang, viewer: &Viewer, done: ApiResult<()>) -> Response {
    match done {
        Ok(()) => Redirect::to("/settings?saved=1").into_response(),
        Err(e) if e.status().is_client_error() => {
            let status = e.status();
            let errors = refusals::lines(&e, lang);
            page(state, lang, viewer, status, false, errors).await
        }
        Err(e) => error_page(state, lang, e),
    }
}

/// `POST /settings/profile`: username, bio and picture, which may be a file to upload.
pub async fn save_profile(
    State(state): State<AppState>,
    lang: Lang,
    client: ClientAddress,
    mut form: PostedWithFile,
) -> Response {
    let Some(viewer) = form.viewer.take() else {
        return to_sign_in(HERE);
    };
    let done = async {
        let image = match form.file.take() {
            Some(file) => {
                let stored = state
                    .uploads
                    .upload(&state.db, viewer.user.id, file.to_vec())
                    .await?;
                Some(uploaded(stored)?.1)
            }
            None => form.field("image"),
        };
        let input = UpdateUser {
            username: form.field("username").map(Some),
            bio: form.field("bio").map(Some),
            image: image.map(Some),
            email: None,
            password: None,
            current_password: None,
        };
        change_account(&state, &viewer.user, client, input).await?;
        Ok(())
    };
    finish(&state, lang, &viewer, done.await).await
}

#[derive(Deserialize)]
pub struct AccountForm {
    email: Option<String>,
    password: Option<String>,
    #[serde(rename = "currentPassword")]
    current_password: Option<String>,
}

/// `POST /settings/account`: email and password. An empty password field keeps the password.
pub async fn save_account(
    State(state): State<AppState>,
    lang: Lang,
    client: ClientAddress,
    posted: Posted<AccountForm>,
) -> Response {
    let Some(viewer) = posted.viewer else {
        return to_sign_in(HERE);
    };
    let form = posted.fields;
    let given = |field: Option<String>| field.filter(|value| !value.is_empty());
    let input = UpdateUser {
        username: None,
        bio: None,
        image: None,
        email: form.email.map(Some),
        password: given(form.password).map(Some),
        current_password: given(form.current_password),
    };
    let done = change_account(&state, &viewer.user, client, input)
        .await
        .map(|_| ());
    finish(&state, lang, &viewer, done).await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    confirm: Option<String>,
}

/// `POST /settings/delete`: the account and everything it wrote, once its username is typed.
pub async fn delete_account(
    State(state): State<AppState>,
    lang: Lang,
    posted: Posted<DeleteForm>,
) -> Response {
    let Some(viewer) = posted.viewer else {
        return to_sign_in(HERE);
    };
    if posted.fields.confirm.as_deref().map(str::trim) != Some(viewer.username.as_str()) {
        let refused = ApiError::invalid("confirm", "must be your username");
        return finish(&state, lang, &viewer, Err(refused)).await;
    }
    match close_account(&state, &viewer.user).await {
        Ok(()) => (
            [(header::SET_COOKIE, ended_session_cookie(&state))],
            Redirect::to("/"),
        )
            .into_response(),
        Err(e) => error_page(&state, lang, e),
    }
}
