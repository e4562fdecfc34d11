//! Forms that change something: each is checked to come from one of quill's own pages before
//! any of its fields is read. Two checks, either of which stops a forged cross-site form: the
//! browser's `Origin` (or, from browsers that send none, `Referer`) must be this site, and the
//! form must carry the token made for the session (or, signed out, the visitor cookie) that
//! the page was shown to.

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, OptionalFromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::session::{SESSION_COOKIE, VISITOR_COOKIE, Viewer, cookie, to_sign_in};
use super::{Lang, error_page};
use crate::http::AppState;
use crate::http::error::ApiError;

/// A form posted from one of quill's pages: its fields, and who sent it.
pub struct Posted<T> {
    pub viewer: Option<Viewer>,
    pub fields: T,
}

/// A form with nothing to say but its token: the action is in its address.
#[derive(Deserialize)]
pub struct NoFields {}

/// A form's request taken apart for reading: the reader's language and who sent it, before
/// the body.
async fn opened(
    request: Request,
    state: &AppState,
) -> Result<(Parts, Body, Lang, Option<Viewer>), Response> {
    let (mut parts, body) = request.into_parts();
    let lang = Lang::negotiate(&parts.headers);
    let viewer =
        <Viewer as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, state)
            .await?;
    Ok((parts, body, lang, viewer))
}

#[derive(Deserialize)]
struct Token {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body, lang, viewer) = opened(request, state).await?;
        let headers = parts.headers.clone();
        let request = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            error_page(
                state,
                lang,
                ApiError::new(e.status(), "body", e.body_text()),
            )
        })?;
        let token = serde_urlencoded::from_bytes::<Token>(&bytes)
            .ok()
            .and_then(|t| t.csrf);
        check(state, &headers, viewer.as_ref(), token.as_deref())
            .map_err(|forged| refused(state, lang, &headers, viewer.as_ref(), forged))?;
        let fields = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| error_page(state, lang, ApiError::invalid("form", e.to_string())))?;
        Ok(Posted { viewer, fields })
    }
}

/// A form sent as `multipart/form-data` because it can carry a file: its text fields, the
/// file's bytes if one was chosen, and who sent it. Checked as [`Posted`] forms are.
pub struct PostedWithFile {
    pub viewer: Option<Viewer>,
    pub fields: HashMap<String, String>,
    pub file: Option<Bytes>,
}

impl PostedWithFile {
    /// The text field `name`, if the form sent it.
    pub fn field(&mut self, name: &str) -> Option<String> {
        self.fields.remove(name)
    }
}

impl FromRequest<AppState> for PostedWithFile {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body, lang, viewer) = opened(request, state).await?;
        let headers = parts.headers.clone();
        let refuse = |e: ApiError| error_page(state, lang, e);
        // Before a byte of the body is read: a forged form's file is never taken in.
        if !same_origin(&headers, &state.public_url) {
            return Err(refuse(forged()));
        }
        let mut multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| refuse(ApiError::new(e.status(), "form", e.body_text())))?;
        let mut fields = HashMap::new();
        let mut file = None;
        let mut text_bytes = 0;
        let broken = |e: axum::extract::multipart::MultipartError| {
            refuse(ApiError::new(e.status(), "form", e.body_text()))
        };
        while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == "file" {
                let limit = state.uploads.max_bytes();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(broken)? {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        return Err(refuse(crate::http::uploads::too_large(limit)));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                // A form whose file input was left empty sends a part with no bytes.
                file = (!bytes.is_empty()).then(|| Bytes::from(bytes));
            } else {
                let text = field.text().await.map_err(broken)?;
                text_bytes += text.len();
                if text_bytes > TEXT_MAX {
                    return Err(refuse(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "form",
                        format!("is larger than {TEXT_MAX} bytes"),
                    )));
                }
                fields.insert(name, text);
            }
        }
        let token = fields.get(CSRF_FIELD).map(String::as_str);
        check(state, &headers, viewer.as_ref(), token)
            .map_err(|forged| refused(state, lang, &headers, viewer.as_ref(), forged))?;
        Ok(PostedWithFile {
            viewer,
            fields,
            file,
        })
    }
}

