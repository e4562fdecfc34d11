//! The per-replica read cache (see `http::cache`).

use std::time::Duration;

use super::{ConfigError, Source};

/// The most `READ_CACHE_MIB` may say: quill is meant to run in a small container.
const READ_CACHE_MAX_MIB: u64 = 4096;

const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ReadCacheSettings {
    /// Bytes of answers kept at most (`READ_CACHE_MIB`); `0` turns caching off.
    pub bytes: u64,
    /// The longest an answer is kept (`READ_CACHE_TTL_SECS`): the bound for changes quill is not
    /// told of, such as SQL run by hand.
    pub ttl: Duration,
}

impl ReadCacheSettings {
    pub(super) fn load(src: &Source) -> Result<Self, ConfigError> {
        Ok(Self {
            bytes: match src.parse("READ_CACHE_MIB", 8, "a number of MiB, 0 for no cache")? {
                mib @ 0..=READ_CACHE_MAX_MIB => mib * MIB,
                _ => {
                    return Err(ConfigError::new(format!(
                        "READ_CACHE_MIB must be from 0 (no cache) to {READ_CACHE_MAX_MIB}"
                    )));
                }
            },
            ttl: src.timeout("READ_CACHE_TTL_SECS", 5)?,
        })
    }

    pub(super) fn redacted_lines(&self) -> Vec<String> {
        vec![
            format!("READ_CACHE_MIB={}", self.bytes / MIB),
            format!("READ_CACHE_TTL_SECS={}", self.ttl.as_secs()),
        ]
    }
}
