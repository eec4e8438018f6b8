//! The actor: the one task that owns the client, the state machine, the
//! outbox and the timers. Commands come in from handles, signals from the
//! library's callbacks; nothing else touches the connection.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use crate::backoff::Backoff;
use crate::command::Command;
use crate::config::{BackoffPolicy, LinkConfig};
use crate::error::LinkError;
use crate::event::LinkEvent;
use crate::outbox::{Outbox, OutboxCounts, OutboxStore};
use crate::rejected::LogLimiter;
use crate::socket::{self, Conn, Tagged};
use crate::state::{AuthReason, LinkCounters, LinkState};
use crate::token::TokenClaims;
use crate::writes::Writes;

/// The most signals handled in one pass of the actor's loop: small enough
/// that a command or a timer waits for at most a few hundred microseconds.
const SIGNAL_BATCH: usize = 64;

/// Where the connection is; `LinkState` is what the world sees of it.
pub(crate) enum Phase {
    Idle,
    Opening {
        client: Option<Conn>,
        opened: bool,
        deadline: Instant,
    },
    Connected {
        client: Conn,
        since: Instant,
    },
    Waiting {
        until: Instant,
    },
    AuthRequired,
}

pub(crate) struct Actor {
    pub(crate) inbox: mpsc::Receiver<Command>,
    pub(crate) signals_tx: socket::SignalTx,
    pub(crate) signals: mpsc::Receiver<Tagged>,
    pub(crate) events: mpsc::Sender<LinkEvent>,
    pub(crate) broadcast: broadcast::Sender<LinkEvent>,
    pub(crate) state_tx: watch::Sender<LinkState>,
    pub(crate) outbox_tx: watch::Sender<OutboxCounts>,
    pub(crate) counters: Arc<LinkCounters>,
    pub(crate) config: Option<LinkConfig>,
    pub(crate) claims: TokenClaims,
    pub(crate) outbox: Outbox,
    pub(crate) joined: BTreeSet<String>,
    pub(crate) backoff: Backoff,
    pub(crate) generation: u64,
    pub(crate) phase: Phase,
    pub(crate) last_event_at: Option<DateTime<Utc>>,
    /// The current connection's writes, for the proof of delivery.
    pub(crate) writes: Writes,
    /// Entries changed status without a word to the listeners yet (the
    /// link was dropped, which cannot publish): told with the next state.
    pub(crate) outbox_dirty: bool,
    /// Which of the payloads turned away get a log line.
    pub(crate) rejection_log: LogLimiter,
}

impl Actor {
    pub(crate) fn new(
        store: Box<dyn OutboxStore>,
        inbox: mpsc::Receiver<Command>,
        events: mpsc::Sender<LinkEvent>,
        broadcast: broadcast::Sender<LinkEvent>,
        (state_tx, outbox_tx): (watch::Sender<LinkState>, watch::Sender<OutboxCounts>),
        counters: Arc<LinkCounters>,
    ) -> Result<Actor, LinkError> {
        let (signals_tx, signals) = mpsc::channel(1024);
        let mut outbox = Outbox::open(store)?;
        outbox_tx.send_replace(outbox.counts());
        // Not fatal: without them the user joins again; the outbox matters more.
        let joined = outbox.load_joined().unwrap_or_else(|e| {
            tracing::error!(error = %e, "the joined conversations could not be read");
            Vec::new()
        });
        Ok(Actor {
            inbox,
            signals_tx,
            signals,
            events,
            broadcast,
            state_tx,
            outbox_tx,
            counters,
            config: None,
            claims: TokenClaims::default(),
            outbox,
            joined: joined.into_iter().collect(),
            backoff: Backoff::new(BackoffPolicy::default()),
            generation: 0,
            phase: Phase::Idle,
            last_event_at: None,
            writes: Writes::default(),
            outbox_dirty: false,
            rejection_log: LogLimiter::default(),
        })
    }

