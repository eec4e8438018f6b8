//! Keeping the access token fresh: one task refreshes it shortly before its `exp` (at once
//! when it is already near or past it), hands the new tokens on, and asks for a new sign-in
//! when the server refuses or there is no refresh token. [`Renewal`] owns the task; dropping
//! it stops the renewing.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use super::{Flow, SignInError, Tokens};

/// The most a refresh is made ahead of `exp`.
const AHEAD: Duration = Duration::from_secs(60);
/// The wait before retrying a refresh that could not reach the server.
const RETRY: Duration = Duration::from_secs(15);

/// What the renewal needs from the app: the tokens as they are, and where the new ones go.
pub trait TokenHolder: Send + Sync + 'static {
    /// The current refresh token.
    fn refresh_token(&self) -> Option<String>;
    /// When the current access token expires (`None`: it does not, nothing to renew).
    fn expires_at(&self) -> Option<DateTime<Utc>>;
    /// Keeps the new tokens (refresh token first) and gives the link the new access token.
    fn renewed(&self, tokens: Tokens) -> impl Future<Output = ()> + Send;
    /// The tokens cannot be renewed: the user has to sign in again (told once per task).
    fn sign_in_again(&self, why: SignInError);
}

/// When to refresh a token expiring at `exp`, seen at `now`: half its remaining life ahead,
/// at most [`AHEAD`]; `now` when that is already past.
pub fn refresh_at(now: DateTime<Utc>, exp: DateTime<Utc>) -> DateTime<Utc> {
    let left = (exp - now).max(chrono::Duration::zero());
    let ahead = (left / 2).min(chrono::Duration::from_std(AHEAD).unwrap_or(left));
    (exp - ahead).max(now)
}

/// The renewing task for one server's tokens.
#[derive(Debug)]
pub struct Renewal {
    task: JoinHandle<()>,
}

impl Drop for Renewal {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Renewal {
    /// Starts renewing for `server` with `flow`.
    pub fn start<H: TokenHolder>(flow: Flow, server: String, holder: H) -> Renewal {
        Renewal {
            task: tokio::spawn(run(flow, server, holder)),
        }
    }

    /// Whether the task has ended (signed out of renewing: no exp, or sign in again).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

async fn run<H: TokenHolder>(flow: Flow, server: String, holder: H) {
    loop {
        let Some(exp) = holder.expires_at() else {
            return;
        };
        let now = Utc::now();
        let wait = (refresh_at(now, exp) - now).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        let Some(refresh) = holder.refresh_token() else {
            tracing::info!("the access token expires and there is no refresh token");
            holder.sign_in_again(SignInError::Refused("no refresh token".into()));
            return;
        };
        match flow.refresh(&server, &refresh).await {
            Ok(tokens) => {
                tracing::info!(expires_at = ?tokens.expires_at, "the access token was renewed");
                holder.renewed(tokens).await;
            }
            Err(SignInError::Server(e)) => {
                // The network, not the grant: the refresh token is still good.
                tracing::warn!(error = %e, "cannot renew the access token yet; retrying");
                tokio::time::sleep(RETRY).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the access token cannot be renewed");
                holder.sign_in_again(e);
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn refreshes_ahead_of_exp_and_at_once_when_late() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let s = chrono::Duration::seconds;
        assert_eq!(refresh_at(now, now + s(3600)), now + s(3540));
        assert_eq!(refresh_at(now, now + s(4)), now + s(2));
        assert_eq!(refresh_at(now, now - s(10)), now);
        assert_eq!(refresh_at(now, now), now);
    }
}
