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

    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|exp| exp <= now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

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
        assert!(!c.is_expired_at(Utc.timestamp_opt(1_999_999_999, 0).unwrap()));
        assert!(c.is_expired_at(Utc.timestamp_opt(2_000_000_000, 0).unwrap()));
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