    pub(crate) async fn run(mut self) {
        if !self.outbox.is_empty() {
            // Entries restored from an earlier run: the UI's badge starts right.
            self.outbox_changed().await;
        }
        // Signals are taken as many as are waiting: in a flood one pass of
        // the loop (its timer, its wake-up) then serves a batch of events,
        // not each one. Handled in order, as one by one.
        let mut batch = Vec::with_capacity(SIGNAL_BATCH);
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                command = self.inbox.recv() => match command {
                    Some(Command::Shutdown(reply)) => {
                        let _ = reply.send(Ok(()));
                        break;
                    }
                    Some(command) => self.command(command).await,
                    None => break,
                },
                // Never 0: the actor holds a sender, so the channel stays open.
                _ = self.signals.recv_many(&mut batch, SIGNAL_BATCH) => {
                    for tagged in batch.drain(..) {
                        self.signal(tagged).await;
                    }
                }
                () = sleep_until(deadline) => self.timer().await,
            }
        }
        self.drop_client();
        self.set_state(LinkState::Stopped).await;
    }

    fn next_deadline(&self) -> Option<Instant> {
        match &self.phase {
            Phase::Opening { deadline, .. } => Some(*deadline),
            Phase::Waiting { until } => Some(*until),
            Phase::Connected { .. } => {
                let expiry = self
                    .claims
                    .expiry_deadline(self.expiry_leeway())
                    .map(|exp| {
                        let left = (exp - Utc::now()).to_std().unwrap_or_default();
                        Instant::now() + left
                    });
                [self.writes.next_deadline(), expiry]
                    .into_iter()
                    .flatten()
                    .min()
            }
            Phase::Idle | Phase::AuthRequired => None,
        }
    }

    async fn timer(&mut self) {
        let now = Instant::now();
        match &self.phase {
            Phase::Opening { deadline, .. } if *deadline <= now => {
                let ms = self
                    .config
                    .as_ref()
                    .map_or(0, |c| c.timeouts.connect.as_millis());
                self.attempt_failed(format!("no handshake within {ms} ms"))
                    .await;
            }
            Phase::Waiting { until } if *until <= now => self.start_attempt().await,
            Phase::Connected { .. } => {
                if self.claims.is_expired_at(Utc::now(), self.expiry_leeway()) {
                    tracing::info!("the token expired while connected");
                    self.require_auth(AuthReason::Expired).await;
                } else if self.writes.next_deadline().is_some_and(|d| d <= now) {
                    self.ack_timed_out().await;
                }
            }
            _ => {}
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Connect(config, reply) => {
                let result = self.configure(*config).await;
                let _ = reply.send(result);
            }
            Command::SetToken(token, reply) => {
                let result = self.set_token(token).await;
                let _ = reply.send(result);
            }
            Command::Disconnect(reply) => {
                self.drop_client();
                self.phase = Phase::Idle;
                self.set_state(LinkState::Idle).await;
                let _ = reply.send(Ok(()));
            }
            Command::ReconnectNow(reply) => {
                if self.config.is_none() {
                    let _ = reply.send(Err(LinkError::InvalidInput("connect first".into())));
                    return;
                }
                self.drop_client();
                self.backoff.reset();
                self.start_attempt().await;
                let _ = reply.send(Ok(()));
            }
            Command::Send(outgoing, reply) => {
                let result = self.send(outgoing).await;
                let _ = reply.send(result);
            }
            Command::Retry(id, reply) => {
                let result = self.outbox.retry(id).map(|_| ());
                let _ = reply.send(result);
                self.outbox_changed().await;
                self.pump().await;
            }
            Command::Discard(id, reply) => {
                // Refused while the entry is on its way (in flight, or
                // written unproven): the server may have it already, and
                // its ack (or proof) settles it; discarding it would free
                // its slot in the window and tell the user it was not sent.
                let result = self.outbox.discard(id);
                let _ = reply.send(result);
                self.outbox_changed().await;
            }
            Command::Outbox(reply) => {
                let _ = reply.send(Ok(self.outbox.entries()));
            }
            Command::Joined(reply) => {
                let _ = reply.send(Ok(self.joined.iter().cloned().collect()));
            }
            Command::Shutdown(reply) => {
                let _ = reply.send(Ok(()));
            }
        }
    }

    async fn configure(&mut self, config: LinkConfig) -> Result<(), LinkError> {
        config.endpoint()?;
        for pem in &config.extra_root_certs {
            native_tls::Certificate::from_pem(pem).map_err(|e| LinkError::Tls(e.to_string()))?;
        }
        self.drop_client();
        self.claims = config
            .token
            .as_deref()
            .map(TokenClaims::read)
            .unwrap_or_default();
        self.backoff = Backoff::new(config.backoff);
        self.last_event_at = self.last_event_at.max(config.since);
        self.config = Some(config);
        self.start_attempt().await;
        Ok(())
    }

    async fn set_token(&mut self, token: Option<String>) -> Result<(), LinkError> {
        let Some(config) = self.config.as_mut() else {
            return Err(LinkError::InvalidInput("connect first".into()));
        };
        self.claims = token.as_deref().map(TokenClaims::read).unwrap_or_default();
        config.token = token;
        self.drop_client();
        self.backoff.reset();
        self.start_attempt().await;
        Ok(())
    }

    pub(crate) async fn set_state(&mut self, state: LinkState) {
        if std::mem::take(&mut self.outbox_dirty) {
            self.outbox_changed().await;
        }
        if *self.state_tx.borrow() == state {
            return;
        }
        self.state_tx.send_replace(state.clone());
        self.publish(LinkEvent::State(state)).await;
    }

    pub(crate) async fn publish(&mut self, event: LinkEvent) {
        // With no subscriber the copy would only be dropped again, and in a
        // flood that is every event's strings copied for nothing.
        if self.broadcast.receiver_count() > 0 {
            let _ = self.broadcast.send(event.clone());
        }
        let _ = self.events.send(event).await;
    }

    pub(crate) async fn outbox_changed(&mut self) {
        let counts = self.outbox.counts();
        self.outbox_tx.send_replace(counts);
        self.publish(LinkEvent::OutboxChanged(counts)).await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
