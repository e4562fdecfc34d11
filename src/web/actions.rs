//! What readers do on a story or a profile, as forms: each calls the operation the JSON API
//! calls, through the same translation of its outcome, then sends the reader back to the page
//! (POST, then redirect to a GET) or shows the refusal as a page.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PagePath;
use super::forms::{NoFields, Posted};
use super::session::{Viewer, to_sign_in};
use super::{Lang, error_page};
use crate::domain::article::claps;
use crate::http::AppState;
use crate::http::articles::favorited;
use crate::http::claps::clapped;
use crate::http::comments::{change_error, comment_written, text};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::comment_id;
use crate::http::moderation::{blocked_by_them, report_reason, reported};
use crate::http::profiles::followed;

#[derive(Deserialize)]
pub struct ClapForm {
    claps: Option<String>,
}

#[derive(Deserialize)]
pub struct CommentForm {
    body: Option<String>,
    #[serde(rename = "parentId")]
    parent_id: Option<String>,
}

#[derive(Deserialize)]
pub struct ReportForm {
    reason: Option<String>,
}

/// The signed-in sender of a form and its fields; `None` sends them to sign in first (their
/// session ended while the page was open).
fn sender<T>(posted: Posted<T>) -> Option<(Viewer, T)> {
    Some((posted.viewer?, posted.fields))
}

/// Back to `back` when the operation went through; its refusal as a page when not.
fn finish(state: &AppState, lang: Lang, done: ApiResult<String>) -> Response {
    match done {
        Ok(back) => Redirect::to(&back).into_response(),
        Err(e) => error_page(state, lang, e),
    }
}

fn story(slug: &str) -> String {
    format!("/article/{slug}")
}

pub async fn clap(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<ClapForm>,
) -> Response {
    let Some((viewer, form)) = sender(posted) else {
        return to_sign_in(&story(&slug));
    };
    let done = async {
        let count = match form.claps.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(n) => n
                .parse()
                .map_err(|_| ApiError::invalid("claps", "must be a whole number"))?,
        };
        let n = claps(Some(count)).map_err(|m| ApiError::invalid("claps", m))?;
        clapped(state.db.clap(viewer.user.id, &slug, n).await?)?;
        Ok(format!("{}#reactions", story(&slug)))
    };
    finish(&state, lang, done.await)
}

/// Favoriting and bookmarking a story, and taking either back.
#[derive(Clone, Copy)]
enum Mark {
    Favorite,
    Unfavorite,
    Bookmark,
    Unbookmark,
}

async fn mark(
    state: &AppState,
    lang: Lang,
    slug: &str,
    posted: Posted<NoFields>,
    mark: Mark,
) -> Response {
    let Some((viewer, _)) = sender(posted) else {
        return to_sign_in(&story(slug));
    };
    let done = async {
        let me = viewer.user.id;
        match mark {
            Mark::Favorite => favorited(state.db.favorite(me, slug).await?)?,
            Mark::Unfavorite => state.db.unfavorite(me, slug).await?,
            Mark::Bookmark => state.db.bookmark(me, slug).await?,
            Mark::Unbookmark => state.db.unbookmark(me, slug).await?,
        }
        Ok(format!("{}#reactions", story(slug)))
    };
    finish(state, lang, done.await)
}

pub async fn favorite(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    mark(&state, lang, &slug, posted, Mark::Favorite).await
}

pub async fn unfavorite(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    mark(&state, lang, &slug, posted, Mark::Unfavorite).await
}

pub async fn bookmark(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    mark(&state, lang, &slug, posted, Mark::Bookmark).await
}

pub async fn unbookmark(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    mark(&state, lang, &slug, posted, Mark::Unbookmark).await
}

pub async fn comment(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<CommentForm>,
) -> Response {
    let Some((viewer, form)) = sender(posted) else {
        return to_sign_in(&story(&slug));
    };
    let done = async {
        let parent =
            match form.parent_id.as_deref().filter(|p| !p.is_empty()) {
                Some(id) => Some(id.parse().map_err(|_| {
                    ApiError::invalid("parentId", "must be a comment on this article")
                })?),
                None => None,
            };
        let body = text(form.body)?;
        let written = comment_written(
            state
                .db
                .add_comment(&slug, viewer.user.id, body, parent)
                .await?,
        )?;
        Ok(format!("{}#comment-{}", story(&slug), written.id))
    };
    finish(&state, lang, done.await)
}

