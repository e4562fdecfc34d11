//! `/editor` and `/editor/{slug}`: writing a story in Markdown in a plain textarea, previewing
//! it with the renderer and sanitizer that make its stored HTML, adding images, and saving it
//! as a draft, unlisted or published, through the operations the JSON API calls.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::PagePath;
use super::assets;
use super::forms::{NoFields, Posted, PostedWithFile};
use super::refusals;
use super::session::{Viewer, to_sign_in};
use super::{Chrome, Lang, error_page};
use crate::domain::markdown::{render_article, render_blocking};
use crate::domain::views::Article;
use crate::http::AppState;
use crate::http::articles::{ArticleUpdate, NewArticleInput, change_article, owned, write_article};
use crate::http::error::{ApiError, ApiResult};
use crate::http::uploads::uploaded;

#[derive(Template)]
#[template(path = "editor.html")]
struct EditorPage {
    chrome: Chrome,
    csrf: String,
    /// The story being edited; `None` for a new one.
    slug: Option<String>,
    action: String,
    title: String,
    description: String,
    body: String,
    /// The tags as the writer types them: separated by commas.
    tags: String,
    status: String,
    errors: Vec<String>,
    /// The body as readers would see it, when the writer asked for a preview.
    preview: Option<String>,
    /// Where the browser keeps the writer's unsaved typing, and the version it was typed on.
    draft_key: String,
    saved_at: String,
    script_url: &'static str,
}

/// What the form holds: the story as the writer has it now.
struct Draft {
    title: String,
    description: String,
    body: String,
    tags: String,
    status: String,
    saved_at: String,
}

impl Draft {
    fn of(article: &Article) -> Self {
        Draft {
            title: article.title.clone(),
            description: article.description.clone(),
            body: article.body.clone().unwrap_or_default(),
            tags: super::views::tag_names(article).join(", "),
            status: article.status.as_str().to_string(),
            saved_at: article.updated_at.clone(),
        }
    }

    fn from_form(form: &mut PostedWithFile, saved_at: String) -> Self {
        Draft {
            title: form.field("title").unwrap_or_default(),
            description: form.field("description").unwrap_or_default(),
            body: form.field("body").unwrap_or_default(),
            tags: form.field("tagList").unwrap_or_default(),
            status: form.field("status").unwrap_or_default(),
            saved_at,
        }
    }

