//! The link's public face: a cloneable handle that sends commands to the
//! actor and hands out the events it publishes (`event.rs`), and `Link`
//! that builds the two apart (as rumqttc splits `AsyncClient` from
//! `EventLoop`).

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::actor::Actor;
use crate::command::{Command, Reply};
use crate::config::LinkConfig;
use crate::error::LinkError;
use crate::event::{Delivery, LinkEvent};
use crate::outbox::{MemoryStore, OutboxCounts, OutboxEntry, OutboxStore};
use crate::outgoing::Outgoing;
use crate::state::{LinkCounters, LinkState, LinkStats};

/// Cloneable; every clone talks to the same actor.
#[derive(Debug, Clone)]
pub struct LinkHandle {
    commands: mpsc::Sender<Command>,
    broadcast: broadcast::Sender<LinkEvent>,
    state: watch::Receiver<LinkState>,
    outbox: watch::Receiver<OutboxCounts>,
    counters: Arc<LinkCounters>,
}

/// The lossless stream of events for the one consumer that must see them all
/// (history, popups). Others use `LinkHandle::subscribe`.
pub type LinkEvents = mpsc::Receiver<LinkEvent>;

/// Builder for a link: `Link::new(store).spawn()`, or `build()` to run the
/// actor on a runtime of your choosing.
#[derive(Debug)]
pub struct Link;

impl Link {
    /// A link with an in-memory outbox, its actor spawned on the current
    /// tokio runtime.
    pub fn spawn() -> (LinkHandle, LinkEvents) {
        match Self::spawn_with_store(Box::new(MemoryStore)) {
            Ok(pair) => pair,
            // MemoryStore::load cannot fail.
            Err(_) => unreachable!("the memory store never fails to load"),
        }
    }

    pub fn spawn_with_store(
        store: Box<dyn OutboxStore>,
    ) -> Result<(LinkHandle, LinkEvents), LinkError> {
        let (handle, events, actor) = Self::build(store)?;
        tokio::spawn(actor);
        Ok((handle, events))
    }

