//! The outbox's window: which entries go to the link next, marked in flight
//! (or written) together, and sent back to pending together when the link
//! is lost.
//!
//! Up to `window` acknowledgements are awaited at once. Order at the server
//! holds because a window is written in queue order on one socket, and a
//! Socket.IO server reads a socket's packets in order. Exactly-once holds by
//! `clientId`: an entry in flight when the link drops goes back to pending
//! with the same `clientId`, is written again, and the server de-duplicates.

use super::{EntryStatus, Outbox, OutboxEntry};
use crate::error::LinkError;

impl Outbox {
    /// The pending entries to write now, in queue order: each one that
    /// wants an acknowledgement takes one of the `window` slots (0 is taken
    /// as 1) that those in flight leave free; the run stops at the first
    /// that finds none, since a later entry must not overtake it.
    pub fn next_window(&self, window: usize) -> Vec<u64> {
        let mut slots = window.max(1).saturating_sub(self.in_flight_count());
        let mut ids = Vec::new();
        for entry in self
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Pending)
        {
            if entry.outgoing.wants_ack() {
                if slots == 0 {
                    break;
                }
                slots -= 1;
            }
            ids.push(entry.id);
        }
        ids
    }

    /// The first entry a window of one lets go (see [`Outbox::next_window`]).
    pub fn next_ready(&self) -> Option<&OutboxEntry> {
        let id = *self.next_window(1).first()?;
        self.get(id)
    }

    /// The oldest entry awaiting its acknowledgement.
    pub fn in_flight(&self) -> Option<&OutboxEntry> {
        self.entries
            .iter()
            .find(|e| e.status == EntryStatus::InFlight)
    }

    pub fn in_flight_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.status == EntryStatus::InFlight)
            .count()
    }

    pub fn is_in_flight(&self, id: u64) -> bool {
        self.get(id)
            .is_some_and(|e| e.status == EntryStatus::InFlight)
    }

    /// The entries of `ids` are about to be written: each one that wants an
    /// acknowledgement is in flight, each other one written, one attempt
    /// more, all stored in one `save_all`. Made in memory whatever the store
    /// says (as [`Outbox::mark_in_flight`]); returned in queue order.
    pub fn mark_sent(&mut self, ids: &[u64]) -> Vec<OutboxEntry> {
        self.record_all(ids, |e| {
            e.status = if e.outgoing.wants_ack() {
                EntryStatus::InFlight
            } else {
                EntryStatus::Written
            };
            e.attempts += 1;
        })
    }

    pub fn mark_in_flight(&mut self, id: u64) -> Result<OutboxEntry, LinkError> {
        self.record(id, |e| {
            e.status = EntryStatus::InFlight;
            e.attempts += 1;
        })
    }

    /// An event without an acknowledgement was written: kept until proven.
    pub fn mark_written(&mut self, id: u64) -> Result<OutboxEntry, LinkError> {
        self.record(id, |e| {
            e.status = EntryStatus::Written;
            e.attempts += 1;
        })
    }

    /// The link dropped: every entry in flight, and every one written but
    /// not proven carried, goes again, in queue order, with its `clientId`.
    pub fn requeue_in_flight(&mut self) -> Result<(), LinkError> {
        let ids: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| matches!(e.status, EntryStatus::InFlight | EntryStatus::Written))
            .map(|e| e.id)
            .collect();
        if !ids.is_empty() {
            self.record_all(&ids, |e| e.status = EntryStatus::Pending);
        }
        Ok(())
    }

    /// [`Outbox::record`] for several entries, stored together.
    fn record_all(&mut self, ids: &[u64], f: impl Fn(&mut OutboxEntry)) -> Vec<OutboxEntry> {
        let mut changed = Vec::with_capacity(ids.len());
        for entry in self.entries.iter_mut().filter(|e| ids.contains(&e.id)) {
            f(entry);
            changed.push(entry.clone());
        }
        match self.store.save_all(&changed) {
            Ok(()) => self.wrote(),
            Err(e) => {
                for entry in &changed {
                    self.refused(entry.id, &e);
                }
            }
        }
        changed
    }
}

#[cfg(test)]
#[path = "outbox_window_tests.rs"]
mod tests;
