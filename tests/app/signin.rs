//! Signing in as a person does, through the real binary: `alora-tray --headless` against
//! the embedded backend, `alora-tray sign-in`, and a test `xdg-open` first on `PATH` that
//! hands the authorize URL to headless Chromium (`signin-browser.mjs`), which presses Deny
//! once and then, after a forged callback from another tab is turned away, signs in as
//! the demo user. Then the tokens are looked for where they must not be: the logs, the
//! app's files, and the command lines and environments of the app and of its `xdg-open`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alora_backend::{verify_token, Backend, BackendConfig};
use alora_desktop::models::KeyringMode;
use alora_desktop::settings::secrets::{OsKeyring, Secrets};
use serde_json::Value;

use crate::headless::accepted;
use crate::secrets::{files_under, process_tree};
use crate::support::{cmdline_and_environ, eventually, skip, Instance, KEYRING};

/// Debian's Chromium, or `CHROMIUM_PATH` (as `ui/e2e/harness.mjs`; the driver reads it too).
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Records what it was started with, then plays the person at the browser; `exec` keeps
/// the pid, so that `result-<pid>.json` goes with `environ-<pid>`.
const XDG_OPEN: &str = r#"#!/bin/sh
cat /proc/$$/environ > "$ALORA_SIGNIN_DIR/environ-$$"
cat /proc/$$/cmdline > "$ALORA_SIGNIN_DIR/cmdline-$$"
exec node "$ALORA_SIGNIN_DRIVER" "$1" > "$ALORA_SIGNIN_DIR/browser-$$.log" 2>&1
"#;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Why this machine cannot run the browser, if it cannot.
fn missing_browser() -> Option<String> {
    let browser = chromium();
    if !browser.exists() {
        return Some(format!(
            "{} is missing (apt-get install chromium; never a downloaded browser)",
            browser.display()
        ));
    }
    let node = std::process::Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Some("node is missing".into());
    }
    if !repo().join("ui/node_modules/playwright-core").exists() {
        return Some("ui/node_modules/playwright-core is missing (npm ci in ui)".into());
    }
    None
}

/// The folder the fake `xdg-open` and the browser report into, with `xdg-open` in `bin/`.
fn opener_dir() -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = crate::support::sandbox("signin-browser");
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let script = dir.join("bin/xdg-open");
    std::fs::write(&script, XDG_OPEN).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// The browser's report of its `n`-th run (in the order they finished), once it is there.
async fn browser_result(dir: &Path, n: usize) -> Option<(String, Value)> {
    eventually(Duration::from_secs(30), || {
        let mut done: Vec<_> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_str()?.to_owned();
                let pid = name.strip_prefix("result-")?.strip_suffix(".json")?;
                Some((e.metadata().ok()?.modified().ok()?, pid.to_owned()))
            })
            .collect();
        done.sort();
        let (_, pid) = done.get(n)?.clone();
        let text = std::fs::read_to_string(dir.join(format!("result-{pid}.json"))).ok()?;
        Some((pid, serde_json::from_str(&text).ok()?))
    })
    .await
}

