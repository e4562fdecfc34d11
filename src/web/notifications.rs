//! `/notifications`: the signed-in reader's notifications, grouped as the API groups them (one
//! favorite or clap notice per story and day), newest first, and the form that marks them read.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::forms::Posted;
use super::session::{Viewer, to_sign_in};
use super::{Chrome, Lang, error_page, respond};
use crate::domain::views::{Notification, NotificationKind};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::notifications::NOTIFICATIONS;
use crate::http::paging::{PageParams, cursor};

const HERE: &str = "/notifications";

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    notices: Vec<Notice>,
    unread: i64,
    /// The newest notification shown: marking read stops there, so one that arrived after the
    /// page was drawn stays unread.
    newest: Option<i64>,
    older: Option<String>,
}

/// One notification as a sentence: text with links to who acted and to the story.
struct Notice {
    parts: Vec<Part>,
    unread: bool,
    timestamp: String,
    date: String,
}

enum Part {
    Text(String),
    Link { href: String, text: String },
}

/// `GET /notifications`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Viewer,
    Query(paging): Query<PageParams>,
) -> Response {
    let page = async {
        let t = lang.messages();
        let page = paging.page(NOTIFICATIONS)?;
        let found = state.db.notifications(viewer.user.id, page).await?;
        let older = found.next.as_ref().and_then(cursor).map(|c| {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("cursor", &c)
                .finish();
            format!("{HERE}?{query}")
        });
        let mut chrome = Chrome::new(&state, lang, Some(&viewer), HERE, t.notifications.into());
        chrome.noindex = true;
        Ok::<_, ApiError>(NotificationsPage {
            chrome,
            newest: found.notifications.first().map(|n| n.id),
            notices: found
                .notifications
                .iter()
                .map(|n| notice(lang, n))
                .collect(),
            unread: found.unread,
            older,
        })
    };
    respond(&state, lang, page.await)
}

#[derive(Deserialize)]
pub struct ReadForm {
    up_to: Option<String>,
}

/// `POST /notifications/read`: marks read those the page showed, and every older one.
pub async fn mark_read(
    State(state): State<AppState>,
    lang: Lang,
    posted: Posted<ReadForm>,
) -> Response {
    let Some(viewer) = posted.viewer else {
        return to_sign_in(HERE);
    };
    let done = async {
        let up_to = match posted.fields.up_to.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(
                id.parse()
                    .map_err(|_| ApiError::invalid("up_to", "must be a notification id"))?,
            ),
        };
        state
            .db
            .mark_notifications_read(viewer.user.id, up_to)
            .await?;
        Ok::<_, ApiError>(())
    };
    match done.await {
        Ok(()) => Redirect::to(HERE).into_response(),
        Err(e) => error_page(&state, lang, e),
    }
}

fn notice(lang: Lang, n: &Notification) -> Notice {
    let t = lang.messages();
    let many = n.actors_count > 1;
    let sentence = match n.kind {
        NotificationKind::Follow => t.notice_follow,
        NotificationKind::Comment => t.notice_comment,
        NotificationKind::Reply => t.notice_reply,
        NotificationKind::Article => t.notice_article,
        NotificationKind::Favorite if many => t.notice_favorite_many,
        NotificationKind::Favorite => t.notice_favorite,
        NotificationKind::Clap if many => t.notice_clap_many,
        NotificationKind::Clap => t.notice_clap,
    };
    let actor = Part::Link {
        href: format!("/profile/{}", n.actor.username),
        text: n.actor.username.clone(),
    };
    let article = n.article.as_ref().map(|a| Part::Link {
        href: match &n.comment {
            Some(comment) => format!("/article/{}#comment-{}", a.slug, comment.id),
            None => format!("/article/{}", a.slug),
        },
        text: a.title.clone(),
    });
    Notice {
        parts: fill(sentence, actor, article, n.actors_count - 1),
        unread: !n.read,
        timestamp: n.updated_at.clone(),
        date: lang.date(&n.updated_at),
    }
}

/// The parts of `sentence`, whose `{actor}`, `{article}` and `{others}` are put in as each
/// language orders them.
fn fill(sentence: &str, actor: Part, article: Option<Part>, others: i64) -> Vec<Part> {
    let mut parts = Vec::new();
    let (mut actor, mut article) = (Some(actor), article);
    let mut rest = sentence;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}').map(|e| start + e) else {
            break;
        };
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        match &rest[start + 1..end] {
            "actor" => parts.extend(actor.take()),
            "article" => parts.extend(article.take()),
            "others" => parts.push(Part::Text(others.to_string())),
            other => parts.push(Part::Text(format!("{{{other}}}"))),
        }
        rest = &rest[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Link { href, text } => format!("[{text}]({href})"),
            })
            .collect()
    }

    fn link(text: &str) -> Part {
        Part::Link {
            href: format!("/{text}"),
            text: text.to_string(),
        }
    }

    #[test]
    fn each_language_orders_the_sentence_its_way() {
        let en = Lang::En.messages().notice_clap_many;
        let ko = Lang::Ko.messages().notice_clap_many;
        assert_eq!(
            text(&fill(en, link("mina"), Some(link("Spring")), 2)),
            "[mina](/mina) and 2 others clapped for [Spring](/Spring)."
        );
        assert_eq!(
            text(&fill(ko, link("mina"), Some(link("Spring")), 2)),
            "[mina](/mina)님 외 2명이 [Spring](/Spring)에 박수를 보냈습니다."
        );
        assert_eq!(
            text(&fill(
                Lang::En.messages().notice_follow,
                link("mina"),
                None,
                0
            )),
            "[mina](/mina) started following you."
        );
    }
}
