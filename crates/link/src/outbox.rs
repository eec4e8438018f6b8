//! Outgoing work that waits for the link: its order, its collapse rule, its
//! attempts and failures, and the storage port that makes it durable.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::LinkError;
use crate::outgoing::{OfflinePolicy, Outgoing};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryStatus {
    /// Waiting for a connected link.
    Pending,
    /// Written to the link, waiting for the server's acknowledgement.
    InFlight,
    /// Given up on (rejected, or never acknowledged); kept for a retry.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub id: u64,
    pub outgoing: Outgoing,
    pub status: EntryStatus,
    pub attempts: u32,
    pub queued_at: DateTime<Utc>,
    pub last_error: Option<String>,
}

/// Where the outbox keeps its entries. The link calls it before it tells
/// anyone an entry is queued, so a durable store survives a crash.
pub trait OutboxStore: Send + 'static {
    /// Every entry stored, in queue order (called once, at start).
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError>;
    /// A new entry, or a changed one (status, attempts, error).
    fn save(&mut self, entry: &OutboxEntry) -> Result<(), LinkError>;
    fn remove(&mut self, id: u64) -> Result<(), LinkError>;
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
#[serde(rename_all = "camelCase")]
pub struct OutboxCounts {
    pub pending: usize,
    pub failed: usize,
}

pub struct Outbox {
    store: Box<dyn OutboxStore>,
    entries: VecDeque<OutboxEntry>,
    next_id: u64,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Outbox {
    /// Loads what the store kept; entries in flight when the process ended
    /// go back to pending, to be re-sent with the same `clientId`.
    pub fn open(mut store: Box<dyn OutboxStore>) -> Result<Outbox, LinkError> {
        let mut entries: VecDeque<_> = store.load()?.into();
        for e in entries
            .iter_mut()
            .filter(|e| e.status == EntryStatus::InFlight)
        {
            e.status = EntryStatus::Pending;
        }
        let next_id = entries.iter().map(|e| e.id).max().map_or(1, |m| m + 1);
        Ok(Outbox {
            store,
            entries,
            next_id,
        })
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
        if entry.outgoing.offline_policy() == OfflinePolicy::Collapse {
            let kind = entry.outgoing.event_name();
            for old in &self.entries {
                if old.status == EntryStatus::Pending && old.outgoing.event_name() == kind {
                    replaced.push(old.id);
                }
            }
            for id in &replaced {
                self.remove(*id)?;
            }
        }
        self.entries.push_back(entry.clone());
        Ok((entry, replaced))
    }

    /// The first entry waiting to be written, unless one is in flight: at
    /// most one acknowledgement is awaited at a time, which also keeps order.
    pub fn next_ready(&self) -> Option<&OutboxEntry> {
        if self.in_flight().is_some() {
            return None;
        }
        self.entries
            .iter()
            .find(|e| e.status == EntryStatus::Pending)
    }

    pub fn in_flight(&self) -> Option<&OutboxEntry> {
        self.entries
            .iter()
            .find(|e| e.status == EntryStatus::InFlight)
    }

    pub fn get(&self, id: u64) -> Option<&OutboxEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

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
        Ok(changed)
    }

    pub fn mark_in_flight(&mut self, id: u64) -> Result<OutboxEntry, LinkError> {
        self.update(id, |e| {
            e.status = EntryStatus::InFlight;
            e.attempts += 1;
        })
    }

    /// Done with: acknowledged, or written to a connected link.
    pub fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.store.remove(id)?;
        self.entries.retain(|e| e.id != id);
        Ok(())
    }

    /// An attempt that was not acknowledged: back to pending, or failed once
    /// `max_attempts` were made.
    pub fn attempt_failed(
        &mut self,
        id: u64,
        reason: &str,
        max_attempts: u32,
    ) -> Result<OutboxEntry, LinkError> {
        self.update(id, |e| {
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
        self.update(id, |e| {
            e.status = EntryStatus::Failed;
            e.last_error = Some(reason.to_owned());
        })
    }

    /// The link dropped with an attempt in flight: it goes again, first.
    pub fn requeue_in_flight(&mut self) -> Result<(), LinkError> {
        if let Some(id) = self.in_flight().map(|e| e.id) {
            self.update(id, |e| e.status = EntryStatus::Pending)?;
        }
        Ok(())
    }

    pub fn retry(&mut self, id: u64) -> Result<OutboxEntry, LinkError> {
        if self.get(id).map(|e| e.status) != Some(EntryStatus::Failed) {
            return Err(LinkError::InvalidInput(format!(
                "entry {id} has not failed"
            )));
        }
        self.update(id, |e| {
            e.status = EntryStatus::Pending;
            e.attempts = 0;
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
        }
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
