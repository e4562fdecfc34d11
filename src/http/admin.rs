//! Admin routes: open reports, removing content, suspensions and the audit log. Every route
//! answers 401 to anonymous callers and 403 to signed-in users without the admin role; every
//! action is written to the audit log with an optional `reason`.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AdminUser, Path, Query, comment_id};
use super::moderation::ReportBody;
use super::paging::{PageParams, PageSize, cursor};
use crate::domain::moderation::{AccountStanding, AuditEntry, Report, Resolution, note};
use crate::storage::lists::Position;
use crate::storage::moderation::{Closing, Paged, Standing, Start};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reports))
        .routes(routes!(resolve_report))
        .routes(routes!(dismiss_report))
        .routes(routes!(remove_article))
        .routes(routes!(remove_comment))
        .routes(routes!(suspend, unsuspend))
        .routes(routes!(audit_log))
}

const ENTRIES: PageSize = PageSize {
    default: 20,
    max: 100,
};

/// Why the admin acts, for the audit log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ActionParams {
    /// Why, for the audit log (up to 1000 characters).
    #[param(max_length = 1000)]
    reason: Option<String>,
}

impl ActionParams {
    fn reason(self) -> ApiResult<Option<String>> {
        audit_note(self.reason)
    }
}

/// An admin action's `reason`, as the audit log keeps it.
pub fn audit_note(raw: Option<String>) -> ApiResult<Option<String>> {
    note(raw).map_err(|m| ApiError::invalid("reason", m))
}

/// The page a newest-first admin list starts at.
pub fn start(params: PageParams) -> ApiResult<(i64, Start)> {
    let page = params.page(ENTRIES)?;
    let from = match page.from {
        Position::Offset(offset) => Start::Offset(offset),
        Position::After { id, .. } => Start::Before(id),
    };
    Ok((page.limit, from))
}

pub fn next_cursor<T>(page: &Paged<T>) -> Option<String> {
    page.next.as_ref().and_then(|(at, id)| {
        cursor(&Position::After {
            at: at.clone(),
            id: *id,
        })
    })
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportsBody {
    pub reports: Vec<Report>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Which reports to list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ReportFilter {
    /// `open` (the default), `resolved` or `dismissed`.
    #[param(pattern = "^(open|resolved|dismissed)$")]
    status: Option<String>,
}

/// Reports, newest first: the open ones, or those resolved or dismissed (`status`).
#[utoipa::path(get, path = "/api/admin/reports", tag = "admin", params(ReportFilter, PageParams),
    security(("Token" = [])),
    responses(
        (status = 200, body = ReportsBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 422, description = "bad `status`, `limit`, `offset` or `cursor`", body = ErrorBody),
    ))]
async fn list_reports(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(filter): Query<ReportFilter>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<ReportsBody>> {
    let status = match filter.status.as_deref() {
        None | Some("open") => None,
        Some("resolved") => Some(Resolution::Resolved),
        Some("dismissed") => Some(Resolution::Dismissed),
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "must be open, resolved or dismissed",
            ));
        }
    };
    let (limit, from) = start(params)?;
    let page = state.db.reports(status, limit, from).await?;
    Ok(axum::Json(ReportsBody {
        next_cursor: next_cursor(&page),
        reports: page.items,
    }))
}

async fn close(
    state: &AppState,
    admin: &AdminUser,
    id: &str,
    resolution: Resolution,
    params: ActionParams,
) -> ApiResult<axum::Json<ReportBody>> {
    let id = report_id(id)?;
    let reason = params.reason()?;
    let report = closed(
        state
            .db
            .close_report(admin.0.id, id, resolution, reason.as_deref())
            .await?,
    )?;
    Ok(axum::Json(ReportBody { report }))
}

/// A report's id from its address; one that is not a number names no report.
pub fn report_id(raw: &str) -> ApiResult<i64> {
    raw.parse().map_err(|_| ApiError::not_found("report"))
}

/// The closed report, or why it could not be closed.
pub fn closed(closing: Closing) -> ApiResult<Report> {
    match closing {
        Closing::Closed(report) => Ok(report),
        Closing::NotFound => Err(ApiError::not_found("report")),
        Closing::AlreadyClosed(report) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "report",
            format!("is already {}", report.status),
        )),
    }
}

/// Whether removing `what` found it to remove.
pub fn removed(found: bool, what: &str) -> ApiResult<()> {
    if found {
        Ok(())
    } else {
        Err(ApiError::not_found(what))
    }
}

