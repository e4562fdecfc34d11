//! Abuse limits on signing in and signing up, and the client address they count by.
//!
//! Counters live in the database (see `storage::limits`), so on PostgreSQL every replica counts
//! against the same numbers; only sign-in and sign-up touch them, never an ordinary read.
//! Sign-ins count failures only: a user who gets their password right is never slowed, while a
//! guesser is stopped per account and per address (whatever accounts it tries). The account's
//! limit holds only towards addresses that have failed on it, so a guesser cannot lock the
//! owner out (see docs/security.md).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;
use super::error::ApiError;
use crate::settings::AbuseLimits;
use crate::storage::limits::{Hits, SignInAttempt as Outcome, SignInBuckets, Window};

/// Longest account name (email) kept in a bucket name: no real address is longer, and a
/// megabyte-long "email" must not become a megabyte-long key.
const MAX_EMAIL_IN_BUCKET: usize = 254;

/// The address a request comes from: the peer's, or, when the peer is a trusted proxy, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.limits.trusted_proxies,
        )))
    }
}

fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    client
}

/// The current window, and how far into it we are (0 to 1).
fn window(limits: &AbuseLimits) -> (Window, f64) {
    let length = limits.window.as_secs() as i64;
    let now = chrono::Utc::now().timestamp();
    let start = now - now.rem_euclid(length);
    (
        Window { start, length },
        (now - start) as f64 / length as f64,
    )
}

/// A sliding estimate of the attempts in the last window's length: this window's, plus the
/// share of the previous window's that still falls within it (rounded up, so that the attempts
/// of a guesser who paused at a window's edge still count).
fn estimate(hits: Hits, elapsed: f64) -> i64 {
    hits.current + (hits.previous as f64 * (1.0 - elapsed)).ceil() as i64
}

/// Whether `hits` reach `limit` (0: no limit), and if so the seconds until they no longer do.
fn refused(limit: u32, hits: Hits, window: Window, elapsed: f64) -> Option<u64> {
    let limit = i64::from(limit);
    if limit == 0 || estimate(hits, elapsed) < limit {
        return None;
    }
    let length = window.length as f64;
    let wait = if hits.current >= limit || hits.previous == 0 {
        // Only the next window's start lets this window's attempts go (and even then the
        // estimate carries them over, falling as the new window goes by).
        length * (1.0 - elapsed) + length * (1.0 - (limit - 1) as f64 / hits.current as f64)
    } else {
        // The previous window's share must fall below what this window leaves room for.
        let room = (limit - 1 - hits.current) as f64;
        length * (1.0 - room / hits.previous as f64) - length * elapsed
    };
    Some(wait.ceil().max(1.0) as u64)
}

/// The account, the address, and the two together, as bucket names.
fn login_buckets(email: &str, client: ClientAddress) -> [String; 3] {
    let mut email = email.trim().to_lowercase();
    if email.len() > MAX_EMAIL_IN_BUCKET {
        let cut = (0..=MAX_EMAIL_IN_BUCKET)
            .rev()
            .find(|&i| email.is_char_boundary(i))
            .unwrap_or(0);
        email.truncate(cut);
    }
    [
        format!("login:account:{email}"),
        format!("login:address:{}", client.0),
        format!("login:pair:{}:{email}", client.0),
    ]
}

/// Runs `check` of a password given for `email` (signing in, or confirming a change to the
/// account) within the sign-in limits: refused with a 429 once the account or the address has
/// used up its failures, else counted as a failure unless `check` finds the password right
/// (`Some`). A full hashing queue or a database error is no guess, and is not counted either.
pub async fn password_check<T>(
    state: &AppState,
    email: &str,
    client: ClientAddress,
    check: impl Future<Output = Result<Option<T>, ApiError>>,
) -> Result<Option<T>, ApiError> {
    let mut pending = Pending {
        state: state.clone(),
        attempt: SignInAttempt::begin(state, email, client).await?,
    };
    let checked = check.await;
    if matches!(checked, Ok(None)) {
        // A wrong password: the failure stays counted.
        pending.attempt = None;
    } else if let Some(attempt) = pending.attempt.take() {
        attempt.not_failed(state).await?;
    }
    checked
}

