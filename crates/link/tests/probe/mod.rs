//! Drives a link from a test: waits for states and events with a deadline,
//! and records every state change so that tests can count attempts.

#![allow(dead_code)]

use std::time::Duration;

use alora_link::{
    BackoffPolicy, Delivery, Incoming, Link, LinkConfig, LinkEvent, LinkEvents, LinkHandle,
    LinkState, Outcome, Timeouts,
};
use tokio::time::{timeout_at, Instant};

pub struct Probe {
    pub link: LinkHandle,
    events: LinkEvents,
    pub seen: Vec<LinkEvent>,
}

/// A config for tests: quick backoff so that restarts finish in seconds.
pub fn config(url: &str, path: &str, token: &str) -> LinkConfig {
    LinkConfig {
        server_url: url.to_owned(),
        socket_path: path.to_owned(),
        token: Some(token.to_owned()),
        backoff: BackoffPolicy {
            floor: Duration::from_millis(200),
            cap: Duration::from_secs(2),
            stable_after: Duration::from_secs(2),
            ..BackoffPolicy::default()
        },
        timeouts: Timeouts {
            connect: Duration::from_secs(5),
            ack: Duration::from_secs(3),
            max_send_attempts: 3,
            write: Duration::from_secs(2),
        },
        ..LinkConfig::default()
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

impl Probe {
    pub fn new() -> Probe {
        init_tracing();
        let (link, events) = Link::spawn();
        Probe {
            link,
            events,
            seen: Vec::new(),
        }
    }

    /// A link over `store`, not connected yet.
    pub fn with_store(store: Box<dyn alora_link::OutboxStore>) -> Probe {
        init_tracing();
        let (link, events) = Link::spawn_with_store(store).expect("the store loads");
        Probe {
            link,
            events,
            seen: Vec::new(),
        }
    }

    pub async fn connect(config: LinkConfig) -> Probe {
        let p = Probe::new();
        p.link.connect(config).await.expect("connect accepted");
        p
    }

    /// The next event matching `pred`, looking first at what was already
    /// received but not yet matched by an earlier wait.
    pub async fn wait_for<T>(
        &mut self,
        within: Duration,
        what: &str,
        mut pred: impl FnMut(&LinkEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            match timeout_at(deadline, self.events.recv()).await {
                Ok(Some(event)) => {
                    self.seen.push(event.clone());
                    if let Some(found) = pred(&event) {
                        return found;
                    }
                }
                Ok(None) => panic!("the link's event stream ended while waiting for {what}"),
                Err(_) => panic!(
                    "no {what} within {within:?}; state {:?}; last events: {:#?}",
                    self.link.state(),
                    self.seen.iter().rev().take(8).collect::<Vec<_>>()
                ),
            }
        }
    }

    pub async fn wait_state(
        &mut self,
        within: Duration,
        what: &str,
        pred: impl Fn(&LinkState) -> bool,
    ) -> LinkState {
        if pred(&self.link.state()) {
            return self.link.state();
        }
        self.wait_for(within, what, |e| match e {
            LinkEvent::State(s) if pred(s) => Some(s.clone()),
            _ => None,
        })
        .await
    }

    pub async fn connected(&mut self) {
        self.wait_state(
            Duration::from_secs(10),
            "Connected",
            LinkState::is_connected,
        )
        .await;
    }

    /// Connected, and the server's `connected` event seen: the server has run
    /// its connection handler (the user's room joined), so that a push to the
    /// user reaches this socket. The state alone can come first: the client
    /// reads the CONNECT packet before the server's handler has run.
    pub async fn greeted(&mut self) {
        let (mut up, mut hello) = (false, false);
        self.wait_for(Duration::from_secs(10), "Connected and greeted", |e| {
            match e {
                LinkEvent::State(s) if s.is_connected() => up = true,
                LinkEvent::Incoming(Incoming::Connected(_)) => hello = true,
                _ => {}
            }
            (up && hello).then_some(())
        })
        .await;
    }

    pub async fn incoming(&mut self, within: Duration, event: &str) -> Incoming {
        self.wait_for(within, event, |e| match e {
            LinkEvent::Incoming(i) if i.event_name() == event => Some(i.clone()),
            _ => None,
        })
        .await
    }

    pub async fn delivery(
        &mut self,
        within: Duration,
        pred: impl Fn(&Delivery) -> bool,
    ) -> Delivery {
        self.wait_for(within, "a delivery", |e| match e {
            LinkEvent::Delivery(d) if pred(d) => Some(d.clone()),
            _ => None,
        })
        .await
    }

    /// Drains what arrives within `window` without waiting for anything.
    pub async fn settle(&mut self, window: Duration) {
        let deadline = Instant::now() + window;
        while let Ok(Some(event)) = timeout_at(deadline, self.events.recv()).await {
            self.seen.push(event);
        }
    }

    pub fn states(&self) -> Vec<LinkState> {
        self.seen
            .iter()
            .filter_map(|e| match e {
                LinkEvent::State(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn acked(d: &Delivery) -> bool {
        matches!(d.outcome, Outcome::Acked { .. })
    }
}

/// Polls `check` until it holds: for counts that a server reports
/// asynchronously (the Node fixture reports over its stdout).
pub async fn eventually<T: PartialEq + std::fmt::Debug>(
    within: Duration,
    want: T,
    mut check: impl FnMut() -> T,
) {
    let deadline = Instant::now() + within;
    loop {
        let got = check();
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "still {got:?} after {within:?}, wanted {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
