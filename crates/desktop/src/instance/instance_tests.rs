//! Where the instance's socket lives (a private folder, refused when
//! someone else could own or reach it), and one winner of simultaneous
//! claims.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};

use super::*;

/// Someone else: `nobody`.
const OTHER_UID: u32 = 65534;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alora-ipc-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn me() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o777
}

fn is_root() -> bool {
    me() == 0
}

#[test]
fn the_fallback_folder_is_made_private_and_holds_the_socket() {
    let tmp = scratch("fallback");
    let endpoint = endpoint_in(None, &tmp, me()).unwrap();
    let dir = tmp.join(format!("alora-tray-{}", me()));
    assert_eq!(endpoint.socket.parent(), Some(dir.as_path()));
    assert_eq!(mode(&dir), 0o700, "a folder only we can enter");
    // A second look finds it as it was left.
    assert_eq!(endpoint_in(None, &tmp, me()).unwrap(), endpoint);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_fallback_that_is_a_symlink_or_open_to_others_is_refused() {
    let tmp = scratch("squat-mode");
    let dir = tmp.join(format!("alora-tray-{}", me()));
    let elsewhere = tmp.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
    let e = endpoint_in(None, &tmp, me()).unwrap_err().to_string();
    assert!(e.contains("not a private folder"), "{e}");
    std::fs::remove_file(&dir).unwrap();

    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let e = endpoint_in(None, &tmp, me()).unwrap_err().to_string();
    assert!(
        e.contains("not a private folder") && e.contains("755"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_fallback_folder_owned_by_another_user_is_refused() {
    if !is_root() {
        eprintln!("SKIPPED: only root can make a folder owned by another user");
        return;
    }
    let tmp = scratch("squat-owner");
    let dir = tmp.join(format!("alora-tray-{}", me()));
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&dir, Some(OTHER_UID), None).unwrap();
    let e = endpoint_in(None, &tmp, me()).unwrap_err().to_string();
    assert!(
        e.contains("not a private folder") && e.contains(&OTHER_UID.to_string()),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_runtime_dir_others_can_enter_is_not_used() {
    let tmp = scratch("runtime");
    let runtime = tmp.join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o755)).unwrap();
    let endpoint = endpoint_in(Some(runtime.clone()), &tmp, me()).unwrap();
    assert!(!endpoint.socket.starts_with(&runtime), "{endpoint:?}");
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    let endpoint = endpoint_in(Some(runtime.clone()), &tmp, me()).unwrap();
    assert_eq!(endpoint.socket.parent(), Some(runtime.as_path()));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn of_two_simultaneous_claims_exactly_one_wins() {
    let tmp = scratch("race");
    for round in 0..40 {
        let endpoint = Endpoint::for_socket(tmp.join(format!("r{round}.sock")));
        let barrier = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (endpoint, barrier) = (endpoint.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    claim_at(&endpoint)
                })
            })
            .collect();
        // Both claims are held until both have answered.
        let claims: Vec<Option<Claim>> = racers
            .into_iter()
            .map(|r| r.join().unwrap().unwrap())
            .collect();
        let winners = claims.iter().filter(|c| c.is_some()).count();
        assert_eq!(winners, 1, "round {round}: {winners} instances");
        assert_eq!(mode(&endpoint.socket), 0o600);
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn the_claim_is_let_go_when_released_and_a_stale_socket_replaced() {
    let tmp = scratch("stale");
    let endpoint = Endpoint::for_socket(tmp.join("s.sock"));
    let first = claim_at(&endpoint).unwrap().unwrap();
    assert!(claim_at(&endpoint).unwrap().is_none(), "held");
    // A crash leaves the socket file; nobody listens on it.
    drop(first);
    assert!(endpoint.socket.exists());
    assert!(claim_at(&endpoint).unwrap().is_some(), "taken over");
    let _ = std::fs::remove_dir_all(&tmp);
}
