//! Signing in through the browser (PROTOCOL.md "Signing in from the desktop"; RFC 6749,
//! 7636, 8252): discovery, the loopback listener, the opener port, the code exchange and
//! the refresh. No Tauri here; the app calls [`Flow::sign_in`] and [`Flow::refresh`].
//!
//! The protocol is the `oauth2` crate's (PKCE, `state`, the token requests and their error
//! shapes), over the `reqwest` client the link's transport already brings in.

mod discovery;
mod exchange;
mod listener;
mod opener;
mod renewal;

#[cfg(test)]
pub(crate) mod signin_tests;
#[cfg(test)]
mod tls_tests;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use discovery::{discover, Endpoints};
pub use listener::{Answer, Callback, CALLBACK_PATH, DONE_PAGE};
pub use opener::{Opener, XdgOpen};
pub use renewal::{refresh_at, Renewal, TokenHolder};

/// The client id of the desktop app.
pub const CLIENT_ID: &str = "alora-desktop";
/// How long the browser has to come back (the user may have closed the tab), unless the
/// settings say otherwise (`Settings::sign_in_timeout_secs`).
pub const DEFAULT_TIMEOUT_SECS: u32 = 5 * 60;
/// [`DEFAULT_TIMEOUT_SECS`] as a duration.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(DEFAULT_TIMEOUT_SECS as u64);

/// Why a sign-in or a refresh did not give tokens; `Display` is for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The server has neither metadata nor the documented endpoints.
    #[error(
        "this server does not offer sign-in through the browser; paste an access token instead"
    )]
    NoEndpoints,
    /// The user pressed Deny (`error=access_denied`).
    #[error("sign-in was denied in the browser")]
    Denied,
    /// No callback came back in time.
    #[error("no answer from the browser within {} s; the tab may have been closed. Try again.", .0.as_secs())]
    TimedOut(Duration),
    /// The server answered the authorize request or a token request with an OAuth error.
    #[error("the server refused: {0}")]
    Refused(String),
    /// The server could not be reached or answered garbage (TLS errors included).
    #[error("cannot reach the sign-in server: {0}")]
    Server(String),
    /// The browser could not be opened.
    #[error("cannot open the browser: {0}")]
    Open(String),
    /// The loopback listener could not be bound.
    #[error("cannot listen for the browser's answer: {0}")]
    Listen(String),
}

impl SignInError {
    /// The code the UI tells these apart by (`sign_in_no_endpoints` shows the paste field).
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::NoEndpoints => "sign_in_no_endpoints",
            SignInError::Denied => "sign_in_denied",
            SignInError::TimedOut(_) => "sign_in_timeout",
            SignInError::Refused(_) => "sign_in_refused",
            SignInError::Server(_) => "sign_in_server",
            SignInError::Open(_) => "sign_in_open",
            SignInError::Listen(_) => "sign_in_listen",
        }
    }
}

impl From<SignInError> for crate::error::AppError {
    fn from(e: SignInError) -> Self {
        crate::error::AppError::SignIn {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// What a sign-in or a refresh gives. `Debug` never shows the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The JWT the socket sends.
    pub access: String,
    /// The refresh token, when the server gave one.
    pub refresh: Option<String>,
    /// When the access token stops working, from `expires_in`.
    pub expires_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &"<redacted>")
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A reqwest error with its causes, so that a TLS failure says what it is.
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Signs in and refreshes against one server.
#[derive(Clone)]
pub struct Flow {
    http: reqwest::Client,
    opener: Arc<dyn Opener>,
    timeout: Duration,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Flow {
    /// A flow that shows pages with `opener` and waits `timeout` for the browser. The
    /// `extra_roots` (PEM) are trusted besides the system's CAs, as the socket trusts them:
    /// a server behind a company CA signs in as it connects.
    pub fn new(
        opener: Arc<dyn Opener>,
        timeout: Duration,
        extra_roots: &[Vec<u8>],
    ) -> Result<Flow, SignInError> {
        // No redirects: a token endpoint that redirects is not followed (RFC 6749 §3.2).
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30));
        for pem in extra_roots {
            let root = reqwest::Certificate::from_pem(pem).map_err(|e| {
                SignInError::Server(format!("the trusted CA is not a PEM certificate: {e}"))
            })?;
            builder = builder.add_root_certificate(root);
        }
        let http = builder
            .build()
            .map_err(|e| SignInError::Server(describe(&e)))?;
        Ok(Flow {
            http,
            opener,
            timeout,
        })
    }

    /// The whole sign-in: discover, listen, open the browser, take the callback, exchange.
    pub async fn sign_in(&self, server: &str) -> Result<Tokens, SignInError> {
        let endpoints = discover(&self.http, server).await?;
        let state = oauth2::CsrfToken::new_random();
        let callback = Callback::bind(state.secret().clone()).await?;
        let (challenge, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
        let url = exchange::authorize_url(&endpoints, callback.redirect_uri(), state, challenge)?;
        let redirect_uri = callback.redirect_uri().to_owned();
        tracing::info!(server, "sign-in: opening the browser");
        self.opener.open(&url).map_err(SignInError::Open)?;
        match callback.wait(self.timeout).await? {
            Answer::Error(e) if e == "access_denied" => Err(SignInError::Denied),
            Answer::Error(e) => Err(SignInError::Refused(e)),
            Answer::Code(code) => {
                exchange::code(&self.http, &endpoints, &redirect_uri, code, verifier).await
            }
        }
    }

    /// Trades `refresh_token` for new tokens (the refresh token may rotate).
    pub async fn refresh(&self, server: &str, refresh_token: &str) -> Result<Tokens, SignInError> {
        let endpoints = discover(&self.http, server).await?;
        exchange::refresh(&self.http, &endpoints, refresh_token).await
    }
}