    /// `tagList` as one text field: names separated by commas.
    fn tag_list(&self) -> Vec<String> {
        self.tags
            .split(',')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// What the writer asked for with the button they pressed.
#[derive(PartialEq, Eq)]
enum Intent {
    Publish,
    SaveDraft,
    Update,
    Preview,
    Upload,
}

impl Intent {
    fn parse(raw: Option<&str>, editing: bool) -> Self {
        match raw {
            Some("publish") => Intent::Publish,
            Some("draft") => Intent::SaveDraft,
            Some("preview") => Intent::Preview,
            Some("upload") => Intent::Upload,
            Some("update") => Intent::Update,
            // Enter in a text field submits with no button: the form's main action.
            _ if editing => Intent::Update,
            _ => Intent::SaveDraft,
        }
    }

    /// The status to store: publishing keeps "unlisted" if the writer chose it.
    fn status(&self, chosen: &str) -> String {
        match self {
            Intent::Publish if chosen == "unlisted" => "unlisted".into(),
            Intent::Publish => "published".into(),
            Intent::SaveDraft => "draft".into(),
            _ => chosen.to_string(),
        }
    }
}

struct Shown<'a> {
    slug: Option<&'a str>,
    draft: Draft,
    errors: Vec<String>,
    preview: Option<String>,
}

fn render(
    state: &AppState,
    lang: Lang,
    viewer: &Viewer,
    status: StatusCode,
    shown: Shown,
) -> Response {
    let t = lang.messages();
    let (path, title) = match shown.slug {
        Some(slug) => (format!("/editor/{slug}"), t.edit_story),
        None => ("/editor".to_string(), t.new_story),
    };
    let mut chrome = Chrome::new(state, lang, Some(viewer), &path, title.to_string());
    chrome.noindex = true;
    let draft = shown.draft;
    let page = EditorPage {
        chrome,
        csrf: viewer.csrf.clone(),
        slug: shown.slug.map(str::to_string),
        draft_key: shown.slug.unwrap_or("new").to_string(),
        action: path,
        title: draft.title,
        description: draft.description,
        body: draft.body,
        tags: draft.tags,
        status: draft.status,
        saved_at: draft.saved_at,
        errors: shown.errors,
        preview: shown.preview,
        script_url: &assets::EDITOR.url,
    };
    super::render(state, lang, status, page)
}

/// `GET /editor`: a new story.
pub async fn new_story(State(state): State<AppState>, lang: Lang, viewer: Viewer) -> Response {
    let draft = Draft {
        title: String::new(),
        description: String::new(),
        body: String::new(),
        tags: String::new(),
        status: "draft".into(),
        saved_at: String::new(),
    };
    let shown = Shown {
        slug: None,
        draft,
        errors: Vec::new(),
        preview: None,
    };
    render(&state, lang, &viewer, StatusCode::OK, shown)
}

/// The writer's own story `slug`; anyone else's is not there for them.
async fn own_story(state: &AppState, viewer: &Viewer, slug: &str) -> ApiResult<Article> {
    state
        .db
        .article(slug, Some(viewer.user.id))
        .await?
        .filter(|article| article.author.username == viewer.username)
        .ok_or_else(|| ApiError::not_found("article"))
}

/// `GET /editor/{slug}`: the writer's story, to change.
pub async fn edit_story(
    State(state): State<AppState>,
    lang: Lang,
    viewer: Viewer,
    PagePath(slug): PagePath<String>,
) -> Response {
    match own_story(&state, &viewer, &slug).await {
        Ok(article) => {
            let shown = Shown {
                slug: Some(&article.slug),
                draft: Draft::of(&article),
                errors: Vec::new(),
                preview: None,
            };
            render(&state, lang, &viewer, StatusCode::OK, shown)
        }
        Err(e) => error_page(&state, lang, e),
    }
}

/// `POST /editor`: a new story saved, previewed, or given an image.
pub async fn save_new(State(state): State<AppState>, lang: Lang, form: PostedWithFile) -> Response {
    save(&state, lang, None, form).await
}

/// `POST /editor/{slug}`: the writer's story changed, previewed, or given an image.
pub async fn save_story(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    form: PostedWithFile,
) -> Response {
    save(&state, lang, Some(&slug), form).await
}

async fn save(
    state: &AppState,
    lang: Lang,
    slug: Option<&str>,
    mut form: PostedWithFile,
) -> Response {
    let Some(viewer) = form.viewer.take() else {
        return to_sign_in(
            slug.map_or("/editor".to_string(), |s| format!("/editor/{s}"))
                .as_str(),
        );
    };
    let intent = Intent::parse(form.field("intent").as_deref(), slug.is_some());
    let saved_at = form.field("savedAt").unwrap_or_default();
    let mut draft = Draft::from_form(&mut form, saved_at);
    let again = |draft: Draft, status, errors, preview| {
        let shown = Shown {
            slug,
            draft,
            errors,
            preview,
        };
        render(state, lang, &viewer, status, shown)
    };
    if let Some(file) = form.file.take() {
        let stored = async {
            uploaded(
                state
                    .uploads
                    .upload(&state.db, viewer.user.id, file.to_vec())
                    .await?,
            )
        };
        match stored.await {
            Ok((_, url)) => {
                if !draft.body.is_empty() && !draft.body.ends_with('\n') {
                    draft.body.push('\n');
                }
                draft.body.push_str(&format!("![]({url})\n"));
            }
            Err(e) if correctable(e.status()) => {
                return again(draft, e.status(), refusals::lines(&e, lang), None);
            }
            Err(e) => return error_page(state, lang, e),
        }
    }
    match intent {
        Intent::Upload => return again(draft, StatusCode::OK, Vec::new(), None),
        Intent::Preview => {
            let (_, rendered) = render_blocking(draft.body.clone(), render_article).await;
            return match rendered {
                Ok(rendered) => again(draft, StatusCode::OK, Vec::new(), Some(rendered.html)),
                Err(overgrown) => {
                    let e = ApiError::from(overgrown);
                    again(draft, e.status(), refusals::lines(&e, lang), None)
                }
            };
        }
        Intent::Publish | Intent::SaveDraft | Intent::Update => {}
    }
    let status = intent.status(&draft.status);
    let stored = match slug {
        None => {
            let input = NewArticleInput {
                title: Some(draft.title.clone()),
                description: Some(draft.description.clone()),
                body: Some(draft.body.clone()),
                tag_list: Some(Some(draft.tag_list())),
                status: Some(status),
            };
            write_article(state, &viewer.user, input).await
        }
        Some(slug) => {
            let input = ArticleUpdate {
                title: Some(Some(draft.title.clone())),
                description: Some(Some(draft.description.clone())),
                body: Some(Some(draft.body.clone())),
                tag_list: Some(Some(draft.tag_list())),
                status: Some(status),
            };
            change_article(state, &viewer.user, slug, input).await
        }
    };
    match stored {
        Ok(slug) => Redirect::to(&format!("/article/{slug}")).into_response(),
        Err(e) if correctable(e.status()) => {
            again(draft, e.status(), refusals::lines(&e, lang), None)
        }
        Err(e) => error_page(state, lang, e),
    }
}

/// Whether a refusal is about what the writer typed or chose, so the editor is shown again
/// with their text and what to correct, rather than a page in its place.
fn correctable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY
            | StatusCode::CONFLICT
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
    )
}

/// `POST /editor/{slug}/delete`: the writer's story deleted, with its comments.
pub async fn delete_story(
    State(state): State<AppState>,
    lang: Lang,
    PagePath(slug): PagePath<String>,
    posted: Posted<NoFields>,
) -> Response {
    let Some(viewer) = posted.viewer else {
        return to_sign_in(&format!("/editor/{slug}"));
    };
    let deleted = async { owned(state.db.delete_article(&slug, viewer.user.id).await?) };
    match deleted.await {
        Ok(()) => Redirect::to(&format!("/profile/{}", viewer.username)).into_response(),
        Err(e) => error_page(&state, lang, e),
    }
}
