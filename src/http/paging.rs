//! `limit` and `offset`, shared by every paginated list.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::{FieldErrors, Validator};
use crate::storage::lists::Page;

/// Paging parameters; numbers arrive as text so that a bad one gets a clear 422.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, at least 1; larger values are capped at the list's maximum (100 for articles,
    /// 500 for comments and tags). Default: 20 articles, 100 comments, 50 tags.
    #[param(value_type = Option<i64>, minimum = 1)]
    limit: Option<String>,
    /// How many items to skip; default 0.
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
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
    pub fn page(self, size: PageSize) -> Result<Page, FieldErrors> {
        let mut v = Validator::new();
        let limit = v.field("limit", limit(self.limit.as_deref(), size));
        let offset = v.field(
            "offset",
            match self.offset.as_deref().map(str::trim) {
                None | Some("") => Ok(0),
                Some(raw) => match raw.parse::<i64>() {
                    Ok(n) if n >= 0 => Ok(n),
                    _ => Err("must be a whole number, 0 or more".to_string()),
                },
            },
        );
        v.finish(|| {
            Some(Page {
                limit: limit?,
                offset: offset?,
            })
        })
    }
}

/// A `limit` parameter on its own, for lists without an offset.
pub fn limit(raw: Option<&str>, size: PageSize) -> Result<i64, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(size.default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n.min(size.max)),
            _ => Err(format!("must be a whole number from 1 to {}", size.max)),
        },
    }
}