/// Every place the secret must not be, read after the run.
fn haystacks(app: &Instance, opener: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for folder in ["data", "config", "cache", "state"] {
        files_under(&app.dir.join(folder), &mut files);
    }
    files_under(opener, &mut files);
    let mut out: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.display().to_string(),
                std::fs::read(f).unwrap_or_default(),
            )
        })
        .collect();
    out.push(("the app's stderr".into(), app.stderr().into_bytes()));
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_in_the_browser_and_the_tokens_stay_in_the_keyring() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return skip("no session bus");
    }
    if let Some(why) = missing_browser() {
        return skip(&why);
    }
    // The keyring's entries are the same for every instance on this bus.
    let _keyring = KEYRING.lock().await;
    let (secrets, problem) = Secrets::open(Some(Arc::new(OsKeyring)), None).await;
    if secrets.mode() == KeyringMode::MemoryOnly {
        return skip(&format!("no Secret Service answers ({problem:?})"));
    }
    assert!(secrets.clear().await.unwrap().is_none());
    let started = Instant::now();

    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let opener = opener_dir();
    std::fs::write(opener.join("action"), "deny").unwrap();
    let path = format!(
        "{}:{}",
        opener.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let url = backend.url();
    let mut app = Instance::headless_with(
        "signin",
        &["--server-url", &url, "--socket-path", backend.path()],
        |c| {
            c.env("PATH", &path)
                .env("ALORA_SIGNIN_DIR", &opener)
                .env(
                    "ALORA_SIGNIN_DRIVER",
                    repo().join("tests/app/signin-browser.mjs"),
                )
                .env("RUST_LOG", "trace");
        },
    );

    // Deny: the app says so, and stays signed out but usable.
    let asked = app.cli(&["sign-in"]);
    assert!(asked.status.success(), "{asked:?}");
    let (denied_pid, denied) = browser_result(&opener, 0)
        .await
        .unwrap_or_else(|| panic!("no browser run; log:\n{}", app.stderr()));
    assert_eq!(denied["error"], Value::Null, "{denied:#}");
    assert_eq!(denied["loginTitle"], "Sign in to Alora", "{denied:#}");
    assert_eq!(denied["finalParams"], serde_json::json!(["error", "state"]));
    assert!(
        denied["finalText"]
            .as_str()
            .unwrap_or("")
            .contains("Not signed in"),
        "{denied:#}"
    );
    let told = eventually(Duration::from_secs(10), || {
        let log = app.stderr();
        log.contains("sign-in was denied in the browser")
            .then_some(())
    })
    .await;
    assert!(told.is_some(), "the denial is not told:\n{}", app.stderr());
    assert_eq!(backend.handshakes().accepted, 0);

    // Allow: signed in as the demo user, connected, the tokens in the keyring.
    std::fs::write(opener.join("action"), "allow").unwrap();
    let asked = app.cli(&["sign-in"]);
    assert!(asked.status.success(), "{asked:?}");
    let (pid, done) = browser_result(&opener, 1)
        .await
        .unwrap_or_else(|| panic!("no second browser run; log:\n{}", app.stderr()));
    assert_eq!(done["error"], Value::Null, "{done:#}");
    assert_eq!(done["forgedStatus"], 400, "{done:#}");
    assert!(
        done["forgedText"]
            .as_str()
            .unwrap_or("")
            .contains("not the one the app is waiting for"),
        "{done:#}"
    );
    assert!(
        done["finalText"]
            .as_str()
            .unwrap_or("")
            .contains("You can close this tab"),
        "{done:#}"
    );
    assert!(
        accepted(&backend, 1).await,
        "no handshake:\n{}",
        app.stderr()
    );
    let registered = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "register")
    })
    .await
    .unwrap_or_else(|| panic!("no register:\n{}", app.stderr()));
    assert_eq!(registered.user_id.as_deref(), Some("demo-user"));

    let (kept, _) = Secrets::open(Some(Arc::new(OsKeyring)), None).await;
    let access = kept.token().expect("the access token is in the keyring");
    let refresh = kept
        .refresh_token()
        .expect("the refresh token is in the keyring");
    let claims = verify_token(backend.secret(), &access).unwrap();
    assert_eq!(claims.sub.as_deref(), Some("demo-user"));
    let signature = access.rsplit('.').next().unwrap().to_owned();

    // The processes while they run: the app, and the xdg-open (as it recorded itself).
    let mut procs: Vec<(String, String, String)> = process_tree(app.child.id())
        .into_iter()
        .map(|pid| {
            let (cmdline, environ) = cmdline_and_environ(pid);
            (format!("process {pid}"), cmdline, environ)
        })
        .collect();
    let read = |f: &str| {
        let bytes = std::fs::read(opener.join(format!("{f}-{pid}"))).unwrap_or_default();
        String::from_utf8_lossy(&bytes).replace('\0', " ")
    };
    let (opener_cmdline, opener_environ) = (read("cmdline"), read("environ"));
    assert!(
        opener_cmdline.contains("/oauth/authorize?"),
        "{opener_cmdline}"
    );
    assert!(opener_environ.contains("ALORA_SIGNIN_DIR="));
    procs.push(("xdg-open".into(), opener_cmdline, opener_environ));
    for (what, cmdline, environ) in &procs {
        for secret in [&signature, &refresh] {
            assert!(
                !cmdline.contains(secret.as_str()),
                "a token is on the command line of {what}"
            );
            assert!(
                !environ.contains(secret.as_str()),
                "a token is in the environment of {what}"
            );
        }
    }

    assert!(app.cli(&["quit"]).status.success());
    assert!(
        app.wait_exit(Duration::from_secs(10)).is_some(),
        "{}",
        app.stderr()
    );
    assert!(app.log_files().contains("signed in through the browser"));
    let places = haystacks(&app, &opener);
    assert!(
        places.iter().any(|(p, _)| p.ends_with(".db")),
        "no database written"
    );
    for (place, bytes) in &places {
        assert!(
            !contains(bytes, &signature),
            "the access token is in {place}"
        );
        assert!(
            !contains(bytes, &refresh),
            "the refresh token is in {place}"
        );
    }
    eprintln!(
        "signin: two browser runs, {} processes, {} places checked in {:.1?}",
        procs.len(),
        places.len(),
        started.elapsed()
    );

    // `ALORA_SCREENSHOTS=docs/screenshots` keeps the browser's pages.
    if let Some(to) = std::env::var_os("ALORA_SCREENSHOTS") {
        let to = repo().join(to);
        std::fs::copy(
            opener.join(format!("login-{pid}.png")),
            to.join("signin-browser-login.png"),
        )
        .unwrap();
        std::fs::copy(
            opener.join(format!("done-{pid}.png")),
            to.join("signin-browser-done.png"),
        )
        .unwrap();
        std::fs::copy(
            opener.join(format!("done-{denied_pid}.png")),
            to.join("signin-browser-denied.png"),
        )
        .unwrap();
    }
    assert!(secrets.clear().await.unwrap().is_none());
    let _ = std::fs::remove_dir_all(&opener);
    backend.shutdown().await;
}
