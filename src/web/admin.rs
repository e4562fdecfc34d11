//! `/admin`: what admins do, on pages. The open reports and what is done about them, an
//! account's suspension, and the audit log, each through the operation and the translation of
//! its outcome that the admin API uses. Everyone else is shown the not-found page on every one
//! of these routes, so that they do not reveal that they exist.

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, OptionalFromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::PagePath;
use super::forms::Posted;
use super::i18n::Messages;
use super::session::Viewer;
use super::{Chrome, Lang, error_page, local_path, not_found, respond};
use crate::domain::moderation::{AccountStanding, Report, Resolution};
use crate::http::AppState;
use crate::http::admin::{
    audit_note, closed, next_cursor, removed, report_id, start, suspension_set,
};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::comment_id;
use crate::http::paging::PageParams;

/// Another method on an admin address is not found either: a 405 would say the address exists.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(reports).fallback(not_found))
        .route("/admin/audit", get(audit).fallback(not_found))
        .route("/admin/users", get(find_account).fallback(not_found))
        .route("/admin/users/{username}", get(account).fallback(not_found))
        // `/admin/reports/{id}/resolve`, `.../dismiss`, `/admin/articles/{slug}/remove`,
        // `/admin/comments/{id}/remove`, `/admin/users/{username}/suspend`, `.../reinstate`.
        .route(
            "/admin/{kind}/{target}/{verb}",
            post(act).fallback(not_found),
        )
        .layer(axum::middleware::map_response(super::no_store))
}

/// A signed-in reader with the admin role. Anyone else, signed in or not, gets the page for an
/// address that does not exist: before a form's token is checked, so a form sent by a
/// non-admin is not found rather than refused.
pub struct Admin(Viewer);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let viewer =
            <Viewer as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
        match viewer {
            Some(viewer) if viewer.user.admin => Ok(Admin(viewer)),
            _ => Err(error_page(
                state,
                Lang::negotiate(&parts.headers),
                ApiError::not_found("page"),
            )),
        }
    }
}

/// The chrome of an admin page: never for search engines.
fn chrome(state: &AppState, lang: Lang, admin: &Admin, path: &str, title: &str) -> Chrome {
    let mut chrome = Chrome::new(state, lang, Some(&admin.0), path, title.to_string());
    chrome.noindex = true;
    chrome
}

