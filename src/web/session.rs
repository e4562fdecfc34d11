//! Who is signed in on a page: the session cookie. It holds the id of a row of the same sessions
//! table the API's tokens name, so signing out, signing out everywhere, a password change and a
//! suspension end a page's sign-in at once, on every replica, exactly as they end a token.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::SessionRef;
use crate::http::AppState;
use crate::http::extract::AuthUser;

/// The cookie that carries the session's id and nothing else.
pub const SESSION_COOKIE: &str = "quill_session";
/// The cookie that binds an anonymous visitor's forms (signing in, signing up) to their browser.
pub const VISITOR_COOKIE: &str = "quill_visitor";

/// The signed-in reader of a page, and the token their forms carry.
#[derive(Clone)]
pub struct Viewer {
    pub user: AuthUser,
    pub username: String,
    pub csrf: String,
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

impl Viewer {
    /// The signed-in reader of the session the request's cookie names, if it is live and its
    /// account is not suspended.
    async fn of(parts: &Parts, state: &AppState) -> Result<Option<Self>, Response> {
        if let Some(viewer) = parts.extensions.get::<Option<Self>>() {
            return Ok(viewer.clone());
        }
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE).filter(|id| id.len() <= 64) else {
            return Ok(None);
        };
        let found = state.db.live_session(id).await.map_err(|e| {
            super::error_page(state, super::Lang::negotiate(&parts.headers), e.into())
        })?;
        Ok(found
            .filter(|session| !session.user.suspended)
            .map(|session| Viewer {
                user: AuthUser {
                    id: session.user_id,
                    session: SessionRef {
                        id: id.to_string(),
                        expires_at: session.expires_at,
                    },
                    epoch: session.user.epoch,
                    admin: session.user.admin,
                },
                username: session.username,
                csrf: state.keys.form_token(id),
            }))
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Response> {
        let viewer = Self::of(parts, state).await?;
        parts.extensions.insert(viewer.clone());
        Ok(viewer)
    }
}

/// Pages for signed-in readers only: anyone else is sent to sign in, and brought back after.
impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let viewer =
            <Self as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        viewer.ok_or_else(|| {
            let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            to_sign_in(here)
        })
    }
}

/// A 303 to the sign-in page, which comes back to `here` (a path on this site) afterwards.
pub fn to_sign_in(here: &str) -> Response {
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// What every cookie of quill's says about where it goes: the whole site, never to scripts,
/// never with another site's requests except top-level links, and over https only when the site
/// is served over https (behind a TLS-terminating proxy too, since `PUBLIC_URL` says so).
fn attributes(state: &AppState, max_age: i64) -> String {
    let secure = if state.public_url.starts_with("https:") {
        "; Secure"
    } else {
        ""
    };
    format!("Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// The cookie of a new session, lasting as long as the session does.
pub fn session_cookie(state: &AppState, session: &SessionRef) -> HeaderValue {
    let lifetime = session.expires_at - chrono::Utc::now().timestamp();
    let value = format!(
        "{SESSION_COOKIE}={}; {}",
        session.id,
        attributes(state, lifetime.max(0))
    );
    HeaderValue::try_from(value).expect("session ids and attributes are ASCII")
}

/// The session cookie removed, on signing out.
pub fn ended_session_cookie(state: &AppState) -> HeaderValue {
    HeaderValue::try_from(format!("{SESSION_COOKIE}=; {}", attributes(state, 0)))
        .expect("the attributes are ASCII")
}

/// The anonymous visitor's form binding: the one their cookie holds, or a new one to set.
pub fn visitor_binding(headers: &HeaderMap, state: &AppState) -> (String, Option<HeaderValue>) {
    if let Some(binding) = cookie(headers, VISITOR_COOKIE).filter(|b| b.len() == 32) {
        return (binding.to_string(), None);
    }
    let binding = uuid::Uuid::new_v4().simple().to_string();
    // A day is long enough to fill in a form; a form shown later starts a new binding.
    let cookie = format!("{VISITOR_COOKIE}={binding}; {}", attributes(state, 86_400));
    let value = HeaderValue::try_from(cookie).expect("the binding and attributes are ASCII");
    (binding, Some(value))
}
