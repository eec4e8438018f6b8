//! The Node `socket.io-client` reference (bench/node-client/client.js): one
//! process per run, its stdout lines read with the moment each arrived.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use alora_backend::Backend;
use anyhow::Context as _;
use tokio::io::AsyncBufReadExt as _;
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// A running Node client; killed when dropped.
#[derive(Debug)]
pub struct NodeClient {
    child: Child,
    lines: mpsc::UnboundedReceiver<(Instant, String)>,
    pub started: Instant,
}

impl NodeClient {
    /// `node client.js --mode MODE` for `user` against `backend`.
    pub fn spawn(
        script: &Path,
        backend: &Backend,
        user: &str,
        mode: &str,
    ) -> anyhow::Result<NodeClient> {
        Self::spawn_to(script, &backend.url(), backend, user, mode, &[])
    }

    /// The same through `url` (a proxy before `backend`), with `extra`
    /// arguments for the mode.
    pub fn spawn_to(
        script: &Path,
        url: &str,
        backend: &Backend,
        user: &str,
        mode: &str,
        extra: &[&str],
    ) -> anyhow::Result<NodeClient> {
        let token = backend.token_for(user, Duration::from_secs(24 * 3600));
        let mut c = Command::new("node");
        c.arg(script)
            .args(["--url", url, "--path", backend.path()])
            .args(["--token", &token, "--user", user, "--mode", mode])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = c.spawn().context("starting node (is Node installed?)")?;
        let stdout = child.stdout.take().context("the node client's stdout")?;
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = tokio::io::BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Ok(NodeClient {
            child,
            lines,
            started,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The next line (and when it came), up to `within`.
    pub async fn line(&mut self, within: Duration) -> Option<(Instant, String)> {
        tokio::time::timeout(within, self.lines.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next line for which `pick` gives a value, up to `within`.
    pub async fn line_where<T>(
        &mut self,
        within: Duration,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<(Instant, T)> {
        let until = Instant::now() + within;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let (at, line) = self.line(left).await?;
            if let Some(v) = pick(&line) {
                return Some((at, v));
            }
        }
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
