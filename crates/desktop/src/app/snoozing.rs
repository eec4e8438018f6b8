//! Snoozing from the window: an item of the history put off for 10 minutes
//! or an hour, exactly as its popup's Snooze does (the popup goes, and
//! comes back when the time comes, also after a restart).

use crate::app::state::Core;
use crate::error::{AppError, AppResult};
use crate::models::Snoozed;
use crate::notifications::actions::Snooze;

impl Core {
    /// Snoozes the history item `id` for `minutes` (10 or 60); returns every
    /// snooze still to come back.
    pub async fn snooze_history(&self, id: &str, minutes: u32) -> AppResult<Vec<Snoozed>> {
        let snooze = Snooze::from_minutes(minutes).ok_or_else(|| {
            AppError::InvalidInput(format!("a snooze is 10 or 60 minutes, not {minutes}"))
        })?;
        let item = self.inbox().item(id);
        let item = item.ok_or_else(|| {
            AppError::InvalidInput("this notification is no longer in the history".into())
        })?;
        if item.read {
            return Err(AppError::InvalidInput(
                "this notification is already read: nothing would come back".into(),
            ));
        }
        let request = self.inbox().is_request(&item.target);
        let target = item.target.clone();
        self.snooze(item.target, (item.title, item.body), snooze, request);
        // Its popup, if one is on screen, goes now, as from the popup.
        self.notifier().withdraw(target).await;
        Ok(self.snoozed())
    }
}
