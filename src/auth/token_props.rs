//! Token parsing properties (proptest, 256 cases each), through the public API only
//! (`TokenKeys::new`, `issue`, `verify`), so that they hold whatever the claims carry: any text
//! is refused without a panic, any change to a valid token is refused, and a valid token
//! verifies as its user.

use proptest::prelude::*;
use secrecy::SecretString;

use super::{SessionRef, TokenError, TokenKeys};

const SECRET: &str = "a-property-test-secret-that-is-long-enough";

fn keys(secret: &str) -> TokenKeys {
    TokenKeys::new(&SecretString::from(secret.to_string()))
}

/// A valid token for `user_id`: the one place that knows `issue`'s signature.
fn issue(keys: &TokenKeys, user_id: i64) -> String {
    let session = SessionRef {
        id: "property-session".into(),
        expires_at: chrono::Utc::now().timestamp() + 3600,
    };
    keys.issue(user_id, &session, 0)
}

/// What a client might send as a token: any text, text made of the JWT alphabet, and
/// three-part strings that look like a JWT.
fn token_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_=+/.-]{0,300}",
        "[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,60}",
        // A real header and any payload and signature.
        "[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,60}"
            .prop_map(|rest| format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.{rest}")),
    ]
}

/// One edit of a token: replace, insert or delete the character at a position (taken modulo
/// the token's length), or cut the token there.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, char),
    Insert(usize, char),
    Delete(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let char = prop_oneof![
        4 => prop::sample::select(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ "
                .chars()
                .collect::<Vec<_>>()
        ),
        1 => any::<char>(),
    ];
    let edit = prop_oneof![
        (any::<usize>(), char.clone()).prop_map(|(at, c)| Edit::Replace(at, c)),
        (any::<usize>(), char).prop_map(|(at, c)| Edit::Insert(at, c)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    prop::collection::vec(edit, 1..4)
}

fn apply(token: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    for edit in edits {
        let len = chars.len().max(1);
        match *edit {
            Edit::Replace(at, c) if !chars.is_empty() => chars[at % len] = c,
            Edit::Insert(at, c) => chars.insert(at % (chars.len() + 1), c),
            Edit::Delete(at) if !chars.is_empty() => {
                chars.remove(at % len);
            }
            Edit::Truncate(at) => chars.truncate(at % len),
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #[test]
    fn a_valid_token_verifies_as_its_user(user_id in any::<i64>()) {
        let keys = keys(SECRET);
        let (verified, _) = keys.verify(&issue(&keys, user_id)).expect("a fresh token verifies");
        prop_assert_eq!(verified, user_id);
    }

    #[test]
    fn arbitrary_text_is_never_a_token(text in token_like()) {
        prop_assert_eq!(keys(SECRET).verify(&text).err(), Some(TokenError::Invalid));
    }

    #[test]
    fn any_change_to_a_valid_token_is_refused(user_id in any::<i64>(), edits in edits()) {
        let keys = keys(SECRET);
        let token = issue(&keys, user_id);
        let changed = apply(&token, &edits);
        prop_assume!(changed != token);
        prop_assert_eq!(keys.verify(&changed).err(), Some(TokenError::Invalid), "{}", changed);
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused(
        user_id in any::<i64>(),
        other in "[ -~]{32,64}",
    ) {
        prop_assume!(other != SECRET);
        let token = issue(&keys(&other), user_id);
        prop_assert_eq!(keys(SECRET).verify(&token).err(), Some(TokenError::Invalid));
    }
}
