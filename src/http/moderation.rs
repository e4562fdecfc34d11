//! What every reader may do about others: report content to the admins, and block users.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::docs::text_schema;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Path, comment_id};
use crate::domain::moderation::{REASON_MAX, Report, reason};
use crate::domain::views::Profile;
use crate::storage::moderation::{Blocking, Reporting};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(report_article))
        .routes(routes!(report_comment))
        .routes(routes!(block, unblock))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    #[schema(schema_with = reason_schema, required = true)]
    reason: Option<String>,
}

fn reason_schema() -> utoipa::openapi::Object {
    text_schema(REASON_MAX, Some("Why the content should be looked at."))
}

#[derive(Serialize, ToSchema)]
pub struct ReportBody {
    pub report: Report,
}

/// 201 for a new report, 200 with the reporter's open report on the same content.
fn filed(reporting: Reporting) -> ApiResult<(StatusCode, axum::Json<ReportBody>)> {
    let (status, report) = reported(reporting)?;
    Ok((status, axum::Json(ReportBody { report })))
}

/// What a report's outcome says to its reporter, on every interface: a new report is created,
/// one still open is the same report again.
pub fn reported(reporting: Reporting) -> ApiResult<(StatusCode, Report)> {
    match reporting {
        Reporting::Filed(report) => Ok((StatusCode::CREATED, report)),
        Reporting::AlreadyOpen(report) => Ok((StatusCode::OK, report)),
        Reporting::ArticleNotFound => Err(ApiError::not_found("article")),
        Reporting::CommentNotFound => Err(ApiError::not_found("comment")),
    }
}

pub fn report_reason(raw: Option<String>) -> ApiResult<String> {
    reason(raw).map_err(|m| ApiError::invalid("reason", m))
}

/// Report an article to the admins. Reporting the same article again while the first report
/// is open answers that report (200).
#[utoipa::path(post, path = "/api/articles/{slug}/report", tag = "moderation",
    params(("slug" = String, Path)), security(("Token" = [])), request_body = ReportRequest,
    responses(
        (status = 201, description = "reported", body = ReportBody),
        (status = 200, description = "already reported by this user, still open", body = ReportBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "blank or too long `reason`", body = ErrorBody),
    ))]
async fn report_article(
    State(state): State<AppState>,
    user: AuthUser,
    Path(slug): Path<String>,
    Json(input): Json<ReportRequest>,
) -> ApiResult<(StatusCode, axum::Json<ReportBody>)> {
    let reason = report_reason(input.reason)?;
    filed(state.db.report_article(user.id, &slug, &reason).await?)
}

/// Report a comment to the admins, as for an article.
#[utoipa::path(post, path = "/api/articles/{slug}/comments/{id}/report", tag = "moderation",
    params(("slug" = String, Path), ("id" = i64, Path)), security(("Token" = [])),
    request_body = ReportRequest,
    responses(
        (status = 201, description = "reported", body = ReportBody),
        (status = 200, description = "already reported by this user, still open", body = ReportBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "blank or too long `reason`", body = ErrorBody),
    ))]
async fn report_comment(
    State(state): State<AppState>,
    user: AuthUser,
    Path((slug, id)): Path<(String, String)>,
    Json(input): Json<ReportRequest>,
) -> ApiResult<(StatusCode, axum::Json<ReportBody>)> {
    let id = comment_id(&id)?;
    let reason = report_reason(input.reason)?;
    filed(state.db.report_comment(user.id, &slug, id, &reason).await?)
}

/// A profile with whether the viewer blocks them.
#[derive(Serialize, ToSchema)]
pub struct BlockedProfile {
    #[serde(flatten)]
    pub profile: Profile,
    pub blocking: bool,
}

#[derive(Serialize, ToSchema)]
pub struct BlockBody {
    pub profile: BlockedProfile,
}

/// Block a user (idempotent): they can no longer follow you, comment on your articles, reply to
/// your comments, favorite or clap for your articles; neither of you sees the other's comments
/// or is notified of them, you are no longer notified of what they did, and follows between you
/// end.
#[utoipa::path(post, path = "/api/profiles/{username}/block", tag = "moderation",
    params(("username" = String, Path)), security(("Token" = [])),
    responses(
        (status = 200, body = BlockBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "blocking oneself", body = ErrorBody),
    ))]
async fn block(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<BlockBody>> {
    let profile = blocked_by_them(state.db.block(user.id, &username).await?)?;
    Ok(axum::Json(BlockBody {
        profile: BlockedProfile {
            profile,
            blocking: true,
        },
    }))
}

/// What a block's outcome says to the blocker, on every interface.
pub fn blocked_by_them(outcome: Blocking) -> ApiResult<Profile> {
    match outcome {
        Blocking::Done(profile) => Ok(profile),
        Blocking::NotFound => Err(ApiError::not_found("profile")),
        Blocking::Yourself => Err(ApiError::invalid("profile", "can't block yourself")),
    }
}

/// Unblock a user (idempotent). Follows the block ended stay ended.
#[utoipa::path(delete, path = "/api/profiles/{username}/block", tag = "moderation",
    params(("username" = String, Path)), security(("Token" = [])),
    responses((status = 200, body = BlockBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unblock(
    State(state): State<AppState>,
    user: AuthUser,
    Path(username): Path<String>,
) -> ApiResult<axum::Json<BlockBody>> {
    let profile = state
        .db
        .unblock(user.id, &username)
        .await?
        .ok_or_else(|| ApiError::not_found("profile"))?;
    Ok(axum::Json(BlockBody {
        profile: BlockedProfile {
            profile,
            blocking: false,
        },
    }))
}
