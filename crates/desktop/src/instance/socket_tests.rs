//! Serving forwarded requests: other users refused, over-long lines and
//! idle connections cut off.

use std::io::{Read, Write as _};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::instance::{claim_at, Endpoint};

/// Someone else: `nobody`.
const OTHER_UID: u32 = 65534;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alora-ipc-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    dir
}

fn me() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

fn is_root() -> bool {
    me() == 0
}

/// A server over `limits` whose handler answers every request with "done".
fn server(limits: Limits) -> (tokio::runtime::Runtime, PathBuf, PathBuf) {
    let tmp = scratch("serve");
    let endpoint = Endpoint::for_socket(tmp.join("s.sock"));
    let claim = claim_at(&endpoint).unwrap().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handler: Handler = Arc::new(|_| Box::pin(async { Ok(Value::from("done")) }));
    runtime.spawn(async move {
        // The claim lives as long as the server.
        let claim = claim;
        serve(claim.listener, limits, handler).await;
    });
    (runtime, endpoint.socket, tmp)
}

/// Reads until the server closes; `None` if it still has not after a
/// generous wait.
fn read_to_close(stream: &mut StdStream) -> Option<String> {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < until {
        match stream.read(&mut chunk) {
            Ok(0) => return Some(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // Reset: closed with our bytes unread.
            Err(_) => return Some(String::from_utf8_lossy(&got).into_owned()),
        }
    }
    None
}

#[test]
fn an_over_long_request_is_refused_and_the_connection_closed() {
    let (_rt, socket, tmp) = server(LIMITS);
    let mut stream = StdStream::connect(&socket).unwrap();
    // A valid request, padded past the limit: it must not run.
    let padding = "x".repeat(LIMITS.max_line + 10);
    let line = format!("{{\"cmd\":\"open\",\"pad\":\"{padding}\"}}\n");
    stream.write_all(line.as_bytes()).unwrap();
    let answer = read_to_close(&mut stream).expect("closed by the server");
    assert!(!answer.contains("done"), "it ran: {answer}");
    assert!(answer.contains("too long"), "{answer}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_line_that_never_ends_is_cut_off() {
    let (_rt, socket, tmp) = server(LIMITS);
    let mut stream = StdStream::connect(&socket).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let chunk = vec![b'x'; 64 * 1024];
    // Far more than the limit, with no newline: the server must stop
    // reading (the writes fail) rather than buffer it all.
    let mut refused = false;
    for _ in 0..64 {
        if stream.write_all(&chunk).is_err() {
            refused = true;
            break;
        }
    }
    let closed = refused || read_to_close(&mut stream).is_some();
    assert!(closed, "4 MiB without a newline and still reading");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn an_idle_connection_is_closed_and_a_busy_one_kept() {
    let limits = Limits {
        idle: Duration::from_millis(300),
        ..LIMITS
    };
    let (_rt, socket, tmp) = server(limits);
    let mut busy = StdStream::connect(&socket).unwrap();
    let mut reader = BufReader::new(busy.try_clone().unwrap());
    for _ in 0..3 {
        busy.write_all(b"{\"cmd\":\"open\"}\n").unwrap();
        let mut answer = String::new();
        reader.read_line(&mut answer).unwrap();
        assert!(answer.contains("done"), "{answer}");
    }
    let mut idle = StdStream::connect(&socket).unwrap();
    assert_eq!(
        read_to_close(&mut idle).as_deref(),
        Some(""),
        "never closed"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_client_of_another_user_is_refused() {
    if !is_root() {
        eprintln!("SKIPPED: only root can run a client as another user");
        return;
    }
    let (_rt, socket, tmp) = server(LIMITS);
    // Let `nobody` reach the socket, as a lax folder or a socket path given
    // in the environment would: the peer's uid must still stop it.
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    let client = |uid: u32| {
        use std::os::unix::process::CommandExt;
        let script = "import socket,sys\n\
            got=b''\n\
            try:\n\
            \x20 s=socket.socket(socket.AF_UNIX)\n\
            \x20 s.connect(sys.argv[1])\n\
            \x20 got+=b'connected;'\n\
            \x20 s.settimeout(20)\n\
            \x20 s.sendall(b'{\"cmd\":\"open\"}\\n')\n\
            \x20 while b'\\n' not in got:\n\
            \x20   b=s.recv(4096)\n\
            \x20   if not b: break\n\
            \x20   got+=b\n\
            except OSError as e:\n\
            \x20 got+=str(e).encode()\n\
            print('answer:'+got.decode())\n";
        let out = std::process::Command::new("/usr/bin/python3")
            .args(["-c", script])
            .arg(&socket)
            .uid(uid)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("answer:"), "the client did not run: {text}");
        text
    };
    let ours = client(me());
    assert!(ours.contains("done"), "our own client is answered: {ours}");
    let theirs = client(OTHER_UID);
    // It reached the socket (so the folder and mode let it): the peer
    // check alone turned it away.
    assert!(theirs.contains("connected;"), "{theirs}");
    assert!(
        !theirs.contains("done"),
        "another user was served: {theirs}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn a_client_sends_nothing_to_a_socket_of_another_user() {
    if !is_root() {
        eprintln!("SKIPPED: only root can give a socket to another user");
        return;
    }
    let tmp = scratch("theirs");
    let endpoint = Endpoint::for_socket(tmp.join("s.sock"));
    let _listener = StdListener::bind(&endpoint.socket).unwrap();
    assert!(connect(&endpoint, Duration::ZERO).is_ok(), "ours");
    std::os::unix::fs::chown(&endpoint.socket, Some(OTHER_UID), None).unwrap();
    let e = connect(&endpoint, Duration::ZERO).unwrap_err().to_string();
    assert!(e.contains("belongs to uid 65534"), "{e}");
    let _ = std::fs::remove_dir_all(&tmp);
}
