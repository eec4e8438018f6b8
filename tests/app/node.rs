//! The headless binary against the Node `socket.io` reference server
//! (tests/node-server): popups for pushed events, and `status busy` from the
//! CLI reaching the server. Skips when node or its modules are missing.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

use crate::recorder::recorder;
use crate::support::{eventually, Instance, TokenFile};

struct NodeServer {
    child: Child,
    stdin: ChildStdin,
    lines: Arc<Mutex<Vec<Value>>>,
}

impl NodeServer {
    fn start() -> Option<NodeServer> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node-server");
        if !dir.join("node_modules/socket.io").is_dir() {
            crate::support::skip("tests/node-server/node_modules is missing (npm ci there)");
            return None;
        }
        let mut child = Command::new("node")
            .arg(dir.join("server.js"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| crate::support::skip(&format!("cannot run node: {e}")))
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = child.stdout.take()?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().unwrap().push(v);
                }
            }
        });
        Some(NodeServer {
            child,
            stdin,
            lines,
        })
    }

    fn send(&mut self, cmd: Value) {
        writeln!(self.stdin, "{cmd}").unwrap();
    }

    fn find(&self, kind: &str) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|v| v["kind"] == kind)
            .cloned()
            .collect()
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_the_node_reference_server() {
    let Some(rec) = recorder() else { return };
    let Some(mut node) = NodeServer::start() else {
        return;
    };
    let port = eventually(Duration::from_secs(15), || {
        node.find("listening").first().map(|v| v["port"].clone())
    })
    .await;
    let port = port.expect("the node server listens");
    node.send(json!({"cmd": "token", "userId": "u1", "ttlSec": 3600}));
    let token = eventually(Duration::from_secs(5), || {
        node.find("token").first().map(|v| v["token"].clone())
    })
    .await;
    let token = token
        .and_then(|t| t.as_str().map(str::to_owned))
        .expect("a token");
    let url = format!("http://127.0.0.1:{port}");
    let token_file = TokenFile::new(&token);
    let app = Instance::headless(
        "node",
        &["--server-url", &url, "--token-file", token_file.path()],
    );
    let accepted = eventually(Duration::from_secs(20), || {
        (!node.find("accepted").is_empty()).then_some(())
    })
    .await;
    assert!(accepted.is_some(), "{}", app.stderr());
    tokio::time::sleep(Duration::from_millis(500)).await;

    let tag = "e2e-node-c71";
    let n = json!({"id": 501, "title": format!("From node {tag}"), "body": "a <b>body</b>"});
    node.send(json!({"cmd": "emit", "to": "u1", "event": "newNotification", "args": [n]}));
    node.send(json!({"cmd": "emit", "to": "u1", "event": "userTyping", "args": [{"userId": "u2", "isTyping": true}]}));
    let got = eventually(Duration::from_secs(10), || rec.tagged(tag).first().cloned()).await;
    let got = got.unwrap_or_else(|| panic!("no popup; log:\n{}", app.stderr()));
    assert_eq!(got.body, "a &lt;b&gt;body&lt;/b&gt;");

    let out = app.cli(&["status", "busy"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = eventually(Duration::from_secs(10), || {
        node.find("received")
            .into_iter()
            .find(|r| r["event"] == "updateStatus")
            .map(|r| r["payload"].clone())
    })
    .await;
    assert_eq!(status, Some(json!({"status": "busy"})));
}
