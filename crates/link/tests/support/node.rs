//! [`NodeServer`]: `node tests/node-server/server.js` (socket.io 4) as a child process,
//! driven over its stdio JSON lines, behind [`TestServer`].

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::time::{sleep, Instant};

use super::{poll_received, NodeOptions, ReceivedEvent, TestServer};

const START_TIMEOUT: Duration = Duration::from_secs(15);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// What the server reported on stdout, over all its runs.
#[derive(Debug, Default)]
struct Reports {
    received: Vec<ReceivedEvent>,
    accepted: usize,
    rejected: usize,
    sockets: HashSet<String>,
    listening: Option<u16>,
    messages: Option<Vec<Value>>,
    /// `raw` commands carried out.
    raws: usize,
    /// The last flood's (events sent, milliseconds taken).
    flooded: Option<(u64, u64)>,
}

fn lock(reports: &Mutex<Reports>) -> MutexGuard<'_, Reports> {
    reports.lock().unwrap_or_else(PoisonError::into_inner)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The Node server; restarts keep its port and secret, and what it reported adds up.
/// Dropping it kills the process (and closing its stdin would stop it too).
#[derive(Debug)]
pub struct NodeServer {
    options: NodeOptions,
    secret: String,
    port: u16,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    reports: Arc<Mutex<Reports>>,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/node-server")
}

impl NodeServer {
    /// Starts `node server.js` on an ephemeral port. Panics with what to do if the npm
    /// packages are missing.
    pub async fn start(options: NodeOptions) -> NodeServer {
        let dir = fixture_dir();
        assert!(
            dir.join("node_modules/socket.io").is_dir()
                && dir.join("node_modules/jsonwebtoken").is_dir(),
            "the Node test server's packages are missing in {}: run `make setup` or \
             `npm ci --prefix tests/node-server`",
            dir.display()
        );
        let secret: String = options.secret.clone().unwrap_or_else(|| {
            alora_backend::random_secret()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        });
        let mut server = NodeServer {
            options,
            secret,
            port: 0,
            child: None,
            stdin: None,
            reports: Arc::default(),
        };
        server.spawn().await;
        server
    }

    /// `https://localhost:PORT`, for a server started with a TLS certificate.
    pub fn tls_url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    /// The HS256 secret the server checks tokens with.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// The process id of the running server.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    async fn spawn(&mut self) {
        let dir = fixture_dir();
        // `ip netns exec` execs node in the namespace: the pid stays node's.
        let mut cmd = match &self.options.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "node"]);
                c
            }
            None => Command::new("node"),
        };
        cmd.arg(dir.join("server.js"))
            .args(["--port", &self.port.to_string(), "--secret", &self.secret])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        if let Some(ms) = self.options.ping_interval_ms {
            cmd.args(["--ping-interval", &ms.to_string()]);
        }
        if let Some(ms) = self.options.ping_timeout_ms {
            cmd.args(["--ping-timeout", &ms.to_string()]);
        }
        if self.options.recovery {
            cmd.arg("--recovery");
        }
        if let Some(host) = &self.options.host {
            cmd.args(["--host", host]);
        }
        if let Some(redis) = &self.options.redis {
            cmd.args(["--redis", redis]);
        }
        if let Some(name) = &self.options.name {
            cmd.args(["--name", name]);
        }
        if let (Some(cert), Some(key)) = (&self.options.tls_cert, &self.options.tls_key) {
            cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => panic!("cannot run `node` (is Node 20 installed?): {e}"),
        };
        lock(&self.reports).listening = None;
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(read_reports(stdout, self.reports.clone()));
        }
        self.stdin = child.stdin.take();
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(port) = lock(&self.reports).listening {
                self.port = port;
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("the Node test server exited at start ({status}); see its stderr above");
            }
            assert!(
                Instant::now() < deadline,
                "the Node test server did not listen within {START_TIMEOUT:?}"
            );
            sleep(Duration::from_millis(10)).await;
        }
    }

    async fn command(&mut self, cmd: Value) {
        let Some(stdin) = self.stdin.as_mut() else {
            panic!("the Node test server is down; cannot send {cmd}");
        };
        let line = format!("{cmd}\n");
        if let Err(e) = stdin
            .write_all(line.as_bytes())
            .await
            .and(stdin.flush().await)
        {
            panic!("cannot talk to the Node test server: {e}");
        }
    }

    /// Writes one engine.io message to every socket as it is, past
    /// socket.io's encoder: `Ok(bytes)` as a binary frame, `Err(text)` as a
    /// text frame. Returns once the server has written it.
    pub async fn raw(&mut self, frame: Result<&[u8], &str>) {
        let before = lock(&self.reports).raws;
        let cmd = match frame {
            Ok(bytes) => {
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                json!({ "cmd": "raw", "hex": hex })
            }
            Err(text) => json!({ "cmd": "raw", "text": text }),
        };
        self.command(cmd).await;
        self.wait_report(|r| r.raws > before, "raw").await;
    }

    /// Emits `event` with `payload` to every socket `per_second` times a
    /// second for `seconds`; returns (events sent, milliseconds taken) once
    /// the server has sent them all.
    pub async fn flood(
        &mut self,
        event: &str,
        payload: Value,
        per_second: u64,
        seconds: u64,
    ) -> (u64, u64) {
        lock(&self.reports).flooded = None;
        self.command(json!({
            "cmd": "flood", "event": event, "payload": payload,
            "perSecond": per_second, "seconds": seconds,
        }))
        .await;
        let deadline = Instant::now() + Duration::from_secs(seconds * 3 + 30);
        loop {
            if let Some(done) = lock(&self.reports).flooded.take() {
                return done;
            }
            assert!(Instant::now() < deadline, "the flood did not finish");
            sleep(Duration::from_millis(50)).await;
        }
    }

    async fn wait_report(&self, done: impl Fn(&Reports) -> bool, what: &str) {
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !done(&lock(&self.reports)) {
            assert!(
                Instant::now() < deadline,
                "the Node test server did not report {what}"
            );
            sleep(Duration::from_millis(10)).await;
        }
    }

    async fn signal(&self, name: &str) {
        let Some(pid) = self.pid() else { return };
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .await;
        assert!(
            status.is_ok_and(|s| s.success()),
            "kill -{name} {pid} failed"
        );
    }

    /// Waits for the process to end (SIGKILL after `STOP_TIMEOUT`), forgetting its sockets.
    async fn reap(&mut self) {
        self.stdin = None;
        if let Some(mut child) = self.child.take() {
            if tokio::time::timeout(STOP_TIMEOUT, child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
        lock(&self.reports).sockets.clear();
    }
}

async fn read_reports(stdout: tokio::process::ChildStdout, reports: Arc<Mutex<Reports>>) {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            eprintln!("node-server: {line}");
            continue;
        };
        let mut r = lock(&reports);
        let socket = v["socketId"].as_str().unwrap_or_default().to_owned();
        match v["kind"].as_str().unwrap_or_default() {
            "listening" => r.listening = v["port"].as_u64().and_then(|p| u16::try_from(p).ok()),
            "accepted" => {
                r.accepted += 1;
                r.sockets.insert(socket);
            }
            "rejected" => r.rejected += 1,
            "disconnected" => {
                r.sockets.remove(&socket);
            }
            "received" => r.received.push(ReceivedEvent {
                user_id: text(&v["userId"]),
                event: v["event"].as_str().unwrap_or_default().to_owned(),
                payload: v["payload"].clone(),
            }),
            "messages" => r.messages = v["messages"].as_array().cloned(),
            "raw" => r.raws += 1,
            "flooded" => {
                r.flooded = Some((
                    v["sent"].as_u64().unwrap_or_default(),
                    v["ms"].as_u64().unwrap_or_default(),
                ));
            }
            _ => eprintln!("node-server: {line}"),
        }
    }
}

