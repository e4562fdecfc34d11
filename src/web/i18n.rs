//! The two languages the pages speak. Every message is a field of [`Messages`], so a language
//! that lacks one does not compile.

use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};

/// The cookie that keeps a reader's choice of language; it outranks `Accept-Language`.
pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The BCP 47 tag, as `<html lang>` and `Content-Language` carry it.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|lang| lang.code() == code)
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::En => &EN,
            Lang::Ko => &KO,
        }
    }

    /// The reader's choice if they made one, else the first language of `Accept-Language`
    /// (by weight) that the pages speak, else English.
    pub fn negotiate(headers: &HeaderMap) -> Self {
        chosen(headers)
            .or_else(|| accepted(headers))
            .unwrap_or(Lang::En)
    }

    /// A date as this language writes it: "Dec 7, 2026", "2026년 12월 7일".
    pub fn date(self, timestamp: &str) -> String {
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(timestamp) else {
            return String::new();
        };
        match self {
            Lang::En => at.format("%b %-d, %Y").to_string(),
            Lang::Ko => at.format("%Y년 %-m월 %-d일").to_string(),
        }
    }
}

fn chosen(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == LANG_COOKIE)
        .and_then(|(_, code)| Lang::parse(code))
}

fn accepted(headers: &HeaderMap) -> Option<Lang> {
    let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(Lang, f32)> = None;
    for range in header.split(',') {
        let mut parts = range.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        if let Some(lang) = Lang::parse(primary)
            && weight > 0.0
            && best.is_none_or(|(_, w)| weight > w)
        {
            best = Some((lang, weight));
        }
    }
    best.map(|(lang, _)| lang)
}

