//! For unit tests of the core: a notifier and shell that record what would
//! have been shown, withdrawn and told to the window, and a core over them,
//! in memory and not signed in.

use std::sync::{Arc, Mutex};

use crate::app::shell::{Shell, TrayView};
use crate::app::state::{Backends, Core};
use crate::data::storage::Location;
use crate::events::UiEvent;
use crate::models::{HistoryQuery, NotifierStatus, Target};
use crate::notifications::notifier::{BoxFuture, Notifier, NotifyError};
use crate::notifications::popups::Popup;
use crate::settings::{MemoryBackend, Overrides};

/// Popups shown and withdrawn, and the UI events, in order.
#[derive(Debug, Default)]
pub struct Seen {
    pub popups: Mutex<Vec<Popup>>,
    pub withdrawn: Mutex<Vec<Target>>,
    pub events: Mutex<Vec<UiEvent>>,
}

impl Seen {
    /// How many `app://problem`s of `code` the window was told.
    pub fn problems(&self, code: &str) -> usize {
        let events = self.events.lock().unwrap();
        (events.iter())
            .filter(|e| matches!(e, UiEvent::Problem(p) if p.code == code))
            .count()
    }
}

impl Notifier for Arc<Seen> {
    fn show(&self, popup: Popup) -> BoxFuture<'_, Result<(), NotifyError>> {
        self.popups.lock().unwrap().push(popup);
        Box::pin(async { Ok(()) })
    }
    fn withdraw(&self, target: Target) -> BoxFuture<'_, ()> {
        self.withdrawn.lock().unwrap().push(target);
        Box::pin(std::future::ready(()))
    }
    fn status(&self) -> NotifierStatus {
        NotifierStatus::Available
    }
}

impl Shell for Seen {
    fn emit(&self, event: &UiEvent) {
        self.events.lock().unwrap().push(event.clone());
    }
    fn refresh(&self, _: &TrayView) {}
    fn open(&self, _: Option<Target>) -> crate::error::AppResult<()> {
        Ok(())
    }
    fn quit(&self) {}
}

pub async fn core() -> (Core, Arc<Seen>) {
    core_at(Location::Memory).await
}

/// A core over `location`, not connected (no token), and what it showed.
pub async fn core_at(location: Location) -> (Core, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let parts = Backends {
        settings: Box::new(MemoryBackend::default()),
        vault: None,
        notifier: Arc::new(seen.clone()),
        opener: Arc::new(crate::signin::XdgOpen),
        overrides: Overrides {
            server_url: Some("http://127.0.0.1:9".into()),
            ..Overrides::default()
        },
    };
    let (core, events) = Core::start_with(parts, location).await.unwrap();
    core.set_shell(seen.clone());
    tokio::spawn(crate::pipeline::pump(core.clone(), events));
    (core, seen)
}

/// The history item made by `event`, once the pipeline stored it.
pub async fn arrived(core: &Core, event: &'static str, payload: serde_json::Value) -> String {
    let c = core.clone();
    tokio::task::spawn_blocking(move || c.simulate_incoming(event, payload))
        .await
        .unwrap()
        .unwrap();
    let items = core.list_history(&HistoryQuery::default());
    items.first().map(|i| i.id.clone()).expect("stored")
}