/// An attempt whose check has not ended: when the request is dropped meanwhile (its client
/// went away), the attempt is no failure, and its count is taken back on a task of its own.
/// Left counted, every sign-in a client abandons would count against the account and the
/// address, until the owner was locked out.
struct Pending {
    state: AppState,
    attempt: Option<SignInAttempt>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let (Some(attempt), Ok(runtime)) =
            (self.attempt.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(attempt.take_back(self.state.clone()));
        }
    }
}

/// How long an attempt refused at the limit waits, in all, for attempts still in flight to
/// end: those that prove right are taken back, so a client signing in to one account many times
/// at once is not refused for its own attempts, while a guesser's stay counted and it is
/// refused all the same. In all 2.5 s: an attempt that is right must wait its turn in the
/// password-hashing queue, and with eight at once on two busy cores one second was too short.
const IN_FLIGHT_WAITS_MS: [u64; 7] = [20, 40, 80, 160, 320, 640, 1240];

/// A sign-in attempt, counted as a failure until its password proves right.
#[derive(Clone)]
struct SignInAttempt {
    buckets: [String; 3],
    window: Window,
}

impl SignInAttempt {
    /// Counts the attempt against the account and the address before its password is checked,
    /// or refuses it with a 429 once either has used up its failures (the account's only
    /// towards addresses that failed on it: see [`Db::sign_in_attempt`]). `None` without
    /// limits.
    ///
    /// [`Db::sign_in_attempt`]: crate::storage::Db::sign_in_attempt
    async fn begin(
        state: &AppState,
        email: &str,
        client: ClientAddress,
    ) -> Result<Option<Self>, ApiError> {
        let limits = &state.limits;
        if limits.login_failures_per_account == 0 && limits.login_failures_per_address == 0 {
            return Ok(None);
        }
        let (window, elapsed) = window(limits);
        let now = window.start + (elapsed * window.length as f64).round() as i64;
        let attempt = Self {
            buckets: login_buckets(email, client),
            window,
        };
        let wait = |limit, hits| refused(limit, hits, window, elapsed).unwrap_or(1);
        let mut outcome = attempt.count(state, now).await?;
        for pause in IN_FLIGHT_WAITS_MS {
            if outcome == Outcome::Counted {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            outcome = attempt.count(state, now).await?;
        }
        match outcome {
            Outcome::Counted => Ok(Some(attempt)),
            Outcome::AccountLimited(hits) => Err(ApiError::rate_limited(
                "login",
                "too many failed sign-ins to this account",
                wait(limits.login_failures_per_account, hits),
            )),
            Outcome::AddressLimited(hits) => Err(ApiError::rate_limited(
                "login",
                "too many failed sign-ins from your address",
                wait(limits.login_failures_per_address, hits),
            )),
        }
    }

    /// Counts the attempt, or says which limit refuses it, on a task of its own. Dropped
    /// mid-way (its client hung up), the count could be made with no [`Pending`] yet to take it
    /// back, and a client that abandons its sign-ins would lock the owner out; so the count
    /// always finishes, and is taken back there when nobody is waiting for it.
    async fn count(&self, state: &AppState, now: i64) -> Result<Outcome, ApiError> {
        let (answer, asked) = tokio::sync::oneshot::channel();
        let (attempt, state) = (self.clone(), state.clone());
        tokio::spawn(async move {
            let outcome = state
                .db
                .sign_in_attempt(&attempt.names(&state.limits), attempt.window, now)
                .await;
            if let Err(Ok(Outcome::Counted)) = answer.send(outcome) {
                attempt.take_back(state).await;
            }
        });
        let outcome = asked
            .await
            .map_err(|_| ApiError::internal(anyhow::anyhow!("counting a sign-in failed")))?;
        Ok(outcome?)
    }

    /// [`Self::not_failed`] for an attempt nobody waits for any more.
    async fn take_back(self, state: AppState) {
        if let Err(e) = self.not_failed(&state).await {
            tracing::warn!(error = ?e, "an abandoned sign-in's count was not taken back");
        }
    }

    /// The password was right (or was never checked): the attempt is not a failure.
    async fn not_failed(self, state: &AppState) -> Result<(), ApiError> {
        Ok(state
            .db
            .sign_in_succeeded(&self.names(&state.limits), self.window)
            .await?)
    }

    fn names<'a>(&'a self, limits: &AbuseLimits) -> SignInBuckets<'a> {
        let [account, address, pair] = &self.buckets;
        SignInBuckets {
            pair,
            account,
            address,
            per_account: i64::from(limits.login_failures_per_account),
            per_address: i64::from(limits.login_failures_per_address),
        }
    }
}

