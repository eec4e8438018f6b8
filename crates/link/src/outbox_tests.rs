//! Unit tests of the outbox's order, collapse and failure rules.

use super::*;
use crate::outgoing::{BookingUpdate, SendMessage, StatusUpdate, UserStatus};

fn outbox() -> Outbox {
    Outbox::open(Box::new(MemoryStore)).unwrap()
}

fn msg(text: &str) -> Outgoing {
    Outgoing::SendMessage(SendMessage {
        client_id: format!("c-{text}"),
        conversation_id: "c1".into(),
        content: text.into(),
    })
}

fn status(s: UserStatus) -> Outgoing {
    Outgoing::UpdateStatus(StatusUpdate { status: s })
}

#[test]
fn keeps_order_and_one_in_flight() {
    let mut o = outbox();
    let (a, _) = o.queue(msg("a")).unwrap();
    let (b, _) = o.queue(msg("b")).unwrap();
    assert_eq!(o.next_ready().map(|e| e.id), Some(a.id));
    o.mark_in_flight(a.id).unwrap();
    assert_eq!(
        o.next_ready(),
        None,
        "nothing else goes while an ack is awaited"
    );
    o.remove(a.id).unwrap();
    assert_eq!(o.next_ready().map(|e| e.id), Some(b.id));
}

#[test]
fn status_updates_collapse_to_the_latest() {
    let mut o = outbox();
    o.queue(status(UserStatus::Busy)).unwrap();
    o.queue(Outgoing::BookingUpdate(BookingUpdate {
        booking_id: "b".into(),
        status: "confirmed".into(),
    }))
    .unwrap();
    let (latest, replaced) = o.queue(status(UserStatus::Away)).unwrap();
    assert_eq!(replaced.len(), 1);
    let kinds: Vec<_> = o
        .entries()
        .iter()
        .map(|e| e.outgoing.event_name())
        .collect();
    assert_eq!(kinds, ["bookingUpdate", "updateStatus"]);
    assert_eq!(o.entries()[1].id, latest.id);
}

#[test]
fn unacknowledged_attempts_fail_after_the_limit_and_can_be_retried() {
    let mut o = outbox();
    let (a, _) = o.queue(msg("a")).unwrap();
    for n in 1..=3 {
        o.mark_in_flight(a.id).unwrap();
        let e = o.attempt_failed(a.id, "no ack", 3).unwrap();
        let want = if n < 3 {
            EntryStatus::Pending
        } else {
            EntryStatus::Failed
        };
        assert_eq!(e.status, want, "after attempt {n}");
    }
    assert_eq!(
        o.counts(),
        OutboxCounts {
            pending: 0,
            failed: 1
        }
    );
    assert_eq!(o.next_ready(), None, "failed entries are skipped");
    o.retry(a.id).unwrap();
    assert_eq!(o.next_ready().map(|e| (e.id, e.attempts)), Some((a.id, 0)));
    assert!(o.retry(a.id).is_err(), "only failed entries are retried");
}

#[test]
fn in_flight_goes_back_to_pending_with_the_same_client_id() {
    let mut o = outbox();
    let (a, _) = o.queue(msg("a")).unwrap();
    o.mark_in_flight(a.id).unwrap();
    o.requeue_in_flight().unwrap();
    let e = o.next_ready().unwrap();
    assert_eq!((e.id, e.status), (a.id, EntryStatus::Pending));
    assert_eq!(e.outgoing, msg("a"));
}

/// A store that remembers, to check what `open` does with what it kept.
#[derive(Default)]
struct Kept(Vec<OutboxEntry>);

impl OutboxStore for Kept {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(self.0.clone())
    }
    fn save(&mut self, e: &OutboxEntry) -> Result<(), LinkError> {
        match self.0.iter_mut().find(|x| x.id == e.id) {
            Some(x) => *x = e.clone(),
            None => self.0.push(e.clone()),
        }
        Ok(())
    }
    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.0.retain(|x| x.id != id);
        Ok(())
    }
}

#[test]
fn reopening_resumes_in_flight_entries_and_ids() {
    let mut store = Kept::default();
    let mut first = OutboxEntry {
        id: 7,
        outgoing: msg("a"),
        status: EntryStatus::InFlight,
        attempts: 1,
        queued_at: Utc::now(),
        last_error: None,
    };
    store.save(&first).unwrap();
    let mut o = Outbox::open(Box::new(store)).unwrap();
    first.status = EntryStatus::Pending;
    assert_eq!(o.entries(), vec![first]);
    let (next, _) = o.queue(msg("b")).unwrap();
    assert_eq!(next.id, 8);
}

struct Full;

impl OutboxStore for Full {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(Vec::new())
    }
    fn save(&mut self, _: &OutboxEntry) -> Result<(), LinkError> {
        Err(LinkError::Storage("disk full".into()))
    }
    fn remove(&mut self, _: u64) -> Result<(), LinkError> {
        Ok(())
    }
}

#[test]
fn a_store_that_cannot_write_refuses_the_entry_instead_of_losing_it_silently() {
    let mut o = Outbox::open(Box::new(Full)).unwrap();
    assert_eq!(o.queue(msg("a")).unwrap_err().code(), "storage");
    assert!(o.entries().is_empty());
}
