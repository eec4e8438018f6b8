//! The one-time codes and refresh tokens the sign-in endpoints have handed out.
//!
//! A code is taken (removed) by its one exchange; a refresh token is taken by its one use,
//! so a rotated-away token is refused afterwards (RFC 6749 §10.4, refresh token rotation).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a code waits for its exchange (RFC 6749 §4.1.2 advises ten minutes at most).
const CODE_TTL: Duration = Duration::from_secs(120);

/// What an authorization code was issued for.
#[derive(Debug, Clone)]
pub(crate) struct CodeGrant {
    pub user: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    issued: Instant,
}

impl CodeGrant {
    pub(crate) fn new(user: &str, client_id: &str, redirect_uri: &str, challenge: &str) -> Self {
        Self {
            user: user.to_owned(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            issued: Instant::now(),
        }
    }
}

/// What a refresh token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct RefreshGrant {
    pub user: String,
    pub client_id: String,
}

/// Codes and refresh tokens, each usable once.
#[derive(Debug, Default)]
pub(crate) struct Grants {
    codes: Mutex<HashMap<String, CodeGrant>>,
    refresh: Mutex<HashMap<String, RefreshGrant>>,
}

/// 32 random bytes, base64url: a code or a refresh token.
pub(crate) fn random_secret_string() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(verifier)) == challenge`.
pub(crate) fn s256_matches(verifier: &str, challenge: &str) -> bool {
    // §4.1: 43 to 128 characters of the unreserved set.
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

impl Grants {
    pub(crate) fn issue_code(&self, grant: CodeGrant) -> String {
        let code = random_secret_string();
        let mut codes = lock(&self.codes);
        codes.retain(|_, g| g.issued.elapsed() < CODE_TTL);
        codes.insert(code.clone(), grant);
        code
    }

    /// The code's grant, removed whatever the caller then decides: a code is tried once.
    pub(crate) fn take_code(&self, code: &str) -> Option<CodeGrant> {
        lock(&self.codes)
            .remove(code)
            .filter(|g| g.issued.elapsed() < CODE_TTL)
    }

    pub(crate) fn issue_refresh(&self, grant: RefreshGrant) -> String {
        let token = random_secret_string();
        lock(&self.refresh).insert(token.clone(), grant);
        token
    }

    pub(crate) fn take_refresh(&self, token: &str) -> Option<RefreshGrant> {
        lock(&self.refresh).remove(token)
    }

    /// Forgets every refresh token, as a server-side sign-out everywhere would.
    pub(crate) fn revoke_all_refresh(&self) {
        lock(&self.refresh).clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!s256_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn codes_and_refresh_tokens_are_single_use() {
        let g = Grants::default();
        let code = g.issue_code(CodeGrant::new("u", "c", "http://127.0.0.1:1/callback", "x"));
        assert!(g.take_code(&code).is_some());
        assert!(g.take_code(&code).is_none());
        let rt = g.issue_refresh(RefreshGrant {
            user: "u".into(),
            client_id: "c".into(),
        });
        assert!(g.take_refresh(&rt).is_some_and(|r| r.user == "u"));
        assert!(g.take_refresh(&rt).is_none());
    }
}
