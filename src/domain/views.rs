//! The resources the API shows, in the spec's JSON shapes; storage fills them in one query each.

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Absent in lists, present for a single article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Stored as a JSON array and passed through without re-encoding.
    #[schema(value_type = Vec<String>)]
    pub tag_list: Box<RawValue>,
    #[schema(example = "2026-11-25T04:06:24.123Z")]
    pub created_at: String,
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    pub id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    pub author: Profile,
}
