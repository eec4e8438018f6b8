//! Handshake and auth against real servers: accepted, rejected (final until
//! the token changes), expired (never sent), expiring while connected, and
//! addresses that cannot work.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod probe;
mod support;

use std::time::Duration;

use alora_link::{AuthReason, LinkConfig, LinkEvent, LinkState};
use probe::{config, eventually, Probe};
use serde_json::json;
use support::TestServer;

const SECS_5: Duration = Duration::from_secs(5);

fn auth_required(s: &LinkState) -> bool {
    matches!(s, LinkState::AuthRequired { .. })
}

async fn accepted_registers_and_surfaces_connected(mut server: impl TestServer) {
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &token)).await;
    p.connected().await;
    let ack = p.incoming(SECS_5, "connected").await;
    eventually(SECS_5, (1, 0), || server.handshakes()).await;
    let v = serde_json::to_value(&ack).unwrap();
    assert_eq!(v["data"]["userId"], "u1");
    let register = server
        .wait_received(|r| r.event == "register", SECS_5)
        .await
        .unwrap();
    assert_eq!(register.payload, json!({"userId": "u1"}));
    let first = &server.received()[0];
    assert_eq!(
        first.event, "register",
        "register goes before anything else"
    );
}

async fn rejected_token_is_final_until_it_changes(mut server: impl TestServer) {
    let forged = {
        let mut other = support::embedded().await;
        other.token_for("u1")
    };
    let mut p = Probe::connect(config(&server.url(), &server.path(), &forged)).await;
    let state = p.wait_state(SECS_5, "AuthRequired", auth_required).await;
    let LinkState::AuthRequired {
        reason: AuthReason::Rejected { message },
    } = state
    else {
        panic!("{state:?}")
    };
    assert!(message.contains("invalid token"), "{message}");
    // Three seconds is many backoff floors: a retrying client would show here.
    eventually(SECS_5, (0, 1), || server.handshakes()).await;
    p.settle(Duration::from_secs(3)).await;
    assert_eq!(
        server.handshakes(),
        (0, 1),
        "no handshake storm after a rejection"
    );
    assert!(auth_required(&p.link.state()));
    assert_eq!(p.link.stats().auth_rejections, 1);

    let good = server.token_for("u1");
    p.link.set_token(Some(good)).await.unwrap();
    p.connected().await;
    eventually(SECS_5, (1, 1), || server.handshakes()).await;
}

async fn expired_jwt_is_never_sent(mut server: impl TestServer) {
    let expired = server.expired_token_for("u1");
    let mut p = Probe::connect(config(&server.url(), &server.path(), &expired)).await;
    let state = p.wait_state(SECS_5, "AuthRequired", auth_required).await;
    assert_eq!(
        state,
        LinkState::AuthRequired {
            reason: AuthReason::Expired
        }
    );
    p.settle(Duration::from_secs(1)).await;
    assert_eq!(
        server.handshakes(),
        (0, 0),
        "an expired token never reaches the server"
    );
    assert_eq!(p.link.stats().attempts, 0);
}

macro_rules! both {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                super::$scenario(super::support::embedded().await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn node() {
                super::$scenario(super::support::node().await).await
            }
        }
    )*};
}

both!(
    accepted_registers_and_surfaces_connected,
    rejected_token_is_final_until_it_changes,
    expired_jwt_is_never_sent,
);

#[tokio::test]
async fn no_token_asks_for_sign_in_without_a_handshake() {
    let mut server = support::embedded().await;
    let mut cfg = config(&server.url(), &server.path(), "x");
    cfg.token = None;
    let mut p = Probe::connect(cfg).await;
    let state = p.wait_state(SECS_5, "AuthRequired", auth_required).await;
    assert_eq!(
        state,
        LinkState::AuthRequired {
            reason: AuthReason::Missing
        }
    );
    assert_eq!(server.handshakes(), (0, 0));
}

#[tokio::test]
async fn a_token_expiring_while_connected_drops_the_link() {
    let server = support::embedded_backend().await;
    let token = server.token_for("u1", Duration::from_secs(2));
    let mut cfg = config(&server.url(), server.path(), &token);
    // At `exp` itself (the default leeway of 5 minutes: tests/token_leeway.rs).
    cfg.expiry_leeway = Duration::ZERO;
    let mut p = Probe::connect(cfg).await;
    p.connected().await;
    let state = p.wait_state(SECS_5, "AuthRequired", auth_required).await;
    assert_eq!(
        state,
        LinkState::AuthRequired {
            reason: AuthReason::Expired
        }
    );
    // The server sees the socket go.
    let mut feed = server.subscribe();
    let gone = tokio::time::timeout(SECS_5, async {
        while server.connected_sockets() > 0 {
            let _ = tokio::time::timeout(Duration::from_millis(100), feed.recv()).await;
        }
    });
    assert!(gone.await.is_ok(), "the expired session was closed");
}

#[tokio::test]
async fn unusable_addresses_fail_clearly_and_never_crash() {
    let (link, _events) = alora_link::Link::spawn();
    for url in ["localhost:6001", "ftp://host", ""] {
        let err = link.connect(LinkConfig::new(url, "t")).await.unwrap_err();
        assert_eq!(err.code(), "invalid_url", "{url:?}: {err}");
    }

    // A reachable server on a wrong engine.io path: retried with backoff,
    // with the reason in the state, and never accepted.
    let mut server = support::embedded().await;
    let token = server.token_for("u1");
    let mut p = Probe::connect(config(&server.url(), "/wrong/path", &token)).await;
    let state = p
        .wait_state(Duration::from_secs(10), "Reconnecting", |s| {
            matches!(s, LinkState::Reconnecting { .. })
        })
        .await;
    let LinkState::Reconnecting { reason, .. } = state else {
        unreachable!()
    };
    assert!(!reason.is_empty());
    assert_eq!(server.handshakes(), (0, 0));

    // Nothing listening at all: refused, retried, and the link stays usable.
    let closed = support::free_port();
    let mut p = Probe::connect(config(&format!("http://127.0.0.1:{closed}"), "/p", &token)).await;
    p.wait_state(SECS_5, "Reconnecting", |s| {
        matches!(s, LinkState::Reconnecting { .. })
    })
    .await;
    p.link.disconnect().await.unwrap();
    p.wait_state(SECS_5, "Idle", |s| *s == LinkState::Idle)
        .await;
    assert!(p
        .seen
        .iter()
        .all(|e| !matches!(e, LinkEvent::State(LinkState::Connected { .. }))));
}
