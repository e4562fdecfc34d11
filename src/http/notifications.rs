//! Notifications of the signed-in user: the list, and marking them read.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, Query};
use super::paging::{PageParams, PageSize, cursor};
use crate::domain::views::Notification;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(mark_read))
}

pub const NOTIFICATIONS: PageSize = PageSize {
    default: 20,
    max: 100,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsBody {
    pub notifications: Vec<Notification>,
    /// How many of the user's notifications are unread, in all (not just on this page), counted
    /// up to 1000: 1000 means "1000 or more".
    pub unread_count: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Which notifications to mark read; without a body (or with `{}` or `null`), all of them.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReadBody {
    /// Mark read this notification and every older one (a smaller `id`), leaving those that
    /// arrived after it: the `id` of the newest notification the reader has seen.
    up_to: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadBody {
    /// How many notifications are still unread (up to 1000, as in the list).
    pub unread_count: i64,
}

/// The signed-in user's notifications, newest first: new followers, comments on their articles,
/// replies to their comments, favorites and claps on their articles (one notification per
/// article and day, with how many people), and articles published by the authors they follow.
/// Never for their own actions.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", params(PageParams),
    security(("Token" = [])),
    responses(
        (status = 200, body = NotificationsBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "bad limit, offset or cursor", body = ErrorBody),
    ))]
async fn list_notifications(
    State(state): State<AppState>,
    user: AuthUser,
    Query(paging): Query<PageParams>,
) -> ApiResult<axum::Json<NotificationsBody>> {
    let page = paging.page(NOTIFICATIONS)?;
    let found = state.db.notifications(user.id, page).await?;
    Ok(axum::Json(NotificationsBody {
        notifications: found.notifications,
        unread_count: found.unread,
        next_cursor: found.next.as_ref().and_then(cursor),
    }))
}

/// Mark the signed-in user's notifications read: all of them, or with `upTo` those up to that
/// id. Answers how many remain unread.
#[utoipa::path(post, path = "/api/notifications/read", tag = "notifications",
    security(("Token" = [])), request_body = Option<ReadBody>,
    responses((status = 200, body = UnreadBody), (status = 401, body = ErrorBody)))]
async fn mark_read(
    State(state): State<AppState>,
    user: AuthUser,
    input: Option<Json<Option<ReadBody>>>,
) -> ApiResult<axum::Json<UnreadBody>> {
    let up_to = input.and_then(|Json(body)| body?.up_to);
    let unread_count = state.db.mark_notifications_read(user.id, up_to).await?;
    Ok(axum::Json(UnreadBody { unread_count }))
}
