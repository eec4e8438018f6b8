//! A backend of several nodes, all on 127.0.0.1 and free ports, started by
//! the test with their configs in a temp dir: Debian's `redis-server` (no
//! persistence) that the Node servers share through
//! `@socket.io/redis-adapter`, and Debian's `haproxy` in front of them with
//! cookie-sticky sessions (for polling) and websocket tunnels, checking each
//! node every 200 ms. Each process is killed when its value is dropped.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::free_port;

#[derive(Debug)]
pub struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(port: u16, what: &str, child: &mut Child) {
    let until = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start: {status}");
        }
        assert!(Instant::now() < until, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `program` is on the PATH (or in /usr/sbin, where Debian puts haproxy).
pub fn installed(program: &str) -> bool {
    ["/usr/bin", "/usr/sbin", "/usr/local/bin"]
        .iter()
        .any(|d| std::path::Path::new(d).join(program).exists())
}

#[derive(Debug)]
pub struct Redis {
    pub port: u16,
    _proc: Proc,
}

impl Redis {
    pub fn start() -> Redis {
        let port = free_port();
        let mut child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server runs (make setup)");
        wait_listening(port, "redis-server", &mut child);
        Redis {
            port,
            _proc: Proc(child),
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

#[derive(Debug)]
pub struct Haproxy {
    pub port: u16,
    dir: PathBuf,
    _proc: Proc,
}

impl Haproxy {
    /// In front of the nodes on `ports`, named `a`, `b`, ... in order.
    pub fn start(ports: &[u16]) -> Haproxy {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("alora-haproxy-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut servers = String::new();
        for (i, p) in ports.iter().enumerate() {
            let name = char::from(b'a' + i as u8);
            servers.push_str(&format!(
                "  server {name} 127.0.0.1:{p} check inter 200ms fall 1 rise 1 cookie {name}\n"
            ));
        }
        let cfg = format!(
            "global\n  maxconn 256\n\
             defaults\n  mode http\n  timeout connect 1s\n  timeout client 60s\n  \
             timeout server 60s\n  timeout tunnel 1h\n  retries 3\n  option redispatch\n\
             frontend alora\n  bind 127.0.0.1:{port}\n  default_backend nodes\n\
             backend nodes\n  balance roundrobin\n  cookie ALORA_NODE insert indirect nocache\n{servers}"
        );
        let file = dir.join("haproxy.cfg");
        std::fs::write(&file, cfg).unwrap();
        let mut child = Command::new("haproxy")
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdout(Stdio::null())
            .spawn()
            .expect("haproxy runs (make setup)");
        wait_listening(port, "haproxy", &mut child);
        Haproxy {
            port,
            dir,
            _proc: Proc(child),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
