//! Moderation: why content was reported or an admin acted, and what admins are shown.

use serde::Serialize;
use utoipa::ToSchema;

use super::{max_chars, required, without_nul};

/// The longest reason a report or an admin action takes.
pub const REASON_MAX: usize = 1000;

/// A report's reason: required, up to [`REASON_MAX`] characters.
pub fn reason(raw: Option<String>) -> Result<String, String> {
    max_chars(required(raw)?.trim().to_string(), REASON_MAX)
}

/// An admin action's note for the audit log: optional, up to [`REASON_MAX`] characters.
pub fn note(raw: Option<String>) -> Result<Option<String>, String> {
    match raw.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => max_chars(without_nul(s)?, REASON_MAX).map(Some),
    }
}

/// What a report is about: an article or a comment on one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    Article,
    Comment,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Comment => "comment",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "article" => Ok(Self::Article),
            "comment" => Ok(Self::Comment),
            other => Err(format!("unknown report kind {other}")),
        }
    }
}

/// How an admin closes a report: the content was dealt with, or there was nothing to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Resolved,
    Dismissed,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Dismissed => "dismissed",
        }
    }
}

/// A report, with a snapshot of what it is about taken when it was filed, so that it still says
/// so after the content is removed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub id: i64,
    pub kind: ReportKind,
    /// The article reported, or the article of the comment reported.
    pub slug: String,
    /// The comment reported, for a comment.
    pub comment_id: Option<i64>,
    /// The content's author, when it was reported.
    pub author: String,
    /// The article's title or the comment's text, when it was reported.
    pub excerpt: String,
    pub reason: String,
    /// Who reported it (their username then).
    pub reporter: String,
    /// `open`, `resolved` or `dismissed`.
    #[schema(example = "open")]
    pub status: String,
    /// Whether the content has been removed (by an admin or its author) since.
    pub removed: bool,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// The admin who closed it.
    pub closed_by: Option<String>,
}

/// An account as moderation sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountStanding {
    pub username: String,
    /// `user` or `admin`.
    #[schema(example = "user")]
    pub role: String,
    /// Since when the account is suspended; `null` when it is not.
    pub suspended_at: Option<String>,
}

/// One admin action.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    /// The admin's username then; `null` for the command line (`quill admin`).
    pub actor: Option<String>,
    /// `report.resolve`, `report.dismiss`, `article.remove`, `comment.remove`, `user.suspend`,
    /// `user.unsuspend`, `role.grant` or `role.revoke`.
    #[schema(example = "user.suspend")]
    pub action: String,
    /// What it acted on: a report's id, an article's slug, `<slug>#<comment id>`, a username.
    pub target: String,
    pub reason: Option<String>,
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_required_trimmed_and_bounded() {
        assert_eq!(reason(Some("  spam ".into())), Ok("spam".into()));
        assert!(reason(Some("   ".into())).is_err());
        assert!(reason(None).is_err());
        assert!(reason(Some("x".repeat(REASON_MAX + 1))).is_err());
        assert!(reason(Some("a\0b".into())).is_err());
    }

    #[test]
    fn notes_are_optional() {
        assert_eq!(note(None), Ok(None));
        assert_eq!(note(Some(" ".into())), Ok(None));
        assert_eq!(
            note(Some(" off topic ".into())),
            Ok(Some("off topic".into()))
        );
        assert!(note(Some("x".repeat(REASON_MAX + 1))).is_err());
    }
}
