//! Registration, login, logout and the signed-in user's own account.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Json, patch};
use super::limits::{self, ClientAddress};
use crate::auth::SessionRef;
use crate::domain::Validator;
use crate::domain::user::{
    Email, Password, Username, login_password, optional_text, profile_image, required_text,
};
use crate::domain::views::User;
use crate::storage::sessions::SessionStart;
use crate::storage::users::{Account, AccountChanges, AccountUpdate, FRESH_SIGN_IN};
use secrecy::SecretString;

const BIO_MAX: usize = 5_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(end_all_sessions))
        .routes(routes!(current_user, update_user, delete_user))
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub user: User,
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    user: RegisterUser,
}

#[derive(Deserialize, ToSchema)]
struct RegisterUser {
    /// Letters, digits, `_`, `-` and `.` (not `.` or `..` alone).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64)]
    username: Option<String>,
    #[schema(value_type = String, required = true, min_length = 3, max_length = 254)]
    email: Option<String>,
    #[schema(value_type = String, required = true, min_length = 8, max_length = 256)]
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    user: LoginUser,
}

#[derive(Deserialize, ToSchema)]
struct LoginUser {
    #[schema(value_type = String, required = true, min_length = 1)]
    email: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 256)]
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateUserBody {
    user: UpdateUser,
}

/// Every field is optional; `bio` and `image` may be `null` or `""` to clear them.
#[derive(Deserialize, ToSchema)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = String, min_length = 3, max_length = 254)]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub username: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = String, min_length = 8, max_length = 256)]
    pub password: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub bio: Option<Option<String>>,
    /// An `http:` or `https:` URL, or the `/uploads/...` path of an uploaded image.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>, max_length = 2048)]
    pub image: Option<Option<String>>,
    /// The account's current password: needed to change `email` or `password` more than five
    /// minutes after signing in.
    #[serde(default, rename = "currentPassword")]
    #[schema(min_length = 1, max_length = 256)]
    pub current_password: Option<String>,
}

/// The account with a token of `session`.
fn user_body(state: &AppState, account: Account, session: &SessionRef) -> UserBody {
    UserBody {
        user: User {
            token: state.keys.issue(account.id, session, account.token_epoch),
            email: account.email,
            username: account.username,
            bio: account.bio,
            image: account.image,
        },
    }
}

/// Register a new account.
#[utoipa::path(post, path = "/api/users", tag = "users", request_body = RegisterBody,
    responses(
        (status = 201, body = UserBody),
        (status = 409, description = "username or email already taken", body = ErrorBody),
        (status = 422, description = "invalid fields", body = ErrorBody),
        (status = 429, description = "too many sign-ups from this address; see `Retry-After`", body = ErrorBody),
    ))]
async fn register(
    State(state): State<AppState>,
    client: ClientAddress,
    Json(body): Json<RegisterBody>,
) -> ApiResult<(StatusCode, axum::Json<UserBody>)> {
    let input = body.user;
    let (account, session) =
        sign_up(&state, client, input.username, input.email, input.password).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(user_body(&state, account, &session)),
    ))
}

/// Registration as every interface does it: the fields checked, the address's sign-up limit
/// counted, the account made and signed in.
pub async fn sign_up(
    state: &AppState,
    client: ClientAddress,
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
) -> ApiResult<(Account, SessionRef)> {
    let mut v = Validator::new();
    let username = v.field("username", Username::parse(username));
    let email = v.field("email", Email::parse(email));
    let password = v.field("password", Password::parse(password));
    let (username, email, password) = v.finish(|| Some((username?, email?, password?)))?;
    limits::count_signup(state, client).await?;
    let hash = state.hasher.hash(password.secret()).await?;
    let account = state
        .db
        .create_account(username.as_str(), email.as_str(), &hash)
        .await?
        .map_err(|taken| ApiError::taken(&taken))?;
    let session = session(state, account.id).await?;
    Ok((account, session))
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/users/login", tag = "users", request_body = LoginBody,
    responses(
        (status = 200, body = UserBody),
        (status = 401, description = "unknown email or wrong password (the same answer for both)", body = ErrorBody),
        (status = 403, description = "the account is suspended (said only to the right password)", body = ErrorBody),
        (status = 422, description = "missing fields", body = ErrorBody),
        (status = 429, description = "too many failed sign-ins to this account or from this address; see `Retry-After`", body = ErrorBody),
    ))]
