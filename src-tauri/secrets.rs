//! The token: in the OS keyring (Secret Service through the `keyring` crate)
//! when one answers, otherwise in memory only, and said so. The token is
//! never logged: `Secrets`' Debug shows only whether there is one.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::models::{KeyringMode, Problem};

const SERVICE: &str = "com.alora.tray";
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
    vault: Option<Arc<dyn TokenVault>>,
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
        (
            Secrets {
                vault,
                token: Mutex::new(token),
            },
            problem,
        )
    }

    pub fn mode(&self) -> KeyringMode {
        if self.vault.is_some() {
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

    /// Keeps the token for this run, and in the keyring when there is one.
    pub async fn store(&self, token: String) -> AppResult<()> {
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(AppError::InvalidInput("the token is empty".into()));
        }
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        if let Some(v) = self.vault.clone() {
            blocking(move || v.set(&token))
                .await
                .map_err(AppError::Keyring)?;
        }
        Ok(())
    }

    pub async fn clear(&self) -> AppResult<()> {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = None;
        if let Some(v) = self.vault.clone() {
            blocking(move || v.delete())
                .await
                .map_err(AppError::Keyring)?;
        }
        Ok(())
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
