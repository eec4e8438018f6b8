//! Signing in through the browser and keeping the tokens fresh, as the core does it: the
//! flow of `crate::signin` over this core's settings, keyring, link and shell.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use alora_link::TokenClaims;
use chrono::{DateTime, Utc};

use crate::app::state::{lock, Core, Inner};
use crate::error::{AppError, AppResult};
use crate::models::Problem;
use std::time::Duration;

use crate::signin::{Flow, Renewal, SignInError, TokenHolder, Tokens, DEFAULT_TIMEOUT};

impl Core {
    /// Opens the browser on the server's sign-in page, waits for its answer, keeps the
    /// tokens, connects, and brings the window to the front.
    pub async fn sign_in_browser(&self) -> AppResult<()> {
        if self.inner.demo_mode {
            return Err(AppError::Unavailable(
                "the demo is signed in already".into(),
            ));
        }
        let settings = self.inner.settings.effective();
        let server = settings.server_url;
        if server.trim().is_empty() {
            return Err(AppError::InvalidInput(
                "set the server address first".into(),
            ));
        }
        let timeout = Duration::from_secs(settings.sign_in_timeout_secs.into());
        let roots = self.trusted_ca(settings.ca_cert.as_deref());
        let flow = Flow::new(self.inner.opener.clone(), timeout, &roots)?;
        let tokens = match flow.sign_in(&server).await {
            Ok(tokens) => tokens,
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "sign-in through the browser failed");
                return Err(e.into());
            }
        };
        self.keep(tokens).await?;
        self.inner.told_sign_in_again.store(false, Ordering::SeqCst);
        self.connect().await?;
        self.start_renewal();
        if let Err(e) = self.shell().open(None) {
            tracing::debug!(error = %e, "no window to bring to the front");
        }
        tracing::info!("signed in through the browser");
        Ok(())
    }

    /// Starts [`Core::sign_in_browser`] without waiting for it (tray menu, `alora-tray
    /// sign-in`); how it ended is told as a problem.
    pub fn sign_in_browser_later(&self) {
        let core = self.clone();
        self.spawn(async move {
            if let Err(e) = core.sign_in_browser().await {
                core.problem(e.body());
            }
        });
    }

    async fn keep(&self, tokens: Tokens) -> AppResult<()> {
        if let Some(problem) = self
            .inner
            .secrets
            .store_tokens(tokens.access, tokens.refresh)
            .await?
        {
            self.problem(problem);
        }
        Ok(())
    }

    /// Starts (or restarts) renewing the stored token, when it has an `exp`.
    pub(crate) fn start_renewal(&self) {
        let settings = self.inner.settings.effective();
        let server = settings.server_url;
        if server.trim().is_empty() || self.inner.secrets.token().is_none() {
            return;
        }
        // A refresh opens no browser: the timeout is not used.
        let roots = self.trusted_ca(settings.ca_cert.as_deref());
        let flow = match Flow::new(self.inner.opener.clone(), DEFAULT_TIMEOUT, &roots) {
            Ok(flow) => flow,
            Err(e) => {
                tracing::warn!(error = %e, "the token will not be renewed");
                return;
            }
        };
        let holder = Holder(Arc::downgrade(&self.inner));
        *lock(&self.inner.renewal) = Some(Renewal::start(flow, server, holder));
    }

    /// Stops renewing (sign out).
    pub(crate) fn stop_renewal(&self) {
        lock(&self.inner.renewal).take();
    }
}

/// The renewal's view of the core; weak, so that the core (which owns the renewal) can go.
struct Holder(Weak<Inner>);

impl Holder {
    fn core(&self) -> Option<Core> {
        self.0.upgrade().map(|inner| Core { inner })
    }
}

impl TokenHolder for Holder {
    fn refresh_token(&self) -> Option<String> {
        self.core()?.inner.secrets.refresh_token()
    }

    fn expires_at(&self) -> Option<DateTime<Utc>> {
        TokenClaims::read(&self.core()?.inner.secrets.token()?).expires_at
    }

    async fn renewed(&self, tokens: Tokens) {
        let Some(core) = self.core() else {
            return;
        };
        let access = tokens.access.clone();
        if let Err(e) = core.keep(tokens).await {
            tracing::warn!(error = %e, "the renewed token could not be kept");
            return;
        }
        // The link reconnects with it; its outbox waits and is sent after the handshake.
        if let Err(e) = core.inner.link.set_token(Some(access)).await {
            tracing::warn!(error = %e, "the link did not take the renewed token");
        }
    }

    fn sign_in_again(&self, why: SignInError) {
        let Some(core) = self.core() else {
            return;
        };
        if core.inner.told_sign_in_again.swap(true, Ordering::SeqCst) {
            return;
        }
        let message = format!("Sign in again: the session cannot be renewed ({why}).");
        core.problem(Problem::new("sign_in_again", message));
        core.refresh_tray();
    }
}
