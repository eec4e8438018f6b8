//! Unit tests of the outbox's window: slots, order, one store write per
//! window, and a full window sent back to pending.

use std::sync::{Arc, Mutex, PoisonError};

use super::super::{EntryStatus, Outbox, OutboxStore};
use crate::error::LinkError;
use crate::outbox::OutboxEntry;
use crate::outgoing::{BookingUpdate, Outgoing, SendMessage};

fn msg(n: usize) -> Outgoing {
    Outgoing::SendMessage(SendMessage {
        client_id: format!("c-{n}"),
        conversation_id: "c1".into(),
        content: format!("m{n}"),
    })
}

fn booking(n: usize) -> Outgoing {
    Outgoing::BookingUpdate(BookingUpdate {
        booking_id: format!("b{n}"),
        status: "confirmed".into(),
    })
}

/// What the store was asked: single saves, `save_all` calls (with their
/// sizes), and whether it refuses.
#[derive(Default)]
struct Calls {
    saves: usize,
    batches: Vec<usize>,
    refuse: bool,
    disk: Vec<OutboxEntry>,
}

#[derive(Default, Clone)]
struct Counting(Arc<Mutex<Calls>>);

impl Counting {
    fn calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn put(disk: &mut Vec<OutboxEntry>, e: &OutboxEntry) {
    match disk.iter_mut().find(|d| d.id == e.id) {
        Some(d) => *d = e.clone(),
        None => disk.push(e.clone()),
    }
}

impl OutboxStore for Counting {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(self.calls().disk.clone())
    }
    fn save(&mut self, e: &OutboxEntry) -> Result<(), LinkError> {
        let mut c = self.calls();
        if c.refuse {
            return Err(LinkError::Storage("injected".into()));
        }
        c.saves += 1;
        put(&mut c.disk, e);
        Ok(())
    }
    fn save_all(&mut self, entries: &[OutboxEntry]) -> Result<(), LinkError> {
        let mut c = self.calls();
        if c.refuse {
            return Err(LinkError::Storage("injected".into()));
        }
        c.batches.push(entries.len());
        for e in entries {
            put(&mut c.disk, e);
        }
        Ok(())
    }
    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        let mut c = self.calls();
        if c.refuse {
            return Err(LinkError::Storage("injected".into()));
        }
        c.disk.retain(|e| e.id != id);
        Ok(())
    }
}

fn queued(store: &Counting, n: usize, kind: fn(usize) -> Outgoing) -> (Outbox, Vec<u64>) {
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let ids = (0..n).map(|i| o.queue(kind(i)).unwrap().0.id).collect();
    (o, ids)
}

#[test]
fn a_window_takes_its_slots_in_queue_order_and_stops_at_the_first_without_one() {
    let store = Counting::default();
    let (mut o, ids) = queued(&store, 10, msg);
    assert_eq!(o.next_window(4), ids[..4]);
    o.mark_sent(&ids[..4]);
    assert_eq!(o.in_flight_count(), 4);
    assert!(o.next_window(4).is_empty(), "the window is full");
    o.forget(ids[2]);
    assert_eq!(o.next_window(4), [ids[4]], "an ack frees one slot");
    assert_eq!(o.in_flight().map(|e| e.id), Some(ids[0]), "the oldest");
    assert_eq!(o.next_window(0), Vec::<u64>::new(), "0 is a window of 1");
}

#[test]
fn events_without_an_ack_go_in_their_place_and_never_overtake() {
    let store = Counting::default();
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let a = o.queue(msg(0)).unwrap().0.id;
    let b = o.queue(booking(1)).unwrap().0.id;
    let c = o.queue(msg(2)).unwrap().0.id;
    let d = o.queue(booking(3)).unwrap().0.id;
    assert_eq!(o.next_window(1), [a, b], "c has no slot, so d waits too");
    let sent = o.mark_sent(&[a, b]);
    let statuses: Vec<_> = sent.iter().map(|e| (e.id, e.status, e.attempts)).collect();
    assert_eq!(
        statuses,
        [(a, EntryStatus::InFlight, 1), (b, EntryStatus::Written, 1)]
    );
    assert_eq!(o.next_window(2), [c, d]);
}

#[test]
fn a_window_is_stored_in_one_write_and_goes_back_to_pending_in_one() {
    let store = Counting::default();
    let (mut o, ids) = queued(&store, 100, msg);
    let saves = store.calls().saves;
    let window = o.next_window(64);
    assert_eq!(window, ids[..64]);
    o.mark_sent(&window);
    assert_eq!(store.calls().batches, [64]);
    assert_eq!(store.calls().saves, saves, "no entry stored alone");
    o.requeue_in_flight().unwrap();
    assert_eq!(store.calls().batches, [64, 64]);
    let entries = o.entries();
    assert!(entries.iter().all(|e| e.status == EntryStatus::Pending));
    let order: Vec<_> = entries.iter().map(|e| e.id).collect();
    assert_eq!(order, ids, "queue order kept");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.outgoing, msg(i), "the same clientId goes again");
    }
    assert_eq!(
        store.calls().disk,
        entries,
        "the disk says what memory says"
    );
    assert_eq!(o.next_window(64), ids[..64], "the same window again");
}

#[test]
fn a_refused_window_is_on_its_way_in_memory_and_the_disk_catches_up() {
    let store = Counting::default();
    let (mut o, ids) = queued(&store, 8, msg);
    store.calls().refuse = true;
    o.mark_sent(&ids[..4]);
    assert_eq!(o.in_flight_count(), 4, "in flight all the same");
    assert!(o.next_window(4).is_empty(), "so it is not sent twice");
    assert!(o.counts().storage_failed);
    store.calls().refuse = false;
    o.forget(ids[0]);
    assert!(!o.counts().storage_failed, "caught up with the next write");
    assert_eq!(store.calls().disk, o.entries());
}

#[test]
fn an_ack_for_an_entry_already_sent_back_to_pending_settles_it_once() {
    let store = Counting::default();
    let (mut o, ids) = queued(&store, 3, msg);
    o.mark_sent(&ids);
    o.requeue_in_flight().unwrap();
    // The replaced client's ack for the second one arrives now.
    o.forget(ids[1]);
    assert_eq!(o.next_window(64), [ids[0], ids[2]], "not sent again");
    assert_eq!(store.calls().disk, o.entries());
}

#[test]
fn reopening_after_a_crash_with_a_full_window_sends_it_all_again() {
    let store = Counting::default();
    let (mut o, ids) = queued(&store, 70, msg);
    o.mark_sent(&o.next_window(64));
    drop(o);
    let o = Outbox::open(Box::new(store.clone())).unwrap();
    assert_eq!(o.in_flight_count(), 0);
    assert_eq!(o.next_window(64), ids[..64]);
    assert_eq!(store.calls().disk, o.entries());
}
