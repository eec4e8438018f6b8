//! The `oauth2` crate's client for one server: the authorize URL, the code exchange
//! (with the PKCE verifier) and the refresh.

use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};

use super::{describe, Endpoints, SignInError, Tokens, CLIENT_ID};

fn bad_endpoint(e: impl std::fmt::Display) -> SignInError {
    SignInError::Server(format!("the server's endpoint is not a URL: {e}"))
}

/// The URL the browser opens: `response_type=code`, `client_id`, `redirect_uri`, `state`,
/// `code_challenge` and `code_challenge_method=S256`.
pub(crate) fn authorize_url(
    ep: &Endpoints,
    redirect_uri: &str,
    state: CsrfToken,
    challenge: PkceCodeChallenge,
) -> Result<String, SignInError> {
    let client = BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_auth_uri(AuthUrl::new(ep.authorize.clone()).map_err(bad_endpoint)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(bad_endpoint)?);
    let (url, _) = client
        .authorize_url(|| state)
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.to_string())
}

type TokenError = RequestTokenError<
    oauth2::HttpClientError<reqwest::Error>,
    oauth2::StandardErrorResponse<BasicErrorResponseType>,
>;

fn failed(e: TokenError) -> SignInError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let what = r.error_description().cloned().unwrap_or_default();
            SignInError::Refused(format!("{} {what}", r.error()).trim().to_owned())
        }
        RequestTokenError::Request(e) => SignInError::Server(describe(&e)),
        RequestTokenError::Parse(e, _) => {
            SignInError::Server(format!("the token answer is not OAuth: {e}"))
        }
        RequestTokenError::Other(e) => SignInError::Server(e),
    }
}

fn tokens(r: &BasicTokenResponse) -> Tokens {
    Tokens {
        access: r.access_token().secret().clone(),
        refresh: r.refresh_token().map(|t| t.secret().clone()),
        expires_at: r
            .expires_in()
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| Utc::now() + d),
    }
}

/// `grant_type=authorization_code` with the verifier.
pub(crate) async fn code(
    http: &reqwest::Client,
    ep: &Endpoints,
    redirect_uri: &str,
    code: String,
    verifier: PkceCodeVerifier,
) -> Result<Tokens, SignInError> {
    let client = BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_token_uri(TokenUrl::new(ep.token.clone()).map_err(bad_endpoint)?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(bad_endpoint)?);
    let answer = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(http)
        .await
        .map_err(failed)?;
    tracing::info!("sign-in: the code was exchanged for tokens");
    Ok(tokens(&answer))
}

/// `grant_type=refresh_token`.
pub(crate) async fn refresh(
    http: &reqwest::Client,
    ep: &Endpoints,
    refresh_token: &str,
) -> Result<Tokens, SignInError> {
    let client = BasicClient::new(ClientId::new(CLIENT_ID.to_owned()))
        .set_token_uri(TokenUrl::new(ep.token.clone()).map_err(bad_endpoint)?);
    let answer = client
        .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
        .request_async(http)
        .await
        .map_err(failed)?;
    Ok(tokens(&answer))
}
