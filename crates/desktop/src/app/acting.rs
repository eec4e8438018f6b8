//! What a popup's buttons do, on the core: Accept and Decline answer the
//! booking through the durable outbox, exactly as the window's buttons do,
//! and replace the popup with a confirmation; a typed reply goes out as a
//! message (Reply without a text field opens the conversation); Mark read
//! marks the item read here and at the server and withdraws the popup;
//! Snooze withdraws it and shows it again when the time comes. Reading an
//! item anywhere (the window, another device) withdraws its popup too.

use std::collections::VecDeque;

use alora_link::Delivery;

use crate::app::state::{lock, Core};
use crate::error::{AppError, AppResult};
use crate::events::UiEvent;
use crate::models::{PopupKind, Problem, SentFromPopup, Target, View};
use crate::notifications::actions::{Acted, Answer, PopupAction};
use crate::notifications::popups::Popup;

/// Bookings remembered as answered (from any device): a stale popup's
/// Accept is refused instead of contradicting the answer.
pub(in crate::app) const ANSWERED: usize = 500;

/// The bookings answered lately, newest last, and the requests whose
/// answer from a popup could not be queued (with the request's words, for
/// the Retry's confirmation), at most [`ANSWERED`] of each.
#[derive(Debug, Default)]
pub(in crate::app) struct Answered {
    done: VecDeque<String>,
    unsent: VecDeque<(String, String, String)>,
}

impl Answered {
    /// Whether it was news.
    fn note(&mut self, booking: &str) -> bool {
        self.unsent.retain(|(b, ..)| b != booking);
        if self.contains(booking) {
            return false;
        }
        self.done.push_back(booking.to_owned());
        while self.done.len() > ANSWERED {
            self.done.pop_front();
        }
        true
    }

    /// The answer was not queued: not answered, and its words kept.
    fn failed(&mut self, booking: &str, summary: &str, body: &str) {
        self.done.retain(|b| b != booking);
        self.unsent.retain(|(b, ..)| b != booking);
        self.unsent
            .push_back((booking.to_owned(), summary.to_owned(), body.to_owned()));
        while self.unsent.len() > ANSWERED {
            self.unsent.pop_front();
        }
    }

    /// An answer from the window that could not be queued: not answered.
    fn undo(&mut self, booking: &str) {
        self.done.retain(|b| b != booking);
    }

    /// The request's words, when its answer failed before.
    fn unsent(&self, booking: &str) -> Option<(String, String)> {
        let kept = self.unsent.iter().find(|(b, ..)| b == booking);
        kept.map(|(_, summary, body)| (summary.clone(), body.clone()))
    }

    pub(in crate::app) fn contains(&self, booking: &str) -> bool {
        self.done.iter().any(|b| b == booking)
    }
}

impl Core {
    /// Carries out what the user did with a popup, off the caller's thread
    /// (the D-Bus listener).
    pub fn act(&self, acted: Acted) {
        let core = self.clone();
        self.spawn(async move {
            let action = acted.action;
            if let Err(e) = core.act_now(acted).await {
                tracing::warn!(error = %e, ?action, "a popup's action failed");
                core.problem(Problem::new(e.code(), e.to_string()));
            }
        });
    }

    async fn act_now(&self, acted: Acted) -> AppResult<()> {
        let id = acted.target.id.clone().unwrap_or_default();
        match acted.action {
            PopupAction::Accept => self.answer(&acted, Answer::Accept).await?,
            PopupAction::Decline => self.answer(&acted, Answer::Decline).await?,
            PopupAction::Retry(answer) => self.answer(&acted, answer).await?,
            PopupAction::Reply => match acted.text.as_deref().map(str::trim) {
                Some(text) if !text.is_empty() && acted.target.view == View::Messages => {
                    let delivery = self.send_message(id.clone(), text.to_owned(), None).await?;
                    self.emit(UiEvent::SentFromPopup(SentFromPopup::Message {
                        conversation_id: id,
                        content: text.to_owned(),
                        delivery,
                    }));
                    self.read_here(&acted.target, false).await;
                }
                _ => self.shell().open(Some(acted.target))?,
            },
            PopupAction::MarkRead => self.read_here(&acted.target, true).await,
            PopupAction::Snooze(snooze) => {
                // Stored before the popup goes: gone from the screen means
                // it comes back, whatever happens to this process.
                let request = self.inbox().is_request(&acted.target);
                let target = acted.target.clone();
                self.snooze(acted.target, (acted.summary, acted.body), snooze, request);
                self.notifier().withdraw(target).await;
            }
            PopupAction::Reconnect => self.reconnect_now().await?,
            PopupAction::SignIn => self.sign_in_browser_later(),
        }
        Ok(())
    }

