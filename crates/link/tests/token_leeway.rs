//! The local expiry check has a leeway (`LinkConfig::expiry_leeway`): a
//! token a little past its `exp` by this machine's clock is still sent and a
//! live link kept, and the server decides.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::{AuthReason, LinkState};
use jsonwebtoken::{encode, EncodingKey, Header};
use probe::{config, eventually, Probe};
use serde_json::json;

const SECS_10: Duration = Duration::from_secs(10);

/// A token for `user` whose `exp` was `ago` seconds ago.
fn expired_since(secret: &[u8], user: &str, ago: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"sub": user, "userId": user, "iat": now - 3600, "exp": now - ago});
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

/// Two minutes past `exp` by this clock: within the default leeway, so the
/// token goes to the server, which rejects it (its clock agrees here).
#[tokio::test]
async fn a_token_just_past_exp_is_sent_and_the_server_decides() {
    let server = support::embedded_backend().await;
    let token = expired_since(server.secret(), "u1", 120);
    let cfg = config(&server.url(), server.path(), &token);
    assert_eq!(cfg.expiry_leeway, Duration::from_secs(300), "the default");
    let mut p = Probe::connect(cfg).await;
    let state = p
        .wait_state(SECS_10, "AuthRequired", |s| {
            matches!(s, LinkState::AuthRequired { .. })
        })
        .await;
    assert_eq!(
        state,
        LinkState::AuthRequired {
            reason: AuthReason::Rejected {
                message: "jwt expired".into()
            }
        }
    );
    eventually(SECS_10, 1, || server.handshakes().rejected).await;
}

/// While connected, the link is dropped at `exp` plus the leeway, not at `exp`.
#[tokio::test]
async fn a_live_link_outlives_exp_by_the_leeway() {
    let server = support::embedded_backend().await;
    let token = server.token_for("u1", Duration::from_secs(2));
    let exp = alora_link::TokenClaims::read(&token).expires_at.unwrap();
    let mut cfg = config(&server.url(), server.path(), &token);
    cfg.expiry_leeway = Duration::from_secs(3);
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    // One second past `exp`: still connected (a lower bound, which a slow
    // machine cannot break).
    let past_exp = (exp + chrono::Duration::seconds(1) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    p.settle(past_exp).await;
    assert!(p.link.state().is_connected(), "{:?}", p.link.state());
    let states = p.states();
    let connected = states.iter().position(LinkState::is_connected).unwrap();
    assert!(
        states[connected..].iter().all(LinkState::is_connected),
        "{states:#?}"
    );
    let state = p
        .wait_state(SECS_10, "AuthRequired", |s| {
            matches!(s, LinkState::AuthRequired { .. })
        })
        .await;
    assert_eq!(
        state,
        LinkState::AuthRequired {
            reason: AuthReason::Expired
        }
    );
    assert!(chrono::Utc::now() >= exp + chrono::Duration::seconds(3));
}
