//! Finding the sign-in endpoints of a server: RFC 8414 metadata, else the paths PROTOCOL.md
//! documents, probed, so that a server without them is told apart (it gets the paste field).

use serde::Deserialize;

use super::SignInError;

/// Where to send the browser and where to trade codes for tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorize: String,
    pub token: String,
}

#[derive(Deserialize)]
struct Metadata {
    authorization_endpoint: String,
    token_endpoint: String,
}

/// The metadata's endpoints, else `/oauth/authorize` and `/oauth/token` when the token
/// endpoint answers an empty request as OAuth does (a JSON `error`); else `NoEndpoints`.
pub async fn discover(http: &reqwest::Client, base: &str) -> Result<Endpoints, SignInError> {
    let base = base.trim_end_matches('/');
    let meta = http
        .get(format!("{base}/.well-known/oauth-authorization-server"))
        .send()
        .await
        .map_err(unreachable)?;
    if meta.status().is_success() {
        let text = meta.text().await.map_err(unreachable)?;
        if let Ok(m) = serde_json::from_str::<Metadata>(&text) {
            return Ok(Endpoints {
                authorize: m.authorization_endpoint,
                token: m.token_endpoint,
            });
        }
        tracing::warn!(
            "sign-in: the server's metadata is not RFC 8414; trying the documented paths"
        );
    }
    let token = format!("{base}/oauth/token");
    let probe = http
        .post(&token)
        .form(&[("client_id", super::CLIENT_ID)])
        .send()
        .await
        .map_err(unreachable)?;
    let oauth_like = matches!(probe.status().as_u16(), 400 | 401)
        && probe
            .text()
            .await
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("error").is_some_and(serde_json::Value::is_string));
    if oauth_like {
        Ok(Endpoints {
            authorize: format!("{base}/oauth/authorize"),
            token,
        })
    } else {
        Err(SignInError::NoEndpoints)
    }
}

fn unreachable(e: reqwest::Error) -> SignInError {
    SignInError::Server(super::describe(&e))
}