    /// Accept or Decline (or their Retry) through the outbox, as the
    /// window's buttons do; the popup then says what became of it.
    async fn answer(&self, acted: &Acted, answer: Answer) -> AppResult<()> {
        let id = acted.target.id.clone().unwrap_or_default();
        if acted.target.view != View::Bookings || id.is_empty() {
            return Err(AppError::InvalidInput(
                "this popup is not about a booking".into(),
            ));
        }
        // A failure's popup shows the error: the request's words were kept.
        let words = lock(&self.inner.answered).unsent(&id);
        let (summary, body) = words.unwrap_or_else(|| (acted.summary.clone(), acted.body.clone()));
        if lock(&self.inner.answered).contains(&id) {
            let why = "This booking was answered elsewhere: nothing was sent.";
            self.confirm(&acted.target, "Already answered", why, Vec::new())
                .await;
            return Ok(());
        }
        // Noted first: the server's echo may come before the reply.
        lock(&self.inner.answered).note(&id);
        let status = answer.status().to_owned();
        match self.send_booking_update(id.clone(), status.clone()).await {
            Err(e) => {
                lock(&self.inner.answered).failed(&id, &summary, &body);
                self.emit(UiEvent::SentFromPopup(SentFromPopup::BookingAnswer {
                    booking_id: id,
                    status,
                    delivery: None,
                    error: Some(e.to_string()),
                }));
                let failure = format!("{} · {body}", answer.undone());
                let why = format!("{e}. Nothing was sent: Retry sends it again.");
                let retry = vec![PopupAction::Retry(answer)];
                self.confirm(&acted.target, &failure, &why, retry).await;
                Err(e)
            }
            Ok(delivery) => {
                self.emit(UiEvent::SentFromPopup(SentFromPopup::BookingAnswer {
                    booking_id: id,
                    status,
                    delivery: Some(delivery),
                    error: None,
                }));
                self.handled(&acted.target);
                self.mark_target_read(&acted.target);
                let done = format!("{} · {body}", answer.done());
                self.confirm(&acted.target, &done, &summary, Vec::new())
                    .await;
                Ok(())
            }
        }
    }

    /// The window's buttons for a booking, queued as the popup's are. One
    /// that answers a waiting request ends its waiting here at once (the
    /// popup goes, re-alerts stop, the request is read), not only when the
    /// server's echo comes: an answer given offline is not re-alerted.
    pub async fn update_booking(&self, booking_id: String, status: String) -> AppResult<Delivery> {
        let target = Target::new(View::Bookings, Some(booking_id.clone()));
        let waiting_status = matches!(status.to_lowercase().as_str(), "pending" | "requested");
        if waiting_status || !self.inbox().is_request(&target) {
            return self.send_booking_update(booking_id, status).await;
        }
        let first = lock(&self.inner.answered).note(&booking_id);
        let sent = self.send_booking_update(booking_id.clone(), status).await;
        match &sent {
            Err(_) if first => lock(&self.inner.answered).undo(&booking_id),
            Err(_) => {}
            Ok(_) => {
                self.handled(&target);
                self.mark_target_read(&target);
                self.notifier().withdraw(target).await;
            }
        }
        sent
    }

    /// The popup replaced in place by a short word on what was done (or
    /// not, with the button that tries again).
    async fn confirm(&self, target: &Target, summary: &str, body: &str, actions: Vec<PopupAction>) {
        let failed = !actions.is_empty();
        let popup = Popup {
            kind: PopupKind::BookingUpdated,
            summary: summary.to_owned(),
            body: body.to_owned(),
            category: "x-alora.booking",
            target: target.clone(),
            actions,
            // A failure stays until it is seen: the request is still open.
            loudness: if failed {
                crate::attention::loudness::Loudness::ALARM
            } else {
                crate::attention::loudness::Loudness::QUIET
            },
        };
        if let Err(e) = self.notifier().show(popup).await {
            tracing::debug!(error = %e, "the confirmation could not be shown");
        }
    }

    /// Marks what `target` leads to read in the history, and at the server
    /// for a conversation when `tell_server`, then withdraws its popup.
    async fn read_here(&self, target: &Target, tell_server: bool) {
        self.handled(target);
        self.mark_target_read(target);
        if tell_server && target.view == View::Messages {
            if let Some(conversation) = target.id.clone() {
                if let Err(e) = self.mark_as_read(conversation, None).await {
                    tracing::debug!(error = %e, "markAsRead not queued");
                }
            }
        }
        self.notifier().withdraw(target.clone()).await;
    }

    fn mark_target_read(&self, target: &Target) {
        if lock(&self.inner.inbox).mark_target_read(target) > 0 {
            self.refresh_tray();
        }
    }

    /// A booking answered (the server's echo, of this device's answer or
    /// another's): a stale Accept is refused from now on. Whether this
    /// process had not answered it (nor heard of the answer) before.
    /// The request's own history items stop waiting too (the launcher's
    /// "urgent"); the answer's item stays unread, it is news.
    pub(crate) fn booking_answered(&self, booking: &str) -> bool {
        let first = lock(&self.inner.answered).note(booking);
        if lock(&self.inner.inbox).mark_request_answered(booking) > 0 {
            self.refresh_tray();
        }
        first
    }

    /// The popups about these items withdrawn (they were read in the
    /// window): nothing else, since the window marked them already and a
    /// flood must not wait on more history work.
    pub fn withdraw_popups(&self, targets: Vec<Target>) {
        if targets.is_empty() {
            return;
        }
        for target in &targets {
            self.handled(target);
        }
        let notifier = self.notifier();
        self.spawn(async move {
            for target in targets {
                notifier.withdraw(target).await;
            }
        });
    }

    /// Items read on another device: marked read here and their popups
    /// withdrawn.
    pub fn read_elsewhere(&self, targets: Vec<Target>) {
        // The caller may have marked items read already (`notificationRead`
        // by id), which `read_here` then finds nothing to do for.
        self.refresh_tray();
        let core = self.clone();
        self.spawn(async move {
            for target in targets {
                core.read_here(&target, false).await;
            }
        });
    }
}