/// Everything the pages say, in one language.
pub struct Messages {
    pub skip_to_content: &'static str,
    pub home: &'static str,
    pub newest: &'static str,
    pub popular_tags: &'static str,
    pub no_stories: &'static str,
    pub older_stories: &'static str,
    pub stories: &'static str,
    pub stories_count: &'static str,
    pub favorited: &'static str,
    pub tagged_stories: &'static str,
    pub min_read: &'static str,
    pub by: &'static str,
    pub tags: &'static str,
    pub claps: &'static str,
    pub favorites: &'static str,
    pub comments: &'static str,
    pub comments_count: &'static str,
    pub no_comments: &'static str,
    pub deleted_comment: &'static str,
    pub share: &'static str,
    pub language: &'static str,
    pub feeds: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub error_title: &'static str,
    pub error_text: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable_text: &'static str,
    pub back_home: &'static str,
    pub sign_in: &'static str,
    pub sign_up: &'static str,
    pub sign_out: &'static str,
    pub sign_out_everywhere: &'static str,
    pub username: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub new_here: &'static str,
    pub have_account: &'static str,
    pub sign_in_failed: &'static str,
    pub too_many_attempts: &'static str,
    pub account_suspended: &'static str,
    pub form_errors: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_text: &'static str,
    pub write: &'static str,
    pub settings: &'static str,
    pub bookmarks: &'static str,
    pub drafts: &'static str,
    pub admin: &'static str,
    pub account: &'static str,
    pub clap: &'static str,
    pub favorite: &'static str,
    pub unfavorite: &'static str,
    pub bookmark: &'static str,
    pub remove_bookmark: &'static str,
    pub follow: &'static str,
    pub unfollow: &'static str,
    pub block: &'static str,
    pub unblock: &'static str,
    pub comment: &'static str,
    pub reply: &'static str,
    pub delete: &'static str,
    pub report: &'static str,
    pub report_reason: &'static str,
    pub write_comment: &'static str,
    pub reply_to: &'static str,
    pub sign_in_to_take_part: &'static str,
    pub your_claps: &'static str,
    pub reported: &'static str,
    pub new_story: &'static str,
    pub edit_story: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub description_hint: &'static str,
    pub body: &'static str,
    pub body_hint: &'static str,
    pub tag_list: &'static str,
    pub tag_list_hint: &'static str,
    pub status: &'static str,
    pub status_draft: &'static str,
    pub status_unlisted: &'static str,
    pub status_published: &'static str,
    pub image: &'static str,
    pub image_hint: &'static str,
    pub upload: &'static str,
    pub preview: &'static str,
    pub publish: &'static str,
    pub save_draft: &'static str,
    pub update: &'static str,
    pub delete_story: &'static str,
    pub draft_restored: &'static str,
    pub edit: &'static str,
    pub profile: &'static str,
    pub bio: &'static str,
    pub avatar_url: &'static str,
    pub avatar_hint: &'static str,
    pub avatar_file: &'static str,
    pub update_profile: &'static str,
    pub new_password: &'static str,
    pub new_password_hint: &'static str,
    pub current_password: &'static str,
    pub current_password_hint: &'static str,
    pub update_account: &'static str,
    pub sessions: &'static str,
    pub sessions_text: &'static str,
    pub delete_account: &'static str,
    pub delete_account_text: &'static str,
    pub confirm_username: &'static str,
    pub saved: &'static str,
    pub open_reports: &'static str,
    pub no_reports: &'static str,
    pub older_reports: &'static str,
    pub reported_story: &'static str,
    pub reported_comment: &'static str,
    pub author: &'static str,
    pub reported_by: &'static str,
    pub reason: &'static str,
    pub date: &'static str,
    pub open_content: &'static str,
    pub content_removed: &'static str,
    pub audit_note: &'static str,
    pub resolve: &'static str,
    pub dismiss: &'static str,
    pub remove_story: &'static str,
    pub remove_comment: &'static str,
    pub suspend: &'static str,
    pub reinstate: &'static str,
    pub audit_log: &'static str,
    pub no_audit: &'static str,
    pub older_entries: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub target: &'static str,
    pub command_line: &'static str,
    pub audit_resolved: &'static str,
    pub audit_dismissed: &'static str,
    pub audit_removed_story: &'static str,
    pub audit_removed_comment: &'static str,
    pub audit_suspended: &'static str,
    pub audit_reinstated: &'static str,
    pub audit_granted: &'static str,
    pub audit_revoked: &'static str,
    pub role: &'static str,
    pub role_user: &'static str,
    pub standing: &'static str,
    pub in_good_standing: &'static str,
    pub suspended_since: &'static str,
    pub find_account: &'static str,
    pub show_account: &'static str,
    pub search: &'static str,
    pub search_label: &'static str,
    pub no_results: &'static str,
    pub following: &'static str,
    pub no_bookmarks: &'static str,
    pub no_drafts: &'static str,
    pub notifications: &'static str,
    pub no_notifications: &'static str,
    pub unread: &'static str,
    pub new_notice: &'static str,
    pub mark_all_read: &'static str,
    pub older_notifications: &'static str,
    pub notice_follow: &'static str,
    pub notice_comment: &'static str,
    pub notice_reply: &'static str,
    pub notice_article: &'static str,
    pub notice_favorite: &'static str,
    pub notice_favorite_many: &'static str,
    pub notice_clap: &'static str,
    pub notice_clap_many: &'static str,
    pub audit_entries: &'static str,
}

