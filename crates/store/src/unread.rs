//! The unread counts by kind (booking requests, messages, the rest) that the
//! tray shows, cached against `PRAGMA data_version`: one query of one pragma
//! per tray refresh in a flood, a count of the table only after another
//! connection wrote or a prune.

use crate::error::{At, StoreError};
use crate::history::HistoryStore;
use crate::model::Kind;

/// What is unread, by kind. Each item is one kind, so `total` is the unread
/// count and nothing is counted twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Unread {
    pub booking_requests: usize,
    pub messages: usize,
    /// Notifications and booking changes: everything that is not one of
    /// the above.
    pub notifications: usize,
}

impl Unread {
    pub fn total(&self) -> usize {
        self.booking_requests + self.messages + self.notifications
    }

    pub fn of(&self, kind: Kind) -> usize {
        match kind {
            Kind::BookingRequest => self.booking_requests,
            Kind::Message => self.messages,
            Kind::Notification => self.notifications,
        }
    }

    pub(crate) fn add(&mut self, kind: Kind, n: usize) {
        let slot = match kind {
            Kind::BookingRequest => &mut self.booking_requests,
            Kind::Message => &mut self.messages,
            Kind::Notification => &mut self.notifications,
        };
        *slot = slot.saturating_add(n);
    }

    pub(crate) fn plus(self, other: &Unread) -> Unread {
        Unread {
            booking_requests: self.booking_requests.saturating_add(other.booking_requests),
            messages: self.messages.saturating_add(other.messages),
            notifications: self.notifications.saturating_add(other.notifications),
        }
    }

    pub(crate) fn minus(self, other: &Unread) -> Unread {
        Unread {
            booking_requests: self.booking_requests.saturating_sub(other.booking_requests),
            messages: self.messages.saturating_sub(other.messages),
            notifications: self.notifications.saturating_sub(other.notifications),
        }
    }
}

impl HistoryStore {
    /// How many items are unread.
    pub fn unread(&self) -> Result<usize, StoreError> {
        Ok(self.unread_by_kind()?.total())
    }

    /// How many items of each kind are unread.
    pub fn unread_by_kind(&self) -> Result<Unread, StoreError> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .at(&self.path)?;
        if let Some((_, n)) = self.unread.get().filter(|(at, _)| *at == version) {
            return Ok(n);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, count(*) FROM history WHERE read = 0 GROUP BY kind")
            .at(&self.path)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .at(&self.path)?;
        let mut n = Unread::default();
        for row in rows {
            let (kind, count) = row.at(&self.path)?;
            n.add(
                Kind::from_stored(&kind),
                usize::try_from(count).unwrap_or(0),
            );
        }
        self.unread.set(Some((version, n)));
        Ok(n)
    }

    /// After this connection's own write: the cache follows it (a write by
    /// another connection shows in `data_version`, and the count is redone).
    pub(crate) fn adjust_unread(&self, change: impl FnOnce(Unread) -> Unread) {
        if let Some((version, n)) = self.unread.get() {
            self.unread.set(Some((version, change(n))));
        }
    }
}

#[cfg(test)]
#[path = "unread_tests.rs"]
mod tests;
