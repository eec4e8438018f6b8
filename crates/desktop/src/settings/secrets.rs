//! The tokens (the access token and, after a browser sign-in, the refresh
//! token): in the OS keyring (Secret Service through the `keyring` crate)
//! when one answers, otherwise in memory only, and said so. They are never
//! logged: `Secrets`' Debug shows only whether there are some. (A token for
//! one run comes in through `token_input`.)

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::models::{KeyringMode, Problem};

const SERVICE: &str = crate::app_id::APP_ID;
/// Which secret a keyring call is about; each is its own keyring entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The JWT the socket sends (account `token`, as before sign-in existed).
    Access,
    /// The refresh token (account `refresh_token`).
    Refresh,
}

impl Slot {
    fn account(self) -> &'static str {
        match self {
            Slot::Access => "token",
            Slot::Refresh => "refresh_token",
        }
    }
}
/// A keyring that does not answer in this time is treated as absent.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a token can be kept across runs. Blocking calls (D-Bus).
pub trait TokenVault: Send + Sync + 'static {
    fn get(&self, slot: Slot) -> Result<Option<String>, String>;
    fn set(&self, slot: Slot, secret: &str) -> Result<(), String>;
    fn delete(&self, slot: Slot) -> Result<(), String>;
}

/// The OS keyring.
#[derive(Debug, Default)]
pub struct OsKeyring;

impl OsKeyring {
    fn entry(slot: Slot) -> Result<keyring::Entry, String> {
        keyring::Entry::new(SERVICE, slot.account()).map_err(|e| e.to_string())
    }
}

