//! Image uploads: `POST /api/uploads` takes one image (multipart field `file`), checks and
//! re-encodes it, stores it under its content hash and answers its public URL; quill serves
//! locally stored images at `/uploads/{hash}.{ext}`.

use axum::body::Body;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ApiResult, ErrorBody};
use super::extract::{AuthUser, Path};
use crate::domain::images::{Format, Refusal};
use crate::storage::objects::IMMUTABLE;
use crate::storage::uploads::Uploading;

/// Room for the multipart framing and any small fields around the file.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    // The body is capped by the handler, at the configured size, instead of the API's 1 MiB.
    OpenApiRouter::new()
        .routes(routes!(create_upload))
        .layer(DefaultBodyLimit::disable())
        .merge(OpenApiRouter::new().routes(routes!(serve_upload)))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[expect(
    dead_code,
    reason = "documents the form; the handler reads it as a stream"
)]
pub struct UploadForm {
    /// A PNG, JPEG, WebP or GIF image; its type is read from its bytes.
    #[schema(value_type = String, format = Binary, content_media_type = "application/octet-stream")]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadBody {
    pub upload: Upload,
}

#[derive(Serialize, ToSchema)]
pub struct Upload {
    /// The image's public address, for an article's Markdown or a profile's `image`.
    #[schema(
        example = "http://localhost:8080/uploads/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.png"
    )]
    pub url: String,
}

/// Upload an image (PNG, JPEG, WebP or GIF) for an avatar or an article. Its type is read from
/// its bytes; PNG, JPEG and WebP are re-encoded, which strips their metadata (EXIF, GPS). The
/// same image again answers the same URL and counts once against the uploader's quota.
#[utoipa::path(post, path = "/api/uploads", tag = "uploads", security(("Token" = [])),
    request_body(content = inline(UploadForm), content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "stored", body = UploadBody),
        (status = 200, description = "the uploader had stored this image already", body = UploadBody),
        (status = 400, description = "the body is not valid multipart/form-data", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 413, description = "the file is larger than the configured limit (UPLOAD_MAX_BYTES)", body = ErrorBody),
        (status = 415, description = "not multipart/form-data, or the file is not a PNG, JPEG, WebP or GIF", body = ErrorBody),
        (status = 422, description = "no `file` field, an image that does not decode or has too many pixels, or past the uploader's quota", body = ErrorBody),
    ))]
async fn create_upload(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let max = state.uploads.max_bytes();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max + MULTIPART_OVERHEAD) {
        return Err(too_large(max));
    }
    let file = read_file(multipart.map_err(not_multipart)?, max).await?;
    let (status, url) = uploaded(state.uploads.upload(&state.db, user.id, file).await?)?;
    Ok((
        status,
        axum::Json(UploadBody {
            upload: Upload { url },
        }),
    )
        .into_response())
}

/// What an upload's outcome says to the uploader, on every interface: 201 with the URL of a
/// new image, 200 with the URL of one they had stored already.
pub fn uploaded(outcome: Uploading) -> ApiResult<(StatusCode, String)> {
    match outcome {
        Uploading::Stored { url } => Ok((StatusCode::CREATED, url)),
        Uploading::AlreadyThere { url } => Ok((StatusCode::OK, url)),
        Uploading::TooLarge { max } => Err(too_large(max)),
        Uploading::Refused(refusal) => Err(refused(refusal)),
        Uploading::OverQuota { quota, used } => Err(over_quota(quota, used)),
    }
}

/// The `file` field's bytes. A file past `max` bytes is a 413; the rest of the body is still
/// read (up to the multipart overhead, past which it is a 413 at once), so that the client,
/// still sending, sees the answer rather than a reset connection.
async fn read_file(mut multipart: Multipart, max: u64) -> ApiResult<Vec<u8>> {
    let mut file = None;
    let mut total = 0u64;
    let mut over = false;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let wanted = file.is_none() && !over && field.name() == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            total += chunk.len() as u64;
            if total > max + MULTIPART_OVERHEAD {
                return Err(too_large(max));
            }
            if wanted && !over {
                over = (bytes.len() + chunk.len()) as u64 > max;
                bytes.extend_from_slice(&chunk);
            }
        }
        if wanted {
            file = Some(bytes);
        }
    }
    if over {
        return Err(too_large(max));
    }
    file.ok_or_else(|| {
        ApiError::invalid(
            "file",
            "is missing: send the image as the multipart field `file`",
        )
    })
}

pub fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file",
        format!("is too large (the limit is {})", human_bytes(max)),
    )
}

fn over_quota(quota: i64, used: i64) -> ApiError {
    ApiError::invalid(
        "file",
        format!(
            "would pass your upload quota of {}: {} left",
            human_bytes(quota as u64),
            human_bytes(quota.saturating_sub(used).max(0) as u64)
        ),
    )
}

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Unsupported => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file",
            "is not a PNG, JPEG, WebP or GIF image",
        ),
        Refusal::TooManyPixels { width, height, max } => ApiError::invalid(
            "file",
            format!("has too many pixels ({width}×{height}; the limit is {max} in all frames)"),
        ),
        Refusal::Corrupt(reason) => {
            ApiError::invalid("file", format!("is not a valid image: {reason}"))
        }
    }
}

fn not_multipart(rejection: MultipartRejection) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "body",
        format!(
            "must be multipart/form-data with the image in a `file` field ({})",
            rejection.body_text()
        ),
    )
}

fn malformed(e: MultipartError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "body",
        format!("is not valid multipart/form-data: {}", e.body_text()),
    )
}

/// `5 MiB`, `512 KiB`, `100 bytes`.
fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / f64::from(1 << 10)),
        n => format!("{n} bytes"),
    }
}

/// An uploaded image, as named by its URL. Cached for good (its name changes whenever its bytes
/// would), served with its real type and `X-Content-Type-Options: nosniff`.
#[utoipa::path(get, path = "/uploads/{file}", tag = "uploads",
    params(("file" = String, Path, description = "`<sha256>.<ext>`, as in an upload's URL")),
    responses(
        (status = 200, description = "the image", content(("image/png"), ("image/jpeg"), ("image/webp"), ("image/gif"))),
        (status = 304, description = "the client's copy (`If-None-Match`) is current"),
        (status = 400, description = "the path is not valid UTF-8", body = ErrorBody),
        (status = 404, description = "no such upload", body = ErrorBody),
    ))]
async fn serve_upload(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let not_found = || ApiError::not_found("upload");
    let (hash, format) = file
        .split_once('.')
        .and_then(|(hash, ext)| Some((hash, Format::from_ext(ext)?)))
        .filter(|(hash, _)| {
            hash.len() == 64 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
        .ok_or_else(not_found)?;
    let etag = format!("\"{hash}\"");
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let found = if cached {
        None
    } else {
        Some(state.uploads.image(&file).await?.ok_or_else(not_found)?)
    };
    let mut response = match found {
        None => StatusCode::NOT_MODIFIED.into_response(),
        Some(object) => {
            let size = object.meta.size;
            let mut response = Body::from_stream(object.into_stream()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}
