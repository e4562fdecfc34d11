//! Read caching, per replica: whole answers of the public reading routes (articles and their
//! comments, profiles, tags), kept per viewer. The token of a request is checked against the
//! database every time, cached answer or not, so an ended session is refused at once on every
//! replica. An entry is good only for the generation of the change feed it was made in
//! ([`crate::storage::changes`]: every request that changed what readers see moves it here before
//! its answer leaves, and on every other process soon after) and for `READ_CACHE_TTL_SECS` at
//! most, the bound for changes quill is not told of (SQL by hand, a lost notification).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::AppState;
use super::error::ApiError;
use super::extract::AuthUser;
use crate::settings::ReadCacheSettings;
use crate::storage::changes::{self, Changes};

/// Answers larger than this are served but not kept.
const ANSWER_MAX_BYTES: usize = 512 * 1024;
/// How long a write's answer waits, at most, for the other replicas to be told of it.
const ANNOUNCE_WAIT: Duration = Duration::from_secs(1);

/// Who sees an answer (`None`: anonymous) and the path with its query (for a page, also what
/// else its answer depends on: see [`kept`]).
pub type AnswerKey = (Option<i64>, String);

#[derive(Clone)]
struct Answer {
    generation: u64,
    made: Instant,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct AnswerBytes;

impl Weighter<AnswerKey, Answer> for AnswerBytes {
    fn weight(&self, key: &AnswerKey, answer: &Answer) -> u64 {
        let headers: usize = answer
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        (key.1.len() + answer.body.len() + headers + 96) as u64
    }
}

pub struct ReadCache {
    /// `None` when `READ_CACHE_MIB=0`.
    answers: Option<Cache<AnswerKey, Answer, AnswerBytes>>,
    ttl: Duration,
    pub changes: Arc<Changes>,
}

impl ReadCache {
    pub fn new(settings: &ReadCacheSettings, changes: Arc<Changes>) -> Self {
        Self {
            answers: (settings.bytes > 0).then(|| {
                Cache::with_weighter(
                    (settings.bytes / 4096).max(16) as usize,
                    settings.bytes,
                    AnswerBytes,
                )
            }),
            ttl: settings.ttl,
            changes,
        }
    }

    fn fresh(&self, generation: u64, made: Instant, now: u64) -> bool {
        generation == now && made.elapsed() < self.ttl
    }
}

/// Whether GET `path` may be answered from the cache: the reading routes whose answer depends
/// only on the site and on who asks.
fn cacheable(path: &str) -> bool {
    path == "/api/articles"
        || path.starts_with("/api/articles/")
        || path == "/api/tags"
        || path.starts_with("/api/profiles/")
}

/// Serves cacheable reads from the cache and keeps their answers; after any other request (to
/// the API or from a page's form) in which storage changed what readers see, whatever its answer (a favorite written,
/// then answered 404 because a suspension hid the article meanwhile), records the change (see
/// [`Changes::wrote`]).
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() == Method::GET && cacheable(path) {
        return read(&state, request, next).await;
    }
    // Pages change what readers see too: every write is watched, whatever its address.
    if request.method().is_safe() {
        return next.run(request).await;
    }
    let (response, changed) = changes::recording(next.run(request)).await;
    if changed {
        state.cache.changes.wrote(ANNOUNCE_WAIT).await;
    }
    response
}

async fn read(state: &AppState, request: Request, next: Next) -> Response {
    if state.cache.answers.is_none() {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let viewer = if parts.headers.contains_key(AUTHORIZATION) {
        match AuthUser::verify(&parts, state).await {
            Some(user) => {
                let id = user.id;
                parts.extensions.insert(user);
                Some(id)
            }
            // The route itself says what is wrong with the token.
            None => return next.run(Request::from_parts(parts, body)).await,
        }
    } else {
        None
    };
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |p| p.as_str());
    let key = (viewer, target.to_string());
    kept(state, key, Request::from_parts(parts, body), next).await
}

/// Serves `request` from the cache under `key` while its answer is fresh, or runs it and keeps
/// the answer: a 200 that sets no cookie and that caches may store.
pub async fn kept(state: &AppState, key: AnswerKey, request: Request, next: Next) -> Response {
    let cache = &state.cache;
    let (Some(answers), Some(generation)) = (&cache.answers, cache.changes.current()) else {
        return next.run(request).await;
    };
    if let Some(kept) = answers.get(&key)
        && cache.fresh(kept.generation, kept.made, generation)
    {
        metrics::counter!("read_cache_requests_total", "result" => "hit").increment(1);
        let mut response = Response::new(Body::from(kept.body));
        *response.headers_mut() = kept.headers;
        return response;
    }
    metrics::counter!("read_cache_requests_total", "result" => "miss").increment(1);
    let response = next.run(request).await;
    let private = response.headers().contains_key(SET_COOKIE)
        || response
            .headers()
            .get(CACHE_CONTROL)
            .is_some_and(|value| value.as_bytes().starts_with(b"no-store"));
    if response.status() != StatusCode::OK || private {
        return response;
    }
    let (head, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return ApiError::internal(anyhow::anyhow!("reading an answer: {e}")).into_response();
        }
    };
    // An answer made while the site changed may already be stale: not worth its space.
    if bytes.len() <= ANSWER_MAX_BYTES && cache.changes.current() == Some(generation) {
        answers.insert(
            key,
            Answer {
                generation,
                made: Instant::now(),
                headers: head.headers.clone(),
                // A serialized body sits in a buffer grown by doubling: kept as it is, an entry
                // could hold twice what the cache counts for it.
                body: Bytes::copy_from_slice(&bytes),
            },
        );
    }
    Response::from_parts(head, Body::from(bytes))
}
