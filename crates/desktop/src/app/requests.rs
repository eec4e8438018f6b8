//! What a user can ask of the app, whoever asks (a UI command, the tray menu,
//! a forwarded CLI call): each action once, here.

use alora_link::{
    BookingUpdate, Delivery, Incoming, LinkEvent, MarkAsRead, OutboxEntry, Outgoing, SendMessage,
    StatusUpdate, Typing, UserStatus,
};
use chrono::Utc;
use serde_json::Value;

use crate::app::input::Put;
use crate::app::state::{lock, Core};
use crate::error::{AppError, AppResult};
use crate::events::UiEvent;
use crate::models::{
    AppSnapshot, Diagnostics, HistoryItem, HistoryQuery, Settings, SettingsPatch, Target, View,
};

impl Core {
    pub fn snapshot(&self) -> AppSnapshot {
        let link = &self.inner.link;
        AppSnapshot {
            link: link.state(),
            stats: link.stats(),
            outbox: link.outbox_counts(),
            demo: self.inner.demo_mode,
            dnd: self.inner.settings.effective().dnd,
            status: self.status(),
            user_id: self.own_user_id(),
            signed_in: self.inner.demo_mode || self.inner.secrets.token().is_some(),
            keyring: self.inner.secrets.mode(),
            notifier: self.inner.notifier.status(),
            unread: self.unread(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    pub fn diagnostics(&self) -> Diagnostics {
        let state_history = lock(&self.inner.states).clone();
        Diagnostics {
            state_history,
            stats: self.inner.link.stats(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            demo: self.inner.demo_mode,
            notifier: self.inner.notifier.status(),
            keyring: self.inner.secrets.mode(),
            decisions: self.decisions(),
            notification_server: self.inner.notifier.server(),
            desktop_dnd: self.inner.notifier.inhibited(),
        }
    }

    /// (Re)connects with the current settings and token.
    pub async fn connect(&self) -> AppResult<()> {
        Ok(self.inner.link.connect(self.link_config()).await?)
    }

    pub async fn sign_in(&self, token: String) -> AppResult<()> {
        if let Some(problem) = self.inner.secrets.store(token).await? {
            self.problem(problem);
        }
        self.connect().await?;
        self.start_renewal();
        Ok(())
    }

    /// Forgets both tokens (the protocol offers no revocation) and says so.
    pub async fn sign_out(&self) -> AppResult<()> {
        self.stop_renewal();
        if let Some(problem) = self.inner.secrets.clear().await? {
            self.problem(problem);
        }
        tracing::info!("signed out: the tokens are forgotten here and in the keyring");
        if !self.inner.demo_mode {
            self.inner.link.set_token(None).await?;
        }
        Ok(())
    }

    pub fn settings(&self) -> Settings {
        self.inner.settings.effective()
    }

    pub async fn update_settings(&self, mut patch: SettingsPatch) -> AppResult<Settings> {
        let before = self.inner.settings.effective();
        // The file first, and the setting saved only if it was written: the
        // toggle never shows what the next login will not do.
        if let Some(on) = patch
            .start_at_login
            .filter(|on| *on != before.start_at_login)
        {
            if let Err(e) = crate::platform::linux::autostart::set(on) {
                patch.start_at_login = None;
                self.problem(crate::models::Problem::new("autostart", e));
            }
        }
        let after = self.inner.settings.update(patch)?;
        // Before the link connects there: the token was for the old server.
        if crate::settings::moves_host(&before.server_url, &after.server_url) {
            tracing::info!("the server's host changed: the stored token is forgotten");
            if let Some(problem) = self.inner.secrets.clear().await? {
                self.problem(problem);
            }
        }
        self.emit(UiEvent::SettingsChanged(after.clone()));
        self.refresh_tray();
        self.attention_settings_changed();
        let moved = (&before.server_url, &before.socket_path, &before.user_id)
            != (&after.server_url, &after.socket_path, &after.user_id);
        if moved && !self.inner.demo_mode {
            self.connect().await?;
        }
        Ok(after)
    }

    /// At start: the setting follows the autostart file (the user may have
    /// removed it, or an older version written it elsewhere).
    pub fn recheck_autostart(&self) {
        let on = match crate::platform::linux::autostart::recheck() {
            Ok(on) => on,
            Err(e) => {
                self.problem(crate::models::Problem::new("autostart", e));
                crate::platform::linux::autostart::is_on()
            }
        };
        if on != self.inner.settings.effective().start_at_login {
            tracing::info!(on, "start at login follows the autostart file");
            let patch = SettingsPatch {
                start_at_login: Some(on),
                ..SettingsPatch::default()
            };
            if let Err(e) = self.inner.settings.update(patch) {
                tracing::warn!(error = %e, "cannot store start at login");
            }
        }
    }

    /// Restarts out of the demo onto the server saved in settings. The demo
    /// runs on memory-only storage and its own backend, so the switch is a
    /// new process rather than a swap of the link under a running one.
    pub fn leave_demo(&self) -> AppResult<()> {
        if !self.inner.demo_mode {
            return Err(AppError::InvalidInput("this is not the demo".into()));
        }
        if self.inner.settings.overrides().demo {
            return Err(AppError::InvalidInput(
                "the demo was asked for (--demo or ALORA_USE_MOCK_SOCKET): start Alora without it"
                    .into(),
            ));
        }
        let url = self.inner.settings.effective().server_url;
        if url.trim().is_empty() {
            return Err(AppError::InvalidInput(
                "save a server URL first, then restart to connect to it".into(),
            ));
        }
        tracing::info!(server = %url, "leaving the demo");
        self.shell().relaunch()
    }

    pub async fn set_dnd(&self, on: bool) -> AppResult<()> {
        // Off ends "until tomorrow" too: off means popups now.
        let until = (!on).then(|| crate::models::AttentionPatch {
            dnd_until: Some(None),
            ..Default::default()
        });
        let patch = SettingsPatch {
            dnd: Some(on),
            attention: until,
            ..SettingsPatch::default()
        };
        self.update_settings(patch).await.map(|_| ())
    }

    /// Sends (or queues) one event; an `updateStatus` also becomes our status.
    pub async fn send(&self, outgoing: Outgoing) -> AppResult<Delivery> {
        outgoing.validate()?;
        if let Outgoing::UpdateStatus(s) = &outgoing {
            *lock(&self.inner.status) = s.status;
            self.refresh_tray();
        }
        Ok(self.inner.link.send(outgoing).await?)
    }

    /// The generic `emit`: only the protocol's client events.
    pub async fn emit_event(&self, event: &str, payload: Value) -> AppResult<Delivery> {
        if !alora_link::EMITTABLE.contains(&event) {
            return Err(AppError::UnknownEvent(event.to_owned()));
        }
        self.send(Outgoing::from_event(event, payload)?).await
    }

    pub async fn update_status(&self, status: UserStatus) -> AppResult<Delivery> {
        self.send(Outgoing::UpdateStatus(StatusUpdate { status }))
            .await
    }

    pub async fn send_typing(
        &self,
        is_typing: bool,
        conversation_id: Option<String>,
    ) -> AppResult<Delivery> {
        let user_id = self.own_user_id().unwrap_or_default();
        self.send(Outgoing::Typing(Typing {
            user_id,
            is_typing,
            conversation_id,
        }))
        .await
    }

    pub async fn send_booking_update(
        &self,
        booking_id: String,
        status: String,
    ) -> AppResult<Delivery> {
        self.send(Outgoing::BookingUpdate(BookingUpdate {
            booking_id,
            status,
        }))
        .await
    }

    pub async fn send_message(
        &self,
        conversation_id: String,
        content: String,
        client_id: Option<String>,
    ) -> AppResult<Delivery> {
        let client_id = client_id.unwrap_or_default();
        self.send(Outgoing::SendMessage(SendMessage {
            client_id,
            conversation_id,
            content,
        }))
        .await
    }

    pub async fn join_conversation(&self, conversation_id: String) -> AppResult<Delivery> {
        self.send(Outgoing::JoinConversation(alora_link::JoinConversation {
            conversation_id,
        }))
        .await
    }

    pub async fn mark_as_read(
        &self,
        conversation_id: String,
        message_ids: Option<Vec<String>>,
    ) -> AppResult<Delivery> {
        let read = Target::new(View::Messages, Some(conversation_id.clone()));
        self.withdraw_popups(vec![read]);
        self.send(Outgoing::MarkAsRead(MarkAsRead {
            conversation_id,
            message_ids,
        }))
        .await
    }

    /// As if the server had sent it (development and demo): into the
    /// pipeline's input, as the link's events go; returns once it has been
    /// handled. Blocks: call it from a blocking task.
    pub fn simulate_incoming(&self, event: &str, payload: Value) -> AppResult<()> {
        match Incoming::decode(event, &[payload], Utc::now()) {
            Ok(Some(incoming)) => match self.inner.injector.put(LinkEvent::Incoming(incoming)) {
                Put::Handled => Ok(()),
                Put::NoPipeline => Err(AppError::Unavailable(
                    "the event pipeline is not running".into(),
                )),
            },
            Ok(None) => Err(AppError::UnknownEvent(event.to_owned())),
            Err(e) => Err(AppError::InvalidInput(e.to_string())),
        }
    }

    pub fn list_history(&self, query: &HistoryQuery) -> Vec<HistoryItem> {
        lock(&self.inner.inbox).list(query)
    }

    /// Marks these items read (all with none) and withdraws their popups.
    pub fn mark_history_read(&self, ids: &[String]) -> usize {
        let targets = lock(&self.inner.inbox).targets_of(ids);
        let changed = lock(&self.inner.inbox).mark_read(ids);
        if changed > 0 {
            self.refresh_tray();
        }
        self.withdraw_popups(targets);
        changed
    }

    pub async fn list_outbox(&self) -> AppResult<Vec<OutboxEntry>> {
        Ok(self.inner.link.outbox().await?)
    }

    pub async fn retry_outbox(&self, entry_id: u64) -> AppResult<()> {
        Ok(self.inner.link.retry(entry_id).await?)
    }

    pub async fn discard_outbox(&self, entry_id: u64) -> AppResult<()> {
        Ok(self.inner.link.discard(entry_id).await?)
    }

    /// The conversation open in the window (no popups for it while focused).
    pub fn set_focus(&self, conversation_id: Option<String>) {
        lock(&self.inner.focus).conversation = conversation_id;
    }

    pub async fn reconnect_now(&self) -> AppResult<()> {
        Ok(self.inner.link.reconnect_now().await?)
    }

    pub async fn disconnect(&self) -> AppResult<()> {
        Ok(self.inner.link.disconnect().await?)
    }
}
