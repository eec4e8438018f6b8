//! What other users of the machine can see of the real binary: the token
//! comes in through a private file or stdin and reaches the server without
//! showing in `/proc/<pid>/cmdline` or the environment; `--token` and a file
//! others can read are refused with the way to do it; the data folder and
//! database are private after a run; with no home there is no stand-in in a
//! shared temp folder.

use std::io::Write as _;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Stdio;
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, HOUR};
use crate::support::{cmdline_and_environ, command, sandbox, Instance, TokenFile};

fn server_args(backend: &Backend) -> Vec<String> {
    vec![
        "--server-url".into(),
        backend.url(),
        "--socket-path".into(),
        backend.path().into(),
    ]
}

/// No session bus: these runs' popups stay away from other tests' recorder.
fn no_bus(c: &mut std::process::Command) {
    c.env(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/alora-test-bus",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_from_a_file_or_stdin_reaches_the_server_and_not_proc() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let file = TokenFile::new(&token);
    let mut args = server_args(&backend);
    args.extend(["--token-file".into(), file.path().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let by_file = Instance::headless_with("token-file", &args, no_bus);
    assert!(accepted(&backend, 1).await, "{}", by_file.stderr());
    let (cmdline, environ) = cmdline_and_environ(by_file.child.id());
    assert!(cmdline.contains("--token-file"), "{cmdline}");
    assert!(!cmdline.contains(&token) && !environ.contains(&token));

    let mut args = server_args(&backend);
    args.push("--token-stdin".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let by_stdin = Instance::headless_with("token-stdin", &args, |c| {
        let (read, mut write) = std::io::pipe().unwrap();
        write.write_all(format!("{token}\n").as_bytes()).unwrap();
        c.stdin(read);
        no_bus(c);
    });
    assert!(accepted(&backend, 2).await, "{}", by_stdin.stderr());
    let (cmdline, environ) = cmdline_and_environ(by_stdin.child.id());
    assert!(!cmdline.contains(&token) && !environ.contains(&token));
    assert_eq!(backend.handshakes().rejected, 0);
    assert!(!by_file.stderr().contains(&token) && !by_stdin.stderr().contains(&token));
}

#[test]
fn a_token_on_the_command_line_or_in_an_open_file_is_refused() {
    let dir = sandbox("token-refused");
    let mut c = command(&dir);
    c.args(["--headless", "--token", "eyJ.secret.value"]);
    let (status, err) = run_briefly(c);
    assert!(status.is_some_and(|s| !s.success()), "{err}");
    assert!(
        err.contains("--token-file") && err.contains("--token-stdin"),
        "{err}"
    );
    assert!(!err.contains("secret"), "the token is not echoed: {err}");

    let file = TokenFile::new("eyJ.a.b");
    std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut c = command(&dir);
    c.args(["--headless", "--token-file", file.path()]);
    let (status, err) = run_briefly(c);
    assert!(status.is_some_and(|s| !s.success()), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    assert!(
        !dir.join("tray.sock").exists(),
        "refused before it ever started"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_folder_and_database_are_private_after_a_run() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let file = TokenFile::new(&token);
    let mut args = server_args(&backend);
    args.extend(["--token-file".into(), file.path().into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let app = Instance::headless_with("private-data", &args, no_bus);
    assert!(accepted(&backend, 1).await, "{}", app.stderr());
    backend
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "p1", "title": "t", "message": "m"}),
        )
        .await;
    let data = app.dir.join("data/com.alora.tray");
    let db = data.join("alora.db");
    let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.mode() & 0o777).ok();
    let stored = crate::support::eventually(Duration::from_secs(20), || {
        std::fs::read_dir(&data)
            .ok()?
            .flatten()
            .any(|e| e.file_name() == "alora.db-wal")
            .then_some(())
    })
    .await;
    assert!(stored.is_some(), "{}", app.stderr());
    assert_eq!(mode(&data), Some(0o700), "the data folder");
    for suffix in ["", "-wal", "-shm"] {
        let f = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert_eq!(mode(&f), Some(0o600), "{}", f.display());
    }
}

#[test]
fn with_no_home_nothing_lands_in_a_shared_temp_folder() {
    let dir = sandbox("no-home");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut c = command(&dir);
    c.args(["--headless", "--server-url", "http://127.0.0.1:9"])
        .env_remove("HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env("TMPDIR", &tmp);
    let (status, err) = run_briefly(c);
    let left: Vec<_> = walk(&tmp);
    assert!(
        left.is_empty(),
        "written to the temp folder: {left:?}\n{err}"
    );
    assert!(
        status.is_some_and(|s| !s.success()),
        "it must stop, saying why: {err}"
    );
    assert!(err.contains("HOME"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs `c` to its end, or kills it after a generous wait: `None` then.
fn run_briefly(mut c: std::process::Command) -> (Option<std::process::ExitStatus>, String) {
    let mut child = c
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/alora-test-bus",
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = std::time::Instant::now() + Duration::from_secs(30);
    let mut status = None;
    while std::time::Instant::now() < until {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    (status, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        found.push(e.path());
        if e.path().is_dir() {
            found.extend(walk(&e.path()));
        }
    }
    found
}
