//! The reader-facing wording of a refusal's field errors. The API words them once, in English,
//! for clients that read JSON (`{"title": ["can't be blank"]}`); a page shows them as lines in
//! its reader's language. English keeps the API's words (`title can't be blank`); Korean comes
//! from a table of the messages quill writes, matched as patterns so that the numbers in them
//! (`maximum is 256 characters`, `try again in 42 seconds`) carry over. A field or message the
//! table does not know is shown in English: a detail in the wrong language still says what to
//! correct, where a missing one would not.

use super::Lang;
use crate::http::error::ApiError;

/// The lines a page shows for `error`: one per field message, in `lang`.
pub fn lines(error: &ApiError, lang: Lang) -> Vec<String> {
    error
        .field_errors()
        .map(|(field, message)| line(lang, field, message))
        .collect()
}

fn line(lang: Lang, field: &str, message: &str) -> String {
    match lang {
        Lang::En => english(field, message),
        Lang::Ko => korean(field, message).unwrap_or_else(|| english(field, message)),
    }
}

fn english(field: &str, message: &str) -> String {
    format!("{field} {message}")
}

fn korean(field: &str, message: &str) -> Option<String> {
    let name = FIELDS
        .iter()
        .find(|(en, _)| *en == field)
        .map(|(_, ko)| *ko)?;
    KO.iter()
        .filter(|wording| wording.field.is_none_or(|only| only == field))
        .find_map(|wording| {
            let captured = captures(wording.en, message)?;
            Some(fill(wording.ko, name, &captured))
        })
}

/// The Korean name of each field the API names in a refusal.
const FIELDS: &[(&str, &str)] = &[
    ("title", "제목"),
    ("description", "설명"),
    ("body", "본문"),
    ("tagList", "태그"),
    ("status", "공개 범위"),
    ("username", "사용자 이름"),
    ("email", "이메일"),
    ("password", "비밀번호"),
    ("currentPassword", "현재 비밀번호"),
    ("bio", "소개"),
    ("image", "사진 주소"),
    ("file", "파일"),
    ("claps", "박수"),
    ("comment", "댓글"),
    ("parentId", "답글"),
    ("reason", "사유"),
    ("confirm", "확인"),
    ("article", "글"),
    ("profile", "프로필"),
    ("favorite", "좋아요"),
    ("report", "신고"),
    ("account", "계정"),
    ("token", "로그인 정보"),
    ("credentials", "로그인 정보"),
    ("login", "로그인"),
    ("registration", "회원가입"),
    ("admin", "관리자"),
    ("form", "양식"),
    ("path", "주소"),
    ("request", "요청"),
    ("limit", "개수"),
    ("offset", "시작 위치"),
    ("cursor", "페이지 위치"),
    ("up_to", "알림"),
];

/// One message the API writes, and how Korean says it. In `en`, each `{}` stands for a part
/// that varies (a number, a size); in `ko`, each `{}` is that part, in the same order, `{f}` the
/// field's Korean name, and `{을를}`, `{이가}`, `{은는}` the particle that fits the word before.
struct Wording {
    /// The field the message is worded for; `None` for every field.
    field: Option<&'static str>,
    en: &'static str,
    ko: &'static str,
}

const fn any(en: &'static str, ko: &'static str) -> Wording {
    Wording {
        field: None,
        en,
        ko,
    }
}

const fn on(field: &'static str, en: &'static str, ko: &'static str) -> Wording {
    Wording {
        field: Some(field),
        en,
        ko,
    }
}

