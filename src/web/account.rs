//! Signing up, signing in and signing out on the pages: the API's own operations, with a cookie
//! in place of the token.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::forms::{NoFields, Posted, token_for};
use super::refusals;
use super::session::{Viewer, ended_session_cookie, session_cookie};
use super::{Chrome, ComeBack, Lang, error_page, local_path};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::limits::ClientAddress;
use crate::http::users::{sign_in, sign_up};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    SignIn,
    SignUp,
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage {
    chrome: Chrome,
    mode: Mode,
    csrf: String,
    next: String,
    username: String,
    email: String,
    errors: Vec<String>,
}

#[derive(Deserialize)]
pub struct SignForm {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

pub async fn show_sign_in(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    Query(back): Query<ComeBack>,
) -> Response {
    show(&state, lang, viewer, &headers, back, Mode::SignIn)
}

pub async fn show_sign_up(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    Query(back): Query<ComeBack>,
) -> Response {
    show(&state, lang, viewer, &headers, back, Mode::SignUp)
}

fn show(
    state: &AppState,
    lang: Lang,
    viewer: Option<Viewer>,
    headers: &HeaderMap,
    back: ComeBack,
    mode: Mode,
) -> Response {
    let next = local_path(back.next.as_deref());
    if viewer.is_some() {
        return Redirect::to(next).into_response();
    }
    let form = SignForm {
        username: None,
        email: None,
        password: None,
        next: Some(next.to_string()),
    };
    render(state, lang, headers, mode, form, StatusCode::OK, Vec::new())
}

fn render(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    mode: Mode,
    form: SignForm,
    status: StatusCode,
    errors: Vec<String>,
) -> Response {
    let t = lang.messages();
    let (path, title) = match mode {
        Mode::SignIn => ("/login", t.sign_in),
        Mode::SignUp => ("/register", t.sign_up),
    };
    let mut chrome = Chrome::new(state, lang, None, path, title.to_string());
    chrome.noindex = true;
    let (csrf, set_cookie) = token_for(state, headers, None);
    let page = SignPage {
        chrome,
        mode,
        csrf,
        next: local_path(form.next.as_deref()).to_string(),
        username: form.username.unwrap_or_default(),
        email: form.email.unwrap_or_default(),
        errors,
    };
    let mut response = super::render(state, lang, status, page);
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn sign_in_posted(
    State(state): State<AppState>,
    lang: Lang,
    client: ClientAddress,
    headers: HeaderMap,
    posted: Posted<SignForm>,
) -> Response {
    let form = posted.fields;
    let attempt = sign_in(&state, client, form.email.clone(), form.password.clone()).await;
    signed(&state, lang, &headers, Mode::SignIn, form, attempt)
}

pub async fn sign_up_posted(
    State(state): State<AppState>,
    lang: Lang,
    client: ClientAddress,
    headers: HeaderMap,
    posted: Posted<SignForm>,
) -> Response {
    let form = posted.fields;
    let attempt = sign_up(
        &state,
        client,
        form.username.clone(),
        form.email.clone(),
        form.password.clone(),
    )
    .await;
    signed(&state, lang, &headers, Mode::SignUp, form, attempt)
}

/// Into the new session, back where the reader came from; or the form again with what went
/// wrong.
fn signed(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    mode: Mode,
    form: SignForm,
    attempt: Result<(crate::storage::users::Account, crate::auth::SessionRef), ApiError>,
) -> Response {
    let t = lang.messages();
    match attempt {
        Ok((_, session)) => {
            let next = local_path(form.next.as_deref()).to_string();
            (
                [(header::SET_COOKIE, session_cookie(state, &session))],
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(e) if e.status().is_server_error() => error_page(state, lang, e),
        Err(e) => {
            let status = e.status();
            let errors = match status {
                StatusCode::UNAUTHORIZED => vec![t.sign_in_failed.to_string()],
                StatusCode::TOO_MANY_REQUESTS => vec![t.too_many_attempts.to_string()],
                StatusCode::FORBIDDEN => vec![t.account_suspended.to_string()],
                _ => refusals::lines(&e, lang),
            };
            let mut response = render(state, lang, headers, mode, form, status, errors);
            if let Some(retry) = e.into_response().headers().get(header::RETRY_AFTER) {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry.clone());
            }
            response
        }
    }
}

/// Ends this browser's session, on every replica at once.
pub async fn sign_out(
    State(state): State<AppState>,
    lang: Lang,
    posted: Posted<NoFields>,
) -> Response {
    end(&state, lang, posted, false).await
}

/// Ends every session of the account: every browser and every API token.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    lang: Lang,
    posted: Posted<NoFields>,
) -> Response {
    end(&state, lang, posted, true).await
}

async fn end(state: &AppState, lang: Lang, posted: Posted<NoFields>, everywhere: bool) -> Response {
    if let Some(viewer) = posted.viewer {
        let ended = if everywhere {
            state.db.end_all_sessions(viewer.user.id).await
        } else {
            state.db.end_session(&viewer.user.session.id).await
        };
        if let Err(e) = ended {
            return error_page(state, lang, e.into());
        }
    }
    (
        [(header::SET_COOKIE, ended_session_cookie(state))],
        Redirect::to("/"),
    )
        .into_response()
}
