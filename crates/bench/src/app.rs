//! Running the real `alora-tray` release binary, each instance in its own
//! sandbox (forwarding socket, XDG data/config/cache), against a backend
//! given on the command line, and driving it as a user's shell would: the
//! subcommands forwarded over its socket, and `quit`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use alora_backend::Backend;
use anyhow::Context as _;

/// How an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `--headless`: the core only (link, history, popups, subcommands).
    Headless,
    /// `--minimized`: the tray app with no window, as started at login.
    Tray,
}

/// One running instance; killed if still running when dropped.
#[derive(Debug)]
pub struct App {
    child: Child,
    bin: PathBuf,
    pub dir: PathBuf,
    pub user: String,
    pub started: Instant,
}

/// The environment that keeps an instance to `dir`.
pub fn command(bin: &Path, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("ALORA_TRAY_SOCKET", dir.join("tray.sock"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env_remove("RUST_LOG")
        .env_remove("ALORA_SOCKET_SERVER_URL")
        .env_remove("ALORA_SOCKET_PATH")
        .env_remove("ALORA_TOKEN")
        .env_remove("ALORA_USE_MOCK_SOCKET");
    c
}

impl App {
    /// Starts an instance for `user` against `backend`, in `dir` (created).
    pub fn spawn(
        bin: &Path,
        dir: &Path,
        mode: Mode,
        backend: &Backend,
        user: &str,
    ) -> anyhow::Result<App> {
        Self::spawn_env(bin, dir, mode, backend, user, &[])
    }

    /// The same with `env` set for the instance (e.g. a stand-in system bus).
    pub fn spawn_env(
        bin: &Path,
        dir: &Path,
        mode: Mode,
        backend: &Backend,
        user: &str,
        env: &[(&str, &str)],
    ) -> anyhow::Result<App> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let token = backend.token_for(user, Duration::from_secs(24 * 3600));
        // The app takes a token only from a private file or stdin (argv is
        // world-readable).
        let token_file = dir.join("token");
        write_private(&token_file, &token)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("stderr.log"))
            .context("opening the instance's log")?;
        let mut c = command(bin, dir);
        c.envs(env.iter().copied());
        c.arg(match mode {
            Mode::Headless => "--headless",
            Mode::Tray => "--minimized",
        });
        c.args([
            "--server-url",
            &backend.url(),
            "--socket-path",
            backend.path(),
        ])
        .arg("--token-file")
        .arg(&token_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
        let started = Instant::now();
        let child = c
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        Ok(App {
            child,
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            user: user.to_owned(),
            started,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A second launch with a subcommand, forwarded to this instance.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<Output> {
        command(&self.bin, &self.dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .context("running a forwarded subcommand")
    }

    /// The tail of the instance's log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// `alora-tray quit`, then waits for the exit (killing it after `within`).
    /// True when it ended by itself.
    pub async fn quit(mut self, within: Duration) -> bool {
        let _ = self.cli(&["quit"]);
        let until = Instant::now() + within;
        while Instant::now() < until {
            if !self.running() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// The history database the instance left, if it keeps one on disk.
    pub fn history_db(&self) -> Option<PathBuf> {
        find_file(&self.dir.join("data"), "alora.db")
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
    }
    None
}

/// How many history rows of `db` have an id starting with `prefix`
/// (e.g. `notification:storm-`). Only reads; call it once the app is gone
/// (a read-only open of a WAL file needs its side files, so this opens it
/// read-write).
pub fn history_rows(db: &Path, prefix: &str) -> anyhow::Result<u64> {
    let conn =
        rusqlite::Connection::open(db).with_context(|| format!("opening {}", db.display()))?;
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM history WHERE substr(id, 1, ?1) = ?2",
            rusqlite::params![prefix.len() as i64, prefix],
            |r| r.get(0),
        )
        .context("counting history rows")?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Writes `text` to a file only its owner can read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}
