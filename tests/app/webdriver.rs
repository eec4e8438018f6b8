//! The real GUI binary with its webview, through `tauri-driver` +
//! `WebKitWebDriver`: a W3C WebDriver client over a plain TCP stream (one
//! request per connection), just what the tests use: a session that
//! launches the app, and scripts run in its page (which can call the app's
//! commands as the UI does).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{command, sandbox, BIN};

/// Whether the tools are there; says why not (a skip) when they are not.
pub fn available() -> Result<(), String> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err("no DISPLAY; run under Xvfb".into());
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Err("no session bus; run under dbus-run-session".into());
    }
    for tool in ["tauri-driver", "WebKitWebDriver"] {
        if which(tool).is_none() {
            return Err(format!("{tool} is missing (see tests/webdriver/README.md)"));
        }
    }
    Ok(())
}

fn which(tool: &str) -> Option<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(cargo_bin)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

/// One app instance under its own `tauri-driver`, in its own sandbox (the
/// app inherits the driver's environment: `support::command`'s).
pub struct GuiApp {
    driver: Child,
    port: u16,
    session: Option<String>,
    pub dir: PathBuf,
}

impl GuiApp {
    /// Starts the driver, then a session that launches the app with `args`;
    /// returns once the UI has rendered its status bar.
    pub fn start(name: &str, args: &[&str]) -> GuiApp {
        let dir = sandbox(name);
        let like_the_app = command(&dir);
        let mut driver = Command::new(which("tauri-driver").unwrap());
        for (k, v) in like_the_app.get_envs() {
            match v {
                Some(v) => driver.env(k, v),
                None => driver.env_remove(k),
            };
        }
        let port = free_port();
        let log = std::fs::File::create(dir.join("driver-and-app.log")).unwrap();
        driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null());
        let driver = driver.spawn().unwrap();
        let mut app = GuiApp {
            driver,
            port,
            session: None,
            dir,
        };
        let until = Instant::now() + Duration::from_secs(30);
        while app.call("GET", "/status", None, SHORT).is_err() {
            assert!(Instant::now() < until, "tauri-driver never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": BIN, "args": args}
        }}});
        // The driver answers before WebKitWebDriver behind it does, and
        // drops the connection until then.
        let until = Instant::now() + Duration::from_secs(60);
        let created = loop {
            match app.call("POST", "/session", Some(&caps), LONG) {
                Ok(created) => break created,
                Err(e) if Instant::now() > until => panic!("no session: {e}\n{}", app.log()),
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        };
        app.session = created["sessionId"].as_str().map(str::to_owned);
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let bar = json!({"using": "css selector", "value": "[data-testid=\"link-state\"]"});
            if app
                .session_call("POST", "/element", Some(&bar), SHORT)
                .is_ok()
            {
                break;
            }
            assert!(
                Instant::now() < until,
                "the UI never rendered\n{}",
                app.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        app
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("driver-and-app.log")).unwrap_or_default()
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.join("tray.sock")
    }

    /// Runs `script` (an async function's body: `arguments` end with the
    /// callback that resolves it) in the page; an error after `within`.
    pub fn execute_async(&self, script: &str, within: Duration) -> Result<Value, String> {
        let body = json!({"script": script, "args": []});
        self.session_call("POST", "/execute/async", Some(&body), within)
    }

    fn session_call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        within: Duration,
    ) -> Result<Value, String> {
        let id = self.session.as_deref().ok_or("no session")?;
        self.call(method, &format!("/session/{id}{path}"), body, within)
    }

    /// One request; the answer's `value`, or its error.
    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        within: Duration,
    ) -> Result<Value, String> {
        let err = |e: std::io::Error| format!("{method} {path}: {e}");
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(err)?;
        stream.set_read_timeout(Some(within)).map_err(err)?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).map_err(err)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(err)?;
        let answer = String::from_utf8_lossy(&answer);
        let (head, json) = answer.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
        let json: Value = serde_json::from_str(json).map_err(|e| format!("{e}: {answer}"))?;
        let value = json["value"].clone();
        if !head.starts_with("HTTP/1.1 200") || value["error"].is_string() {
            return Err(format!("{method} {path}: {head}: {value}"));
        }
        Ok(value)
    }
}

const SHORT: Duration = Duration::from_secs(5);
const LONG: Duration = Duration::from_secs(90);

/// Every process under `root`, deepest first.
fn descendants(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|d| d.flatten().collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let ppid = stat[stat.rfind(')')? + 1..].split_whitespace().nth(1)?;
            Some((pid, ppid.parse().ok()?))
        })
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    found.remove(0);
    found.reverse();
    found
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .args([sig, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

impl Drop for GuiApp {
    fn drop(&mut self) {
        // The app, WebKitWebDriver and the driver, by their ids: a frozen
        // app would not end with the session.
        let tree = descendants(self.driver.id());
        if self.session.is_some() {
            let _ = self.session_call("DELETE", "", None, SHORT);
        }
        for pid in tree {
            signal(pid, "-KILL");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `alora-tray ARGS` forwarded to the instance of `dir`, given `within` to
/// end: its output, or `None` when it did not end in time (killed then).
pub fn cli_within(dir: &Path, args: &[&str], within: Duration) -> Option<std::process::Output> {
    let mut child = command(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + within;
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return child.wait_with_output().ok();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
