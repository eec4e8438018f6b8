//! Outgoing work that waits for the link: its order, its collapse rule, its
//! attempts, failures and age limit, and the storage port that makes it (and
//! the joined conversations) durable.

use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::LinkError;
use crate::outgoing::{OfflinePolicy, Outgoing};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum EntryStatus {
    /// Waiting for a connected link.
    Pending,
    /// Written to the link, waiting for the server's acknowledgement.
    InFlight,
    /// An event without an acknowledgement, written to the link and kept
    /// until the link proves it carried it (a later acknowledgement, or the
    /// server's second ping after it); back to pending if the link is lost
    /// before that.
    Written,
    /// Given up on (rejected, or never acknowledged); kept for a retry.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub id: u64,
    pub outgoing: Outgoing,
    pub status: EntryStatus,
    pub attempts: u32,
    pub queued_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// A pending entry queued longer ago than this is not sent any more: it is
/// marked failed and waits for the user to retry (or discard) it, so that a
/// message written days ago does not surprise its reader.
pub const MAX_QUEUE_AGE_DAYS: i64 = 7;

/// Where the outbox keeps its entries, and the joined conversations: the
/// link state that must outlive the process. The link calls it before it
/// tells anyone an entry is queued, so a durable store survives a crash.
pub trait OutboxStore: Send + 'static {
    /// Every entry stored, in queue order (called once, at start).
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError>;
    /// A new entry, or a changed one (status, attempts, error).
    fn save(&mut self, entry: &OutboxEntry) -> Result<(), LinkError>;
    fn remove(&mut self, id: u64) -> Result<(), LinkError>;
    /// Several changed entries at once (a window put in flight, or sent
    /// back to pending). A durable store makes it one transaction: one sync
    /// for the window, not one per entry, and never half of it on disk.
    fn save_all(&mut self, entries: &[OutboxEntry]) -> Result<(), LinkError> {
        entries.iter().try_for_each(|e| self.save(e))
    }
    /// The conversations joined in earlier runs (called once, at start).
    fn load_joined(&mut self) -> Result<Vec<String>, LinkError> {
        Ok(Vec::new())
    }
    /// A conversation joined now, to re-join after a restart.
    fn save_joined(&mut self, _conversation_id: &str) -> Result<(), LinkError> {
        Ok(())
    }
}

/// A store that keeps nothing beyond the process.
#[derive(Debug, Default)]
pub struct MemoryStore;

impl OutboxStore for MemoryStore {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(Vec::new())
    }
    fn save(&mut self, _: &OutboxEntry) -> Result<(), LinkError> {
        Ok(())
    }
    fn remove(&mut self, _: u64) -> Result<(), LinkError> {
        Ok(())
    }
}

/// Counts for the UI's badge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OutboxCounts {
    /// Not yet proven delivered: waiting, in flight, or written unproven.
    pub pending: usize,
    pub failed: usize,
    /// The store refused a write that followed something already done on
    /// the wire (an entry sent, acknowledged, proven): the disk is behind
    /// the outbox, so after a crash an entry may be sent again. Stays set
    /// until a later write has brought the disk up to date. Left out of the
    /// JSON while false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(feature = "ts", ts(as = "Option<bool>", optional))]
    pub storage_failed: bool,
}

