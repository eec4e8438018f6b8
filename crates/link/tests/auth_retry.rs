//! A token the server rejected is still tried again, slowly and quietly
//! (`BackoffPolicy::after_rejection`; the state stays `AuthRequired`), so a
//! rejection read wrongly, or one the server takes back, never leaves the
//! tray offline for good.

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod probe;
mod support;

use std::net::SocketAddr;
use std::time::Duration;

use alora_backend::BackendConfig;
use alora_link::{AuthReason, LinkState};
use probe::{config, Probe};
use support::{EmbeddedServer, Kind, NodeOptions, TestServer};

const SECS_10: Duration = Duration::from_secs(10);

/// `first` rejects the token (signed with another secret); then it goes and
/// an embedded backend that knows that secret takes its port.
async fn a_rejected_token_is_tried_again_quietly(kind: Kind) {
    let mut first = support::start(kind, NodeOptions::default()).await;
    let port = first.port();
    let secret = alora_backend::random_secret();
    let token = alora_backend::mint_token(&secret, "u1", Duration::from_secs(3600));
    let mut cfg = config(&first.url(), &first.path(), &token);
    cfg.backoff.after_rejection = Duration::from_millis(500);
    let mut p = Probe::connect(cfg).await;

    let rejected = p
        .wait_state(SECS_10, "AuthRequired", |s| {
            matches!(s, LinkState::AuthRequired { .. })
        })
        .await;
    assert!(
        matches!(
            rejected,
            LinkState::AuthRequired {
                reason: AuthReason::Rejected { .. }
            }
        ),
        "{rejected:?}"
    );
    // Tried again at the slow pace, and rejected again each time.
    support::poll_until(SECS_10, || first.handshakes().1 >= 3).await;
    assert_eq!(first.handshakes().0, 0);
    first.kill().await;

    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut second = EmbeddedServer::start(BackendConfig {
        addr,
        secret,
        ..BackendConfig::default()
    })
    .await;
    p.connected().await;
    // The embedded backend counts a handshake after its `connected` event
    // has gone out, so the client can see it first.
    support::poll_until(SECS_10, || second.handshakes().0 >= 1).await;
    assert_eq!(second.handshakes(), (1, 0));

    // Between the rejection and the connection the state never moved: no
    // Connecting nor Reconnecting for the quiet retries.
    let states = p.states();
    let first_rejection = states
        .iter()
        .position(|s| matches!(s, LinkState::AuthRequired { .. }))
        .unwrap();
    let between = &states[first_rejection..];
    let (last, before) = between.split_last().unwrap();
    assert!(last.is_connected(), "{between:#?}");
    assert!(
        before
            .iter()
            .all(|s| matches!(s, LinkState::AuthRequired { .. })),
        "{between:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_then_accepted_embedded() {
    a_rejected_token_is_tried_again_quietly(Kind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_then_accepted_node() {
    a_rejected_token_is_tried_again_quietly(Kind::Node).await;
}

/// A token changed by the user is no quiet retry: it is tried at once and
/// shown as `Connecting`.
#[tokio::test]
async fn a_new_token_after_a_rejection_is_tried_at_once() {
    let mut server = support::embedded().await;
    let mut p = Probe::connect(config(&server.url(), &server.path(), "not-a-jwt")).await;
    p.wait_state(SECS_10, "AuthRequired", |s| {
        matches!(s, LinkState::AuthRequired { .. })
    })
    .await;
    p.settle(Duration::from_millis(200)).await;
    let from = p.states().len();
    p.link
        .set_token(Some(server.token_for("u1")))
        .await
        .unwrap();
    p.connected().await;
    let after: Vec<LinkState> = p.states().into_iter().skip(from).collect();
    assert!(
        matches!(after.first(), Some(LinkState::Connecting { .. })),
        "{after:#?}"
    );
}