static EN: Messages = Messages {
    skip_to_content: "Skip to content",
    home: "Home",
    newest: "Newest stories",
    popular_tags: "Popular tags",
    no_stories: "No stories yet.",
    older_stories: "Older stories",
    stories: "Stories",
    stories_count: "stories",
    favorited: "Favorites",
    tagged_stories: "stories with this tag",
    min_read: "min read",
    by: "by",
    tags: "Tags",
    claps: "claps",
    favorites: "favorites",
    comments: "Comments",
    comments_count: "comments",
    no_comments: "No comments yet.",
    deleted_comment: "This comment was deleted.",
    share: "Link to this story",
    language: "Language",
    feeds: "Feeds",
    not_found_title: "Page not found",
    not_found_text: "There is nothing here. The story may have been moved or deleted.",
    error_title: "Something went wrong",
    error_text: "The page could not be shown. Please try again in a moment.",
    unavailable_title: "Temporarily unavailable",
    unavailable_text: "The site is busy or being maintained. Please try again shortly.",
    back_home: "Back to the home page",
    sign_in: "Sign in",
    sign_up: "Sign up",
    sign_out: "Sign out",
    sign_out_everywhere: "Sign out everywhere",
    username: "Username",
    email: "Email",
    password: "Password",
    password_hint: "At least 8 characters.",
    new_here: "New here?",
    have_account: "Already have an account?",
    sign_in_failed: "That email and password do not match an account.",
    too_many_attempts: "Too many attempts. Please wait a few minutes and try again.",
    account_suspended: "This account is suspended.",
    form_errors: "Please correct the following:",
    forbidden_title: "Not allowed",
    forbidden_text: "This action was refused. If you sent a form, reload its page and try again.",
    write: "Write",
    settings: "Settings",
    bookmarks: "Bookmarks",
    drafts: "Drafts",
    admin: "Admin",
    account: "Account",
    clap: "Clap",
    favorite: "Favorite",
    unfavorite: "Unfavorite",
    bookmark: "Bookmark",
    remove_bookmark: "Remove bookmark",
    follow: "Follow",
    unfollow: "Unfollow",
    block: "Block",
    unblock: "Unblock",
    comment: "Comment",
    reply: "Reply",
    delete: "Delete",
    report: "Report",
    report_reason: "Why should the admins look at this?",
    write_comment: "Write a comment",
    reply_to: "Your reply",
    sign_in_to_take_part: "Sign in to clap, comment and save stories.",
    your_claps: "your claps",
    reported: "Thank you. The admins will look at your report.",
    new_story: "New story",
    edit_story: "Edit story",
    title: "Title",
    description: "Description",
    description_hint: "One line under the title, shown in lists.",
    body: "Story",
    body_hint: "Markdown: **bold**, *italic*, # headings, [links](https://…), ![images](https://…).",
    tag_list: "Tags",
    tag_list_hint: "Separated by commas.",
    status: "Visibility",
    status_draft: "Draft: only you",
    status_unlisted: "Unlisted: anyone with the link",
    status_published: "Published: everyone",
    image: "Image",
    image_hint: "PNG, JPEG, WebP or GIF. Its Markdown is added to the end of the story.",
    upload: "Upload image",
    preview: "Preview",
    publish: "Publish",
    save_draft: "Save draft",
    update: "Update",
    delete_story: "Delete story",
    draft_restored: "Unsaved changes from this browser were restored.",
    edit: "Edit",
    profile: "Profile",
    bio: "Bio",
    avatar_url: "Picture address",
    avatar_hint: "An https address, or choose a file to upload instead.",
    avatar_file: "Upload a picture",
    update_profile: "Update profile",
    new_password: "New password",
    new_password_hint: "Leave empty to keep your password. At least 8 characters.",
    current_password: "Current password",
    current_password_hint: "Needed to change the email or password more than five minutes after signing in.",
    update_account: "Update account",
    sessions: "Sessions",
    sessions_text: "Sign out here, or on every device and app where you are signed in.",
    delete_account: "Delete account",
    delete_account_text: "This deletes your account with your stories, comments, claps and bookmarks. It cannot be undone.",
    confirm_username: "Type your username to confirm",
    saved: "Saved.",
    open_reports: "Open reports",
    no_reports: "No open reports.",
    older_reports: "Older reports",
    reported_story: "Reported story",
    reported_comment: "Reported comment",
    author: "Author",
    reported_by: "Reported by",
    reason: "Reason",
    date: "Date",
    open_content: "Open what was reported",
    content_removed: "Removed since it was reported.",
    audit_note: "Note for the audit log (optional)",
    resolve: "Resolve",
    dismiss: "Dismiss",
    remove_story: "Remove story",
    remove_comment: "Remove comment",
    suspend: "Suspend",
    reinstate: "Reinstate",
    audit_log: "Audit log",
    no_audit: "No admin has acted yet.",
    older_entries: "Older entries",
    actor: "Who",
    action: "Action",
    target: "On",
    command_line: "Command line",
    audit_resolved: "Resolved a report",
    audit_dismissed: "Dismissed a report",
    audit_removed_story: "Removed a story",
    audit_removed_comment: "Removed a comment",
    audit_suspended: "Suspended an account",
    audit_reinstated: "Reinstated an account",
    audit_granted: "Granted the admin role",
    audit_revoked: "Revoked the admin role",
    role: "Role",
    role_user: "Reader",
    standing: "Standing",
    in_good_standing: "Active",
    suspended_since: "Suspended since",
    find_account: "Find an account by username",
    show_account: "Show account",
    search: "Search",
    search_label: "Search stories",
    no_results: "No stories match.",
    following: "Following",
    no_bookmarks: "Stories you bookmark are kept here.",
    no_drafts: "Stories you save as drafts wait here.",
    notifications: "Notifications",
    no_notifications: "Nothing new yet. New followers, comments, replies, claps and favorites show up here.",
    unread: "unread",
    new_notice: "New",
    mark_all_read: "Mark all read",
    older_notifications: "Older notifications",
    notice_follow: "{actor} started following you.",
    notice_comment: "{actor} commented on {article}.",
    notice_reply: "{actor} replied to your comment on {article}.",
    notice_article: "{actor} published {article}.",
    notice_favorite: "{actor} favorited {article}.",
    notice_favorite_many: "{actor} and {others} others favorited {article}.",
    notice_clap: "{actor} clapped for {article}.",
    notice_clap_many: "{actor} and {others} others clapped for {article}.",
    audit_entries: "Audit log entries",
};