/// Close an open report as dealt with.
#[utoipa::path(post, path = "/api/admin/reports/{id}/resolve", tag = "admin",
    params(("id" = i64, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 200, body = ReportBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "already resolved or dismissed", body = ErrorBody),
        (status = 422, description = "a bad `reason`", body = ErrorBody),
    ))]
async fn resolve_report(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<axum::Json<ReportBody>> {
    close(&state, &admin, &id, Resolution::Resolved, params).await
}

/// Close an open report with nothing to do.
#[utoipa::path(post, path = "/api/admin/reports/{id}/dismiss", tag = "admin",
    params(("id" = i64, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 200, body = ReportBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "already resolved or dismissed", body = ErrorBody),
        (status = 422, description = "a bad `reason`", body = ErrorBody),
    ))]
async fn dismiss_report(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<axum::Json<ReportBody>> {
    close(&state, &admin, &id, Resolution::Dismissed, params).await
}

/// Remove any article (drafts too); the open reports on it and its comments are resolved.
#[utoipa::path(delete, path = "/api/admin/articles/{slug}", tag = "admin",
    params(("slug" = String, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 204, description = "removed"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "a bad `reason`", body = ErrorBody),
    ))]
async fn remove_article(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(slug): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<StatusCode> {
    let reason = params.reason()?;
    removed(
        state
            .db
            .remove_article(admin.0.id, &slug, reason.as_deref())
            .await?,
        "article",
    )?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove any comment (one with replies stays as a placeholder); the open reports on it are
/// resolved.
#[utoipa::path(delete, path = "/api/admin/comments/{id}", tag = "admin",
    params(("id" = i64, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 204, description = "removed"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "a bad `reason`", body = ErrorBody),
    ))]
async fn remove_comment(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(id): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<StatusCode> {
    let id = comment_id(&id)?;
    let reason = params.reason()?;
    removed(
        state
            .db
            .remove_comment(admin.0.id, id, reason.as_deref())
            .await?,
        "comment",
    )?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AccountBody {
    pub account: AccountStanding,
}

async fn set_suspension(
    state: &AppState,
    admin: &AdminUser,
    username: &str,
    suspend: bool,
    params: ActionParams,
) -> ApiResult<axum::Json<AccountBody>> {
    let reason = params.reason()?;
    let account = suspension_set(
        state
            .db
            .set_suspension(admin.0.id, username, suspend, reason.as_deref())
            .await?,
    )?;
    Ok(axum::Json(AccountBody { account }))
}

/// The account as it stands after a suspension or reinstatement, or why there was none.
pub fn suspension_set(standing: Standing) -> ApiResult<AccountStanding> {
    match standing {
        Standing::Done(account) => Ok(account),
        Standing::NotFound => Err(ApiError::not_found("profile")),
        Standing::Yourself => Err(ApiError::invalid("profile", "can't suspend yourself")),
    }
}

/// Suspend an account (idempotent): its tokens stop working at once, on every replica, and its
/// articles and comments are hidden (not deleted) until the suspension ends.
#[utoipa::path(post, path = "/api/admin/users/{username}/suspension", tag = "admin",
    params(("username" = String, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 200, body = AccountBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "suspending oneself, or a bad `reason`", body = ErrorBody),
    ))]
async fn suspend(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(username): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<axum::Json<AccountBody>> {
    set_suspension(&state, &admin, &username, true, params).await
}

/// End a suspension (idempotent): the account's tokens work again and its content is back.
#[utoipa::path(delete, path = "/api/admin/users/{username}/suspension", tag = "admin",
    params(("username" = String, Path), ActionParams), security(("Token" = [])),
    responses(
        (status = 200, body = AccountBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "oneself, or a bad `reason`", body = ErrorBody),
    ))]
async fn unsuspend(
    State(state): State<AppState>,
    admin: AdminUser,
    Path(username): Path<String>,
    Query(params): Query<ActionParams>,
) -> ApiResult<axum::Json<AccountBody>> {
    set_suspension(&state, &admin, &username, false, params).await
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditBody {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Every admin action, newest first.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", params(PageParams),
    security(("Token" = [])),
    responses(
        (status = 200, body = AuditBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "not an admin", body = ErrorBody),
        (status = 422, description = "bad `limit`, `offset` or `cursor`", body = ErrorBody),
    ))]
async fn audit_log(
    State(state): State<AppState>,
    _admin: AdminUser,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<AuditBody>> {
    let (limit, from) = start(params)?;
    let page = state.db.audit_log(limit, from).await?;
    Ok(axum::Json(AuditBody {
        next_cursor: next_cursor(&page),
        entries: page.items,
    }))
}
