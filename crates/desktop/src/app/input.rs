//! What the pipeline consumes: the link's lossless event stream, and the
//! events `simulate_incoming` makes as if the server had sent them. Both
//! reach the one pipeline thread, in the same way.

use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use alora_link::{LinkEvent, LinkEvents};
use tokio::sync::mpsc;

/// An event put in by the app itself, and who waits until it is handled.
#[derive(Debug)]
pub struct Simulated {
    pub event: LinkEvent,
    pub(crate) done: std_mpsc::SyncSender<()>,
}

/// The pipeline's two inputs, given to `pipeline::start` (or `pump`).
#[derive(Debug)]
pub struct Input {
    pub link: LinkEvents,
    pub(crate) simulated: mpsc::UnboundedReceiver<Simulated>,
}

/// The sending side of `Input::simulated`, kept by the core.
#[derive(Debug, Clone)]
pub struct Injector(mpsc::UnboundedSender<Simulated>);

/// A generous bound: the pipeline stores a batch in milliseconds.
const HANDLED_WITHIN: Duration = Duration::from_secs(30);

/// What `Injector::put` came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    Handled,
    /// No pipeline runs (not yet, or no more).
    NoPipeline,
}

impl Input {
    /// The inputs over the link's stream, and the way in for simulated events.
    pub fn new(link: LinkEvents) -> (Input, Injector) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Input {
                link,
                simulated: rx,
            },
            Injector(tx),
        )
    }
}

impl Injector {
    /// Puts `event` into the pipeline and waits until it has been handled
    /// (stored, shown, popped up), as the link's own events are. Blocks the
    /// calling thread: call it from a command's blocking task, never from
    /// the pipeline's thread.
    pub fn put(&self, event: LinkEvent) -> Put {
        let (done, handled) = std_mpsc::sync_channel(1);
        if self.0.send(Simulated { event, done }).is_err() {
            return Put::NoPipeline;
        }
        match handled.recv_timeout(HANDLED_WITHIN) {
            Ok(()) => Put::Handled,
            Err(_) => Put::NoPipeline,
        }
    }
}