static KO: Messages = Messages {
    skip_to_content: "본문으로 건너뛰기",
    home: "홈",
    newest: "최신 글",
    popular_tags: "인기 태그",
    no_stories: "아직 글이 없습니다.",
    older_stories: "이전 글",
    stories: "글",
    stories_count: "편의 글",
    favorited: "좋아요한 글",
    tagged_stories: "이 태그가 달린 글",
    min_read: "분 분량",
    by: "글쓴이",
    tags: "태그",
    claps: "박수",
    favorites: "좋아요",
    comments: "댓글",
    comments_count: "댓글",
    no_comments: "아직 댓글이 없습니다.",
    deleted_comment: "삭제된 댓글입니다.",
    share: "이 글의 링크",
    language: "언어",
    feeds: "피드",
    not_found_title: "페이지를 찾을 수 없습니다",
    not_found_text: "여기에는 아무것도 없습니다. 글이 옮겨졌거나 삭제되었을 수 있습니다.",
    error_title: "문제가 발생했습니다",
    error_text: "페이지를 표시할 수 없습니다. 잠시 후 다시 시도해 주세요.",
    unavailable_title: "일시적으로 사용할 수 없습니다",
    unavailable_text: "사이트가 바쁘거나 점검 중입니다. 잠시 후 다시 시도해 주세요.",
    back_home: "홈으로 돌아가기",
    sign_in: "로그인",
    sign_up: "회원가입",
    sign_out: "로그아웃",
    sign_out_everywhere: "모든 기기에서 로그아웃",
    username: "사용자 이름",
    email: "이메일",
    password: "비밀번호",
    password_hint: "8자 이상이어야 합니다.",
    new_here: "처음이신가요?",
    have_account: "이미 계정이 있으신가요?",
    sign_in_failed: "이메일 또는 비밀번호가 올바르지 않습니다.",
    too_many_attempts: "시도 횟수가 너무 많습니다. 몇 분 후에 다시 시도해 주세요.",
    account_suspended: "이 계정은 정지되었습니다.",
    form_errors: "다음 내용을 확인해 주세요:",
    forbidden_title: "허용되지 않음",
    forbidden_text: "요청이 거부되었습니다. 양식을 보낸 경우 페이지를 새로 고친 후 다시 시도해 주세요.",
    write: "글쓰기",
    settings: "설정",
    bookmarks: "북마크",
    drafts: "임시 글",
    admin: "관리",
    account: "계정",
    clap: "박수",
    favorite: "좋아요",
    unfavorite: "좋아요 취소",
    bookmark: "북마크",
    remove_bookmark: "북마크 해제",
    follow: "팔로우",
    unfollow: "언팔로우",
    block: "차단",
    unblock: "차단 해제",
    comment: "댓글 달기",
    reply: "답글",
    delete: "삭제",
    report: "신고",
    report_reason: "관리자가 확인해야 하는 이유를 적어 주세요.",
    write_comment: "댓글 쓰기",
    reply_to: "답글 내용",
    sign_in_to_take_part: "로그인하면 박수를 보내고, 댓글을 달고, 글을 저장할 수 있습니다.",
    your_claps: "내 박수",
    reported: "신고해 주셔서 감사합니다. 관리자가 검토할 예정입니다.",
    new_story: "새 글",
    edit_story: "글 수정",
    title: "제목",
    description: "설명",
    description_hint: "목록에 제목과 함께 표시되는 한 줄 설명입니다.",
    body: "본문",
    body_hint: "마크다운: **굵게**, *기울임*, # 제목, [링크](https://…), ![이미지](https://…).",
    tag_list: "태그",
    tag_list_hint: "쉼표로 구분합니다.",
    status: "공개 범위",
    status_draft: "임시 글: 나만 보기",
    status_unlisted: "일부 공개: 링크가 있는 사람",
    status_published: "공개: 모든 사람",
    image: "이미지",
    image_hint: "PNG, JPEG, WebP 또는 GIF. 이미지의 마크다운이 본문 끝에 추가됩니다.",
    upload: "이미지 올리기",
    preview: "미리 보기",
    publish: "발행",
    save_draft: "임시 저장",
    update: "수정",
    delete_story: "글 삭제",
    draft_restored: "이 브라우저에 남아 있던 저장하지 않은 내용을 되살렸습니다.",
    edit: "수정",
    profile: "프로필",
    bio: "소개",
    avatar_url: "사진 주소",
    avatar_hint: "https 주소를 입력하거나, 대신 올릴 파일을 선택하세요.",
    avatar_file: "사진 올리기",
    update_profile: "프로필 수정",
    new_password: "새 비밀번호",
    new_password_hint: "비워 두면 비밀번호가 바뀌지 않습니다. 8자 이상이어야 합니다.",
    current_password: "현재 비밀번호",
    current_password_hint: "로그인한 지 5분이 지난 뒤 이메일이나 비밀번호를 바꾸려면 필요합니다.",
    update_account: "계정 수정",
    sessions: "세션",
    sessions_text: "이 기기에서 로그아웃하거나, 로그인한 모든 기기와 앱에서 로그아웃합니다.",
    delete_account: "계정 삭제",
    delete_account_text: "계정과 함께 글, 댓글, 박수, 북마크가 모두 삭제됩니다. 되돌릴 수 없습니다.",
    confirm_username: "확인을 위해 사용자 이름을 입력하세요",
    saved: "저장했습니다.",
    open_reports: "열린 신고",
    no_reports: "열린 신고가 없습니다.",
    older_reports: "이전 신고",
    reported_story: "신고된 글",
    reported_comment: "신고된 댓글",
    author: "작성자",
    reported_by: "신고자",
    reason: "사유",
    date: "날짜",
    open_content: "신고된 내용 보기",
    content_removed: "신고 후 삭제되었습니다.",
    audit_note: "감사 로그 메모 (선택)",
    resolve: "처리 완료",
    dismiss: "기각",
    remove_story: "글 삭제",
    remove_comment: "댓글 삭제",
    suspend: "정지",
    reinstate: "정지 해제",
    audit_log: "감사 로그",
    no_audit: "아직 관리 기록이 없습니다.",
    older_entries: "이전 기록",
    actor: "처리자",
    action: "작업",
    target: "대상",
    command_line: "명령줄",
    audit_resolved: "신고 처리 완료",
    audit_dismissed: "신고 기각",
    audit_removed_story: "글 삭제",
    audit_removed_comment: "댓글 삭제",
    audit_suspended: "계정 정지",
    audit_reinstated: "계정 정지 해제",
    audit_granted: "관리자 권한 부여",
    audit_revoked: "관리자 권한 회수",
    role: "역할",
    role_user: "일반 사용자",
    standing: "상태",
    in_good_standing: "활성",
    suspended_since: "정지일",
    find_account: "사용자 이름으로 계정 찾기",
    show_account: "계정 보기",
    search: "검색",
    search_label: "글 검색",
    no_results: "일치하는 글이 없습니다.",
    following: "팔로잉",
    no_bookmarks: "북마크한 글이 여기에 모입니다.",
    no_drafts: "임시 저장한 글이 여기에서 기다립니다.",
    notifications: "알림",
    no_notifications: "아직 새 소식이 없습니다. 새 팔로워, 댓글, 답글, 박수와 좋아요가 여기에 표시됩니다.",
    unread: "읽지 않음",
    new_notice: "새 알림",
    mark_all_read: "모두 읽음으로 표시",
    older_notifications: "이전 알림",
    notice_follow: "{actor}님이 회원님을 팔로우하기 시작했습니다.",
    notice_comment: "{actor}님이 {article}에 댓글을 남겼습니다.",
    notice_reply: "{actor}님이 {article}에서 회원님의 댓글에 답글을 남겼습니다.",
    notice_article: "{actor}님이 새 글 {article}을(를) 발행했습니다.",
    notice_favorite: "{actor}님이 {article}을(를) 좋아합니다.",
    notice_favorite_many: "{actor}님 외 {others}명이 {article}을(를) 좋아합니다.",
    notice_clap: "{actor}님이 {article}에 박수를 보냈습니다.",
    notice_clap_many: "{actor}님 외 {others}명이 {article}에 박수를 보냈습니다.",
    audit_entries: "감사 로그 항목",
};

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(axum::http::HeaderName, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn accept_language_is_read_by_weight_and_english_is_the_default() {
        let lang = |value: &str| Lang::negotiate(&headers(&[(ACCEPT_LANGUAGE, value)]));
        assert_eq!(lang("ko-KR,ko;q=0.9,en-US;q=0.8"), Lang::Ko);
        assert_eq!(lang("en-US,en;q=0.9,ko;q=0.8"), Lang::En);
        assert_eq!(lang("fr-FR, ko;q=0.5, en;q=0.7"), Lang::En);
        assert_eq!(lang("ja, ko;q=0"), Lang::En);
        assert_eq!(lang("de"), Lang::En);
        assert_eq!(Lang::negotiate(&HeaderMap::new()), Lang::En);
    }

    #[test]
    fn the_readers_choice_outranks_accept_language() {
        let both = headers(&[(ACCEPT_LANGUAGE, "en"), (COOKIE, "theme=x; lang=ko")]);
        assert_eq!(Lang::negotiate(&both), Lang::Ko);
        let unknown = headers(&[(ACCEPT_LANGUAGE, "ko"), (COOKIE, "lang=xx")]);
        assert_eq!(Lang::negotiate(&unknown), Lang::Ko);
    }

    #[test]
    fn dates_are_written_in_each_language() {
        assert_eq!(Lang::En.date("2026-12-07T04:06:24.123Z"), "Dec 7, 2026");
        assert_eq!(Lang::Ko.date("2026-12-07T04:06:24.123Z"), "2026년 12월 7일");
    }
}