/// A report as the admin page shows it: the snapshot taken when it was filed.
struct ShownReport {
    report: Report,
    /// Where the reported story or comment is (or was).
    link: String,
    date: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct ReportsPage {
    chrome: Chrome,
    csrf: String,
    reports: Vec<ShownReport>,
    older: Option<String>,
}

/// `GET /admin`: the open reports, newest first, paged as the API pages them.
async fn reports(
    State(state): State<AppState>,
    lang: Lang,
    admin: Admin,
    Query(paging): Query<PageParams>,
) -> Response {
    let page = async {
        let (limit, from) = start(paging)?;
        let page = state.db.reports(None, limit, from).await?;
        let older = next_cursor(&page).map(|c| format!("/admin?cursor={c}"));
        let reports = page
            .items
            .into_iter()
            .map(|report| ShownReport {
                link: match report.comment_id {
                    Some(id) => format!("/article/{}#comment-{id}", report.slug),
                    None => format!("/article/{}", report.slug),
                },
                date: lang.date(&report.created_at),
                report,
            })
            .collect();
        let t = lang.messages();
        Ok(ReportsPage {
            chrome: chrome(&state, lang, &admin, "/admin", t.open_reports),
            csrf: admin.0.csrf.clone(),
            reports,
            older,
        })
    };
    respond(&state, lang, page.await)
}

/// One admin action, as the audit log shows it.
struct ShownEntry {
    /// `None` for the command line.
    actor: Option<String>,
    action: String,
    target: String,
    /// The admin page of the account acted on, for actions on accounts.
    link: Option<String>,
    reason: Option<String>,
    date: String,
    timestamp: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<ShownEntry>,
    older: Option<String>,
}

/// What the audit log's `action` says, in the reader's language.
fn action_name(t: &Messages, action: &str) -> String {
    match action {
        "report.resolve" => t.audit_resolved,
        "report.dismiss" => t.audit_dismissed,
        "article.remove" => t.audit_removed_story,
        "comment.remove" => t.audit_removed_comment,
        "user.suspend" => t.audit_suspended,
        "user.unsuspend" => t.audit_reinstated,
        "role.grant" => t.audit_granted,
        "role.revoke" => t.audit_revoked,
        other => other,
    }
    .to_string()
}

/// `GET /admin/audit`: every admin action, newest first, paged as the API pages it.
async fn audit(
    State(state): State<AppState>,
    lang: Lang,
    admin: Admin,
    Query(paging): Query<PageParams>,
) -> Response {
    let page = async {
        let (limit, from) = start(paging)?;
        let page = state.db.audit_log(limit, from).await?;
        let older = next_cursor(&page).map(|c| format!("/admin/audit?cursor={c}"));
        let t = lang.messages();
        let entries = page
            .items
            .into_iter()
            .map(|entry| ShownEntry {
                link: (entry.action.starts_with("user.") || entry.action.starts_with("role."))
                    .then(|| format!("/admin/users/{}", entry.target)),
                action: action_name(t, &entry.action),
                actor: entry.actor,
                target: entry.target,
                reason: entry.reason,
                date: lang.date(&entry.created_at),
                timestamp: entry.created_at,
            })
            .collect();
        Ok(AuditPage {
            chrome: chrome(&state, lang, &admin, "/admin/audit", t.audit_log),
            entries,
            older,
        })
    };
    respond(&state, lang, page.await)
}

#[derive(Template)]
#[template(path = "admin_account.html")]
struct AccountPage {
    chrome: Chrome,
    csrf: String,
    account: AccountStanding,
    /// The day the suspension began, in the reader's language; empty when there is none.
    suspended_on: String,
    /// Admins do not suspend themselves, so their own page offers no action.
    own: bool,
}

/// `GET /admin/users/{username}`: the account's role and suspension, with the action that
/// changes it.
async fn account(
    State(state): State<AppState>,
    lang: Lang,
    admin: Admin,
    PagePath(username): PagePath<String>,
) -> Response {
    let page = async {
        let account = state
            .db
            .account(&username)
            .await?
            .ok_or_else(|| ApiError::not_found("profile"))?;
        let path = format!("/admin/users/{}", account.username);
        Ok(AccountPage {
            chrome: chrome(&state, lang, &admin, &path, &account.username),
            csrf: admin.0.csrf.clone(),
            suspended_on: account
                .suspended_at
                .as_deref()
                .map(|at| lang.date(at))
                .unwrap_or_default(),
            own: account.username == admin.0.username,
            account,
        })
    };
    respond(&state, lang, page.await)
}

#[derive(Deserialize)]
pub struct Lookup {
    username: Option<String>,
}

/// `GET /admin/users?username=`: the reports page's search for an account, which leads to the
/// account's page (so any account can be suspended or reinstated, reported or not).
async fn find_account(_admin: Admin, Query(lookup): Query<Lookup>) -> Response {
    let name = lookup.username.unwrap_or_default();
    let name: String = url::form_urlencoded::byte_serialize(name.trim().as_bytes()).collect();
    Redirect::to(&format!("/admin/users/{name}")).into_response()
}

/// Every admin form: a note for the audit log, and the page it was sent from.
#[derive(Deserialize)]
pub struct ActionForm {
    reason: Option<String>,
    next: Option<String>,
}

/// What an admin form does, named by its address.
enum Action {
    Close(String, Resolution),
    RemoveArticle(String),
    RemoveComment(String),
    Suspend(String, bool),
}

/// An address that names no action is not found, like every other unknown address, before
/// the form is read.
impl FromRequestParts<AppState> for Action {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let address =
            <PagePath<(String, String, String)> as FromRequestParts<AppState>>::from_request_parts(
                parts, state,
            );
        let named = address
            .await
            .ok()
            .and_then(|PagePath((kind, target, verb))| {
                Some(match (kind.as_str(), verb.as_str()) {
                    ("reports", "resolve") => Action::Close(target, Resolution::Resolved),
                    ("reports", "dismiss") => Action::Close(target, Resolution::Dismissed),
                    ("articles", "remove") => Action::RemoveArticle(target),
                    ("comments", "remove") => Action::RemoveComment(target),
                    ("users", "suspend") => Action::Suspend(target, true),
                    ("users", "reinstate") => Action::Suspend(target, false),
                    _ => return None,
                })
            });
        named.ok_or_else(|| {
            error_page(
                state,
                Lang::negotiate(&parts.headers),
                ApiError::not_found("page"),
            )
        })
    }
}

/// Does the action the form's address names as the admin API does, then goes back to the
/// page the form was on (the reports, unless it says otherwise); a refusal is shown as a page.
async fn act(
    State(state): State<AppState>,
    lang: Lang,
    admin: Admin,
    action: Action,
    posted: Posted<ActionForm>,
) -> Response {
    let ActionForm { reason, next } = posted.fields;
    let done = async {
        let me = admin.0.user.id;
        let reason = audit_note(reason)?;
        let reason = reason.as_deref();
        match action {
            Action::Close(id, resolution) => {
                let id = report_id(&id)?;
                closed(state.db.close_report(me, id, resolution, reason).await?)?;
            }
            Action::RemoveArticle(slug) => {
                removed(state.db.remove_article(me, &slug, reason).await?, "article")?;
            }
            Action::RemoveComment(id) => {
                let id = comment_id(&id)?;
                removed(state.db.remove_comment(me, id, reason).await?, "comment")?;
            }
            Action::Suspend(username, suspend) => {
                suspension_set(
                    state
                        .db
                        .set_suspension(me, &username, suspend, reason)
                        .await?,
                )?;
            }
        }
        ApiResult::Ok(())
    };
    match done.await {
        Ok(()) => {
            let back = next.as_deref().map_or("/admin", |n| local_path(Some(n)));
            Redirect::to(back).into_response()
        }
        Err(e) => error_page(&state, lang, e),
    }
}
