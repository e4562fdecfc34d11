//! `limit`, `offset` and `cursor`, shared by every paginated list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::domain::{FieldErrors, Validator};
use crate::storage::comments::OffsetPage;
use crate::storage::lists::{Page, Position};

/// The deepest `offset` accepted: skipping rows costs as much as reading them, so deeper pages
/// are reached with `cursor`, whose cost does not grow with depth.
pub const MAX_OFFSET: i64 = 10_000;

/// Paging parameters; numbers arrive as text so that a bad one gets a clear 422.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, at least 1; larger values are capped at the list's maximum (100 for articles
    /// and notifications, 500 for comments and tags). Default: 20 articles or notifications,
    /// 100 comments, 50 tags.
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
    /// How many items to skip; default 0, at most 10000 (go deeper with `cursor`).
    #[param(value_type = Option<i64>, minimum = 0, maximum = 10000)]
    offset: Option<String>,
    /// Article lists and notifications: the `nextCursor` of the previous page, to get the page
    /// after it. Stable while items are added, and as fast at any depth. Not combined with
    /// `offset`.
    cursor: Option<String>,
}

/// What a cursor holds, before it is made opaque: the sort key and id of the last article of
/// a page, or, for search (ranked, not keyed), the offset of the next page.
#[derive(Serialize, Deserialize)]
struct CursorData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offset: Option<i64>,
}

/// The opaque `nextCursor` for `position`; `None` when that page is deeper than offsets go.
pub fn cursor(position: &Position) -> Option<String> {
    let data = match position {
        Position::After { at, id } => CursorData {
            at: Some(at.clone()),
            id: Some(*id),
            offset: None,
        },
        Position::Offset(offset) if *offset <= MAX_OFFSET => CursorData {
            at: None,
            id: None,
            offset: Some(*offset),
        },
        Position::Offset(_) => return None,
    };
    let json = serde_json::to_vec(&data).expect("a cursor serializes");
    Some(URL_SAFE_NO_PAD.encode(json))
}

fn parse_cursor(raw: &str) -> Result<Position, String> {
    let invalid = || "is invalid: pass the `nextCursor` of the previous page as it is".to_string();
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    match data {
        // A cursor is decoded client input: PostgreSQL refuses text holding NUL outright.
        CursorData {
            at: Some(at),
            id: Some(id),
            offset: None,
        } if !at.contains('\0') => Ok(Position::After { at, id }),
        CursorData {
            at: None,
            id: None,
            offset: Some(offset),
        } if (0..=MAX_OFFSET).contains(&offset) => Ok(Position::Offset(offset)),
        _ => Err(invalid()),
    }
}

/// A list's page size when the client names none, and the most it may ask for.
#[derive(Clone, Copy)]
pub struct PageSize {
    pub default: i64,
    pub max: i64,
}

pub const ARTICLES: PageSize = PageSize {
    default: 20,
    max: 100,
};
pub const COMMENTS: PageSize = PageSize {
    default: 100,
    max: 500,
};

impl PageParams {
    /// A page of an article list: by offset, or after a cursor.
    pub fn page(self, size: PageSize) -> Result<Page, FieldErrors> {
        let mut v = Validator::new();
        let limit = v.field("limit", limit(self.limit.as_deref(), size));
        let offset = v.field("offset", offset(self.offset.as_deref()));
        let cursor = match self.cursor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => v.field("cursor", parse_cursor(raw)),
        };
        if cursor.is_some() && offset.is_some_and(|o| o > 0) {
            v.field::<()>(
                "offset",
                Err("cannot be combined with `cursor`".to_string()),
            );
        }
        v.finish(|| {
            Some(Page {
                limit: limit?,
                from: cursor.unwrap_or(Position::Offset(offset?)),
            })
        })
    }

    /// A page of a list paged by offset only.
    pub fn offset_page(self, size: PageSize) -> Result<OffsetPage, FieldErrors> {
        let mut v = Validator::new();
        let limit = v.field("limit", limit(self.limit.as_deref(), size));
        let offset = v.field("offset", offset(self.offset.as_deref()));
        if self.cursor.is_some() {
            v.field::<()>(
                "cursor",
                Err("is not offered by this list: use `offset`".to_string()),
            );
        }
        v.finish(|| {
            Some(OffsetPage {
                limit: limit?,
                offset: offset?,
            })
        })
    }
}

// `limit` and `offset` are integers: an empty or padded value is as wrong as a word, and is
// refused rather than read as the default.
fn offset(raw: Option<&str>) -> Result<i64, String> {
    match raw {
        None => Ok(0),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (0..=MAX_OFFSET).contains(&n) => Ok(n),
            Ok(n) if n > MAX_OFFSET => Err(format!(
                "must be at most {MAX_OFFSET}: page deeper with `cursor` (each page's `nextCursor`)"
            )),
            _ => Err("must be a whole number, 0 or more".to_string()),
        },
    }
}

/// A `limit` parameter on its own, for lists without an offset.
pub fn limit(raw: Option<&str>, size: PageSize) -> Result<i64, String> {
    match raw {
        None => Ok(size.default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n.min(size.max)),
            _ => Err(format!("must be a whole number from 1 to {}", size.max)),
        },
    }
}
