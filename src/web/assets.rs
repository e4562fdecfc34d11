//! The pages' own files, built into the binary and served under names that carry a fingerprint
//! of their content, so a browser or CDN may keep each for a year: a new release that changes a
//! file changes its name.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

pub struct Asset {
    /// The name before the fingerprint: `quill` in `quill.1a2b3c4d5e6f.css`.
    stem: &'static str,
    ext: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `/assets/{stem}.{fingerprint}.{ext}`
    pub url: String,
}

impl Asset {
    fn new(
        stem: &'static str,
        ext: &'static str,
        content_type: &'static str,
        bytes: &'static [u8],
    ) -> Self {
        let fingerprint = hex::encode(&Sha256::digest(bytes)[..6]);
        Asset {
            stem,
            ext,
            content_type,
            bytes,
            url: format!("/assets/{stem}.{fingerprint}.{ext}"),
        }
    }
}

pub static STYLE: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "quill",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/quill.css"),
    )
});

pub static ICON: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "favicon",
        "svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    )
});

/// The editor's enhancements: the draft kept in the browser as the writer types, a live
/// preview, and images pasted or dropped into the text.
pub static EDITOR: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "editor",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/editor.js"),
    )
});

/// The story page's enhancements: clapping, favoriting and bookmarking without a reload.
pub static REACTIONS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "reactions",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/reactions.js"),
    )
});

fn all() -> [&'static Asset; 4] {
    [&STYLE, &ICON, &EDITOR, &REACTIONS]
}

/// `GET /assets/{name}`: only the current fingerprint of a file is served; an old one is gone.
pub async fn serve(Path(name): Path<String>) -> Response {
    let wanted = format!("/assets/{name}");
    match all().into_iter().find(|asset| asset.url == wanted) {
        Some(asset) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(asset.content_type),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            asset.bytes,
        )
            .into_response(),
        // A page cached from an earlier release asks for an earlier fingerprint: the current
        // file is what it needs.
        None => match all()
            .into_iter()
            .find(|asset| name.starts_with(asset.stem) && name.ends_with(asset.ext))
        {
            Some(asset) => Redirect::temporary(&asset.url).into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

/// `GET /favicon.ico`, which browsers ask for whatever a page links.
pub async fn favicon() -> Redirect {
    Redirect::permanent(&ICON.url)
}
