//! Nothing lost, end to end with the real `alora-tray --headless` binary and
//! SIGKILL: work queued while the server is down survives and arrives once,
//! in order, with its clientId; a kill in the middle of a flush loses
//! nothing and repeats only what the server's dedupe drops; incoming events
//! survive a kill and the restart catches up on what was missed; a corrupt
//! or unusable data folder is reported and the app keeps working.
//!
//! This file runs the app in a sandbox that outlives each run; the tests are
//! in `durability/outbox.rs` (outgoing) and `durability/incoming.rs`.

mod incoming;
mod outbox;
mod popups;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use alora_backend::DEFAULT_PATH;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use crate::support::{command, eventually, TokenFile};

/// Long enough for a debug build on a busy machine; nothing is timed.
const PATIENCE: Duration = Duration::from_secs(240);

/// One sandbox (data, settings, socket) for several runs of the app.
struct Sandbox(PathBuf);

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One run of the app in a sandbox; killed with SIGKILL when dropped.
struct Run {
    child: Child,
    dir: PathBuf,
    log: PathBuf,
}

impl Run {
    /// A run with no session bus: no popups, and no notification daemon
    /// D-Bus-activated to take the name from the tests' recorder.
    async fn start(dir: &Path, name: &str, args: &[&str]) -> Run {
        Self::start_with(dir, name, args, |_| {}).await
    }

    /// A run on the session bus, for popups (after `recorder()`).
    async fn start_on_bus(dir: &Path, name: &str, args: &[&str]) -> Run {
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
        Self::start_with(dir, name, args, |c| {
            c.env("DBUS_SESSION_BUS_ADDRESS", bus);
        })
        .await
    }

    async fn start_with(
        dir: &Path,
        name: &str,
        args: &[&str],
        tweak: impl FnOnce(&mut std::process::Command),
    ) -> Run {
        // A killed run leaves its socket file: readiness is an answer on it.
        let _ = std::fs::remove_file(dir.join("tray.sock"));
        let log = dir.join(format!("{name}.log"));
        let mut c = command(dir);
        c.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/alora-test-bus",
        );
        c.arg("--headless")
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        tweak(&mut c);
        let run = Run {
            child: c.spawn().unwrap(),
            dir: dir.to_path_buf(),
            log,
        };
        let sock = dir.join("tray.sock");
        let ready = eventually(Duration::from_secs(60), || {
            std::os::unix::net::UnixStream::connect(&sock).ok()
        })
        .await;
        assert!(ready.is_some(), "never ready:\n{}", run.stderr());
        run
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// What the CLI's subcommands forward, many on one connection.
    async fn ipc(&self) -> Ipc {
        let stream = UnixStream::connect(self.dir.join("tray.sock")).await;
        let (read, write) = stream.unwrap().into_split();
        Ipc(BufReader::new(read), write)
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = command(&self.dir).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {err}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn kill9(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Ipc(
    BufReader<tokio::net::unix::OwnedReadHalf>,
    tokio::net::unix::OwnedWriteHalf,
);

impl Ipc {
    /// `alora-tray send <event> <json>`: the delivery the app answered.
    async fn send(&mut self, event: &str, payload: Value) -> Value {
        let mut line = json!({"cmd": "send", "event": event, "payload": payload}).to_string();
        line.push('\n');
        self.1.write_all(line.as_bytes()).await.unwrap();
        let mut answer = String::new();
        self.0.read_line(&mut answer).await.unwrap();
        let reply: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(reply["ok"], true, "{reply}");
        reply["result"].clone()
    }
}

/// A server address that will be free when the server comes up.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn args<'a>(url: &'a str, token: &'a TokenFile) -> [&'a str; 6] {
    let path = DEFAULT_PATH;
    [
        "--server-url",
        url,
        "--socket-path",
        path,
        "--token-file",
        token.path(),
    ]
}
