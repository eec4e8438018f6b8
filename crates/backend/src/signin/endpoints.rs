//! The handlers: metadata, the login page and its submission, and the token endpoint.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde_json::json;
use url::Url;

use super::grants::{s256_matches, CodeGrant, RefreshGrant};
use super::{page, SignIn, DESKTOP_CLIENT_ID};
use crate::auth::mint_token;

type Params = HashMap<String, String>;

/// The authorize parameters the form carries through.
const CARRIED: [&str; 6] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
];

pub(crate) async fn metadata(State(s): State<SignIn>) -> Response {
    let base = &s.base;
    let body = json!({
        "issuer": base.as_ref(),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none"],
    });
    Json(body).into_response()
}

fn param<'a>(p: &'a Params, k: &str) -> &'a str {
    p.get(k).map(String::as_str).unwrap_or("")
}

/// RFC 8252 §7.3: a loopback IP literal over plain http, any port, no fragment.
fn loopback_redirect(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1") | Some("[::1]"));
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

fn redirect_with(mut to: Url, pairs: &[(&str, &str)]) -> Response {
    {
        let mut q = to.query_pairs_mut();
        for (k, v) in pairs {
            q.append_pair(k, v);
        }
    }
    Redirect::to(to.as_str()).into_response()
}

/// Why an authorize request is turned down, before any login.
enum Refusal {
    /// Not redirected back (RFC 6749 §4.1.2.1): a page says why.
    Page(&'static str),
    /// Redirected back with `error` and the request's `state`.
    Back(Box<Url>, &'static str, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(why) => {
                (StatusCode::BAD_REQUEST, Html(page::refused(why))).into_response()
            }
            Refusal::Back(to, error, state) => {
                redirect_with(*to, &[("error", error), ("state", &state)])
            }
        }
    }
}

/// Checks an authorize request; `Ok` is where to send the answer.
fn check_request(p: &Params) -> Result<Url, Refusal> {
    if param(p, "client_id") != DESKTOP_CLIENT_ID {
        return Err(Refusal::Page(
            "This application is not known to the server.",
        ));
    }
    let Some(back) = loopback_redirect(param(p, "redirect_uri")) else {
        return Err(Refusal::Page(
            "The redirect address is not a loopback address.",
        ));
    };
    let error = |e| Refusal::Back(Box::new(back.clone()), e, param(p, "state").to_owned());
    if param(p, "response_type") != "code" {
        return Err(error("unsupported_response_type"));
    }
    if param(p, "code_challenge").is_empty() || param(p, "code_challenge_method") != "S256" {
        return Err(error("invalid_request"));
    }
    Ok(back)
}

fn carried(p: &Params) -> Vec<(&str, &str)> {
    CARRIED.iter().map(|k| (*k, param(p, k))).collect()
}

pub(crate) async fn authorize_page(Query(p): Query<Params>) -> Response {
    match check_request(&p) {
        Ok(_) => Html(page::login(&carried(&p), None)).into_response(),
        Err(r) => r.into_response(),
    }
}

pub(crate) async fn authorize_submit(State(s): State<SignIn>, Form(p): Form<Params>) -> Response {
    let back = match check_request(&p) {
        Ok(back) => back,
        Err(r) => return r.into_response(),
    };
    let state = param(&p, "state");
    if param(&p, "action") == "deny" {
        return redirect_with(back, &[("error", "access_denied"), ("state", state)]);
    }
    let (login, password) = (param(&p, "username"), param(&p, "password"));
    let user = s
        .cfg
        .users
        .iter()
        .find(|(l, pw, _)| l == login && pw == password)
        .map(|(_, _, id)| id.clone());
    let Some(user) = user else {
        let problem = Some("Wrong user name or password.");
        return (StatusCode::OK, Html(page::login(&carried(&p), problem))).into_response();
    };
    let code = s.grants.issue_code(CodeGrant::new(
        &user,
        DESKTOP_CLIENT_ID,
        back.as_str(),
        param(&p, "code_challenge"),
    ));
    tracing::info!(%user, "sign-in: code issued");
    redirect_with(back, &[("code", &code), ("state", state)])
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

fn issue(s: &SignIn, user: &str, client_id: &str) -> Response {
    let ttl = s.cfg.access_ttl;
    let mut body = json!({
        "access_token": mint_token(&s.secret, user, ttl),
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
    });
    if s.cfg.refresh_tokens {
        let refresh = s.grants.issue_refresh(RefreshGrant {
            user: user.to_owned(),
            client_id: client_id.to_owned(),
        });
        body["refresh_token"] = json!(refresh);
    }
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Json(body),
    )
        .into_response()
}

pub(crate) async fn token(State(s): State<SignIn>, Form(p): Form<Params>) -> Response {
    if param(&p, "client_id") != DESKTOP_CLIENT_ID {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    }
    let bad_grant = |why| token_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    match param(&p, "grant_type") {
        "authorization_code" => {
            let (code, verifier) = (param(&p, "code"), param(&p, "code_verifier"));
            if code.is_empty() || verifier.is_empty() {
                return token_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and code_verifier are required",
                );
            }
            let Some(grant) = s.grants.take_code(code) else {
                return bad_grant("unknown, used or expired code");
            };
            if grant.client_id != DESKTOP_CLIENT_ID
                || grant.redirect_uri != param(&p, "redirect_uri")
            {
                return bad_grant("the redirect_uri does not match the authorize request");
            }
            if !s256_matches(verifier, &grant.challenge) {
                return bad_grant("the code_verifier does not match the code_challenge");
            }
            tracing::info!(user = %grant.user, "sign-in: code exchanged");
            issue(&s, &grant.user, &grant.client_id)
        }
        "refresh_token" => {
            let Some(grant) = s.grants.take_refresh(param(&p, "refresh_token")) else {
                return bad_grant("unknown or already used refresh token");
            };
            if grant.client_id != DESKTOP_CLIENT_ID {
                return bad_grant("the refresh token belongs to another client");
            }
            tracing::info!(user = %grant.user, "sign-in: token refreshed");
            issue(&s, &grant.user, &grant.client_id)
        }
        _ => token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "authorization_code or refresh_token",
        ),
    }
}
