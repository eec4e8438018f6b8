//! JWTs (HS256): minting tokens for tests and checking the handshake auth object.
//!
//! The rejection texts are those of the Node backend (`jsonwebtoken`): `unauthorized` when no
//! token was sent, `jwt expired` for an expired one, `invalid token` for anything else.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The claims the backend puts in (and reads from) a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The subject: the user id.
    #[serde(default)]
    pub sub: Option<String>,
    /// The user id again, as the Alora backend's tokens carry it.
    #[serde(rename = "userId", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Issued at (seconds since the epoch).
    #[serde(default)]
    pub iat: Option<i64>,
    /// Expiry (seconds since the epoch).
    #[serde(default)]
    pub exp: Option<i64>,
}

impl Claims {
    /// The user the token speaks for: `userId`, else `sub`.
    pub fn user(&self) -> Option<&str> {
        self.user_id
            .as_deref()
            .or(self.sub.as_deref())
            .filter(|u| !u.is_empty())
    }
}

/// Why a handshake was refused; `Display` is the text sent in the Socket.IO `CONNECT_ERROR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token in the auth object.
    #[error("unauthorized")]
    Missing,
    /// The token has expired.
    #[error("jwt expired")]
    Expired,
    /// Bad signature, garbage, or no user in the claims.
    #[error("invalid token")]
    Invalid,
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn sign(secret: &[u8], claims: &Claims) -> String {
    match jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    ) {
        Ok(token) => token,
        Err(e) => {
            tracing::error!(error = %e, "cannot sign a JWT");
            String::new()
        }
    }
}

/// An HS256 token for `user_id` (claims `sub`, `userId`, `iat`, `exp`), valid for `ttl`.
pub fn mint_token(secret: &[u8], user_id: &str, ttl: Duration) -> String {
    let iat = now_secs();
    let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
    sign(
        secret,
        &Claims {
            sub: Some(user_id.to_owned()),
            user_id: Some(user_id.to_owned()),
            iat: Some(iat),
            exp: Some(iat.saturating_add(ttl)),
        },
    )
}

/// An HS256 token for `user_id` that expired an hour ago (issued two hours ago).
pub fn mint_expired_token(secret: &[u8], user_id: &str) -> String {
    let now = now_secs();
    sign(
        secret,
        &Claims {
            sub: Some(user_id.to_owned()),
            user_id: Some(user_id.to_owned()),
            iat: Some(now - 7200),
            exp: Some(now - 3600),
        },
    )
}

/// Checks a token's signature and expiry (no leeway, `exp` optional, as Node's `jwt.verify`).
pub fn verify_token(secret: &[u8], token: &str) -> Result<Claims, AuthError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.required_spec_claims.clear();
    validation.validate_exp = true;
    match jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation) {
        Ok(data) => Ok(data.claims),
        Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => Err(AuthError::Expired),
        Err(_) => Err(AuthError::Invalid),
    }
}

/// What an accepted handshake carried.
#[derive(Debug, Clone)]
pub(crate) struct Handshake {
    pub user_id: String,
    pub since: Option<DateTime<Utc>>,
    /// `{"token", "since", "header"}` as reported in `BackendEvent::Accepted`.
    pub auth: Value,
}

/// Checks the handshake auth object (`{"token": .., "since"?: ..}`); `header` says whether the
/// opening request carried an `Authorization: Bearer` header (informational only).
pub(crate) fn check_handshake(
    secret: &[u8],
    auth: &Value,
    header: bool,
) -> Result<Handshake, AuthError> {
    let token = match auth.get("token").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => t,
        _ => return Err(AuthError::Missing),
    };
    let claims = verify_token(secret, token)?;
    let user_id = claims.user().ok_or(AuthError::Invalid)?.to_owned();
    let since_raw = auth.get("since").cloned().unwrap_or(Value::Null);
    let since = since_raw
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc));
    Ok(Handshake {
        user_id,
        since,
        auth: serde_json::json!({ "token": token, "since": since_raw, "header": header }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_rejections() {
        let key = b"k1";
        let good = mint_token(key, "u1", Duration::from_secs(60));
        let hs = check_handshake(key, &json!({ "token": good }), true);
        assert_eq!(hs.map(|h| h.user_id).ok().as_deref(), Some("u1"));
        assert_eq!(
            check_handshake(key, &json!({}), false).err(),
            Some(AuthError::Missing)
        );
        assert_eq!(
            check_handshake(key, &json!({ "token": "garbage" }), false).err(),
            Some(AuthError::Invalid)
        );
        let other = mint_token(b"k2", "u1", Duration::from_secs(60));
        assert_eq!(verify_token(key, &other).err(), Some(AuthError::Invalid));
        let old = mint_expired_token(key, "u1");
        assert_eq!(verify_token(key, &old).err(), Some(AuthError::Expired));
        assert_eq!(AuthError::Expired.to_string(), "jwt expired");
    }

    #[test]
    fn since_is_parsed() {
        let key = b"k";
        let t = mint_token(key, "u9", Duration::from_secs(60));
        let hs = check_handshake(
            key,
            &json!({ "token": t, "since": "2024-01-02T03:04:05Z" }),
            false,
        );
        assert!(hs.is_ok_and(|h| h.since.is_some() && h.user_id == "u9"));
    }
}
