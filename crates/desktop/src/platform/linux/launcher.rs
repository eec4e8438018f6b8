//! The launcher's badge: the unread count and "urgent" on the app's dock or
//! taskbar entry, through the `com.canonical.Unity.LauncherEntry` signal
//! that Plasma, Dash-to-Dock, Dash-to-Panel and Plank read (no tray needed).
//!
//! A port gives the same [`Badge`] another route: on Windows the taskbar
//! button's overlay icon (`ITaskbarList3::SetOverlayIcon`) and flashing
//! (`FlashWindowEx`) for urgent; on macOS the dock tile's badge label
//! (`NSDockTile.badgeLabel`) and `requestUserAttention` (docs/PORTING.md).
//!
//! [`LauncherEntry::show`] never waits: it leaves the badge in a `watch`
//! channel, and one task on the core's runtime, owning its own session-bus
//! connection, emits `Update` for the latest badge when it differs from
//! the one emitted last (a flood of tray refreshes emits once per change).

use std::collections::HashMap;

use tokio::sync::watch;
use zbus::names::BusName;
use zbus::zvariant::Value;
use zbus::Connection;

pub const INTERFACE: &str = "com.canonical.Unity.LauncherEntry";
/// The object path's folder; the entry's own part is made from its desktop id.
pub const PATH_PREFIX: &str = "/com/canonical/unity/launcherentry/";

/// What the launcher shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Badge {
    pub count: u64,
    /// Something asks for an answer (a booking request waits).
    pub urgent: bool,
}

impl Badge {
    /// The `Update` signal's properties.
    pub fn properties(&self) -> HashMap<&'static str, Value<'static>> {
        let count = i64::try_from(self.count).unwrap_or(i64::MAX);
        HashMap::from([
            ("count", Value::I64(count)),
            ("count-visible", Value::Bool(self.count > 0)),
            ("urgent", Value::Bool(self.urgent)),
        ])
    }
}

/// The badge's publisher; dropping it stops the task and closes its connection.
#[derive(Debug)]
pub struct LauncherEntry {
    badge: watch::Sender<Badge>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LauncherEntry {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `application://<desktop file>`, as the docks match it to a launcher.
pub fn app_uri(desktop_file: &str) -> String {
    format!("application://{desktop_file}")
}

/// The object path the signal comes from: stable across runs, as a dock
/// may key an entry by sender and path.
pub fn object_path(desktop_file: &str) -> String {
    let id: String = desktop_file
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("{PATH_PREFIX}{id}")
}

impl LauncherEntry {
    /// Publishes for the launcher `desktop_file` (`com.alora.tray.desktop`)
    /// on the session bus, connecting at the first badge that is not empty.
    /// Must run inside a tokio runtime.
    pub fn start(desktop_file: &str) -> LauncherEntry {
        let (badge, changes) = watch::channel(Badge::default());
        let target = Target {
            app_uri: app_uri(desktop_file),
            path: object_path(desktop_file),
        };
        LauncherEntry {
            badge,
            task: tokio::spawn(publish(target, changes)),
        }
    }

    /// Shows `badge`, from any thread (the GTK main thread included),
    /// without waiting for the bus.
    pub fn show(&self, badge: Badge) {
        self.badge.send_if_modified(|shown| {
            let changed = *shown != badge;
            *shown = badge;
            changed
        });
    }
}

struct Target {
    app_uri: String,
    path: String,
}

async fn publish(target: Target, mut changes: watch::Receiver<Badge>) {
    // Nothing was said before the first change: the docks show no badge.
    let mut emitted = Badge::default();
    let mut bus: Option<Connection> = None;
    while changes.changed().await.is_ok() {
        let badge = *changes.borrow_and_update();
        if badge == emitted {
            continue;
        }
        let conn = match &bus {
            Some(conn) => conn,
            None => match Connection::session().await {
                Ok(conn) => bus.insert(conn),
                Err(e) => {
                    // Said once: without a session bus there is no dock either.
                    tracing::info!(error = %e, "no session bus: no launcher badge");
                    return;
                }
            },
        };
        let body = (target.app_uri.as_str(), badge.properties());
        let sent = conn
            .emit_signal(
                None::<BusName<'_>>,
                target.path.as_str(),
                INTERFACE,
                "Update",
                &body,
            )
            .await;
        match sent {
            Ok(()) => {
                tracing::debug!(count = badge.count, urgent = badge.urgent, "launcher badge");
                emitted = badge;
            }
            Err(e) => tracing::debug!(error = %e, "the launcher badge was not sent"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_properties_follow_the_unity_protocol() {
        assert_eq!(
            app_uri("com.alora.tray.desktop"),
            "application://com.alora.tray.desktop"
        );
        let path = object_path("com.alora.tray.desktop");
        assert_eq!(
            path,
            "/com/canonical/unity/launcherentry/com_alora_tray_desktop"
        );
        assert!(zbus::zvariant::ObjectPath::try_from(path.as_str()).is_ok());
        let props = Badge {
            count: 3,
            urgent: true,
        }
        .properties();
        assert_eq!(props["count"], Value::I64(3));
        assert_eq!(props["count-visible"], Value::Bool(true));
        assert_eq!(props["urgent"], Value::Bool(true));
        let none = Badge::default().properties();
        assert_eq!(none["count-visible"], Value::Bool(false));
    }
}
