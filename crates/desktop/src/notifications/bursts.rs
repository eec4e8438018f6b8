//! The popup budget of a burst, per kind: the first few popups of a kind in
//! a window go out, the rest are counted for one summary when the window
//! ends. Booking requests have a budget of their own, larger, which their
//! re-alerts share: a flood of requests (or their re-alerts coming due
//! together) cannot bury the desktop under thousands of persistent popups,
//! nor the notification server under as many calls.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::attention::why::Why;
use crate::models::{PopupKind, Target};

/// Popups shown per kind within one burst window before the rest are held
/// back for a summary.
pub const BURST_LIMIT: usize = 3;
/// The same for booking requests, new or re-alerted: each of these has its
/// own Accept and Decline, so more of them go out one by one; four, so that
/// a storm's share of the screen stays within `make bench`'s
/// `storm_popups_per_type` (≤ 4).
pub const REQUEST_BURST_LIMIT: usize = 4;
pub const BURST_WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
struct Burst {
    started: Instant,
    shown: usize,
    held: usize,
    /// The items shown in this burst: another popup about one of them
    /// replaces it in place and costs nothing (a conversation's messages).
    items: HashSet<Target>,
}

impl Burst {
    fn new(started: Instant) -> Burst {
        Burst {
            started,
            shown: 0,
            held: 0,
            items: HashSet::new(),
        }
    }
}

/// The bursts under way, by kind.
#[derive(Debug, Default)]
pub struct Bursts {
    by_kind: HashMap<PopupKind, Burst>,
}

fn limit(kind: PopupKind) -> usize {
    match kind {
        PopupKind::BookingRequest => REQUEST_BURST_LIMIT,
        _ => BURST_LIMIT,
    }
}

impl Bursts {
    /// Whether a popup of `kind` about `target` goes out now: `Shown`,
    /// `InPlace` (it replaces one shown in this burst, for free), or
    /// `Coalesced` (counted for the burst's summary).
    pub fn admit(&mut self, kind: PopupKind, target: &Target, now: Instant) -> Why {
        let burst = self.by_kind.entry(kind).or_insert_with(|| Burst::new(now));
        if now.duration_since(burst.started) >= BURST_WINDOW && burst.held == 0 {
            *burst = Burst::new(now);
        }
        if target.id.is_some() && burst.items.contains(target) {
            Why::InPlace
        } else if burst.shown < limit(kind) && burst.held == 0 {
            burst.shown += 1;
            if target.id.is_some() {
                burst.items.insert(target.clone());
            }
            Why::Shown
        } else {
            burst.held += 1;
            Why::Coalesced
        }
    }

    /// The bursts whose window has ended with popups held back: how many
    /// of each kind, for their summaries.
    pub fn flush(&mut self, now: Instant) -> Vec<(PopupKind, usize)> {
        let mut out = Vec::new();
        self.by_kind.retain(|kind, b| {
            if now.duration_since(b.started) < BURST_WINDOW {
                return true;
            }
            if b.held > 0 {
                out.push((*kind, b.held));
            }
            false
        });
        out.sort_by_key(|(kind, _)| PopupKind::ALL.iter().position(|k| k == kind));
        out
    }

    /// When `flush` next has something to do.
    pub fn next_flush(&self) -> Option<Instant> {
        self.by_kind
            .values()
            .filter(|b| b.held > 0)
            .map(|b| b.started + BURST_WINDOW)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::View;

    fn request(i: u32) -> Target {
        Target::new(View::Bookings, Some(format!("b{i}")))
    }

    #[test]
    fn a_flood_of_requests_and_their_realerts_share_one_budget() {
        let mut bursts = Bursts::default();
        let t0 = Instant::now();
        let kind = PopupKind::BookingRequest;
        let first: Vec<Why> = (0..8)
            .map(|i| bursts.admit(kind, &request(i), t0))
            .collect();
        let limit = REQUEST_BURST_LIMIT;
        assert_eq!(first.iter().filter(|w| **w == Why::Shown).count(), limit);
        assert!(
            first[limit..].iter().all(|w| *w == Why::Coalesced),
            "{first:?}"
        );
        // The re-alert of one shown in this burst replaces it in place; one
        // held back is counted with the rest.
        assert_eq!(bursts.admit(kind, &request(0), t0), Why::InPlace);
        assert_eq!(bursts.admit(kind, &request(7), t0), Why::Coalesced);
        // Another kind has its own budget.
        let note = Target::new(View::Notifications, Some("n1".into()));
        assert_eq!(
            bursts.admit(PopupKind::NewNotification, &note, t0),
            Why::Shown
        );
        assert_eq!(bursts.next_flush(), Some(t0 + BURST_WINDOW));
        assert!(bursts.flush(t0 + BURST_WINDOW / 2).is_empty());
        assert_eq!(bursts.flush(t0 + BURST_WINDOW), vec![(kind, 8 - limit + 1)]);
        assert_eq!(bursts.next_flush(), None);
        // The next window starts with a full budget.
        let t1 = t0 + BURST_WINDOW * 2;
        assert_eq!(bursts.admit(kind, &request(9), t1), Why::Shown);
    }
}
