//! A recording freedesktop notification server on the real session bus
//! (zbus): `Notify`, `GetCapabilities`, `GetServerInformation`,
//! `CloseNotification`, keeping every call for the tests to read back, and
//! able to invoke an action as a user's click would.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";

#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: u32,
    pub app_name: String,
    pub icon: String,
    pub summary: String,
    pub body: String,
    pub actions: Vec<String>,
    pub category: Option<String>,
    /// The `desktop-entry` hint: the launcher GNOME ties the popup to.
    pub desktop_entry: Option<String>,
}

struct Server {
    log: Arc<Mutex<Vec<Recorded>>>,
    next: AtomicU32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let id = if replaces_id > 0 {
            replaces_id
        } else {
            self.next.fetch_add(1, Ordering::SeqCst)
        };
        let category = hints
            .get("category")
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        let desktop_entry = hints
            .get("desktop-entry")
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        let r = Recorded {
            id,
            app_name,
            icon: app_icon,
            summary,
            body,
            actions,
            category,
            desktop_entry,
        };
        self.log.lock().unwrap().push(r);
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "body-markup".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "alora-test-recorder".into(),
            "alora".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }

    async fn close_notification(
        &self,
        id: u32,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        let _ = emitter
            .emit(IFACE, "NotificationClosed", &(id, 3_u32))
            .await;
    }
}

/// The one recorder of this test process (a bus name has one owner).
pub struct Recorder {
    log: Arc<Mutex<Vec<Recorded>>>,
    conn: zbus::Connection,
    rt: tokio::runtime::Handle,
}

static RECORDER: OnceLock<Result<Recorder, String>> = OnceLock::new();

/// `None` (with a message) when there is no session bus to test on.
pub fn recorder() -> Option<&'static Recorder> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        crate::support::skip(
            "DBUS_SESSION_BUS_ADDRESS is unset; run under `dbus-run-session -- cargo test ...`",
        );
        return None;
    }
    match RECORDER.get_or_init(start) {
        Ok(recorder) => Some(recorder),
        Err(problem) => {
            crate::support::skip(problem);
            None
        }
    }
}

fn start() -> Result<Recorder, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        rt.block_on(async move {
            let log = Arc::new(Mutex::new(Vec::new()));
            let server = Server {
                log: log.clone(),
                next: AtomicU32::new(1),
            };
            // zbus 5: each step of the builder can fail.
            let conn = async {
                zbus::connection::Builder::session()?
                    .name(IFACE)?
                    .serve_at(PATH, server)?
                    .build()
                    .await
            }
            .await;
            match conn {
                Ok(conn) => {
                    let _ = tx.send(Ok(Recorder {
                        log,
                        conn,
                        rt: handle,
                    }));
                    std::future::pending::<()>().await;
                }
                Err(e) => {
                    let _ = tx.send(Err(format!("cannot own {IFACE} on the session bus: {e}")));
                }
            }
        });
    });
    rx.recv()
        .unwrap_or_else(|_| Err("the notification recorder's thread ended early".into()))
}

impl Recorder {
    pub fn all(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }

    /// Those whose summary or body contains `tag`.
    pub fn tagged(&self, tag: &str) -> Vec<Recorded> {
        self.all()
            .into_iter()
            .filter(|r| r.summary.contains(tag) || r.body.contains(tag))
            .collect()
    }

    /// Waits until `n` popups carry `tag`, or the time is up.
    pub fn wait_tagged(&self, tag: &str, n: usize, within: Duration) -> Vec<Recorded> {
        let until = Instant::now() + within;
        loop {
            let found = self.tagged(tag);
            if found.len() >= n || Instant::now() > until {
                return found;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// As if the user clicked the action `key` of notification `id`.
    pub fn invoke(&self, id: u32, key: &str) {
        let conn = self.conn.clone();
        let key = key.to_owned();
        let done = self.rt.block_on(async move {
            conn.emit_signal(None::<&str>, PATH, IFACE, "ActionInvoked", &(id, key))
                .await
        });
        done.unwrap();
    }
}
