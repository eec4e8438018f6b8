//! The port that shows the user a web page: [`Opener`], and the real one, `xdg-open`.
//!
//! The authorize URL carries no secret (the PKCE challenge and `state` are safe to show), so
//! it may go on argv; the child gets none of the app's token variables in its environment.

use std::process::Stdio;

/// Shows `url` in the user's browser.
pub trait Opener: Send + Sync + 'static {
    /// Starts showing the page; `Err` says why it could not.
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The desktop's opener: `xdg-open <url>`, looked up on `PATH`.
#[derive(Debug, Default, Clone)]
pub struct XdgOpen;

/// Variables a token can travel in; never handed to a child.
const SECRET_VARS: [&str; 2] = ["ALORA_TOKEN", "ALORA_REFRESH_TOKEN"];

impl Opener for XdgOpen {
    fn open(&self, url: &str) -> Result<(), String> {
        let mut cmd = std::process::Command::new("xdg-open");
        cmd.arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for var in SECRET_VARS {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start xdg-open: {e}"))?;
        // xdg-open returns once the browser is asked; reap it off the caller's thread.
        std::thread::spawn(move || {
            if let Ok(status) = child.wait() {
                if !status.success() {
                    tracing::warn!(%status, "xdg-open failed");
                }
            }
        });
        Ok(())
    }
}