pub struct Outbox {
    store: Box<dyn OutboxStore>,
    entries: VecDeque<OutboxEntry>,
    next_id: u64,
    /// Entries whose stored copy is behind memory (a write the store
    /// refused after the wire had moved on), with the last refusal.
    unsynced: BTreeSet<u64>,
    storage_error: Option<String>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Outbox {
    /// Loads what the store kept: entries in flight or written unproven go
    /// back to pending, to be
    /// re-sent with the same `clientId` (a message without one gets one,
    /// stored); pending `updateStatus` entries collapse to the latest (a crash
    /// inside `queue` can leave two); entries past the age limit fail.
    pub fn open(mut store: Box<dyn OutboxStore>) -> Result<Outbox, LinkError> {
        let loaded = store.load()?;
        let next_id = loaded.iter().map(|e| e.id).max().map_or(1, |m| m + 1);
        let mut outbox = Outbox {
            store,
            entries: VecDeque::with_capacity(loaded.len()),
            next_id,
            unsynced: BTreeSet::new(),
            storage_error: None,
        };
        let latest_status = loaded
            .iter()
            .rev()
            .find(|e| e.status != EntryStatus::Failed && is_collapsing(e))
            .map(|e| e.id);
        for mut entry in loaded {
            let live = entry.status != EntryStatus::Failed;
            if live && is_collapsing(&entry) && Some(entry.id) != latest_status {
                tracing::info!(id = entry.id, "collapsing a stale status update");
                outbox.store.remove(entry.id)?;
                continue;
            }
            let interrupted = matches!(entry.status, EntryStatus::InFlight | EntryStatus::Written);
            if interrupted {
                entry.status = EntryStatus::Pending;
            }
            let mut given_id = false;
            if let Outgoing::SendMessage(m) = &mut entry.outgoing {
                if m.client_id.trim().is_empty() {
                    m.client_id = uuid::Uuid::new_v4().to_string();
                    given_id = true;
                }
            }
            if given_id {
                // The id must be stored before the message goes with it.
                outbox.store.save(&entry)?;
            } else if interrupted {
                // Stored too, or the disk would say "on its way" while the
                // outbox says it is in sync. A refusal does not stop the
                // start: the next open resets the entry all the same.
                if let Err(e) = outbox.store.save(&entry) {
                    outbox.refused(entry.id, &e);
                }
            }
            outbox.entries.push_back(entry);
        }
        outbox.expire(Utc::now())?;
        Ok(outbox)
    }

    /// Fails the pending entries queued more than [`MAX_QUEUE_AGE_DAYS`]
    /// before `now`; returns them.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<Vec<OutboxEntry>, LinkError> {
        let cutoff = now - chrono::Duration::days(MAX_QUEUE_AGE_DAYS);
        let old: Vec<u64> = self
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Pending && e.queued_at < cutoff)
            .map(|e| e.id)
            .collect();
        let reason = format!("not sent within {MAX_QUEUE_AGE_DAYS} days; retry to send it now");
        old.into_iter().map(|id| self.reject(id, &reason)).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The conversations the store kept from earlier runs.
    pub fn load_joined(&mut self) -> Result<Vec<String>, LinkError> {
        self.store.load_joined()
    }

    /// Keeps a joined conversation for the next run.
    pub fn save_joined(&mut self, conversation_id: &str) -> Result<(), LinkError> {
        self.store.save_joined(conversation_id)
    }

    /// Queues an event, stored before this returns. An `updateStatus`
    /// replaces any earlier one still pending; the replaced ids are returned.
    pub fn queue(&mut self, outgoing: Outgoing) -> Result<(OutboxEntry, Vec<u64>), LinkError> {
        let entry = OutboxEntry {
            id: self.next_id,
            outgoing,
            status: EntryStatus::Pending,
            attempts: 0,
            queued_at: Utc::now(),
            last_error: None,
        };
        self.store.save(&entry)?;
        self.next_id += 1;
        let mut replaced = Vec::new();
        if is_collapsing(&entry) {
            let kind = entry.outgoing.event_name();
            let older: Vec<u64> = self
                .entries
                .iter()
                .filter(|old| {
                    old.status == EntryStatus::Pending && old.outgoing.event_name() == kind
                })
                .map(|old| old.id)
                .collect();
            for id in older {
                // The new entry is stored already, so failing here would
                // tell the caller "not queued" of an entry the next start
                // sends. An old one the store keeps goes first instead: the
                // latest still wins, and the next open collapses it.
                match self.remove(id) {
                    Ok(()) => replaced.push(id),
                    Err(e) => tracing::warn!(id, error = %e, "a stale status update kept"),
                }
            }
        }
        self.entries.push_back(entry.clone());
        Ok((entry, replaced))
    }

