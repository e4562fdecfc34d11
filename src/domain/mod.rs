//! Domain values: each type parses raw client input once, so code holding one knows it is valid.

pub mod article;
pub mod feeds;
mod html_growth;
pub mod images;
pub mod markdown;
pub mod moderation;
pub mod search;
pub mod user;
mod validation;
pub mod views;

pub use validation::{FieldErrors, Validator};

/// An RFC 3339 UTC timestamp with millisecond precision, the form both engines store and the API shows.
pub fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Rejects missing and whitespace-only text (the spec's wording for both is "can't be blank"),
/// and text that holds NUL.
fn required(raw: Option<String>) -> Result<String, String> {
    match raw {
        Some(s) if !s.trim().is_empty() => without_nul(s),
        _ => Err(BLANK.to_string()),
    }
}

/// PostgreSQL cannot store or even compare text holding NUL (U+0000), and SQLite can: rejected
/// from every text field, the same on both engines, rather than failing on one of them.
fn without_nul(s: String) -> Result<String, String> {
    if s.contains('\0') {
        Err("can't contain NUL characters".to_string())
    } else {
        Ok(s)
    }
}

fn max_chars(s: String, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        Err(format!("is too long (maximum is {max} characters)"))
    } else {
        Ok(s)
    }
}

const BLANK: &str = "can't be blank";
