//! For unit tests of the core: a notifier and shell that record what would
//! have been shown, withdrawn and told to the window.

use std::sync::{Arc, Mutex};

use crate::app::shell::{Shell, TrayView};
use crate::events::UiEvent;
use crate::models::{NotifierStatus, Target};
use crate::notifications::notifier::{BoxFuture, Notifier, NotifyError};
use crate::notifications::popups::Popup;

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
