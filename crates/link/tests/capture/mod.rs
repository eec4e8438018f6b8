//! The link's log lines, captured: a tracing subscriber for the current
//! thread that writes into a buffer the test reads. The link runs on the
//! test's current-thread runtime, so its actor logs on this thread.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::subscriber::DefaultGuard;

/// What was logged so far; cloned into the subscriber's writer.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The lines that contain `needle`.
    pub fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The crates the app caps at debug whatever `RUST_LOG` says (their trace
/// lines hold whole frames and requests: `src-tauri/lib.rs`, TOKEN_LOGGING).
const CAPPED: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "rust_engineio",
    "rust_socketio",
    "hyper",
    "hyper_util",
    "reqwest",
    "h2",
];

fn as_the_app_allows(meta: &tracing::Metadata<'_>) -> bool {
    let target = meta.target();
    let capped = CAPPED.iter().any(|c| {
        target
            .strip_prefix(c)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    });
    !capped || *meta.level() <= tracing::Level::DEBUG
}

/// Captures on this thread, until the guard drops, everything the app would
/// log with `RUST_LOG=trace`: all at trace level, but for the crates it caps.
pub fn capture() -> (Captured, DefaultGuard) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::Layer;
    let captured = Captured::default();
    let writer = captured.clone();
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .with_filter(tracing_subscriber::filter::filter_fn(as_the_app_allows));
    let subscriber = tracing_subscriber::registry().with(layer);
    (captured, tracing::subscriber::set_default(subscriber))
}
