//! Credentials: password hashing and the JWTs that stand for a signed-in user.

pub mod password;
pub mod token;
#[cfg(test)]
mod token_props;

pub use password::{HasherError, PasswordHasher};
pub use token::{Claims, SessionRef, TokenError, TokenKeys};
