//! The token in the OS keyring (Secret Service), when one answers: stored,
//! read back by a later start, deleted on sign-out. Skips (printing why)
//! where no Secret Service runs; `tests/app/with-keyring.sh` starts one.

use std::sync::Arc;

use alora_desktop::models::KeyringMode;
use alora_desktop::settings::secrets::{OsKeyring, Secrets};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_round_trips_through_the_os_keyring() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        crate::support::skip("no session bus");
        return;
    }
    let _keyring = crate::support::KEYRING.lock().await;
    let (secrets, problem) = Secrets::open(Some(Arc::new(OsKeyring)), None).await;
    if secrets.mode() == KeyringMode::MemoryOnly {
        crate::support::skip(&format!(
            "no Secret Service answers ({problem:?}); memory-only mode is unit-tested"
        ));
        return;
    }
    let problem = secrets.store("jwt-in-the-keyring".into()).await.unwrap();
    assert!(problem.is_none(), "{problem:?}");
    let (later, _) = Secrets::open(Some(Arc::new(OsKeyring)), None).await;
    assert_eq!(later.mode(), KeyringMode::Os);
    assert_eq!(later.token().as_deref(), Some("jwt-in-the-keyring"));
    assert!(later.clear().await.unwrap().is_none());
    let (after, _) = Secrets::open(Some(Arc::new(OsKeyring)), None).await;
    assert_eq!(after.token(), None);
}
