//! Typed settings: stored through tauri-plugin-store (the shell's
//! `plugin_store.rs`; headless, the same JSON file read directly), with the environment and command line laid over
//! them. Overrides are never written back, so an env var cannot leak into
//! the stored file.

use std::sync::{Mutex, PoisonError};

use crate::error::{AppError, AppResult};
use crate::models::{Settings, SettingsPatch};

mod backends;
pub mod secrets;
pub mod token_input;

pub use backends::{JsonFile, MemoryBackend, SettingsBackend};

/// The store file (under the app data dir) and the key settings live in.
pub const STORE_FILE: &str = "settings.json";
/// The key, in the store file, of the settings object.
pub const KEY: &str = "settings";
/// Read once at start and taken out of the environment (`take_env_token`).
pub const TOKEN_ENV: &str = "ALORA_TOKEN";

/// What the environment and the command line impose for this run.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub server_url: Option<String>,
    pub socket_path: Option<String>,
    /// Kept in memory only, never in the keyring.
    pub token: Option<String>,
    pub demo: bool,
    /// `--ca-cert FILE`: a CA trusted for this run, over the setting.
    pub ca_cert: Option<String>,
}

impl std::fmt::Debug for Overrides {
    // By hand, so that the token never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overrides")
            .field("server_url", &self.server_url)
            .field("socket_path", &self.socket_path)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("demo", &self.demo)
            .field("ca_cert", &self.ca_cert)
            .finish()
    }
}

impl Overrides {
    /// `ALORA_SOCKET_SERVER_URL`, `ALORA_SOCKET_PATH`, `ALORA_TOKEN`,
    /// `ALORA_USE_MOCK_SOCKET`, read through `get` so tests need no real env.
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| {
            get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Overrides {
            server_url: non_empty("ALORA_SOCKET_SERVER_URL"),
            socket_path: non_empty("ALORA_SOCKET_PATH"),
            token: non_empty(TOKEN_ENV),
            demo: non_empty("ALORA_USE_MOCK_SOCKET").is_some_and(|v| {
                matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
            }),
            ca_cert: None,
        }
    }

    pub fn from_env() -> Self {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// The command line wins over the environment.
    pub fn with(mut self, over: Overrides) -> Self {
        self.server_url = over.server_url.or(self.server_url);
        self.socket_path = over.socket_path.or(self.socket_path);
        self.token = over.token.or(self.token);
        self.demo |= over.demo;
        self.ca_cert = over.ca_cert.or(self.ca_cert);
        self
    }
}

/// A browser sign-in gets from half a minute (a password manager fills the form) to an
/// hour (a second factor on another device, a help desk on the phone).
pub const SIGN_IN_TIMEOUT_SECS: std::ops::RangeInclusive<u32> = 30..=3600;

pub struct SettingsStore {
    backend: Box<dyn SettingsBackend>,
    stored: Mutex<Settings>,
    overrides: Overrides,
}

impl std::fmt::Debug for SettingsStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SettingsStore")
            .field("stored", &self.stored)
            .finish_non_exhaustive()
    }
}

impl SettingsStore {
    /// Loads what is stored; a broken file falls back to the defaults (and
    /// is reported) rather than stopping the app.
    pub fn load(backend: Box<dyn SettingsBackend>, overrides: Overrides) -> (Self, Option<String>) {
        let (stored, problem) = match backend.load() {
            Ok(Some(v)) => match serde_json::from_value::<Settings>(v) {
                Ok(s) => (s, None),
                Err(e) => (
                    Settings::default(),
                    Some(format!("stored settings are unreadable: {e}")),
                ),
            },
            Ok(None) => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!("settings could not be read: {e}")),
            ),
        };
        let store = SettingsStore {
            backend,
            stored: Mutex::new(stored),
            overrides,
        };
        (store, problem)
    }

    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// The stored settings with this run's overrides applied.
    pub fn effective(&self) -> Settings {
        let mut s = self
            .stored
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(url) = &self.overrides.server_url {
            s.server_url = url.clone();
        }
        if let Some(path) = &self.overrides.socket_path {
            s.socket_path = path.clone();
        }
        if let Some(ca) = &self.overrides.ca_cert {
            s.ca_cert = Some(ca.clone());
        }
        s
    }

    /// Applies a patch, stores it, and returns the effective settings.
    pub fn update(&self, patch: SettingsPatch) -> AppResult<Settings> {
        if let Some(url) = patch
            .server_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            let probe = alora_link::LinkConfig {
                server_url: url.to_owned(),
                ..Default::default()
            };
            probe.endpoint()?;
        }
        if let Some(a) = &patch.attention {
            a.check()?;
        }
        if let Some(secs) = patch.sign_in_timeout_secs {
            if !SIGN_IN_TIMEOUT_SECS.contains(&secs) {
                return Err(AppError::InvalidInput(format!(
                    "the sign-in timeout must be {} to {} seconds",
                    SIGN_IN_TIMEOUT_SECS.start(),
                    SIGN_IN_TIMEOUT_SECS.end()
                )));
            }
        }
        let mut stored = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = stored.clone();
        apply(&mut next, patch);
        let value = serde_json::to_value(&next).map_err(|e| AppError::Storage(e.to_string()))?;
        self.backend.save(&value).map_err(AppError::Storage)?;
        *stored = next;
        drop(stored);
        Ok(self.effective())
    }
}

/// The host a server URL names (lowercase), `None` for no usable URL.
pub fn server_host(url: &str) -> Option<String> {
    let probe = alora_link::LinkConfig {
        server_url: url.to_owned(),
        ..Default::default()
    };
    Some(probe.endpoint().ok()?.host_str()?.to_ascii_lowercase())
}

/// Whether `after` names another host than `before`: the stored token was
/// given for `before`'s server, and must not be sent to another one.
pub fn moves_host(before: &str, after: &str) -> bool {
    match (server_host(before), server_host(after)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}

fn apply(s: &mut Settings, patch: SettingsPatch) {
    if let Some(v) = patch.server_url {
        s.server_url = v.trim().to_owned();
    }
    if let Some(v) = patch.socket_path {
        s.socket_path = v.trim().to_owned();
    }
    if let Some(v) = patch.ca_cert {
        s.ca_cert = v.map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
    }
    if let Some(v) = patch.user_id {
        s.user_id = v.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    }
    if let Some(p) = patch.popups {
        let f = &mut s.popups;
        p.apply_to([
            &mut f.booking_request,
            &mut f.new_notification,
            &mut f.booking_updated,
            &mut f.new_message,
            &mut f.user_online,
            &mut f.user_offline,
        ]);
    }
    if let Some(v) = patch.sign_in_timeout_secs {
        s.sign_in_timeout_secs = v;
    }
    if let Some(v) = patch.dnd {
        s.dnd = v;
    }
    if let Some(v) = patch.start_at_login {
        s.start_at_login = v;
    }
    if let Some(a) = patch.attention {
        a.apply(&mut s.attention);
    }
}

/// `ALORA_TOKEN`, read once and taken out of the environment. Call before
/// any thread starts: `remove_var` races with a `getenv` elsewhere.
pub fn take_env_token() -> Option<String> {
    let token = Overrides::from_env().token;
    std::env::remove_var(TOKEN_ENV);
    token
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
