//! The app's one error type. It reaches the UI (and a forwarded CLI call) as
//! `{ "code": string, "message": string }`, never as a bare string.

use alora_link::LinkError;
use serde::{Serialize, Serializer};

use crate::models::Problem;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The history's database (not the settings: see `Storage`).
    #[error(transparent)]
    Store(#[from] alora_store::StoreError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("settings could not be stored: {0}")]
    Storage(String),
    #[error("the keyring failed: {0}")]
    Keyring(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("the demo backend could not start: {0}")]
    Demo(String),
    /// Signing in through the browser did not give tokens (`code` is `sign_in_*`,
    /// from `signin::SignInError`).
    #[error("{message}")]
    SignIn { code: &'static str, message: String },
    #[error("Alora Tray is not running")]
    NotRunning,
    #[error("talking to the running instance failed: {0}")]
    Forward(String),
    /// An error that came back from the running instance, as it was.
    #[error("{message}")]
    Remote { code: String, message: String },
}

impl AppError {
    /// A short machine-readable code, stable across releases.
    pub fn code(&self) -> &str {
        match self {
            AppError::Link(e) => e.code(),
            AppError::Store(e) => e.code(),
            AppError::InvalidInput(_) => "invalid_input",
            AppError::UnknownEvent(_) => "unknown_event",
            AppError::Storage(_) => "storage",
            AppError::Keyring(_) => "keyring",
            AppError::Unavailable(_) => "unavailable",
            AppError::Demo(_) => "demo",
            AppError::SignIn { code, .. } => code,
            AppError::NotRunning => "not_running",
            AppError::Forward(_) => "forward",
            AppError::Remote { code, .. } => code,
        }
    }

    /// The wire shape of an error: the same `{code, message}` as a problem
    /// the app reports by itself.
    pub fn body(&self) -> Problem {
        Problem::new(self.code(), self.to_string())
    }
}

impl From<Problem> for AppError {
    fn from(body: Problem) -> Self {
        AppError::Remote {
            code: body.code,
            message: body.message,
        }
    }
}

impl Serialize for AppError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.body().serialize(s)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_code_and_message() {
        let e = AppError::UnknownEvent("register".into());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"code": "unknown_event", "message": "unknown event \"register\""})
        );
        let v = serde_json::to_value(AppError::from(LinkError::NoToken)).unwrap();
        assert_eq!(v["code"], "no_token");
    }
}
