//! A recording freedesktop notification server on the real session bus
//! (zbus): `Notify`, `GetCapabilities`, `GetServerInformation`,
//! `CloseNotification`, keeping every call for the tests to read back, and
//! able to invoke an action as a user's click would; with KDE's `Inhibited`
//! property (the desktop's Do Not Disturb), which a test can turn on. A test
//! that does so uses a recorder on a private bus of its own (`private`),
//! since the shared one serves every test of the process at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
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
    /// The `replaces_id` it came with (0: a new popup).
    pub replaces: u32,
    pub desktop_entry: Option<String>,
    pub reply_placeholder: Option<String>,
    pub urgency: Option<u8>,
    pub sound: Option<String>,
    pub suppress_sound: bool,
    pub transient: bool,
    pub expire_timeout: i32,
}

struct Server {
    log: Arc<Mutex<Vec<Recorded>>>,
    closed: Arc<Mutex<Vec<u32>>>,
    next: AtomicU32,
    inhibited: Arc<AtomicBool>,
}

fn flag(hints: &HashMap<String, OwnedValue>, name: &str) -> bool {
    hints
        .get(name)
        .and_then(|v| bool::try_from(v.try_clone().ok()?).ok())
        .unwrap_or(false)
}

fn hint(hints: &HashMap<String, OwnedValue>, name: &str) -> Option<String> {
    hints
        .get(name)
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
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
        expire_timeout: i32,
    ) -> u32 {
        let id = if replaces_id > 0 {
            replaces_id
        } else {
            self.next.fetch_add(1, Ordering::SeqCst)
        };
        let r = Recorded {
            id,
            app_name,
            icon: app_icon,
            summary,
            body,
            actions,
            category: hint(&hints, "category"),
            replaces: replaces_id,
            desktop_entry: hint(&hints, "desktop-entry"),
            reply_placeholder: hint(&hints, "x-kde-reply-placeholder-text"),
            urgency: hints
                .get("urgency")
                .and_then(|v| u8::try_from(v.try_clone().ok()?).ok()),
            sound: hint(&hints, "sound-name"),
            suppress_sound: flag(&hints, "suppress-sound"),
            transient: flag(&hints, "transient"),
            expire_timeout,
        };
        self.log.lock().unwrap().push(r);
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec![
            "body".into(),
            "body-markup".into(),
            "actions".into(),
            "inline-reply".into(),
        ]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "alora-test-recorder".into(),
            "alora".into(),
            "1.0".into(),
            "1.2".into(),
        )
    }

    #[zbus(property)]
    fn inhibited(&self) -> bool {
        self.inhibited.load(Ordering::SeqCst)
    }

    async fn close_notification(
        &self,
        id: u32,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) {
        self.closed.lock().unwrap().push(id);
        let _ = emitter
            .emit(IFACE, "NotificationClosed", &(id, 3_u32))
            .await;
    }
}

/// The one recorder of this test process (a bus name has one owner).
pub struct Recorder {
    log: Arc<Mutex<Vec<Recorded>>>,
    closed: Arc<Mutex<Vec<u32>>>,
    inhibited: Arc<AtomicBool>,
    conn: zbus::Connection,
    rt: tokio::runtime::Handle,
}

/// A session bus of one test's own (`dbus-daemon`), stopped on drop.
pub struct PrivateBus {
    daemon: std::process::Child,
    pub address: String,
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// A recorder on a bus of its own, for a test that changes what the
/// server says to everyone (`Inhibited`). `None` (with a message) without
/// `dbus-daemon`.
pub fn private() -> Option<(Recorder, PrivateBus)> {
    use std::io::BufRead;
    let daemon = std::process::Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn();
    let Ok(mut daemon) = daemon else {
        crate::support::skip("no dbus-daemon for a private session bus");
        return None;
    };
    let mut line = String::new();
    let stdout = daemon.stdout.take()?;
    std::io::BufReader::new(stdout).read_line(&mut line).ok()?;
    let bus = PrivateBus {
        daemon,
        address: line.trim().to_owned(),
    };
    match start(Some(bus.address.clone())) {
        Ok(rec) => Some((rec, bus)),
        Err(e) => panic!("{e}"),
    }
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
    match RECORDER.get_or_init(|| start(None)) {
        Ok(recorder) => Some(recorder),
        Err(problem) => {
            crate::support::skip(problem);
            None
        }
    }
}

fn start(address: Option<String>) -> Result<Recorder, String> {
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
            let closed = Arc::new(Mutex::new(Vec::new()));
            let inhibited = Arc::new(AtomicBool::new(false));
            let server = Server {
                log: log.clone(),
                closed: closed.clone(),
                next: AtomicU32::new(1),
                inhibited: inhibited.clone(),
            };
            // zbus 5: each step of the builder can fail.
            let conn = async {
                let builder = match &address {
                    Some(a) => zbus::connection::Builder::address(a.as_str())?,
                    None => zbus::connection::Builder::session()?,
                };
                builder.name(IFACE)?.serve_at(PATH, server)?.build().await
            }
            .await;
            match conn {
                Ok(conn) => {
                    let _ = tx.send(Ok(Recorder {
                        log,
                        closed,
                        inhibited,
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

    /// The ids the app closed (`CloseNotification`), in order.
    pub fn closed(&self) -> Vec<u32> {
        self.closed.lock().unwrap().clone()
    }

    /// Turns the desktop's Do Not Disturb on or off, as KDE's server does:
    /// the property, then `PropertiesChanged`.
    pub fn set_inhibited(&self, on: bool) {
        self.inhibited.store(on, Ordering::SeqCst);
        let conn = self.conn.clone();
        let done = self.rt.block_on(async move {
            let changed = HashMap::from([("Inhibited", zbus::zvariant::Value::Bool(on))]);
            conn.emit_signal(
                None::<&str>,
                PATH,
                "org.freedesktop.DBus.Properties",
                "PropertiesChanged",
                &(IFACE, changed, Vec::<String>::new()),
            )
            .await
        });
        done.unwrap();
    }

    /// As if the user typed `text` into the reply field of notification `id`.
    pub fn reply(&self, id: u32, text: &str) {
        let conn = self.conn.clone();
        let text = text.to_owned();
        let done = self.rt.block_on(async move {
            conn.emit_signal(
                None::<&str>,
                PATH,
                IFACE,
                "NotificationReplied",
                &(id, text),
            )
            .await
        });
        done.unwrap();
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