async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    Json(body): Json<LoginBody>,
) -> ApiResult<axum::Json<UserBody>> {
    let (account, session) = sign_in(&state, client, body.user.email, body.user.password).await?;
    Ok(axum::Json(user_body(&state, account, &session)))
}

/// Signing in as every interface does it, under the sign-in limits: a new session for the
/// account whose password this is, unless it is suspended.
pub async fn sign_in(
    state: &AppState,
    client: ClientAddress,
    email: Option<String>,
    password: Option<String>,
) -> ApiResult<(Account, SessionRef)> {
    let mut v = Validator::new();
    let email = v.field("email", required_text(email));
    let password = v.field("password", login_password(password));
    let (email, password) = v.finish(|| Some((email?, password?)))?;
    let account = limits::password_check(
        state,
        &email,
        client,
        verified_account(state, &email, &password),
    )
    .await?
    .ok_or_else(|| ApiError::unauthorized("credentials", "invalid"))?;
    let session = session(state, account.id).await?;
    Ok((account, session))
}

/// A new session for the account, unless it is suspended.
async fn session(state: &AppState, account: i64) -> ApiResult<SessionRef> {
    match state
        .db
        .start_session(account, state.session_lifetime)
        .await?
    {
        SessionStart::Started(session) => Ok(session),
        SessionStart::Suspended => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "account",
            "is suspended",
        )),
    }
}

/// The account of `email` if `password` is its password; an unknown email costs a hash too.
async fn verified_account(
    state: &AppState,
    email: &str,
    password: &SecretString,
) -> Result<Option<Account>, ApiError> {
    let account = state.db.account_by_email(email.trim()).await?;
    let verified = state
        .hasher
        .verify(password, account.as_ref().map(|a| a.password_hash.as_str()))
        .await?;
    Ok(account.filter(|_| verified))
}

/// End the session this request's token belongs to: every token of it stops working, on every
/// replica at once. Other sessions (other devices) go on.
#[utoipa::path(post, path = "/api/users/logout", tag = "users", security(("Token" = [])),
    responses((status = 204, description = "the session has ended"), (status = 401, body = ErrorBody)))]
async fn logout(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    state.db.end_session(&user.session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out everywhere: end every session of the signed-in user, this one included.
#[utoipa::path(post, path = "/api/user/sessions/revoke-all", tag = "users", security(("Token" = [])),
    responses((status = 204, description = "every session has ended"), (status = 401, body = ErrorBody)))]
async fn end_all_sessions(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    state.db.end_all_sessions(user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user, with a token of the same session (it expires when the session does).
#[utoipa::path(get, path = "/api/user", tag = "users", security(("Token" = [])),
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody)))]
async fn current_user(
    State(state): State<AppState>,
    user: AuthUser,
) -> ApiResult<axum::Json<UserBody>> {
    let account = state
        .db
        .account_by_id(user.id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("token", "has been revoked"))?;
    Ok(axum::Json(user_body(&state, account, &user.session)))
}

/// Update the signed-in user. A new `email` or `password` needs `currentPassword` too, unless
/// the token's session signed in within the last five minutes. A new password revokes every
/// token issued before it and ends the user's other sessions; use the token in this response
/// from then on. Sending the current password (or email) again changes nothing.
#[utoipa::path(put, path = "/api/user", tag = "users", security(("Token" = [])), request_body = UpdateUserBody,
    responses(
        (status = 200, body = UserBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`currentPassword` is wrong", body = ErrorBody),
        (status = 409, description = "username or email already taken", body = ErrorBody),
        (status = 422, description = "invalid fields, or a new email or password without `currentPassword`", body = ErrorBody),
        (status = 429, description = "too many wrong passwords for this account or from this address; see `Retry-After`", body = ErrorBody),
    ))]
