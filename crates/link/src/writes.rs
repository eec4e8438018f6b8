//! What the actor knows of the current connection's writes: which entries
//! await their acknowledgement and until when, and which went out without
//! one and are not yet proven carried. Plain bookkeeping; `proof.rs` says
//! what settles the unproven ones, `acks.rs` what an ack or a timeout does.

use tokio::time::Instant;

/// An entry written without an ack on the current connection, not yet
/// proven carried: where it stands among this connection's writes, and how
/// many server pings had been heard when its write completed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unproven {
    pub(crate) id: u64,
    pub(crate) write: u64,
    pub(crate) pings: u64,
}

/// An entry written with an ack on the current connection, the ack due.
#[derive(Debug, Clone, Copy)]
struct Awaited {
    id: u64,
    write: u64,
    deadline: Instant,
}

/// What the actor knows of the current connection's writes.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    /// Writes of outbox entries on this connection, numbered from 1.
    count: u64,
    /// In write order, so the first has the earliest deadline (one timeout
    /// for all); a window's worth at most, so a scan is cheap.
    awaited: Vec<Awaited>,
    pub(crate) unproven: Vec<Unproven>,
}

impl Writes {
    /// An entry without an ack was written, `pings` heard by then.
    pub(crate) fn unacked(&mut self, id: u64, pings: u64) {
        self.count += 1;
        self.unproven.push(Unproven {
            id,
            write: self.count,
            pings,
        });
    }

    /// An entry taking an ack slot was written; its ack is due by `deadline`.
    pub(crate) fn awaiting_ack(&mut self, id: u64, deadline: Instant) {
        self.count += 1;
        self.awaited.push(Awaited {
            id,
            write: self.count,
            deadline,
        });
    }

    /// Its ack came: the write number it had on this connection, if it was
    /// written on this connection.
    pub(crate) fn acked(&mut self, id: u64) -> Option<u64> {
        let at = self.awaited.iter().position(|a| a.id == id)?;
        Some(self.awaited.remove(at).write)
    }

    /// When the first ack still awaited is due.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.awaited.iter().map(|a| a.deadline).min()
    }

    /// The entries whose ack is overdue at `now`, in write order.
    pub(crate) fn overdue(&self, now: Instant) -> Vec<u64> {
        self.awaited
            .iter()
            .filter(|a| a.deadline <= now)
            .map(|a| a.id)
            .collect()
    }
}