pub async fn delete_comment(
    State(state): State<AppState>,
    lang: Lang,
    PagePath((slug, id)): PagePath<(String, String)>,
    posted: Posted<NoFields>,
) -> Response {
    let Some((viewer, _)) = sender(posted) else {
        return to_sign_in(&story(&slug));
    };
    let done = async {
        let id = comment_id(&id)?;
        change_error(state.db.delete_comment(&slug, id, viewer.user.id).await?)?;
        Ok(format!("{}#comments", story(&slug)))
    };
    finish(&state, lang, done.await)
}

pub async fn report_article(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<ReportForm>,
) -> Response {
    let Some((viewer, form)) = sender(posted) else {
        return to_sign_in(&story(&slug));
    };
    let done = async {
        let reason = report_reason(form.reason)?;
        reported(
            state
                .db
                .report_article(viewer.user.id, &slug, &reason)
                .await?,
        )?;
        Ok(format!("{}?reported=1", story(&slug)))
    };
    finish(&state, lang, done.await)
}

pub async fn report_comment(
    State(state): State<AppState>,
    lang: Lang,
    PagePath((slug, id)): PagePath<(String, String)>,
    posted: Posted<ReportForm>,
) -> Response {
    let Some((viewer, form)) = sender(posted) else {
        return to_sign_in(&story(&slug));
    };
    let done = async {
        let id = comment_id(&id)?;
        let reason = report_reason(form.reason)?;
        reported(
            state
                .db
                .report_comment(viewer.user.id, &slug, id, &reason)
                .await?,
        )?;
        Ok(format!("{}?reported=1#comment-{id}", story(&slug)))
    };
    finish(&state, lang, done.await)
}

/// `POST /tag/{tag}/follow` and `/unfollow`: the tag's stories join or leave the reader's
/// Following tab.
async fn tag_follow(
    state: &AppState,
    lang: Lang,
    name: &str,
    posted: Posted<NoFields>,
    follow: bool,
) -> Response {
    let back = format!("/tag/{name}");
    let Some((viewer, _)) = sender(posted) else {
        return to_sign_in(&back);
    };
    let done = async {
        let me = viewer.user.id;
        if follow {
            state
                .db
                .follow_tag(me, name)
                .await?
                .ok_or_else(|| ApiError::not_found("tag"))?;
        } else {
            state.db.unfollow_tag(me, name).await?;
        }
        Ok(back.clone())
    };
    finish(state, lang, done.await)
}

pub async fn follow_tag(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(name): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    tag_follow(&state, lang, &name, posted, true).await
}

pub async fn unfollow_tag(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(name): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    tag_follow(&state, lang, &name, posted, false).await
}

/// Following, unfollowing, blocking and unblocking the user `username`.
#[derive(Clone, Copy)]
enum Relation {
    Follow,
    Unfollow,
    Block,
    Unblock,
}

async fn relate(
    state: &AppState,
    lang: Lang,
    username: &str,
    posted: Posted<NoFields>,
    relation: Relation,
) -> Response {
    let back = format!("/profile/{username}");
    let Some((viewer, _)) = sender(posted) else {
        return to_sign_in(&back);
    };
    let done = async {
        let me = viewer.user.id;
        let not_found = || ApiError::not_found("profile");
        match relation {
            Relation::Follow => followed(state.db.follow(me, username).await?)?,
            Relation::Unfollow => state
                .db
                .unfollow(me, username)
                .await?
                .ok_or_else(not_found)?,
            Relation::Block => blocked_by_them(state.db.block(me, username).await?)?,
            Relation::Unblock => state
                .db
                .unblock(me, username)
                .await?
                .ok_or_else(not_found)?,
        };
        Ok(back.clone())
    };
    finish(state, lang, done.await)
}

pub async fn follow(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(username): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    relate(&state, lang, &username, posted, Relation::Follow).await
}

pub async fn unfollow(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(username): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    relate(&state, lang, &username, posted, Relation::Unfollow).await
}

pub async fn block(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(username): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    relate(&state, lang, &username, posted, Relation::Block).await
}

pub async fn unblock(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(username): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    relate(&state, lang, &username, posted, Relation::Unblock).await
}