async fn update_user(
    State(state): State<AppState>,
    user: AuthUser,
    client: ClientAddress,
    Json(body): Json<UpdateUserBody>,
) -> ApiResult<axum::Json<UserBody>> {
    let account = change_account(&state, &user, client, body.user).await?;
    Ok(axum::Json(user_body(&state, account, &user.session)))
}

/// Changing one's account as every interface does: the fields given checked, the current
/// password (when given) checked under the sign-in limits, a new password hashed, and the
/// change made only while the caller's session holds.
pub async fn change_account(
    state: &AppState,
    user: &AuthUser,
    client: ClientAddress,
    input: UpdateUser,
) -> ApiResult<Account> {
    let mut v = Validator::new();
    let username = v.optional("username", input.username.map(Username::parse));
    let email = v.optional("email", input.email.map(Email::parse));
    let password = v.optional("password", input.password.map(Password::parse));
    let bio = v.optional("bio", input.bio.map(|b| optional_text(b, BIO_MAX)));
    let image = v.optional("image", input.image.map(profile_image));
    let current_password = v.optional(
        "currentPassword",
        input.current_password.map(|p| login_password(Some(p))),
    );
    let mut changes = v.finish(|| {
        Some(AccountChanges {
            username: username.map(|u| u.as_str().to_string()),
            email: email.map(|e| e.as_str().to_string()),
            password_hash: None,
            bio,
            image,
            reauthenticated: false,
        })
    })?;
    if password.is_some() || current_password.is_some() {
        let current = state
            .db
            .account_by_id(user.id)
            .await?
            .ok_or_else(|| ApiError::unauthorized("token", "is invalid"))?;
        if let Some(given) = current_password {
            // A wrong one is a guess like a failed sign-in, and counts against the same limits.
            let check = async {
                let right = state
                    .hasher
                    .verify(&given, Some(&current.password_hash))
                    .await?;
                Ok(right.then_some(()))
            };
            limits::password_check(state, &current.email, client, check)
                .await?
                .ok_or_else(|| {
                    ApiError::new(StatusCode::FORBIDDEN, "currentPassword", "is wrong")
                })?;
            changes.reauthenticated = true;
        }
        if let Some(password) = password {
            // Settings forms send the password with every save: the current one sent again is
            // no change, and must not sign the user out on every device as a new password does.
            let unchanged = state
                .hasher
                .verify(password.secret(), Some(&current.password_hash))
                .await?;
            if !unchanged {
                changes.password_hash = Some(state.hasher.hash(password.secret()).await?);
            }
        }
    }
    match state.db.update_account(&user.caller(), changes).await? {
        AccountUpdate::Done(account) => Ok(account),
        AccountUpdate::Taken(taken) => Err(ApiError::taken(&taken)),
        AccountUpdate::NotHeld => Err(ApiError::unauthorized("token", "has been revoked")),
        AccountUpdate::NeedsPassword => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "currentPassword",
            format!(
                "is needed to change the email or password more than {} minutes after signing in",
                FRESH_SIGN_IN.as_secs() / 60
            ),
        )),
    }
}

/// Delete the signed-in user's account with its articles, comments, favorites and follows.
#[utoipa::path(delete, path = "/api/user", tag = "users", security(("Token" = [])),
    responses((status = 204, description = "the account is gone"), (status = 401, body = ErrorBody)))]
async fn delete_user(State(state): State<AppState>, user: AuthUser) -> ApiResult<StatusCode> {
    close_account(&state, &user).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deleting one's account as every interface does: only while the caller's session holds.
pub async fn close_account(state: &AppState, user: &AuthUser) -> ApiResult<()> {
    if !state.db.delete_account(&user.caller()).await? {
        return Err(ApiError::unauthorized("token", "has been revoked"));
    }
    Ok(())
}
