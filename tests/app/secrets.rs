//! The token never leaves the keyring and the memory of the run: one run of
//! the real binary with a known token, at `RUST_LOG=trace`, with traffic both
//! ways, a reconnect and a quit, then a grep for the token's secret part in
//! its log, in every file it wrote under its data, config and cache folders,
//! and in `/proc/<pid>/cmdline` and `/proc/<pid>/environ` of it and of every
//! process it started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::headless::{accepted, args, HOUR};
use crate::support::{cmdline_and_environ, eventually, Instance, TokenFile};

/// Every regular file under `dir`, however deep.
pub(crate) fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => files_under(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// `pid` and every process below it (from each process's parent in `stat`).
pub(crate) fn process_tree(pid: u32) -> Vec<u32> {
    let mut tree = vec![pid];
    let mut grew = true;
    while grew {
        grew = false;
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
            let parent = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if parent.is_some_and(|p| tree.contains(&p)) && !tree.contains(&child) {
                tree.push(child);
                grew = true;
            }
        }
    }
    tree
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_is_in_no_log_file_command_line_or_environment() {
    let backend = Backend::start(BackendConfig::default()).await.unwrap();
    let token = backend.token_for("u1", HOUR);
    let secret = token.rsplit('.').next().unwrap().to_owned();
    let token_file = TokenFile::new(&token);
    let mut app = Instance::headless_with("secrets", &args(&backend, &token_file), |c| {
        c.env("RUST_LOG", "trace");
    });
    assert!(
        accepted(&backend, 1).await,
        "no handshake:\n{}",
        app.stderr()
    );
    backend
        .push_to_user(
            "u1",
            "newNotification",
            json!({"id": "s1", "title": "secret-free"}),
        )
        .await;
    let sent = app.cli(&[
        "send",
        "sendMessage",
        r#"{"conversationId":"c1","content":"hello"}"#,
    ]);
    assert!(sent.status.success(), "{sent:?}");
    assert!(app.cli(&["reconnect"]).status.success());
    assert!(
        accepted(&backend, 2).await,
        "no second handshake:\n{}",
        app.stderr()
    );
    let got = eventually(Duration::from_secs(10), || {
        backend
            .received()
            .into_iter()
            .find(|r| r.event == "sendMessage")
    })
    .await;
    assert!(got.is_some(), "{}", app.stderr());

    // The processes while they run.
    let tree = process_tree(app.child.id());
    for pid in &tree {
        let (cmdline, environ) = cmdline_and_environ(*pid);
        assert!(
            !cmdline.contains(&secret),
            "the token is on the command line of {pid}"
        );
        assert!(
            !environ.contains(&secret),
            "the token is in the environment of {pid}"
        );
    }
    assert!(app.cli(&["quit"]).status.success());
    assert!(
        app.wait_exit(Duration::from_secs(10)).is_some(),
        "{}",
        app.stderr()
    );

    let log = app.stderr();
    assert!(log.contains("TRACE"), "no trace lines at all:\n{log}");
    assert!(!log.contains(&secret), "the token is in the log");
    let mut files = Vec::new();
    for folder in ["data", "config", "cache"] {
        files_under(&app.dir.join(folder), &mut files);
    }
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "db")),
        "the run wrote its database: {files:?}"
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_default();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the token is in {}",
            file.display()
        );
    }
    eprintln!(
        "secrets: {} processes, {} files ({} bytes of log) checked",
        tree.len(),
        files.len(),
        log.len()
    );
    backend.shutdown().await;
}
