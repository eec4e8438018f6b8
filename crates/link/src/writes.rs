//! What the actor knows of the current connection's writes: which entries
//! went out without an ack and are not yet proven carried. Plain
//! bookkeeping; `proof.rs` says what settles them.

/// An entry written without an ack on the current connection, not yet
/// proven carried: where it stands among this connection's writes, and how
/// many server pings had been heard when its write completed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unproven {
    pub(crate) id: u64,
    pub(crate) write: u64,
    pub(crate) pings: u64,
}

/// What the actor knows of the current connection's writes.
#[derive(Debug, Default)]
pub(crate) struct Writes {
    /// Writes of outbox entries on this connection, numbered from 1.
    count: u64,
    /// The write number of the entry in flight (its ack is awaited).
    in_flight: Option<u64>,
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

    /// The entry taking the ack slot was written.
    pub(crate) fn awaiting_ack(&mut self) {
        self.count += 1;
        self.in_flight = Some(self.count);
    }

    /// Its ack came: the write number it had.
    pub(crate) fn acked(&mut self) -> Option<u64> {
        self.in_flight.take()
    }
}