    /// `spawn_with_store`, the actor and the socket's tasks on a thread of
    /// their own with a one-thread runtime: each event the socket reads is
    /// handed to the actor on the same thread, where on a shared runtime
    /// the hand-off woke another worker (an IPI and a futex per event).
    pub fn spawn_on_thread(
        store: Box<dyn OutboxStore>,
    ) -> Result<(LinkHandle, LinkEvents), LinkError> {
        let (handle, events, actor) = Self::build(store)?;
        let failed =
            |e: std::io::Error| LinkError::InvalidInput(format!("no thread for the link: {e}"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        std::thread::Builder::new()
            .name("link".into())
            .spawn(move || runtime.block_on(actor))
            .map_err(failed)?;
        Ok((handle, events))
    }

    /// The handle, the event stream and the actor's future, unstarted.
    pub fn build(
        store: Box<dyn OutboxStore>,
    ) -> Result<
        (
            LinkHandle,
            LinkEvents,
            impl std::future::Future<Output = ()>,
        ),
        LinkError,
    > {
        let (commands, inbox) = mpsc::channel(256);
        let (events_tx, events) = mpsc::channel(4096);
        let (broadcast, _) = broadcast::channel(1024);
        let (state_tx, state) = watch::channel(LinkState::Idle);
        let (outbox_tx, outbox) = watch::channel(OutboxCounts::default());
        let counters = Arc::new(LinkCounters::default());
        let actor = Actor::new(
            store,
            inbox,
            events_tx,
            broadcast.clone(),
            (state_tx, outbox_tx),
            counters.clone(),
        )?;
        let handle = LinkHandle {
            commands,
            broadcast,
            state,
            outbox,
            counters,
        };
        Ok((handle, events, actor.run()))
    }
}

impl LinkHandle {
    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, LinkError> {
        let (tx, rx) = oneshot::channel();
        self.commands
            .send(make(tx))
            .await
            .map_err(|_| LinkError::Stopped)?;
        rx.await.map_err(|_| LinkError::Stopped)?
    }

    /// Connects with this configuration (replacing any earlier one). Returns
    /// once the attempt is under way; watch `state()` for the outcome.
    pub async fn connect(&self, config: LinkConfig) -> Result<(), LinkError> {
        self.ask(|r| Command::Connect(Box::new(config), r)).await
    }

    /// A new token (or none, to sign out). Connects again with it.
    pub async fn set_token(&self, token: Option<String>) -> Result<(), LinkError> {
        self.ask(|r| Command::SetToken(token, r)).await
    }

    pub async fn disconnect(&self) -> Result<(), LinkError> {
        self.ask(Command::Disconnect).await
    }

    /// Skips the backoff wait (or replaces a live connection).
    pub async fn reconnect_now(&self) -> Result<(), LinkError> {
        self.ask(Command::ReconnectNow).await
    }

    /// Sends now, queues, or drops, by the event's offline policy.
    pub async fn send(&self, outgoing: Outgoing) -> Result<Delivery, LinkError> {
        self.ask(|r| Command::Send(outgoing, r)).await
    }

    /// Emits an allowed protocol event given by name, as seed 000's `emit`.
    pub async fn emit(&self, event: &str, payload: Value) -> Result<Delivery, LinkError> {
        self.send(Outgoing::from_event(event, payload)?).await
    }

    pub async fn join_conversation(&self, conversation_id: &str) -> Result<Delivery, LinkError> {
        self.send(Outgoing::JoinConversation(
            crate::outgoing::JoinConversation {
                conversation_id: conversation_id.to_owned(),
            },
        ))
        .await
    }

    pub async fn retry(&self, entry_id: u64) -> Result<(), LinkError> {
        self.ask(|r| Command::Retry(entry_id, r)).await
    }

    pub async fn discard(&self, entry_id: u64) -> Result<(), LinkError> {
        self.ask(|r| Command::Discard(entry_id, r)).await
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxEntry>, LinkError> {
        self.ask(Command::Outbox).await
    }

    pub async fn joined_conversations(&self) -> Result<Vec<String>, LinkError> {
        self.ask(Command::Joined).await
    }

    /// Disconnects and ends the actor.
    pub async fn shutdown(&self) -> Result<(), LinkError> {
        self.ask(Command::Shutdown).await
    }

    pub fn state(&self) -> LinkState {
        self.state.borrow().clone()
    }

    /// A receiver that sees every state change (latest value semantics).
    pub fn watch_state(&self) -> watch::Receiver<LinkState> {
        self.state.clone()
    }

    /// Events for any number of listeners; a slow one misses events
    /// (`RecvError::Lagged`) rather than slowing the link.
    pub fn subscribe(&self) -> broadcast::Receiver<LinkEvent> {
        self.broadcast.subscribe()
    }

    /// The outbox's counts now (restored entries included from the start),
    /// without a round trip to the actor.
    pub fn outbox_counts(&self) -> OutboxCounts {
        *self.outbox.borrow()
    }

    pub fn stats(&self) -> LinkStats {
        self.counters.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_link_on_its_own_thread_answers_a_caller_on_another_runtime() {
        // No runtime here: only the link's own thread can run its actor.
        let (link, _events) = Link::spawn_on_thread(Box::new(MemoryStore)).unwrap();
        let caller = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        caller.block_on(async {
            let within = Duration::from_secs(10);
            let queued = tokio::time::timeout(
                within,
                link.emit(
                    "typing",
                    serde_json::json!({"conversationId": "c1", "isTyping": true, "userId": "u1"}),
                ),
            );
            let queued = queued.await;
            assert!(queued.as_ref().is_ok_and(|r| r.is_ok()), "{queued:?}");
            let entries = tokio::time::timeout(within, link.outbox()).await;
            assert!(entries.is_ok_and(|r| r.is_ok()));
            let stopped = tokio::time::timeout(within, link.shutdown()).await;
            assert!(stopped.is_ok_and(|r| r.is_ok()));
        });
    }
}
