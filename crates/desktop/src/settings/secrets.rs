//! The token: in the OS keyring (Secret Service through the `keyring` crate)
//! when one answers, otherwise in memory only, and said so. The token is
//! never logged: `Secrets`' Debug shows only whether there is one. (A token
//! for one run comes in through `token_input`.)

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::models::{KeyringMode, Problem};

const SERVICE: &str = crate::app_id::APP_ID;
const ACCOUNT: &str = "token";
/// A keyring that does not answer in this time is treated as absent.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a token can be kept across runs. Blocking calls (D-Bus).
pub trait TokenVault: Send + Sync + 'static {
    fn get(&self) -> Result<Option<String>, String>;
    fn set(&self, token: &str) -> Result<(), String>;
    fn delete(&self) -> Result<(), String>;
}

/// The OS keyring.
#[derive(Debug, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry() -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, ACCOUNT).map_err(|e| e.to_string())
    }
}

impl TokenVault for OsKeyring {
    fn get(&self) -> Result<Option<String>, String> {
        match Self::entry()?.get_password() {
            Ok(t) => Ok(Some(t)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn set(&self, token: &str) -> Result<(), String> {
        Self::entry()?
            .set_password(token)
            .map_err(|e| e.to_string())
    }
    fn delete(&self) -> Result<(), String> {
        match Self::entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

pub struct Secrets {
    /// `None` once the keyring is known not to work: memory only.
    vault: Mutex<Option<Arc<dyn TokenVault>>>,
    token: Mutex<Option<String>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("keyring", &self.mode())
            .field("token", &self.token().map(|_| "<redacted>"))
            .finish()
    }
}

/// Runs a blocking keyring call off the async threads, bounded in time.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    match tokio::time::timeout(KEYRING_TIMEOUT, tokio::task::spawn_blocking(f)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Err(format!("the keyring call failed: {e}")),
        Err(_) => Err("the keyring did not answer in time".to_owned()),
    }
}

impl Secrets {
    /// Reads the stored token. `vault: None` or a vault that fails means
    /// memory only (with the problem to report). An `override_token` (env or
    /// command line) is used for this run and not stored.
    pub async fn open(
        vault: Option<Arc<dyn TokenVault>>,
        override_token: Option<String>,
    ) -> (Self, Option<Problem>) {
        let (vault, stored, problem) = match vault {
            None => (None, None, None),
            Some(v) => {
                let probe = v.clone();
                match blocking(move || probe.get()).await {
                    Ok(t) => (Some(v), t, None),
                    Err(e) => {
                        tracing::warn!(error = %e, "no OS keyring: the token is kept in memory only");
                        let p = Problem::new(
                            "keyring_unavailable",
                            format!("No keyring answers ({e}); the token is kept in memory only."),
                        );
                        (None, None, Some(p))
                    }
                }
            }
        };
        let token = override_token.or(stored);
        let secrets = Secrets {
            vault: Mutex::new(vault),
            token: Mutex::new(token),
        };
        (secrets, problem)
    }

    pub fn mode(&self) -> KeyringMode {
        if self.vault().is_some() {
            KeyringMode::Os
        } else {
            KeyringMode::MemoryOnly
        }
    }

    pub fn token(&self) -> Option<String> {
        self.token
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn vault(&self) -> Option<Arc<dyn TokenVault>> {
        self.vault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A keyring that fails a write is dropped for the rest of the run: the
    /// token stays in memory, and the caller reports the problem.
    fn give_up_on_keyring(&self, error: &str) -> Problem {
        tracing::warn!(
            error,
            "the keyring failed: the token is kept in memory only"
        );
        *self.vault.lock().unwrap_or_else(PoisonError::into_inner) = None;
        Problem::new(
            "keyring_unavailable",
            format!("The keyring failed ({error}); the token is kept in memory only."),
        )
    }

    /// Keeps the token for this run, and in the keyring when there is one.
    /// `Ok(Some(problem))`: kept, but in memory only from now on.
    pub async fn store(&self, token: String) -> AppResult<Option<Problem>> {
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(AppError::InvalidInput("the token is empty".into()));
        }
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        match self.vault() {
            Some(v) => Ok(blocking(move || v.set(&token))
                .await
                .err()
                .map(|e| self.give_up_on_keyring(&e))),
            None => Ok(None),
        }
    }

    /// Forgets the token, here and in the keyring.
    pub async fn clear(&self) -> AppResult<Option<Problem>> {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = None;
        match self.vault() {
            Some(v) => Ok(blocking(move || v.delete())
                .await
                .err()
                .map(|e| self.give_up_on_keyring(&e))),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;
    impl TokenVault for Broken {
        fn get(&self) -> Result<Option<String>, String> {
            Err("no secret service".into())
        }
        fn set(&self, _: &str) -> Result<(), String> {
            Err("no".into())
        }
        fn delete(&self) -> Result<(), String> {
            Err("no".into())
        }
    }

    /// Reads work, writes fail: a Secret Service with no default collection.
    struct ReadOnly;
    impl TokenVault for ReadOnly {
        fn get(&self) -> Result<Option<String>, String> {
            Ok(None)
        }
        fn set(&self, _: &str) -> Result<(), String> {
            Err("result not returned from SS API".into())
        }
        fn delete(&self) -> Result<(), String> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_keyring_that_fails_a_write_leaves_the_token_in_memory() {
        let (s, problem) = Secrets::open(Some(Arc::new(ReadOnly)), None).await;
        assert!(problem.is_none());
        assert_eq!(s.mode(), KeyringMode::Os);
        let problem = s.store("t1".into()).await.unwrap();
        assert_eq!(
            problem.map(|p| p.code),
            Some("keyring_unavailable".to_owned())
        );
        assert_eq!(
            (s.mode(), s.token().as_deref()),
            (KeyringMode::MemoryOnly, Some("t1"))
        );
    }

    #[tokio::test]
    async fn falls_back_to_memory_and_never_shows_the_token() {
        let (s, problem) = Secrets::open(Some(Arc::new(Broken)), None).await;
        assert_eq!(s.mode(), KeyringMode::MemoryOnly);
        assert_eq!(
            problem.map(|p| p.code),
            Some("keyring_unavailable".to_owned())
        );
        s.store("secret-jwt-value".into()).await.unwrap();
        assert_eq!(s.token().as_deref(), Some("secret-jwt-value"));
        assert!(!format!("{s:?}").contains("secret-jwt-value"));
        s.clear().await.unwrap();
        assert_eq!(s.token(), None);
        assert!(s.store("  ".into()).await.is_err());
    }
}
