//! A recording freedesktop notification server on the session bus: owns
//! `org.freedesktop.Notifications`, stamps each `Notify` call with the
//! moment it arrives, and expires every popup after a while with
//! `NotificationClosed`, as a real server does (so the app's per-popup
//! waits end as they would on a desktop). Runs on its own thread and
//! runtime, so that a busy bench never delays a time stamp.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use tokio::sync::broadcast;
use zbus::zvariant::OwnedValue;

const PATH: &str = "/org/freedesktop/Notifications";
const IFACE: &str = "org.freedesktop.Notifications";
/// What a desktop's server would do with a default-timeout popup.
const EXPIRE_AFTER: Duration = Duration::from_secs(5);
/// `NotificationClosed` reason 1: expired.
const EXPIRED: u32 = 1;

/// One `Notify` call as it arrived.
#[derive(Debug, Clone)]
pub struct Popup {
    pub at: Instant,
    pub summary: String,
    pub body: String,
    pub category: Option<String>,
}

impl Popup {
    /// Whether the summary or the body holds `text`.
    pub fn mentions(&self, text: &str) -> bool {
        self.summary.contains(text) || self.body.contains(text)
    }

    /// The coalesced "N new …" popup that ends a burst.
    pub fn is_summary(&self) -> bool {
        self.category.as_deref() == Some("x-alora.summary")
    }
}

struct Server {
    log: Arc<Mutex<Vec<Popup>>>,
    live: broadcast::Sender<Popup>,
    next: AtomicU32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Server {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        #[zbus(connection)] conn: &zbus::Connection,
        _app_name: String,
        replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let at = Instant::now();
        let id = match replaces_id {
            0 => self.next.fetch_add(1, Ordering::Relaxed),
            n => n,
        };
        let category = hints
            .get("category")
            .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
        let popup = Popup {
            at,
            summary,
            body,
            category,
        };
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(popup.clone());
        // Nobody listening is fine.
        let _ = self.live.send(popup);
        let conn = conn.clone();
        tokio::spawn(async move {
            tokio::time::sleep(EXPIRE_AFTER).await;
            let closed = (id, EXPIRED);
            let _ = conn
                .emit_signal(None::<&str>, PATH, IFACE, "NotificationClosed", &closed)
                .await;
        });
        id
    }

    async fn close_notification(&self, #[zbus(connection)] conn: &zbus::Connection, id: u32) {
        let _ = conn
            .emit_signal(
                None::<&str>,
                PATH,
                IFACE,
                "NotificationClosed",
                &(id, 3_u32),
            )
            .await;
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "body-markup".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        let name = "alora-bench-recorder".to_owned();
        (name, "alora".into(), "1.0".into(), "1.2".into())
    }
}

/// The running recorder; cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    log: Arc<Mutex<Vec<Popup>>>,
    live: broadcast::Sender<Popup>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl Recorder {
    /// Takes the bus name; fails when another server holds it.
    pub fn start() -> anyhow::Result<Recorder> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (live, _) = broadcast::channel(65_536);
        let server = Server {
            log: log.clone(),
            live: live.clone(),
            next: AtomicU32::new(1),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(anyhow!("recorder runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(async move {
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
                            let _ = tx.send(Ok(()));
                            std::future::pending::<()>().await;
                            drop(conn);
                        }
                        Err(e) => {
                            let _ = tx.send(Err(anyhow!("cannot own {IFACE}: {e}")));
                        }
                    }
                });
            })
            .context("cannot start the recorder thread")?;
        rx.recv()
            .map_err(|_| anyhow!("the recorder thread ended early"))??;
        Ok(Recorder { log, live })
    }

    /// Every popup from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Popup> {
        self.live.subscribe()
    }

    /// The popups that arrived at or after `from`.
    pub fn since(&self, from: Instant) -> Vec<Popup> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|p| p.at >= from)
            .cloned()
            .collect()
    }
}

/// Waits on `rx` for a popup that mentions `tag`, up to `within`.
pub async fn wait_for(
    rx: &mut broadcast::Receiver<Popup>,
    tag: &str,
    within: Duration,
) -> Option<Popup> {
    let until = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(until, rx.recv()).await {
            Ok(Ok(p)) if p.mentions(tag) => return Some(p),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return None,
        }
    }
}
