//! Running the real `alora-tray` binary: each instance with its own forwarding
//! socket, settings, cache and autostart dirs, so tests run side by side.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_alora-tray");

pub struct Instance {
    pub child: Child,
    pub dir: PathBuf,
    pub log: PathBuf,
}

/// A fresh directory for one instance.
pub fn sandbox(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("alora-app-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The environment that keeps an instance to its sandbox.
pub fn command(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.env("ALORA_TRAY_SOCKET", dir.join("tray.sock"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("RUST_LOG", "info,alora_tray=debug")
        .env_remove("ALORA_SOCKET_SERVER_URL")
        .env_remove("ALORA_SOCKET_PATH")
        .env_remove("ALORA_TOKEN")
        .env_remove("ALORA_USE_MOCK_SOCKET");
    c
}

impl Instance {
    /// `alora-tray --headless` with these extra arguments.
    pub fn headless(name: &str, args: &[&str]) -> Instance {
        Self::headless_with(name, args, |_| {})
    }

    pub fn headless_with(name: &str, args: &[&str], tweak: impl FnOnce(&mut Command)) -> Instance {
        let dir = sandbox(name);
        let log = dir.join("stderr.log");
        let mut c = command(&dir);
        c.arg("--headless")
            .args(args)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        tweak(&mut c);
        let child = c.spawn().unwrap();
        let inst = Instance { child, dir, log };
        // Ready once it answers on its socket.
        let until = Instant::now() + Duration::from_secs(20);
        while !inst.dir.join("tray.sock").exists() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        inst
    }

    /// A second launch with a subcommand, forwarded to this instance.
    pub fn cli(&self, args: &[&str]) -> Output {
        command(&self.dir).args(args).output().unwrap()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Everything in the instance's log folder (`alora_desktop::logs`).
    pub fn log_files(&self) -> String {
        let dir = self.dir.join("state/com.alora.tray/logs");
        let mut text = String::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
        text
    }

    /// Waits for the process to end by itself.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A token in a file only we can read (0600, in a 0700 folder), for
/// `--token-file`; removed when dropped.
pub struct TokenFile {
    dir: PathBuf,
    path: String,
}

impl TokenFile {
    pub fn new(token: &str) -> TokenFile {
        use std::os::unix::fs::PermissionsExt;
        let dir = sandbox("token");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let path = dir.join("token");
        std::fs::write(&path, format!("{token}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let path = path.to_str().unwrap().to_owned();
        TokenFile { dir, path }
    }

    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What any process may read of `pid`: its command line. And what its
/// owner may: the environment it started with.
pub fn cmdline_and_environ(pid: u32) -> (String, String) {
    let read = |f: &str| {
        let bytes = std::fs::read(format!("/proc/{pid}/{f}")).unwrap_or_default();
        String::from_utf8_lossy(&bytes).replace('\0', " ")
    };
    (read("cmdline"), read("environ"))
}

/// Polls `f` until it gives `Some`, or the time is up.
pub async fn eventually<T>(within: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let until = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reports a test that cannot run here. Under `ALORA_TEST_STRICT=1` (set by
/// `make test` and CI) a missing bus, display or server is a failure, so a
/// suite that silently skipped can never pass CI.
pub fn skip(reason: &str) {
    if std::env::var_os("ALORA_TEST_STRICT").is_some_and(|v| v == "1") {
        panic!("cannot run under ALORA_TEST_STRICT=1: {reason}");
    }
    eprintln!("SKIPPED: {reason}");
}

/// Held by each test that opens windows on the shared X display: `gui.rs`
/// checks that no "Alora" window is there, so another test's window must
/// not be open meanwhile.
pub static DISPLAY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Held by each test that writes the OS keyring: its entries are the same for
/// every instance on the session bus.
pub static KEYRING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