/// The first wording that matches is used: a field's own comes before the general one.
const KO: &[Wording] = &[
    // What was typed into a form.
    any("can't be blank", "{f}{을를} 입력해 주세요."),
    any(
        "can't contain NUL characters",
        "{f}에 NUL 문자를 넣을 수 없습니다.",
    ),
    any(
        "is too long (maximum is {} characters)",
        "{f}{이가} 너무 깁니다(최대 {}자).",
    ),
    any(
        "is too short (minimum is {} characters)",
        "{f}{이가} 너무 짧습니다(최소 {}자).",
    ),
    any(
        "is too long (maximum is {} tags)",
        "{f}{이가} 너무 많습니다(최대 {}개).",
    ),
    any(
        "has a tag that is too long (maximum is {} characters)",
        "너무 긴 태그가 있습니다(태그 하나에 최대 {}자).",
    ),
    any("can't contain blank tags", "빈 태그는 넣을 수 없습니다."),
    any("has already been taken", "이미 사용 중인 {f}입니다."),
    on(
        "username",
        "is invalid ('.' and '..' cannot name a profile)",
        "'.'이나 '..'은 사용자 이름으로 쓸 수 없습니다.",
    ),
    any(
        "is invalid (use letters, digits, '_', '-' and '.')",
        "{f}{이가} 올바르지 않습니다(글자, 숫자, '_', '-', '.'만 쓸 수 있습니다).",
    ),
    any("is invalid", "{f}{이가} 올바르지 않습니다."),
    on(
        "credentials",
        "invalid",
        "이메일 또는 비밀번호가 올바르지 않습니다.",
    ),
    any(
        "must be an http(s) URL or an uploaded image's /uploads/ path",
        "{f}{은는} http(s) 주소나 업로드한 이미지의 /uploads/ 경로여야 합니다.",
    ),
    any(
        "must be one of draft, published, unlisted",
        "{f}{은는} 임시 글, 일부 공개, 공개 중 하나여야 합니다.",
    ),
    any(
        "renders to more than {} times its length; close the HTML tags it opens",
        "{f}{이가} HTML로 바뀌면 원래 길이의 {}배를 넘습니다. 열어 둔 HTML 태그를 닫아 주세요.",
    ),
    any(
        "must be your username",
        "확인란에 사용자 이름을 정확히 입력해 주세요.",
    ),
    // Claps, comments and the people behind them.
    on(
        "claps",
        "must be a whole number from 1 to {}",
        "박수는 한 번에 1번부터 {}번까지 보낼 수 있습니다.",
    ),
    any(
        "must be a whole number from 1 to {}",
        "{f}{은는} 1부터 {}까지의 정수여야 합니다.",
    ),
    any("must be a whole number", "{f}{은는} 정수여야 합니다."),
    any(
        "would pass {} claps for this article: {} left",
        "한 글에 보낼 수 있는 박수는 {}번까지입니다(남은 박수 {}번).",
    ),
    any(
        "authors cannot clap for their own articles",
        "자신의 글에는 박수를 보낼 수 없습니다.",
    ),
    any(
        "must be a comment on this article",
        "답글은 이 글의 댓글에만 달 수 있습니다.",
    ),
    any(
        "is too deep in its thread: replies nest at most {} levels",
        "답글을 더 달 수 없습니다. 답글은 최대 {}단계까지 이어집니다.",
    ),
    any(
        "is not allowed: this user has blocked you",
        "이 사용자가 회원님을 차단해서 할 수 없습니다.",
    ),
    any("can't follow yourself", "자기 자신은 팔로우할 수 없습니다."),
    any("can't block yourself", "자기 자신은 차단할 수 없습니다."),
    any("can't suspend yourself", "자기 자신은 정지할 수 없습니다."),
    // Images.
    any(
        "is too large (the limit is {})",
        "{f}{이가} 너무 큽니다(최대 {}).",
    ),
    any(
        "would pass your upload quota of {}: {} left",
        "업로드 한도({})를 넘습니다. 남은 용량은 {}입니다.",
    ),
    any(
        "is not a PNG, JPEG, WebP or GIF image",
        "{f}{이가} PNG, JPEG, WebP, GIF 이미지가 아닙니다.",
    ),
    any(
        "has too many pixels ({}×{}; the limit is {} in all frames)",
        "이미지의 픽셀이 너무 많습니다({}×{}, 모든 프레임을 합쳐 최대 {}픽셀).",
    ),
    any(
        "is not a valid image: {}",
        "{f}{이가} 올바른 이미지가 아닙니다({}).",
    ),
    // Signing in and the account.
    any(
        "too many failed sign-ins to this account; try again in {} seconds",
        "이 계정에 로그인을 실패한 횟수가 너무 많습니다. {}초 후에 다시 시도해 주세요.",
    ),
    any(
        "too many failed sign-ins from your address; try again in {} seconds",
        "이 네트워크 주소에서 로그인을 실패한 횟수가 너무 많습니다. {}초 후에 다시 시도해 주세요.",
    ),
    any(
        "too many sign-ups from your address; try again in {} seconds",
        "이 네트워크 주소에서 가입한 횟수가 너무 많습니다. {}초 후에 다시 시도해 주세요.",
    ),
    any("is wrong", "{f}{이가} 올바르지 않습니다."),
    any(
        "is needed to change the email or password more than {} minutes after signing in",
        "로그인한 지 {}분이 지나서 이메일이나 비밀번호를 바꾸려면 {f}{이가} 필요합니다.",
    ),
    any("is suspended", "이 {f}{은는} 정지되었습니다."),
    any(
        "belongs to a suspended account",
        "정지된 계정이라 할 수 없습니다.",
    ),
    any(
        "has been revoked",
        "{f}{이가} 더 이상 유효하지 않습니다. 다시 로그인해 주세요.",
    ),
    // Permission, forms and pages.
    any("forbidden", "이 {f}에 대한 권한이 없습니다."),
    any("only admins may do this", "관리자만 할 수 있습니다."),
    any("not found", "{f}{을를} 찾을 수 없습니다."),
    any(
        "was not sent from this site's page; reload the page and try again",
        "이 사이트의 페이지에서 보낸 양식이 아닙니다. 페이지를 새로 고친 후 다시 시도해 주세요.",
    ),
    any(
        "is larger than {} bytes",
        "{f}{이가} 너무 큽니다(최대 {}바이트).",
    ),
    any(
        "conflicts with a concurrent change; try again",
        "동시에 이루어진 다른 변경과 충돌했습니다. 다시 시도해 주세요.",
    ),
    any(
        "must be a notification id",
        "알림 번호가 올바르지 않습니다.",
    ),
    // Moderation.
    any(
        "must be open, resolved or dismissed",
        "신고 상태는 open, resolved, dismissed 중 하나여야 합니다.",
    ),
    any("is already resolved", "이미 처리 완료된 신고입니다."),
    any("is already dismissed", "이미 기각된 신고입니다."),
    // Paging through a list by its address.
    any(
        "must be a whole number, 0 or more",
        "{f}{은는} 0 이상의 정수여야 합니다.",
    ),
    any(
        "must be at most {}: page deeper with `cursor` (each page's `nextCursor`)",
        "{f}{은는} {} 이하여야 합니다. 더 뒤의 페이지는 `cursor`(각 페이지의 `nextCursor`)로 넘겨 주세요.",
    ),
    any(
        "is invalid: pass the `nextCursor` of the previous page as it is",
        "{f}{이가} 올바르지 않습니다. 이전 페이지의 `nextCursor`를 그대로 넘겨 주세요.",
    ),
    any(
        "cannot be combined with `cursor`",
        "{f}{은는} `cursor`와 함께 쓸 수 없습니다.",
    ),
    any(
        "is not offered by this list: use `offset`",
        "이 목록에서는 {f}{을를} 쓸 수 없습니다. `offset`을 써 주세요.",
    ),
];

