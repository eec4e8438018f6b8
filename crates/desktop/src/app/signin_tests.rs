//! The core signing in through a (fake) browser against the embedded backend, then renewing
//! a token that lives a few seconds while messages are being sent.

use std::sync::Arc;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig, SignInConfig};

use crate::app::recording::Seen;
use crate::app::state::{Backends, Core};
use crate::data::storage::Location;
use crate::settings::{MemoryBackend, Overrides};
use crate::signin::signin_tests::{Acts, FakeBrowser};

async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_renews_before_expiry_and_asks_once_when_refused() {
    let b = Backend::start(BackendConfig {
        sign_in: Some(SignInConfig {
            access_ttl: Duration::from_secs(4),
            ..SignInConfig::default()
        }),
        ..BackendConfig::default()
    })
    .await
    .unwrap();
    let seen = Arc::new(Seen::default());
    let browser = FakeBrowser {
        acts: Acts::Allow,
        seen: Arc::default(),
    };
    let parts = Backends {
        settings: Box::new(MemoryBackend::default()),
        vault: None,
        notifier: Arc::new(seen.clone()),
        opener: Arc::new(browser),
        overrides: Overrides {
            server_url: Some(b.url()),
            ..Overrides::default()
        },
    };
    let (core, events) = Core::start_with(parts, Location::Memory).await.unwrap();
    core.set_shell(seen.clone());
    tokio::spawn(crate::pipeline::pump(core.clone(), events));

    core.sign_in_browser().await.unwrap();
    let first_refresh = core.inner.secrets.refresh_token().unwrap();
    until("the first handshake", || b.handshakes().accepted == 1).await;

    // Messages go out across the renewal's reconnect (about two seconds in).
    let mut ids = Vec::new();
    for i in 0..16 {
        let id = format!("m-{i}");
        core.send_message("c1".into(), format!("hello {i}"), Some(id.clone()))
            .await
            .unwrap();
        ids.push(id);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    until("the renewed handshake", || b.handshakes().accepted >= 2).await;
    let rotated = core.inner.secrets.refresh_token().unwrap();
    assert_ne!(rotated, first_refresh);
    until("every message", || b.messages().len() == ids.len()).await;
    let got: Vec<String> = b
        .messages()
        .iter()
        .filter_map(|m| m["clientId"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(got.len(), ids.len());
    assert!(ids.iter().all(|id| got.contains(id)), "{got:?}");
    assert_eq!(seen.problems("sign_in_again"), 0);

    // The server forgets its refresh tokens: one "Sign in again", however long we wait.
    b.revoke_refresh_tokens();
    until("sign in again", || seen.problems("sign_in_again") == 1).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(seen.problems("sign_in_again"), 1);

    core.sign_out().await.unwrap();
    assert_eq!(
        (
            core.inner.secrets.token(),
            core.inner.secrets.refresh_token()
        ),
        (None, None)
    );
    b.shutdown().await;
}
