//! "Copy diagnostics": what a user pastes into a support request, as plain
//! text. What the Diagnostics view shows plus the system, the desktop and
//! the folders; never the token, a user id or any event's contents (the
//! server only as its host).

use std::fmt::Write;

use crate::app::state::Core;

/// Link states listed, the newest last.
const RECENT_STATES: usize = 10;

impl Core {
    pub fn diagnostics_report(&self) -> String {
        let snapshot = self.snapshot();
        let diagnostics = self.diagnostics();
        let settings = self.settings();
        let mut out = String::new();
        let mut line = |label: &str, value: &str| {
            let _ = writeln!(out, "{label}: {value}");
        };
        line(
            "Alora Tray",
            &format!("{} ({})", diagnostics.version, crate::app_id::APP_ID),
        );
        line("System", &os_name());
        line("Desktop", &desktop());
        let server = if snapshot.demo {
            "demo (embedded backend)".to_owned()
        } else {
            crate::settings::server_host(&settings.server_url)
                .unwrap_or_else(|| "none set".to_owned())
        };
        line("Server", &server);
        line("Link", &json(&snapshot.link));
        line("Signed in", if snapshot.signed_in { "yes" } else { "no" });
        line("Keyring", &json(&snapshot.keyring));
        line("Notifications", &json(&snapshot.notifier));
        line("Do not disturb", if snapshot.dnd { "on" } else { "off" });
        line(
            "Start at login",
            &format!(
                "{} (autostart file {})",
                if settings.start_at_login { "on" } else { "off" },
                if crate::platform::linux::autostart::is_on() {
                    "present"
                } else {
                    "absent"
                }
            ),
        );
        line("Outbox", &json(&snapshot.outbox));
        line("Counters", &json(&diagnostics.stats));
        line("Unread", &snapshot.unread.to_string());
        let folder = |p: Option<std::path::PathBuf>| {
            p.map_or_else(|| "none (no home)".to_owned(), |p| p.display().to_string())
        };
        line("Settings and data", &folder(crate::places::data_dir()));
        line("Log", &folder(crate::logs::dir()));
        let _ = writeln!(out, "Recent link states:");
        let skip = diagnostics
            .state_history
            .len()
            .saturating_sub(RECENT_STATES);
        for change in diagnostics.state_history.iter().skip(skip) {
            let _ = writeln!(out, "  {} {}", change.at, json(&change.state));
        }
        out
    }
}

/// `PRETTY_NAME` of os-release.
fn os_name() -> String {
    let text = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_else(|| std::env::consts::OS.to_owned())
}

fn desktop() -> String {
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| "?".to_owned());
    format!(
        "{} ({})",
        var("XDG_CURRENT_DESKTOP"),
        var("XDG_SESSION_TYPE")
    )
}

/// One line of JSON.
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("({e})"))
}