    pub fn get(&self, id: u64) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// A change the caller may refuse: stored first, then made.
    fn update(
        &mut self,
        id: u64,
        f: impl FnOnce(&mut OutboxEntry),
    ) -> Result<OutboxEntry, LinkError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(LinkError::UnknownEntry(id))?;
        let mut changed = entry.clone();
        f(&mut changed);
        self.store.save(&changed)?;
        *entry = changed.clone();
        self.wrote();
        Ok(changed)
    }

    /// A change that records what already happened on the wire: made in
    /// memory whatever the store says, since refusing it would send the
    /// same entry again (or draw a second ack id while one is awaited). A
    /// refused write leaves the disk behind: see [`OutboxCounts::storage_failed`].
    fn record(
        &mut self,
        id: u64,
        f: impl FnOnce(&mut OutboxEntry),
    ) -> Result<OutboxEntry, LinkError> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.id == id)
            .ok_or(LinkError::UnknownEntry(id))?;
        f(entry);
        let changed = entry.clone();
        match self.store.save(&changed) {
            Ok(()) => self.wrote(),
            Err(e) => self.refused(id, &e),
        }
        Ok(changed)
    }

    /// Done with an entry the wire has settled (acknowledged, or proven
    /// carried): gone from memory even if the store refuses.
    pub fn forget(&mut self, id: u64) {
        self.entries.retain(|e| e.id != id);
        match self.store.remove(id) {
            Ok(()) => self.wrote(),
            Err(e) => self.refused(id, &e),
        }
    }

    fn refused(&mut self, id: u64, error: &LinkError) {
        tracing::error!(id, %error, "the outbox's disk copy is behind: kept going in memory");
        self.unsynced.insert(id);
        self.storage_error = Some(error.to_string());
    }

    /// After a write the store took: the entries it refused earlier get
    /// another chance, and once all are written the disk is up to date.
    fn wrote(&mut self) {
        if self.unsynced.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut self.unsynced);
        for id in ids {
            let written = match self.entries.iter().find(|e| e.id == id) {
                Some(entry) => self.store.save(entry),
                None => self.store.remove(id),
            };
            if written.is_err() {
                self.unsynced.insert(id);
            }
        }
        if self.unsynced.is_empty() {
            tracing::info!("the outbox's disk copy has caught up");
            self.storage_error = None;
        }
    }

    /// The last write the store refused, while the disk is behind.
    pub fn storage_error(&self) -> Option<&str> {
        self.storage_error.as_deref()
    }

    /// Forgets an entry the user (or a collapse) gave up on; stored first,
    /// so a refusal leaves it queued.
    pub fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.store.remove(id)?;
        self.entries.retain(|e| e.id != id);
        self.unsynced.remove(&id);
        self.wrote();
        Ok(())
    }

    /// The user's discard: refused for an entry on its way (in flight, its
    /// ack slot taken; or written, not yet proven), which settles by itself.
    pub fn discard(&mut self, id: u64) -> Result<(), LinkError> {
        match self.get(id).map(|e| e.status) {
            None => Err(LinkError::UnknownEntry(id)),
            Some(EntryStatus::InFlight | EntryStatus::Written) => Err(LinkError::Sending(id)),
            Some(_) => self.remove(id),
        }
    }

    /// An attempt that was not acknowledged: back to pending, or failed once
    /// `max_attempts` were made.
    pub fn attempt_failed(
        &mut self,
        id: u64,
        reason: &str,
        max_attempts: u32,
    ) -> Result<OutboxEntry, LinkError> {
        self.record(id, |e| {
            e.last_error = Some(reason.to_owned());
            e.status = if e.attempts >= max_attempts {
                EntryStatus::Failed
            } else {
                EntryStatus::Pending
            };
        })
    }

    /// The server refused it: failed at once, kept for the user to see.
    pub fn reject(&mut self, id: u64, reason: &str) -> Result<OutboxEntry, LinkError> {
        self.record(id, |e| {
            e.status = EntryStatus::Failed;
            e.last_error = Some(reason.to_owned());
        })
    }

    pub fn retry(&mut self, id: u64) -> Result<OutboxEntry, LinkError> {
        if self.get(id).map(|e| e.status) != Some(EntryStatus::Failed) {
            return Err(LinkError::InvalidInput(format!(
                "entry {id} has not failed"
            )));
        }
        // Queued again now: the age limit counts from the retry.
        self.update(id, |e| {
            e.status = EntryStatus::Pending;
            e.attempts = 0;
            e.queued_at = Utc::now();
        })
    }

    pub fn entries(&self) -> Vec<OutboxEntry> {
        self.entries.iter().cloned().collect()
    }

    pub fn counts(&self) -> OutboxCounts {
        let failed = self
            .entries
            .iter()
            .filter(|e| e.status == EntryStatus::Failed)
            .count();
        OutboxCounts {
            pending: self.entries.len() - failed,
            failed,
            storage_failed: self.storage_error.is_some(),
        }
    }
}

/// Whether a later entry of the same kind replaces this one while pending.
fn is_collapsing(entry: &OutboxEntry) -> bool {
    entry.outgoing.offline_policy() == OfflinePolicy::Collapse
}

#[path = "outbox_window.rs"]
mod window;

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
