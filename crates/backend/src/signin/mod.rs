//! The sign-in endpoints of PROTOCOL.md "Signing in from the desktop": RFC 8414 metadata,
//! `/oauth/authorize` (a small login page for the configured users) and `/oauth/token`
//! (authorization code with PKCE S256, refresh with rotation).

mod endpoints;
mod grants;
mod page;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;

use grants::Grants;

/// The client id the desktop app uses.
pub const DESKTOP_CLIENT_ID: &str = "alora-desktop";
/// The user the demo signs in as, with [`DEMO_PASSWORD`].
pub const DEMO_LOGIN: &str = "demo";
/// The demo user's password (it is a demo: the page says so).
pub const DEMO_PASSWORD: &str = "demo";

/// How the embedded backend signs people in.
#[derive(Debug, Clone)]
pub struct SignInConfig {
    /// `(login, password, user id)` triples the login page accepts.
    pub users: Vec<(String, String, String)>,
    /// The lifetime of an access token (`expires_in`). Default one hour; tests make it short.
    pub access_ttl: Duration,
    /// Whether the token endpoint hands out refresh tokens. Default true.
    pub refresh_tokens: bool,
}

impl Default for SignInConfig {
    fn default() -> Self {
        Self {
            users: vec![(
                DEMO_LOGIN.to_owned(),
                DEMO_PASSWORD.to_owned(),
                "demo-user".to_owned(),
            )],
            access_ttl: Duration::from_secs(3600),
            refresh_tokens: true,
        }
    }
}

/// What the endpoints share: the config, the JWT key, the grants and the base URL.
#[derive(Debug, Clone)]
pub(crate) struct SignIn {
    pub cfg: Arc<SignInConfig>,
    pub secret: Arc<[u8]>,
    pub grants: Arc<Grants>,
    /// `http://127.0.0.1:PORT`: the issuer and the metadata's endpoints.
    pub base: Arc<str>,
}

impl SignIn {
    pub(crate) fn new(cfg: SignInConfig, secret: Arc<[u8]>, base: String) -> Self {
        Self {
            cfg: Arc::new(cfg),
            secret,
            grants: Arc::new(Grants::default()),
            base: Arc::from(base),
        }
    }

    /// Forgets every refresh token handed out (tests: a refused refresh).
    pub(crate) fn revoke_refresh_tokens(&self) {
        self.grants.revoke_all_refresh();
    }

    pub(crate) fn routes(&self) -> Router {
        Router::new()
            .route(
                "/.well-known/oauth-authorization-server",
                get(endpoints::metadata),
            )
            .route(
                "/oauth/authorize",
                get(endpoints::authorize_page).post(endpoints::authorize_submit),
            )
            .route("/oauth/token", axum::routing::post(endpoints::token))
            .with_state(self.clone())
    }
}
