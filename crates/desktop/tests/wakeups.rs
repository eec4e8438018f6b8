//! The system bus's wake-ups against python-dbusmock's `logind` and
//! `networkmanager` templates on a private `dbus-daemon`, pointed to with
//! `DBUS_SYSTEM_BUS_ADDRESS`: a real link, waiting out a two-minute backoff
//! after its server went away, reconnects at once on `PrepareForSleep(false)`
//! and on `StateChanged(70)`, not on going to sleep nor on other states, and
//! not at all once the listener is dropped.
//!
//! dbusmock comes from PyPI into a venv made by `.ci/setup`
//! (`ALORA_DBUSMOCK_PYTHON` overrides which python is used).

// A test fails by panicking: unwrap is how these say "this must hold".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig};
use alora_desktop::platform::linux::wakeups::Wakeups;
use alora_link::{BackoffPolicy, Link, LinkConfig, LinkHandle, LinkState};
use zbus::zvariant::Value;

/// Longer than the test: a reconnect within it was not the backoff's doing.
const WAIT: Duration = Duration::from_secs(120);

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn python() -> Option<String> {
    // Where .ci/setup makes it.
    let cache = std::env::var("XDG_CACHE_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cache")));
    let venv = cache.map(|c| format!("{c}/alora-tray/dbusmock/bin/python"));
    let candidates = std::env::var("ALORA_DBUSMOCK_PYTHON")
        .ok()
        .into_iter()
        .chain(venv)
        .chain(["python3".to_owned()]);
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import dbusmock"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn skip(reason: &str) {
    if std::env::var_os("ALORA_TEST_STRICT").is_some_and(|v| v == "1") {
        panic!("cannot run under ALORA_TEST_STRICT=1: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// A private bus, standing in for the system bus: (daemon, address).
fn private_bus() -> (Killed, String) {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon runs");
    let mut line = String::new();
    BufReader::new(daemon.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Killed(daemon), line.trim().to_owned())
}

async fn emit(
    bus: &zbus::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    name: &str,
    sig: &str,
    arg: Value<'_>,
) {
    bus.call_method(
        Some(dest),
        path,
        Some("org.freedesktop.DBus.Mock"),
        "EmitSignal",
        &(iface, name, sig, vec![arg]),
    )
    .await
    .unwrap_or_else(|e| panic!("EmitSignal {name}: {e}"));
}

async fn resume(bus: &zbus::Connection, going_to_sleep: bool) {
    let (dest, path) = ("org.freedesktop.login1", "/org/freedesktop/login1");
    emit(
        bus,
        dest,
        path,
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        "b",
        Value::Bool(going_to_sleep),
    )
    .await;
}

async fn network(bus: &zbus::Connection, state: u32) {
    let (dest, path) = (
        "org.freedesktop.NetworkManager",
        "/org/freedesktop/NetworkManager",
    );
    emit(
        bus,
        dest,
        path,
        "org.freedesktop.NetworkManager",
        "StateChanged",
        "u",
        Value::U32(state),
    )
    .await;
}

/// Kills the server under a connected link and starts it again on the same
/// port: the link is left waiting `WAIT` before its next attempt.
async fn outage(backend: Backend, link: &LinkHandle) -> Backend {
    let cfg = BackendConfig {
        addr: backend.local_addr(),
        secret: backend.secret().to_vec(),
        ..BackendConfig::default()
    };
    backend.abort();
    let until = Instant::now() + Duration::from_secs(20);
    while !matches!(link.state(), LinkState::Reconnecting { next_in_ms, .. } if next_in_ms >= 60_000)
    {
        assert!(
            Instant::now() < until,
            "not waiting out the backoff: {:?}",
            link.state()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Backend::start(cfg).await.unwrap()
}

/// Sends `nudge` every second until the link is connected; how long it took.
async fn connects_after<F: std::future::Future<Output = ()>>(
    link: &LinkHandle,
    mut nudge: impl FnMut() -> F,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        nudge().await;
        let until = Instant::now() + Duration::from_secs(1);
        while Instant::now() < until {
            if link.state().is_connected() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    None
}

#[test]
fn resume_and_network_up_reconnect_at_once() {
    let Some(py) = python() else {
        skip("python-dbusmock is not installed (make setup)");
        return;
    };
    let (_daemon, address) = private_bus();
    // Before any thread: zbus reads it when the listener connects.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &address);
    let mocks: Vec<Killed> = ["logind", "networkmanager"]
        .iter()
        .map(|t| {
            Killed(
                Command::new(&py)
                    .args(["-m", "dbusmock", "--system", "--template", t])
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let bus = zbus::connection::Builder::address(address.as_str()).unwrap().build().await.unwrap();
        let dbus = zbus::fdo::DBusProxy::new(&bus).await.unwrap();
        for name in ["org.freedesktop.login1", "org.freedesktop.NetworkManager"] {
            let until = Instant::now() + Duration::from_secs(20);
            while !dbus.name_has_owner(name.try_into().unwrap()).await.unwrap() {
                assert!(Instant::now() < until, "dbusmock never owned {name}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        let backend = Backend::start(BackendConfig::default()).await.unwrap();
        let (link, _events) = Link::spawn();
        let mut cfg = LinkConfig::new(backend.url(), backend.token_for("u1", Duration::from_secs(3600)));
        cfg.backoff = BackoffPolicy { floor: WAIT, cap: WAIT, ..BackoffPolicy::default() };
        link.connect(cfg).await.unwrap();
        let wakeups = Wakeups::start(link.clone());
        let until = Instant::now() + Duration::from_secs(20);
        while !link.state().is_connected() {
            assert!(Instant::now() < until, "{:?}", link.state());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        let backend = outage(backend, &link).await;
        // Going to sleep, and a network that is not (yet) connected: no hurry.
        resume(&bus, true).await;
        network(&bus, 20).await;
        network(&bus, 60).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(!link.state().is_connected(), "reconnected on a signal that is not a wake-up");
        let took = connects_after(&link, || resume(&bus, false)).await;
        println!("PrepareForSleep(false): connected {took:?} after the first signal, backoff wait {WAIT:?}");
        assert!(took.is_some(), "no reconnect after resume: {:?}", link.state());

        let backend = outage(backend, &link).await;
        let took = connects_after(&link, || network(&bus, 70)).await;
        println!("StateChanged(70): connected {took:?} after the first signal, backoff wait {WAIT:?}");
        assert!(took.is_some(), "no reconnect on network up: {:?}", link.state());

        // Dropped: the link is left to its backoff.
        drop(wakeups);
        let backend = outage(backend, &link).await;
        resume(&bus, false).await;
        network(&bus, 70).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(!link.state().is_connected(), "the dropped listener still reconnects");
        link.shutdown().await.unwrap();
        backend.shutdown().await;
    });
    drop(mocks);
}
