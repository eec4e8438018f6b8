//! The sign-in endpoints over real HTTP: a plain client plays the browser (it posts the login
//! form and reads the redirect) and the desktop app (it exchanges the code and refreshes).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use alora_backend::{verify_token, Backend, BackendConfig, SignInConfig, DESKTOP_CLIENT_ID};
use anyhow::{anyhow, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const REDIRECT: &str = "http://127.0.0.1:45678/callback";

fn http() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(Policy::none())
        .build()?)
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn authorize_params(state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", DESKTOP_CLIENT_ID.into()),
        ("redirect_uri", REDIRECT.into()),
        ("state", state.into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
    ]
}

/// Posts the login form as the browser would; returns the redirect's query.
async fn submit(
    b: &Backend,
    state: &str,
    extra: &[(&str, &str)],
) -> Result<HashMap<String, String>> {
    let mut form = authorize_params(state);
    form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let res = http()?
        .post(format!("{}/oauth/authorize", b.url()))
        .form(&form)
        .send()
        .await?;
    let location = res
        .headers()
        .get("location")
        .ok_or_else(|| anyhow!("no redirect, status {}", res.status()))?
        .to_str()?;
    let to = url::Url::parse(location)?;
    assert_eq!(
        format!("{}://{}{}", to.scheme(), to.authority(), to.path()),
        REDIRECT
    );
    Ok(to.query_pairs().into_owned().collect())
}

async fn token(b: &Backend, form: &[(&str, &str)]) -> Result<(u16, Value)> {
    let res = http()?
        .post(format!("{}/oauth/token", b.url()))
        .form(form)
        .send()
        .await?;
    let status = res.status().as_u16();
    Ok((status, serde_json::from_str(&res.text().await?)?))
}

async fn exchange(b: &Backend, code: &str, verifier: &str) -> Result<(u16, Value)> {
    token(
        b,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", DESKTOP_CLIENT_ID),
            ("code_verifier", verifier),
        ],
    )
    .await
}

async fn refresh(b: &Backend, refresh_token: &str) -> Result<(u16, Value)> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", DESKTOP_CLIENT_ID),
    ];
    token(b, &form).await
}

fn login() -> [(&'static str, &'static str); 3] {
    [
        ("username", "demo"),
        ("password", "demo"),
        ("action", "allow"),
    ]
}

#[tokio::test]
async fn metadata_names_the_documented_paths() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let meta: Value = http()?
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            b.url()
        ))
        .send()
        .await?
        .json_text()
        .await?;
    assert_eq!(
        meta["authorization_endpoint"],
        json!(format!("{}/oauth/authorize", b.url()))
    );
    assert_eq!(
        meta["token_endpoint"],
        json!(format!("{}/oauth/token", b.url()))
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    let page = http()?
        .get(format!("{}/oauth/authorize", b.url()))
        .query(&authorize_params("s1"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains(r#"name="password""#) && page.contains(r#"value="s1""#));
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn code_with_pkce_then_rotating_refresh() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let back = submit(&b, "st-1", &login()).await?;
    assert_eq!(back.get("state").map(String::as_str), Some("st-1"));
    let code = back.get("code").context("no code")?.clone();

    let other = "x".repeat(43);
    let (status, body) = exchange(&b, &code, &other).await?;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("invalid_grant"))
    );
    // The failed try used the code up.
    let (status, _) = exchange(&b, &code, VERIFIER).await?;
    assert_eq!(status, 400);

    let code = submit(&b, "st-2", &login()).await?["code"].clone();
    let (status, body) = exchange(&b, &code, VERIFIER).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], json!("Bearer"));
    let access = body["access_token"].as_str().context("no access token")?;
    let claims = verify_token(b.secret(), access)?;
    assert_eq!(claims.user(), Some("demo-user"));
    let first_refresh = body["refresh_token"]
        .as_str()
        .context("no refresh")?
        .to_owned();

    let (status, renewed) = refresh(&b, &first_refresh).await?;
    assert_eq!(status, 200, "{renewed}");
    let second_refresh = renewed["refresh_token"].as_str().context("no rotation")?;
    assert_ne!(second_refresh, first_refresh);
    let (status, again) = refresh(&b, &first_refresh).await?;
    assert_eq!(
        (status, again["error"].clone()),
        (400, json!("invalid_grant"))
    );
    b.revoke_refresh_tokens();
    let (status, _) = refresh(&b, second_refresh).await?;
    assert_eq!(status, 400);
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn deny_wrong_password_and_bad_requests() -> Result<()> {
    let b = Backend::start(BackendConfig::default()).await?;
    let denied = submit(&b, "st-d", &[("action", "deny")]).await?;
    assert_eq!(
        denied.get("error").map(String::as_str),
        Some("access_denied")
    );
    assert_eq!(denied.get("state").map(String::as_str), Some("st-d"));

    let mut form = authorize_params("st-w");
    form.extend([("username", "demo".into()), ("password", "nope".into())]);
    let res = http()?
        .post(format!("{}/oauth/authorize", b.url()))
        .form(&form)
        .send()
        .await?;
    assert!(res.headers().get("location").is_none());
    assert!(res.text().await?.contains("Wrong user name or password"));

    // Not a loopback redirect: refused on the page, never redirected.
    let mut params = authorize_params("s");
    params[2].1 = "http://example.com/callback".into();
    let res = http()?
        .get(format!("{}/oauth/authorize", b.url()))
        .query(&params)
        .send()
        .await?;
    assert_eq!(res.status().as_u16(), 400);
    assert!(res.headers().get("location").is_none());
    let (status, body) = token(
        &b,
        &[("grant_type", "password"), ("client_id", DESKTOP_CLIENT_ID)],
    )
    .await?;
    assert_eq!(
        (status, body["error"].clone()),
        (400, json!("unsupported_grant_type"))
    );
    b.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn short_tokens_no_refresh_and_no_endpoints() -> Result<()> {
    let b = Backend::start(BackendConfig {
        sign_in: Some(SignInConfig {
            access_ttl: Duration::from_secs(3),
            refresh_tokens: false,
            ..SignInConfig::default()
        }),
        ..BackendConfig::default()
    })
    .await?;
    let code = submit(&b, "s", &login()).await?["code"].clone();
    let (_, body) = exchange(&b, &code, VERIFIER).await?;
    assert_eq!(body["expires_in"], json!(3));
    assert!(body.get("refresh_token").is_none());
    b.shutdown().await;

    let bare = Backend::start(BackendConfig {
        sign_in: None,
        ..BackendConfig::default()
    })
    .await?;
    assert!(!bare.has_sign_in());
    let res = http()?
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            bare.url()
        ))
        .send()
        .await?;
    assert_eq!(res.status().as_u16(), 404);
    bare.shutdown().await;
    Ok(())
}

trait JsonText {
    async fn json_text(self) -> Result<Value>;
}

impl JsonText for reqwest::Response {
    async fn json_text(self) -> Result<Value> {
        Ok(serde_json::from_str(&self.text().await?)?)
    }
}