impl TestServer for NodeServer {
    fn name(&self) -> &'static str {
        "node"
    }

    fn url(&self) -> String {
        let host = self.options.host.as_deref().unwrap_or("127.0.0.1");
        format!("http://{host}:{}", self.port)
    }

    fn path(&self) -> String {
        "/socket/notification".to_owned()
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn token_with_ttl(&mut self, user: &str, ttl: Duration) -> String {
        alora_backend::mint_token(self.secret.as_bytes(), user, ttl)
    }

    fn expired_token_for(&mut self, user: &str) -> String {
        alora_backend::mint_expired_token(self.secret.as_bytes(), user)
    }

    async fn push(&mut self, to_user: Option<&str>, event: &str, args: Vec<Value>) {
        let to = to_user.unwrap_or("all");
        self.command(json!({ "cmd": "emit", "to": to, "event": event, "args": args }))
            .await;
    }

    fn received(&mut self) -> Vec<ReceivedEvent> {
        lock(&self.reports).received.clone()
    }

    async fn wait_received_from(
        &mut self,
        from: usize,
        pred: impl Fn(&ReceivedEvent) -> bool + Send,
        timeout: Duration,
    ) -> anyhow::Result<ReceivedEvent> {
        let reports = self.reports.clone();
        poll_received(
            move || lock(&reports).received.clone(),
            from,
            pred,
            timeout,
            "node",
        )
        .await
    }

    fn handshakes(&mut self) -> (usize, usize) {
        let r = lock(&self.reports);
        (r.accepted, r.rejected)
    }

    fn connected_sockets(&mut self) -> usize {
        lock(&self.reports).sockets.len()
    }

    async fn messages(&mut self) -> Vec<Value> {
        lock(&self.reports).messages = None;
        self.command(json!({ "cmd": "messages" })).await;
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(m) = lock(&self.reports).messages.take() {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "the Node test server did not list its messages"
            );
            sleep(Duration::from_millis(10)).await;
        }
    }

    async fn disconnect_all(&mut self) {
        self.command(json!({ "cmd": "disconnectAll" })).await;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while !lock(&self.reports).sockets.is_empty() && Instant::now() < deadline {
            sleep(Duration::from_millis(10)).await;
        }
    }

    async fn restart_graceful(&mut self) {
        self.signal("TERM").await;
        self.reap().await;
        self.spawn().await;
    }

    async fn kill(&mut self) {
        self.signal("KILL").await;
        self.reap().await;
    }

    async fn start_again(&mut self) {
        if self.child.is_none() {
            self.spawn().await;
        }
    }

    fn supports_pause(&self) -> bool {
        true
    }

    async fn pause(&mut self) {
        self.signal("STOP").await;
    }

    async fn resume(&mut self) {
        self.signal("CONT").await;
    }
}