/// Counts a sign-up attempt from the address, refusing it past the limit.
pub async fn count_signup(state: &AppState, client: ClientAddress) -> Result<(), ApiError> {
    let limits = &state.limits;
    if limits.signups_per_address == 0 {
        return Ok(());
    }
    let (window, elapsed) = window(limits);
    let hits = state
        .db
        .count_rate_hit(&format!("signup:address:{}", client.0), window)
        .await?;
    // This attempt is counted already: it may go through if it is the last one allowed.
    if let Some(wait) = refused(limits.signups_per_address + 1, hits, window, elapsed) {
        return Err(ApiError::rate_limited(
            "registration",
            "too many sign-ups from your address",
            wait,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append("x-forwarded-for", v.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let spoofed = headers(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.7"), &spoofed, &trusted),
            ip("198.51.100.7"),
            "a client that is not a proxy cannot choose its address"
        );
        assert_eq!(
            client_address(ip("10.1.2.3"), &spoofed, &trusted),
            ip("203.0.113.9")
        );
        // The client may prepend anything; only what the trusted hops appended counts.
        let chain = headers(&["1.1.1.1, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.1.2.3"), &chain, &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_address(ip("10.1.2.3"), &headers(&["garbage"]), &trusted),
            ip("10.1.2.3")
        );
        assert_eq!(
            client_address(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn the_previous_window_still_counts_as_it_slides_away() {
        let window = Window {
            start: 600,
            length: 60,
        };
        let hits = |current, previous| Hits { current, previous };
        // Four failures just before the edge still stop the fifth just after it.
        assert!(refused(4, hits(0, 4), window, 0.02).is_some());
        // Half a window later half of them count.
        assert_eq!(refused(4, hits(0, 4), window, 0.5), None);
        assert!(refused(4, hits(2, 4), window, 0.5).is_some());
        assert_eq!(refused(4, hits(3, 0), window, 0.1), None);
        assert_eq!(refused(0, hits(99, 99), window, 0.1), None);
        // The wait ends when the estimate falls below the limit again: a quarter into the
        // window for the previous window's four (4 × 3/4 rounds up to 3)...
        assert_eq!(refused(4, hits(0, 4), window, 0.02), Some(14));
        // ...and for four in this window, at its end plus a quarter of the next.
        assert_eq!(refused(4, hits(4, 0), window, 0.25), Some(60));
    }

    #[test]
    fn long_emails_make_bounded_buckets() {
        let email = "é".repeat(1000);
        let [account, _, pair] = login_buckets(&email, ClientAddress(ip("::1")));
        assert!(account.len() <= MAX_EMAIL_IN_BUCKET + "login:account:".len());
        assert!(pair.len() <= MAX_EMAIL_IN_BUCKET + "login:pair:::1:".len());
    }
}
