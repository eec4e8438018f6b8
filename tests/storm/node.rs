//! The backend of the storm: `node tests/node-server/server.js --store DIR`,
//! restarted again and again on one port, keeping its messages (deduplicated
//! by `clientId`) and catch-up log in DIR as a backend with a database does.
//! Everything it reported adds up over its runs.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Node {
    store: PathBuf,
    secret: String,
    port: u16,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<Value>>>,
    seq: u64,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node-server")
}

/// Whether the Node server can run here (its packages installed).
pub fn available() -> bool {
    fixture().join("node_modules/socket.io").is_dir()
}

impl Node {
    pub fn start(store: &Path, secret: &str) -> Node {
        let mut node = Node {
            store: store.to_path_buf(),
            secret: secret.to_owned(),
            port: 0,
            child: None,
            stdin: None,
            lines: Arc::default(),
            seq: 0,
        };
        node.spawn();
        node
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn is_up(&self) -> bool {
        self.child.is_some()
    }

    fn spawn(&mut self) {
        let before = self.count("listening");
        let mut child = Command::new("node")
            .arg(fixture().join("server.js"))
            .args(["--port", &self.port.to_string(), "--secret", &self.secret])
            .arg("--store")
            .arg(&self.store)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let stdout = child.stdout.take().expect("piped");
        let sink = self.lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        self.stdin = child.stdin.take();
        self.child = Some(child);
        let port = self.wait(Duration::from_secs(20), |lines| {
            lines
                .iter()
                .filter(|v| v["kind"] == "listening")
                .nth(before)
                .and_then(|v| v["port"].as_u64())
        });
        self.port = port
            .and_then(|p| u16::try_from(p).ok())
            .expect("the node server listens");
    }

    /// Polls the reported lines until `f` finds something.
    pub fn wait<T>(&self, within: Duration, f: impl Fn(&[Value]) -> Option<T>) -> Option<T> {
        let until = Instant::now() + within;
        loop {
            if let Some(v) = f(&self.lines.lock().unwrap()) {
                return Some(v);
            }
            if Instant::now() > until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn count(&self, kind: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|v| v["kind"] == kind)
            .count()
    }

    /// Payloads of `event` as received from clients, over every run.
    pub fn received(&self, event: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|v| v["kind"] == "received" && v["event"] == event)
            .map(|v| v["payload"].clone())
            .collect()
    }

    fn send(&mut self, cmd: &Value) -> bool {
        let Some(stdin) = self.stdin.as_mut() else {
            return false;
        };
        writeln!(stdin, "{cmd}").is_ok() && stdin.flush().is_ok()
    }

    /// Emits to `user`; true once the server says it stored and sent it.
    pub fn push(&mut self, user: &str, event: &str, payload: Value) -> bool {
        self.seq += 1;
        let seq = self.seq;
        let cmd = json!({"cmd": "emit", "to": user, "event": event, "args": [payload], "seq": seq});
        self.send(&cmd)
            && self
                .wait(Duration::from_secs(5), |lines| {
                    lines
                        .iter()
                        .rev()
                        .any(|v| v["kind"] == "emitted" && v["seq"] == seq)
                        .then_some(())
                })
                .is_some()
    }

    /// The stored messages, one per `clientId`.
    pub fn messages(&mut self) -> Vec<Value> {
        let before = self.count("messages");
        assert!(self.send(&json!({"cmd": "messages"})), "the server is down");
        self.wait(Duration::from_secs(10), |lines| {
            lines
                .iter()
                .filter(|v| v["kind"] == "messages")
                .nth(before)
                .and_then(|v| v["messages"].as_array().cloned())
        })
        .expect("the server lists its messages")
    }

    /// Stops the server with `signal` ("KILL" or "TERM") and reaps it.
    pub fn stop(&mut self, signal: &str) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let ok = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} failed");
        self.stdin = None;
        let until = Instant::now() + Duration::from_secs(5);
        while child.try_wait().ok().flatten().is_none() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    pub fn start_again(&mut self) {
        if self.child.is_none() {
            self.spawn();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