/// The text of a form with a file, beside the file: the API's own body limit.
const TEXT_MAX: usize = crate::http::BODY_LIMIT;
/// The field that carries a form's token.
const CSRF_FIELD: &str = "csrf";

fn forged() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "form",
        "was not sent from this site's page; reload the page and try again",
    )
}

/// The answer to a form that did not pass [`check`]. A browser whose session ended while the
/// page was open (signed out elsewhere, the session expired) sent a token of that session: it
/// is sent to sign in again, back to the page it came from; anything else is a forgery.
fn refused(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    viewer: Option<&Viewer>,
    forged: ApiError,
) -> Response {
    let session_ended = viewer.is_none() && cookie(headers, SESSION_COOKIE).is_some();
    if session_ended && same_origin(headers, &state.public_url) {
        let page = headers
            .get(header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| url::Url::parse(r).ok())
            .map(|url| match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_string(),
            });
        return to_sign_in(super::local_path(page.as_deref()));
    }
    error_page(state, lang, forged)
}

/// Whether a form with `token` comes from a page quill showed to this browser.
pub fn check(
    state: &AppState,
    headers: &HeaderMap,
    viewer: Option<&Viewer>,
    token: Option<&str>,
) -> Result<(), ApiError> {
    if !same_origin(headers, &state.public_url) {
        return Err(forged());
    }
    let binding = match viewer {
        Some(viewer) => Some(viewer.user.session.id.as_str()),
        None => cookie(headers, VISITOR_COOKIE),
    };
    match (binding, token) {
        (Some(binding), Some(token)) if state.keys.form_token_holds(binding, token) => Ok(()),
        _ => Err(forged()),
    }
}

/// Whether the browser says the form was sent from this site: by `Origin`, else `Referer`,
/// compared with the `Host` it sent the form to and with `PUBLIC_URL` (a proxy in front may
/// change `Host`). A browser that sends neither is judged by the token alone.
fn same_origin(headers: &HeaderMap, public_url: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let public = url::Url::parse(public_url).ok().map(|url| authority(&url));
    let sender = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|value| value.to_str().ok().and_then(|v| url::Url::parse(v).ok()));
    match sender {
        None => true,
        Some(Some(url)) if url.host_str().is_some() => {
            let sender = authority(&url);
            [host, public.as_deref()]
                .into_iter()
                .flatten()
                .any(|ours| ours.eq_ignore_ascii_case(&sender))
        }
        // `Origin: null` (a sandboxed frame, a redirect chain) or an unreadable value.
        Some(_) => false,
    }
}

/// `host` or `host:port` as `Host` writes it (no port when it is the scheme's default).
fn authority(url: &url::Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    }
}

/// The token of a form shown to `viewer`, or to the anonymous visitor of `headers` (with the
/// cookie to set when they have none yet).
pub fn token_for(
    state: &AppState,
    headers: &HeaderMap,
    viewer: Option<&Viewer>,
) -> (String, Option<axum::http::HeaderValue>) {
    match viewer {
        Some(viewer) => (viewer.csrf.clone(), None),
        None => {
            let (binding, set) = super::session::visitor_binding(headers, state);
            (state.keys.form_token(&binding), set)
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    const PUBLIC: &str = "https://blog.example";

    #[test]
    fn forms_from_this_host_pass_and_from_others_do_not() {
        let host = (header::HOST, "quill.example:8080");
        assert!(same_origin(&headers(std::slice::from_ref(&host)), PUBLIC));
        assert!(same_origin(
            &headers(&[host.clone(), (header::ORIGIN, "http://quill.example:8080")]),
            PUBLIC
        ));
        assert!(same_origin(
            &headers(&[
                host.clone(),
                (header::REFERER, "https://quill.example:8080/article/x?y=1")
            ]),
            PUBLIC
        ));
        // Behind a proxy that sends its own `Host`, the public address counts.
        assert!(same_origin(
            &headers(&[host.clone(), (header::ORIGIN, "https://blog.example")]),
            PUBLIC
        ));
        for other in [
            "http://evil.example",
            "http://quill.example",
            "http://quill.example:8080.evil.example",
            "null",
        ] {
            assert!(
                !same_origin(&headers(&[host.clone(), (header::ORIGIN, other)]), PUBLIC),
                "{other}"
            );
        }
    }
}