impl TokenVault for OsKeyring {
    fn get(&self, slot: Slot) -> Result<Option<String>, String> {
        match Self::entry(slot)?.get_password() {
            Ok(t) => Ok(Some(t)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }
    fn set(&self, slot: Slot, secret: &str) -> Result<(), String> {
        Self::entry(slot)?
            .set_password(secret)
            .map_err(|e| e.to_string())
    }
    fn delete(&self, slot: Slot) -> Result<(), String> {
        match Self::entry(slot)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

pub struct Secrets {
    /// `None` once the keyring is known not to work: memory only.
    vault: Mutex<Option<Arc<dyn TokenVault>>>,
    token: Mutex<Option<String>>,
    refresh: Mutex<Option<String>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("keyring", &self.mode())
            .field("token", &self.token().map(|_| "<redacted>"))
            .field("refresh", &self.refresh_token().map(|_| "<redacted>"))
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
        let (vault, stored, refresh, problem) = match vault {
            None => (None, None, None, None),
            Some(v) => {
                let probe = v.clone();
                let both = move || Ok((probe.get(Slot::Access)?, probe.get(Slot::Refresh)?));
                match blocking(both).await {
                    Ok((t, r)) => (Some(v), t, r, None),
                    Err(e) => {
                        tracing::warn!(error = %e, "no OS keyring: the token is kept in memory only");
                        let p = Problem::new(
                            "keyring_unavailable",
                            format!("No keyring answers ({e}); the token is kept in memory only."),
                        );
                        (None, None, None, Some(p))
                    }
                }
            }
        };
        // A token given for this run has no refresh token of its own.
        let refresh = if override_token.is_some() {
            None
        } else {
            refresh
        };
        let token = override_token.or(stored);
        let secrets = Secrets {
            vault: Mutex::new(vault),
            token: Mutex::new(token),
            refresh: Mutex::new(refresh),
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

    pub fn refresh_token(&self) -> Option<String> {
        self.refresh
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
    /// A pasted token has no refresh token: one left from a sign-in is forgotten.
    pub async fn store(&self, token: String) -> AppResult<Option<Problem>> {
        self.store_tokens(token, None).await
    }

    /// Keeps an access token and its refresh token. The new refresh token is
    /// written (over the old entry) before the access token, so that a cut
    /// between the two leaves a refresh token that still works.
    pub async fn store_tokens(
        &self,
        token: String,
        refresh: Option<String>,
    ) -> AppResult<Option<Problem>> {
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(AppError::InvalidInput("the token is empty".into()));
        }
        *self.refresh.lock().unwrap_or_else(PoisonError::into_inner) = refresh.clone();
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = Some(token.clone());
        match self.vault() {
            Some(v) => Ok(blocking(move || {
                match &refresh {
                    Some(r) => v.set(Slot::Refresh, r)?,
                    None => v.delete(Slot::Refresh)?,
                }
                v.set(Slot::Access, &token)
            })
            .await
            .err()
            .map(|e| self.give_up_on_keyring(&e))),
            None => Ok(None),
        }
    }

    /// Forgets both tokens, here and in the keyring.
    pub async fn clear(&self) -> AppResult<Option<Problem>> {
        *self.token.lock().unwrap_or_else(PoisonError::into_inner) = None;
        *self.refresh.lock().unwrap_or_else(PoisonError::into_inner) = None;
        match self.vault() {
            Some(v) => Ok(blocking(move || {
                v.delete(Slot::Access)?;
                v.delete(Slot::Refresh)
            })
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
        fn get(&self, _: Slot) -> Result<Option<String>, String> {
            Err("no secret service".into())
        }
        fn set(&self, _: Slot, _: &str) -> Result<(), String> {
            Err("no".into())
        }
        fn delete(&self, _: Slot) -> Result<(), String> {
            Err("no".into())
        }
    }

    /// Reads work, writes fail: a Secret Service with no default collection.
    struct ReadOnly;
    impl TokenVault for ReadOnly {
        fn get(&self, _: Slot) -> Result<Option<String>, String> {
            Ok(None)
        }
        fn set(&self, _: Slot, _: &str) -> Result<(), String> {
            Err("result not returned from SS API".into())
        }
        fn delete(&self, _: Slot) -> Result<(), String> {
            Ok(())
        }
    }

    /// A keyring in memory that records the order of its writes.
    #[derive(Default)]
    struct Recording(Mutex<Vec<(Slot, Option<String>)>>);
    impl TokenVault for Recording {
        fn get(&self, slot: Slot) -> Result<Option<String>, String> {
            let log = self.0.lock().unwrap();
            Ok(log
                .iter()
                .rev()
                .find(|(s, _)| *s == slot)
                .and_then(|(_, v)| v.clone()))
        }
        fn set(&self, slot: Slot, secret: &str) -> Result<(), String> {
            self.0.lock().unwrap().push((slot, Some(secret.to_owned())));
            Ok(())
        }
        fn delete(&self, slot: Slot) -> Result<(), String> {
            self.0.lock().unwrap().push((slot, None));
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_rotated_refresh_token_is_written_first_and_sign_out_forgets_both() {
        let vault = Arc::new(Recording::default());
        let (s, _) = Secrets::open(Some(vault.clone()), None).await;
        s.store_tokens("a1".into(), Some("r1".into()))
            .await
            .unwrap();
        s.store_tokens("a2".into(), Some("r2".into()))
            .await
            .unwrap();
        let log = vault.0.lock().unwrap().clone();
        let r2 = log
            .iter()
            .position(|e| *e == (Slot::Refresh, Some("r2".into())));
        let a2 = log
            .iter()
            .position(|e| *e == (Slot::Access, Some("a2".into())));
        assert!(r2.is_some() && r2 < a2, "{log:?}");
        let (again, _) = Secrets::open(Some(vault.clone()), None).await;
        assert_eq!(again.refresh_token().as_deref(), Some("r2"));
        assert!(!format!("{again:?}").contains("r2"));
        // A pasted token carries no refresh token: the old one goes.
        again.store("pasted".into()).await.unwrap();
        assert_eq!(vault.get(Slot::Refresh).unwrap(), None);
        again.clear().await.unwrap();
        assert_eq!(
            (vault.get(Slot::Access).unwrap(), again.refresh_token()),
            (None, None)
        );
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