/// The parts of `message` that fill the `{}` of `pattern`, in order, if it is that pattern.
/// Each part is at least one character and ends at the first place the rest can follow.
fn captures<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let mut literals = pattern.split("{}");
    let mut rest = message.strip_prefix(literals.next().unwrap_or_default())?;
    let mut captured = Vec::new();
    let mut literals = literals.peekable();
    while let Some(literal) = literals.next() {
        let end = if literals.peek().is_none() {
            rest.strip_suffix(literal)?.len()
        } else {
            let first = rest.chars().next()?.len_utf8();
            first + rest[first..].find(literal)?
        };
        if end == 0 {
            return None;
        }
        captured.push(&rest[..end]);
        rest = &rest[end + literal.len()..];
    }
    rest.is_empty().then_some(captured)
}

/// `template` with its parts filled in (see [`Wording`]).
fn fill(template: &str, name: &str, captured: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + name.len() + 16);
    let mut captured = captured.iter();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (token, after) = after.split_once('}').unwrap_or((after, ""));
        let after_final_consonant = out.chars().last().is_some_and(has_final_consonant);
        let particle = |with, without| if after_final_consonant { with } else { without };
        match token {
            "" => out.push_str(captured.next().copied().unwrap_or_default()),
            "f" => out.push_str(name),
            "을를" => out.push_str(particle("을", "를")),
            "이가" => out.push_str(particle("이", "가")),
            "은는" => out.push_str(particle("은", "는")),
            other => {
                out.push('{');
                out.push_str(other);
                out.push('}');
            }
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whether a Hangul syllable ends in a consonant (받침), which picks 을 over 를, 이 over 가:
/// syllables run from 가 in blocks of 28, the first of each without one.
fn has_final_consonant(c: char) -> bool {
    ('가'..='힣').contains(&c) && !(c as u32 - '가' as u32).is_multiple_of(28)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn ko(field: &str, message: &str) -> String {
        line(Lang::Ko, field, message)
    }

    #[test]
    fn english_keeps_the_apis_words() {
        for (field, message) in [
            ("title", "can't be blank"),
            ("body", "is too long (maximum is 10000 characters)"),
            ("claps", "would pass 50 claps for this article: 3 left"),
            ("username", "has already been taken"),
        ] {
            assert_eq!(line(Lang::En, field, message), format!("{field} {message}"));
        }
    }

    #[test]
    fn korean_says_what_is_blank_with_the_right_particle() {
        assert_eq!(ko("title", "can't be blank"), "제목을 입력해 주세요.");
        assert_eq!(
            ko("password", "can't be blank"),
            "비밀번호를 입력해 주세요."
        );
        assert_eq!(
            ko(
                "username",
                "is invalid ('.' and '..' cannot name a profile)"
            ),
            "'.'이나 '..'은 사용자 이름으로 쓸 수 없습니다."
        );
        assert_eq!(ko("email", "is invalid"), "이메일이 올바르지 않습니다.");
    }

    #[test]
    fn korean_keeps_the_numbers_of_a_limit() {
        assert_eq!(
            ko("body", "is too long (maximum is 10000 characters)"),
            "본문이 너무 깁니다(최대 10000자)."
        );
        assert_eq!(
            ko("password", "is too short (minimum is 8 characters)"),
            "비밀번호가 너무 짧습니다(최소 8자)."
        );
        assert_eq!(
            ko("tagList", "is too long (maximum is 20 tags)"),
            "태그가 너무 많습니다(최대 20개)."
        );
        assert_eq!(
            ko("claps", "would pass 50 claps for this article: 3 left"),
            "한 글에 보낼 수 있는 박수는 50번까지입니다(남은 박수 3번)."
        );
        assert_eq!(
            ko(
                "file",
                "has too many pixels (9000×9000; the limit is 40000000 in all frames)"
            ),
            "이미지의 픽셀이 너무 많습니다(9000×9000, 모든 프레임을 합쳐 최대 40000000픽셀)."
        );
    }

    #[test]
    fn korean_says_what_is_taken() {
        assert_eq!(
            ko("username", "has already been taken"),
            "이미 사용 중인 사용자 이름입니다."
        );
        assert_eq!(
            ko("email", "has already been taken"),
            "이미 사용 중인 이메일입니다."
        );
    }

    #[test]
    fn korean_says_how_long_to_wait_after_too_many_attempts() {
        let error = ApiError::rate_limited("login", "too many failed sign-ins to this account", 42);
        assert_eq!(
            lines(&error, Lang::Ko),
            ["이 계정에 로그인을 실패한 횟수가 너무 많습니다. 42초 후에 다시 시도해 주세요."]
        );
        assert_eq!(
            lines(&error, Lang::En),
            ["login too many failed sign-ins to this account; try again in 42 seconds"]
        );
    }

    #[test]
    fn a_field_wording_comes_before_the_general_one() {
        assert_eq!(
            ko("claps", "must be a whole number from 1 to 50"),
            "박수는 한 번에 1번부터 50번까지 보낼 수 있습니다."
        );
        assert_eq!(
            ko("limit", "must be a whole number from 1 to 100"),
            "개수는 1부터 100까지의 정수여야 합니다."
        );
    }

    #[test]
    fn what_the_table_does_not_know_is_shown_in_english() {
        assert_eq!(
            ko("title", "is not a word we know"),
            "title is not a word we know"
        );
        assert_eq!(ko("colour", "can't be blank"), "colour can't be blank");
        assert_eq!(
            ko("file", "is too large (the limit is )"),
            "file is too large (the limit is )"
        );
        let error = ApiError::new(StatusCode::BAD_REQUEST, "form", "Failed to parse the form");
        assert_eq!(lines(&error, Lang::Ko), ["form Failed to parse the form"]);
    }

    #[test]
    fn every_wording_fills_each_part_it_matches() {
        let known = ["", "f", "을를", "이가", "은는"];
        for wording in KO {
            let holes = wording.en.matches("{}").count();
            let tokens: Vec<&str> = wording
                .ko
                .split('{')
                .skip(1)
                .map(|t| t.split('}').next().unwrap_or(t))
                .collect();
            assert!(tokens.iter().all(|t| known.contains(t)), "{}", wording.ko);
            assert_eq!(
                tokens.iter().filter(|t| t.is_empty()).count(),
                holes,
                "{}",
                wording.ko
            );
            assert!(
                wording
                    .field
                    .is_none_or(|f| FIELDS.iter().any(|(en, _)| *en == f)),
                "{:?}",
                wording.field
            );
            let sample = wording.en.replace("{}", "7");
            let shown = ko(wording.field.unwrap_or("title"), &sample);
            assert!(
                !shown.is_empty() && !shown.contains('{') && !shown.contains("title"),
                "{sample} -> {shown}"
            );
        }
    }
}
