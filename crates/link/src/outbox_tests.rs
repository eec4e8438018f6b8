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
            failed: 1,
            storage_failed: false,
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
/// Shared, so that a test can look at it after handing it over.
#[derive(Default, Clone)]
struct Kept(std::sync::Arc<std::sync::Mutex<(Vec<OutboxEntry>, Vec<String>)>>);

impl Kept {
    fn entries(&self) -> Vec<OutboxEntry> {
        self.0.lock().unwrap().0.clone()
    }
}

impl OutboxStore for Kept {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        Ok(self.entries())
    }
    fn save(&mut self, e: &OutboxEntry) -> Result<(), LinkError> {
        let kept = &mut self.0.lock().unwrap().0;
        match kept.iter_mut().find(|x| x.id == e.id) {
            Some(x) => *x = e.clone(),
            None => kept.push(e.clone()),
        }
        Ok(())
    }
    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.0.lock().unwrap().0.retain(|x| x.id != id);
        Ok(())
    }
    fn load_joined(&mut self) -> Result<Vec<String>, LinkError> {
        Ok(self.0.lock().unwrap().1.clone())
    }
    fn save_joined(&mut self, id: &str) -> Result<(), LinkError> {
        self.0.lock().unwrap().1.push(id.to_owned());
        Ok(())
    }
}

fn kept_entry(id: u64, outgoing: Outgoing, status: EntryStatus) -> OutboxEntry {
    OutboxEntry {
        id,
        outgoing,
        status,
        attempts: 0,
        queued_at: Utc::now(),
        last_error: None,
    }
}

#[test]
fn reopening_resumes_in_flight_entries_and_ids() {
    let store = Kept::default();
    let mut first = OutboxEntry {
        id: 7,
        outgoing: msg("a"),
        status: EntryStatus::InFlight,
        attempts: 1,
        queued_at: Utc::now(),
        last_error: None,
    };
    store.clone().save(&first).unwrap();
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

#[test]
fn reopening_collapses_status_updates_a_crash_left_behind() {
    let store = Kept::default();
    let mut writer = store.clone();
    for e in [
        kept_entry(1, status(UserStatus::Busy), EntryStatus::Pending),
        kept_entry(2, msg("a"), EntryStatus::InFlight),
        kept_entry(3, status(UserStatus::Away), EntryStatus::Pending),
    ] {
        writer.save(&e).unwrap();
    }
    let o = Outbox::open(Box::new(store.clone())).unwrap();
    let ids: Vec<_> = o.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids, [2, 3], "the older status is gone, order kept");
    assert_eq!(o.entries()[1].outgoing, status(UserStatus::Away));
    let stored: Vec<_> = store.entries().iter().map(|e| e.id).collect();
    assert_eq!(stored, [2, 3], "and gone from the store too");
}

#[test]
fn reopening_keeps_client_ids_and_gives_one_to_a_message_without() {
    let store = Kept::default();
    let mut writer = store.clone();
    writer
        .save(&kept_entry(1, msg("a"), EntryStatus::InFlight))
        .unwrap();
    let mut bare = msg("b");
    if let Outgoing::SendMessage(m) = &mut bare {
        m.client_id.clear();
    }
    writer
        .save(&kept_entry(2, bare, EntryStatus::Pending))
        .unwrap();
    let o = Outbox::open(Box::new(store.clone())).unwrap();
    let ids = |entries: Vec<OutboxEntry>| -> Vec<String> {
        entries
            .into_iter()
            .filter_map(|e| match e.outgoing {
                Outgoing::SendMessage(m) => Some(m.client_id),
                _ => None,
            })
            .collect()
    };
    let given = ids(o.entries());
    assert_eq!(given[0], "c-a");
    assert!(!given[1].is_empty());
    assert_eq!(
        ids(store.entries()),
        given,
        "the new one is stored before use"
    );
    let again = Outbox::open(Box::new(store)).unwrap();
    assert_eq!(ids(again.entries()), given, "and kept on the next start");
}

