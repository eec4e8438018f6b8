//! What the client may read from a JWT without verifying it: who it is for
//! and when it expires. The server remains the judge of validity.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

/// The claims the client cares about. A token that is not a readable JWT
/// (an opaque token) yields all `None`: it is still sent, and the server
/// decides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    pub user_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct RawClaims {
    #[serde(default)]
    sub: Option<Value>,
    #[serde(default, rename = "userId")]
    user_id: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
}

fn id_of(v: Option<Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl TokenClaims {
    pub fn read(token: &str) -> TokenClaims {
        let Ok(data) = jsonwebtoken::dangerous::insecure_decode::<RawClaims>(token) else {
            return TokenClaims::default();
        };
        let claims = data.claims;
        let expires_at = claims
            .exp
            .and_then(|v| v.as_f64())
            .and_then(|secs| Utc.timestamp_opt(secs as i64, 0).single());
        TokenClaims {
            user_id: id_of(claims.user_id).or_else(|| id_of(claims.sub)),
            expires_at,
        }
    }

    /// When the token counts as expired: `exp` plus `leeway`, for a clock
    /// somewhat fast (the server decides). `None` without `exp`, or past
    /// what a date can hold.
    pub fn expiry_deadline(&self, leeway: std::time::Duration) -> Option<DateTime<Utc>> {
        let leeway = chrono::Duration::from_std(leeway).ok()?;
        self.expires_at?.checked_add_signed(leeway)
    }

    /// Whether the token is past `exp` plus `leeway` at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>, leeway: std::time::Duration) -> bool {
        self.expiry_deadline(leeway)
            .is_some_and(|deadline| deadline <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    const NO_LEEWAY: std::time::Duration = std::time::Duration::ZERO;

    fn jwt(claims: Value) -> String {
        encode(&Header::default(), &claims, &EncodingKey::from_secret(b"k")).unwrap_or_default()
    }

    #[test]
    fn reads_user_and_expiry_without_the_key() {
        let c = TokenClaims::read(&jwt(
            json!({"sub": "s1", "userId": 42, "exp": 2_000_000_000}),
        ));
        assert_eq!(c.user_id.as_deref(), Some("42"));
        assert_eq!(c.expires_at.map(|t| t.timestamp()), Some(2_000_000_000));
        assert!(!c.is_expired_at(Utc.timestamp_opt(1_999_999_999, 0).unwrap(), NO_LEEWAY));
        assert!(c.is_expired_at(Utc.timestamp_opt(2_000_000_000, 0).unwrap(), NO_LEEWAY));
    }

    #[test]
    fn falls_back_to_sub_and_tolerates_opaque_tokens() {
        let c = TokenClaims::read(&jwt(json!({"sub": "u7"})));
        assert_eq!(c.user_id.as_deref(), Some("u7"));
        assert_eq!(c.expires_at, None);
        assert_eq!(TokenClaims::read("not-a-jwt"), TokenClaims::default());
        assert_eq!(TokenClaims::read("a.b.c"), TokenClaims::default());
    }
}

#[cfg(test)]
mod leeway_tests {
    use super::*;
    use std::time::Duration;

    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    fn expiring_at(secs: i64) -> TokenClaims {
        TokenClaims {
            user_id: None,
            expires_at: Some(at(secs)),
        }
    }

    #[test]
    fn a_clock_a_few_minutes_fast_still_sends_the_token() {
        let c = expiring_at(2_000_000_000);
        // Four minutes past `exp` by a fast clock: the server decides.
        assert!(!c.is_expired_at(at(2_000_000_000 + 240), FIVE_MINUTES));
        assert!(!c.is_expired_at(at(2_000_000_000 + 299), FIVE_MINUTES));
        // Past the leeway: expired, never sent.
        assert!(c.is_expired_at(at(2_000_000_000 + 300), FIVE_MINUTES));
        assert!(c.is_expired_at(at(2_000_000_000 + 3600), FIVE_MINUTES));
        assert!(!c.is_expired_at(at(1_999_999_000), FIVE_MINUTES));
    }

    #[test]
    fn the_deadline_is_exp_plus_the_leeway_and_never_overflows() {
        let c = expiring_at(2_000_000_000);
        assert_eq!(c.expiry_deadline(FIVE_MINUTES), Some(at(2_000_000_300)));
        assert_eq!(c.expiry_deadline(Duration::ZERO), Some(at(2_000_000_000)));
        assert_eq!(TokenClaims::default().expiry_deadline(FIVE_MINUTES), None);
        assert!(!TokenClaims::default().is_expired_at(at(i32::MAX.into()), FIVE_MINUTES));
        // A leeway too large for chrono: the deadline is never reached.
        assert!(!c.is_expired_at(at(4_000_000_000), Duration::MAX));
    }
}
