//! What the link turns away from the server: the reasons it counts, and the
//! rate limit on its log lines about them (one line per reason per window,
//! carrying how many there were, and never a payload's contents).

use std::time::Duration;

use tokio::time::Instant;

/// At most one log line per reason in this long; a flood is one line, not
/// a line per event.
pub const LOG_WINDOW: Duration = Duration::from_secs(10);

/// Why something the server sent was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// An event the protocol does not know.
    UnknownEvent,
    /// A known event whose payload does not fit its type.
    Malformed,
    /// A binary event (the protocol has none).
    Binary,
    /// A message that is no socket.io packet (not UTF-8, JSON that does not
    /// parse or nests past serde_json's limit, an event without a name).
    Undecodable,
    /// A message larger than the transport takes: it costs the connection.
    Oversized,
}

impl Rejection {
    const ALL: [Rejection; 5] = [
        Rejection::UnknownEvent,
        Rejection::Malformed,
        Rejection::Binary,
        Rejection::Undecodable,
        Rejection::Oversized,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Rejection::UnknownEvent => "unknown event",
            Rejection::Malformed => "malformed payload",
            Rejection::Binary => "binary payload",
            Rejection::Undecodable => "undecodable packet",
            Rejection::Oversized => "oversized message",
        }
    }

    fn slot(self) -> usize {
        Rejection::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    logged_at: Instant,
    held_back: u64,
}

/// Decides which rejections get a log line. The clock is the caller's, so
/// that the rule is tested without waiting.
#[derive(Debug, Default)]
pub(crate) struct LogLimiter {
    slots: [Option<Slot>; Rejection::ALL.len()],
}

impl LogLimiter {
    /// One more `reason` at `now`: `Some(n)` when a line is due, `n` being
    /// how many this line stands for (this one and those held back since the
    /// last line); `None` while the window of the last line is open.
    pub(crate) fn admit(&mut self, reason: Rejection, now: Instant) -> Option<u64> {
        let slot = &mut self.slots[reason.slot()];
        match slot {
            Some(s) if now.saturating_duration_since(s.logged_at) < LOG_WINDOW => {
                s.held_back += 1;
                None
            }
            _ => {
                let count = slot.map_or(0, |s| s.held_back) + 1;
                *slot = Some(Slot {
                    logged_at: now,
                    held_back: 0,
                });
                Some(count)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_reason_per_window_with_the_count() {
        let start = Instant::now();
        let mut limiter = LogLimiter::default();
        assert_eq!(limiter.admit(Rejection::UnknownEvent, start), Some(1));
        for i in 1..1000 {
            let at = start + Duration::from_millis(i);
            assert_eq!(limiter.admit(Rejection::UnknownEvent, at), None);
        }
        // Another reason has a window of its own.
        assert_eq!(limiter.admit(Rejection::Malformed, start), Some(1));
        let later = start + LOG_WINDOW;
        // 999 held back, and this one.
        assert_eq!(limiter.admit(Rejection::UnknownEvent, later), Some(1000));
        assert_eq!(limiter.admit(Rejection::UnknownEvent, later), None);
        assert_eq!(
            limiter.admit(Rejection::UnknownEvent, later + LOG_WINDOW * 3),
            Some(2)
        );
    }
}