#[test]
fn entries_past_the_age_limit_fail_and_a_retry_sends_them_again() {
    let store = Kept::default();
    let mut old = kept_entry(1, msg("old"), EntryStatus::Pending);
    old.queued_at = Utc::now() - chrono::Duration::days(MAX_QUEUE_AGE_DAYS + 1);
    store.clone().save(&old).unwrap();
    let mut o = Outbox::open(Box::new(store)).unwrap();
    assert_eq!(
        o.counts(),
        OutboxCounts {
            pending: 0,
            failed: 1,
            storage_failed: false,
        }
    );
    assert!(o.entries()[0]
        .last_error
        .as_deref()
        .unwrap()
        .contains("days"));
    o.retry(1).unwrap();
    assert_eq!(o.next_ready().map(|e| e.id), Some(1));
    let (fresh, _) = o.queue(msg("new")).unwrap();
    let later =
        Utc::now() + chrono::Duration::days(MAX_QUEUE_AGE_DAYS) + chrono::Duration::hours(1);
    let expired: Vec<_> = o.expire(later).unwrap().iter().map(|e| e.id).collect();
    assert_eq!(expired, [1, fresh.id]);
}

#[tokio::test]
async fn a_link_starts_with_what_its_store_kept() {
    let store = Kept::default();
    let mut writer = store.clone();
    writer
        .save(&kept_entry(4, msg("a"), EntryStatus::InFlight))
        .unwrap();
    writer.save_joined("c7").unwrap();
    let (link, mut events) = crate::Link::spawn_with_store(Box::new(store)).unwrap();
    assert_eq!(
        link.outbox_counts(),
        OutboxCounts {
            pending: 1,
            failed: 0,
            storage_failed: false,
        }
    );
    let first = events.recv().await;
    assert_eq!(
        first,
        Some(crate::LinkEvent::OutboxChanged(OutboxCounts {
            pending: 1,
            failed: 0,
            storage_failed: false,
        }))
    );
    assert_eq!(link.joined_conversations().await.unwrap(), ["c7"]);
    let listed = link.outbox().await.unwrap();
    assert_eq!((listed[0].id, listed[0].status), (4, EntryStatus::Pending));
    link.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_empty_store_starts_quietly_and_joins_are_stored() {
    let store = Kept::default();
    let (link, mut events) = crate::Link::spawn_with_store(Box::new(store.clone())).unwrap();
    assert_eq!(link.outbox_counts(), OutboxCounts::default());
    link.join_conversation("c1").await.unwrap();
    link.join_conversation("c1").await.unwrap();
    assert_eq!(store.0.lock().unwrap().1, ["c1"], "stored once");
    link.send(msg("a")).await.unwrap();
    assert_eq!(
        link.outbox_counts(),
        OutboxCounts {
            pending: 1,
            failed: 0,
            storage_failed: false,
        }
    );
    let first = events.recv().await;
    assert!(
        matches!(first, Some(crate::LinkEvent::OutboxChanged(c)) if c.pending == 1),
        "no event before the first change: {first:?}"
    );
    link.shutdown().await.unwrap();
}

/// Refuses every write while `failing` is set; keeps the rest.
#[derive(Default, Clone)]
struct Flaky(Kept, std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Flaky {
    fn fail(&self, on: bool) {
        self.1.store(on, std::sync::atomic::Ordering::SeqCst);
    }
    fn refuse(&self) -> Result<(), LinkError> {
        match self.1.load(std::sync::atomic::Ordering::SeqCst) {
            true => Err(LinkError::Storage("injected".into())),
            false => Ok(()),
        }
    }
}

impl OutboxStore for Flaky {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        self.0.load()
    }
    fn save(&mut self, e: &OutboxEntry) -> Result<(), LinkError> {
        self.refuse()?;
        self.0.save(e)
    }
    fn remove(&mut self, id: u64) -> Result<(), LinkError> {
        self.refuse()?;
        self.0.remove(id)
    }
}

#[test]
fn what_the_wire_did_is_kept_in_memory_when_the_store_refuses_and_the_disk_catches_up() {
    let store = Flaky::default();
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let (a, _) = o.queue(msg("a")).unwrap();
    let (b, _) = o.queue(msg("b")).unwrap();
    store.fail(true);
    o.mark_in_flight(a.id).unwrap();
    assert_eq!(
        o.in_flight().map(|e| e.id),
        Some(a.id),
        "in flight all the same"
    );
    assert_eq!(o.next_ready(), None, "so no second ack is drawn");
    assert!(o.counts().storage_failed);
    o.forget(a.id);
    assert_eq!(o.entries().len(), 1, "acknowledged: gone from memory");
    assert_eq!(store.0.entries().len(), 2, "but still on disk");
    assert!(o.counts().storage_failed, "sticky while the disk is behind");
    store.fail(false);
    o.mark_in_flight(b.id).unwrap();
    assert!(!o.counts().storage_failed, "caught up with the next write");
    let on_disk: Vec<_> = store.0.entries().iter().map(|e| (e.id, e.status)).collect();
    assert_eq!(on_disk, [(b.id, EntryStatus::InFlight)]);
}

#[test]
fn a_user_change_the_store_refuses_is_not_made() {
    let store = Flaky::default();
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let (a, _) = o.queue(msg("a")).unwrap();
    store.fail(true);
    assert_eq!(o.discard(a.id).unwrap_err().code(), "storage");
    assert_eq!(o.entries().len(), 1);
    assert!(!o.counts().storage_failed, "refused, not behind");
}

#[test]
fn an_entry_on_its_way_cannot_be_discarded() {
    let mut o = outbox();
    let (a, _) = o.queue(msg("a")).unwrap();
    let (b, _) = o
        .queue(Outgoing::BookingUpdate(BookingUpdate {
            booking_id: "b".into(),
            status: "confirmed".into(),
        }))
        .unwrap();
    o.mark_in_flight(a.id).unwrap();
    assert_eq!(o.discard(a.id).unwrap_err().code(), "entry_sending");
    assert_eq!(
        o.in_flight().map(|e| e.id),
        Some(a.id),
        "its ack slot stays taken"
    );
    assert_eq!(o.discard(99).unwrap_err().code(), "unknown_entry");
    o.discard(b.id).unwrap();
    o.attempt_failed(a.id, "no ack", 1).unwrap();
    o.discard(a.id).unwrap();
    assert!(o.is_empty());
}

/// The fuzz target `outbox`'s first crash (fuzz/seeds/outbox/reopen-in-flight):
/// after a crash the entry on its way went back to pending in memory only,
/// while the outbox said its disk copy was up to date.
#[test]
fn reopening_stores_what_it_sends_again() {
    let store = Kept::default();
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let (a, _) = o.queue(msg("a")).unwrap();
    let (b, _) = o
        .queue(Outgoing::BookingUpdate(BookingUpdate {
            booking_id: "b".into(),
            status: "confirmed".into(),
        }))
        .unwrap();
    o.mark_written(b.id).unwrap();
    o.mark_in_flight(a.id).unwrap();
    drop(o);
    let o = Outbox::open(Box::new(store.clone())).unwrap();
    let statuses: Vec<_> = o.entries().iter().map(|e| e.status).collect();
    assert_eq!(statuses, [EntryStatus::Pending, EntryStatus::Pending]);
    assert!(!o.counts().storage_failed);
    assert_eq!(
        store.entries(),
        o.entries(),
        "the disk says what memory says"
    );
}

#[test]
fn reopening_with_a_store_that_refuses_says_the_disk_is_behind_until_it_catches_up() {
    let store = Flaky::default();
    let mut writer = store.clone();
    writer
        .save(&kept_entry(1, msg("a"), EntryStatus::InFlight))
        .unwrap();
    store.fail(true);
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    assert_eq!(
        o.entries()[0].status,
        EntryStatus::Pending,
        "sent again all the same"
    );
    assert!(o.counts().storage_failed);
    store.fail(false);
    o.queue(msg("b")).unwrap();
    let (next, _) = o.queue(msg("c")).unwrap();
    o.mark_in_flight(1).unwrap();
    assert!(!o.counts().storage_failed, "caught up with a later write");
    assert_eq!(store.0.entries(), o.entries());
    assert_eq!(next.id, 3);
}

/// Takes every save and refuses every remove.
#[derive(Default, Clone)]
struct NoRemove(Kept);

impl OutboxStore for NoRemove {
    fn load(&mut self) -> Result<Vec<OutboxEntry>, LinkError> {
        self.0.load()
    }
    fn save(&mut self, e: &OutboxEntry) -> Result<(), LinkError> {
        self.0.save(e)
    }
    fn remove(&mut self, _: u64) -> Result<(), LinkError> {
        Err(LinkError::Storage("injected".into()))
    }
}

#[test]
fn a_status_update_whose_collapse_the_store_refuses_is_queued_next_to_the_old_one() {
    let store = NoRemove::default();
    let mut o = Outbox::open(Box::new(store.clone())).unwrap();
    let (old, _) = o.queue(status(UserStatus::Busy)).unwrap();
    let (new, replaced) = o.queue(status(UserStatus::Away)).unwrap();
    assert!(replaced.is_empty(), "the old one could not be removed");
    let ids: Vec<_> = o.entries().iter().map(|e| e.id).collect();
    assert_eq!(ids, [old.id, new.id], "both go, the latest last");
    assert_eq!(store.0.entries(), o.entries(), "as on disk");
    assert!(!o.counts().storage_failed);
}
