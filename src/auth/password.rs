use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// A hashing job; it borrows its thread's Argon2 working memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Argon2id hashing on a few dedicated threads (one less than the cores, at most
/// [`MAX_THREADS`]), so a burst of logins queues there and keeps a core for every other route.
/// Each thread keeps one 19 MiB working buffer for all its hashes: allocating it per hash made
/// glibc keep every freed buffer, and the process grew by 19 MiB per login.
///
/// The queue is bounded ([`QUEUED_PER_THREAD`] jobs a thread): past it a request is refused at
/// once ([`HasherError::Busy`]) rather than queued behind work that would keep login unusable
/// long after a flood ends, and a queued job whose caller has gone is skipped, not computed.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: SyncSender<Job>,
}

/// More threads would take cores from every other route on larger machines too: logins are
/// meant to be slow, reads are not.
const MAX_THREADS: usize = 4;
/// Two to four seconds of waiting at 30-60 ms a hash: room for a burst of real sign-ups and
/// logins (and for checks left queued by clients that just gave up, until they are skipped),
/// while beyond it an answer to retry is kinder than a queue that outlives its flood.
const QUEUED_PER_THREAD: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum HasherError {
    #[error("too many password checks are waiting")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Jobs skipped because their caller had gone (the client disconnected or timed out).
static SKIPPED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// OWASP's first recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid")
}

/// Argon2id of `password` under `params` and `salt`, in `memory` (grown if the params need more).
fn compute(
    params: &Params,
    password: &[u8],
    salt: Salt<'_>,
    memory: &mut Vec<Block>,
) -> password_hash::Result<Output> {
    let mut salt_buf = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buf)?;
    memory.resize(params.block_count(), Block::default());
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt, out, &mut memory[..])
            .map_err(|_| password_hash::Error::Crypto)
    })
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`) for a new random salt.
fn hash_phc(password: &[u8], memory: &mut Vec<Block>) -> password_hash::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = params();
    let hash = compute(&params, password, salt.as_salt(), memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `phc`; the comparison is constant-time.
fn verify_phc(password: &[u8], phc: &str, memory: &mut Vec<Block>) -> password_hash::Result<bool> {
    let parsed = PasswordHash::new(phc)?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(password_hash::Error::Algorithm);
    }
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(password_hash::Error::PhcStringField);
    };
    let params = Params::try_from(&parsed)?;
    Ok(compute(&params, password, salt, memory)? == expected)
}

/// A real hash of a random password: unknown emails are checked against it so that a wrong
/// email costs the same time as a wrong password.
fn dummy_hash(memory: &mut Vec<Block>) -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_phc(uuid::Uuid::new_v4().to_string().as_bytes(), memory)
            .expect("hashing with valid parameters cannot fail")
    })
}

impl PasswordHasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = cores.saturating_sub(1).clamp(1, MAX_THREADS);
        let (jobs, queue) = sync_channel::<Job>(threads * QUEUED_PER_THREAD);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    // Ends when every sender (every clone of the hasher) is gone.
                    while let Ok(job) = queue
                        .lock()
                        .map_err(drop)
                        .and_then(|q| q.recv().map_err(drop))
                    {
                        job(&mut memory);
                    }
                })
                .expect("the OS can start a hashing thread");
        }
        Self { jobs }
    }

    /// How many queued jobs were skipped because their caller had gone, since start.
    pub fn skipped_jobs() -> u64 {
        SKIPPED.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, HasherError> {
        let password = password.clone();
        let hash = self
            .run(move |memory| {
                hash_phc(password.expose_secret().as_bytes(), memory)
                    .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
            })
            .await??;
        Ok(hash)
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is no account.
    pub async fn verify(
        &self,
        password: &SecretString,
        hash: Option<&str>,
    ) -> Result<bool, HasherError> {
        let password = password.clone();
        let known = hash.is_some();
        let hash = hash.map(str::to_string);
        let ok = self
            .run(move |memory| {
                let hash = match &hash {
                    Some(h) => h.as_str(),
                    None => dummy_hash(memory),
                };
                verify_phc(password.expose_secret().as_bytes(), hash, memory)
                    .map_err(|e| anyhow::anyhow!("stored password hash is unusable: {e}"))
            })
            .await??;
        Ok(ok && known)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, HasherError> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            // A caller that has gone (its request was dropped) would never read the answer.
            if done.is_closed() {
                SKIPPED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            let _ = done.send(work(memory));
        });
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => HasherError::Busy,
            TrySendError::Disconnected(_) => {
                anyhow::anyhow!("the password hashing threads have stopped").into()
            }
        })?;
        result
            .await
            .map_err(|_| anyhow::anyhow!("a password hashing job was dropped").into())
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordVerifier;

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let hasher = PasswordHasher::new();
        let right = SecretString::from("correct horse".to_string());
        let wrong = SecretString::from("battery staple".to_string());
        let hash = hasher.hash(&right).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(!hash.contains("correct horse"));
        assert!(hasher.verify(&right, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&wrong, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&right, None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_are_standard_phc_both_ways() {
        // Our hashes verify with the argon2 crate's own verifier, and its hashes with ours.
        let hasher = PasswordHasher::new();
        let password = SecretString::from("interoperable".to_string());
        let ours = hasher.hash(&password).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interoperable", &parsed)
                .is_ok()
        );
        let theirs = argon2::PasswordHasher::hash_password(
            &Argon2::default(),
            b"interoperable",
            &SaltString::generate(&mut OsRng),
        )
        .unwrap()
        .to_string();
        assert!(hasher.verify(&password, Some(&theirs)).await.unwrap());
        assert!(hasher.verify(&password, Some("not a hash")).await.is_err());
    }
}
