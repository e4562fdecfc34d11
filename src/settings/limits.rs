//! Abuse and connection limits: what one account, client address or connection may do.

use std::time::Duration;

use super::{ConfigError, Source};

/// How many sign-in failures and sign-ups one account or client address gets per window;
/// `0` turns a limit off.
#[derive(Debug, Clone)]
pub struct AbuseLimits {
    pub window: Duration,
    pub login_failures_per_account: u32,
    pub login_failures_per_address: u32,
    pub signups_per_address: u32,
    /// Peers whose `X-Forwarded-For` names the client (the load balancer); anyone else's is
    /// ignored, so clients cannot pick the address they are limited by.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What one client connection may hold.
#[derive(Debug, Clone)]
pub struct TransportLimits {
    /// From a request's first byte to the end of its headers.
    pub header_read_timeout: Duration,
    /// How long an idle keep-alive connection stays open between requests.
    pub keep_alive_timeout: Duration,
    pub max_connections: usize,
    /// Per client address (peer, not `X-Forwarded-For`); trusted proxies are exempt. `0`: no cap.
    pub max_connections_per_address: usize,
}

impl AbuseLimits {
    pub(super) fn load(src: &Source) -> Result<Self, ConfigError> {
        Ok(Self {
            window: src.timeout("RATE_LIMIT_WINDOW_SECS", 900)?,
            login_failures_per_account: src.parse(
                "LOGIN_FAILURES_PER_ACCOUNT",
                10,
                "a number of failed sign-ins, 0 for no limit",
            )?,
            login_failures_per_address: src.parse(
                "LOGIN_FAILURES_PER_ADDRESS",
                100,
                "a number of failed sign-ins, 0 for no limit",
            )?,
            signups_per_address: src.parse(
                "SIGNUPS_PER_ADDRESS",
                100,
                "a number of sign-ups, 0 for no limit",
            )?,
            trusted_proxies: trusted_proxies(src)?,
        })
    }

    pub(super) fn redacted_lines(&self) -> Vec<String> {
        let proxies: Vec<String> = self
            .trusted_proxies
            .iter()
            .map(ToString::to_string)
            .collect();
        vec![
            format!("RATE_LIMIT_WINDOW_SECS={}", self.window.as_secs()),
            format!(
                "LOGIN_FAILURES_PER_ACCOUNT={}",
                self.login_failures_per_account
            ),
            format!(
                "LOGIN_FAILURES_PER_ADDRESS={}",
                self.login_failures_per_address
            ),
            format!("SIGNUPS_PER_ADDRESS={}", self.signups_per_address),
            format!("TRUSTED_PROXIES={}", proxies.join(",")),
        ]
    }
}

impl TransportLimits {
    pub(super) fn load(src: &Source) -> Result<Self, ConfigError> {
        Ok(Self {
            header_read_timeout: src.timeout("HEADER_READ_TIMEOUT_SECS", 10)?,
            keep_alive_timeout: src.timeout("KEEP_ALIVE_TIMEOUT_SECS", 75)?,
            max_connections: match src.parse("MAX_CONNECTIONS", 10_000, "a number")? {
                0 => {
                    return Err(ConfigError::new(
                        "MAX_CONNECTIONS must be at least 1 (keep it below `ulimit -n`)",
                    ));
                }
                n => n,
            },
            max_connections_per_address: src.parse(
                "MAX_CONNECTIONS_PER_ADDRESS",
                256,
                "a number, 0 for no cap",
            )?,
        })
    }

    pub(super) fn redacted_lines(&self) -> Vec<String> {
        vec![
            format!(
                "HEADER_READ_TIMEOUT_SECS={}",
                self.header_read_timeout.as_secs()
            ),
            format!(
                "KEEP_ALIVE_TIMEOUT_SECS={}",
                self.keep_alive_timeout.as_secs()
            ),
            format!("MAX_CONNECTIONS={}", self.max_connections),
            format!(
                "MAX_CONNECTIONS_PER_ADDRESS={}",
                self.max_connections_per_address
            ),
        ]
    }
}

/// `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges (`10.0.0.0/8`, `127.0.0.1`).
fn trusted_proxies(src: &Source) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let Some(raw) = src.get("TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new(format!(
                        "TRUSTED_PROXIES entry {p:?} is not an IP address or CIDR range \
                         (e.g. 10.0.0.0/8)"
                    ))
                })
        })
        .collect()
}
