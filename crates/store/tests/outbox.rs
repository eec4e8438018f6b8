//! The property test of the durable outbox through the link's own `Outbox`
//! on a real SQLite file: any interleaving of queue, send, write and proof
//! (of events without an ack), a window of acks in flight, ack, failure,
//! reject, retry, disconnect,
//! restart and a crash in the middle of a status update's collapse keeps the order, the collapse rule, the clientIds and
//! the disk in step with a plain model. (`outbox_files.rs` has the rest.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::path::Path;

use alora_link::{BookingUpdate, EntryStatus, OutboxStore, Outgoing, UserStatus};
use alora_store::Database;
use proptest::prelude::*;

mod common;
use common::{msg, open, status};

/// A temporary folder; on tmpfs when there is one, since the property test
/// is about logic and fsyncs to a real disk would only make it slow.
fn fast_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::tempdir_in(shm) {
            return d;
        }
    }
    tempfile::tempdir().unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    QueueMessage,
    QueueStatus(UserStatus),
    QueueBooking,
    /// A window of up to `WINDOW` acknowledgements in flight goes out.
    Send,
    /// The next entry, if it is one without an ack, written unproven.
    Write,
    /// The oldest written entry proven carried.
    Prove,
    Ack,
    AttemptFailed,
    Reject,
    Retry,
    Disconnect,
    Restart,
    /// The new status is stored, then the process dies before the one it
    /// replaces is removed; then a restart.
    CrashMidStatus(UserStatus),
}

fn op() -> impl Strategy<Value = Op> {
    let status = || {
        prop_oneof![
            Just(UserStatus::Available),
            Just(UserStatus::Busy),
            Just(UserStatus::Away),
        ]
    };
    prop_oneof![
        4 => Just(Op::QueueMessage),
        2 => status().prop_map(Op::QueueStatus),
        1 => Just(Op::QueueBooking),
        4 => Just(Op::Send),
        2 => Just(Op::Write),
        2 => Just(Op::Prove),
        3 => Just(Op::Ack),
        2 => Just(Op::AttemptFailed),
        1 => Just(Op::Reject),
        1 => Just(Op::Retry),
        2 => Just(Op::Disconnect),
        2 => Just(Op::Restart),
        1 => status().prop_map(Op::CrashMidStatus),
    ]
}

/// The rules, written out plainly: (id, outgoing, status, attempts).
type Model = Vec<(u64, Outgoing, EntryStatus, u32)>;
const MAX_ATTEMPTS: u32 = 3;
/// The acknowledgements in flight at once.
const WINDOW: usize = 4;

/// What a start makes of what was stored: in flight goes back to pending,
/// and pending status updates collapse to the latest.
fn restarted(model: &mut Model) {
    for e in model.iter_mut() {
        if matches!(e.2, EntryStatus::InFlight | EntryStatus::Written) {
            e.2 = EntryStatus::Pending;
        }
    }
    let is_status = |e: &(u64, Outgoing, EntryStatus, u32)| {
        e.2 == EntryStatus::Pending && e.1.event_name() == "updateStatus"
    };
    if let Some(latest) = model.iter().rev().find(|e| is_status(e)).map(|e| e.0) {
        model.retain(|e| !is_status(e) || e.0 == latest);
    }
}

/// `client-<n>` → n, the message's place in the queue.
fn queue_number(outgoing: &Outgoing) -> Option<(String, usize)> {
    match outgoing {
        Outgoing::SendMessage(m) => {
            let n = m.client_id.strip_prefix("client-")?.parse().ok()?;
            Some((m.conversation_id.clone(), n))
        }
        _ => None,
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = fast_tempdir();
    let (store, _) = Database::open(dir.path()).unwrap();
    let mut o = open(&store);
    let mut model: Model = Vec::new();
    let mut next_id = 1u64;
    let mut queued = 0usize;
    let mut acked_messages: HashSet<String> = HashSet::new();
    // Per conversation, the queue number of the last message acknowledged
    // that never failed: those reach the server in the order queued.
    let mut last_acked: HashMap<String, usize> = HashMap::new();
    let mut ever_failed: HashSet<u64> = HashSet::new();
    let mut check_disk = store.outbox().unwrap();

    for op in ops {
        let in_flight = model.iter().position(|e| e.2 == EntryStatus::InFlight);
        match op {
            Op::QueueMessage | Op::QueueStatus(_) | Op::QueueBooking => {
                queued += 1;
                let outgoing = match op {
                    Op::QueueMessage => msg(queued),
                    Op::QueueStatus(s) => status(*s),
                    _ => Outgoing::BookingUpdate(BookingUpdate {
                        booking_id: format!("b{queued}"),
                        status: "confirmed".into(),
                    }),
                };
                let (entry, _) = o.queue(outgoing.clone()).unwrap();
                let id = next_id;
                prop_assert_eq!(entry.id, id);
                next_id = id + 1;
                if matches!(op, Op::QueueStatus(_)) {
                    model.retain(|e| {
                        !(e.2 == EntryStatus::Pending && e.1.event_name() == "updateStatus")
                    });
                }
                model.push((id, outgoing, EntryStatus::Pending, 0));
                if matches!(op, Op::QueueStatus(_)) {
                    let pending_status: Vec<_> = o
                        .entries()
                        .into_iter()
                        .filter(|e| {
                            e.status == EntryStatus::Pending
                                && e.outgoing.event_name() == "updateStatus"
                        })
                        .map(|e| e.id)
                        .collect();
                    prop_assert_eq!(pending_status, vec![id], "collapsed to the latest");
                }
            }
            Op::Send => {
                // A window: the pending entries in queue order, each one
                // with an ack taking one of the slots left, up to the first
                // that finds none.
                let flying = model
                    .iter()
                    .filter(|e| e.2 == EntryStatus::InFlight)
                    .count();
                let mut slots = WINDOW.saturating_sub(flying);
                for e in model.iter_mut().filter(|e| e.2 == EntryStatus::Pending) {
                    let acked = e.1.wants_ack();
                    if acked && slots == 0 {
                        break;
                    }
                    slots -= usize::from(acked);
                    e.2 = if acked {
                        EntryStatus::InFlight
                    } else {
                        EntryStatus::Written
                    };
                    e.3 += 1;
                }
                let ids = o.next_window(WINDOW);
                o.mark_sent(&ids);
            }
            Op::Write => {
                let next = o.next_ready().map(|e| (e.id, e.outgoing.wants_ack()));
                if let Some((id, false)) = next {
                    let i = model.iter().position(|e| e.0 == id).unwrap();
                    prop_assert_eq!(
                        model.iter().position(|e| e.2 == EntryStatus::Pending),
                        Some(i)
                    );
                    model[i].2 = EntryStatus::Written;
                    model[i].3 += 1;
                    o.mark_written(id).unwrap();
                }
            }
            Op::Prove => {
                if let Some(i) = model.iter().position(|e| e.2 == EntryStatus::Written) {
                    let (id, ..) = model.remove(i);
                    o.forget(id);
                }
            }
            Op::Ack => {
                if let Some(i) = in_flight {
                    let (id, outgoing, ..) = model.remove(i);
                    if let Some((conversation, n)) = queue_number(&outgoing) {
                        if !ever_failed.contains(&id) {
                            let last = last_acked.insert(conversation, n);
                            prop_assert!(last < Some(n), "acked out of order: {n} after {last:?}");
                        }
                    }
                    if let Outgoing::SendMessage(m) = outgoing {
                        acked_messages.insert(m.client_id);
                    }
                    o.remove(id).unwrap();
                }
            }
            Op::AttemptFailed | Op::Reject | Op::Disconnect => {
                if let Some(i) = in_flight {
                    let id = model[i].0;
                    model[i].2 = match op {
                        Op::Reject => EntryStatus::Failed,
                        Op::AttemptFailed if model[i].3 >= MAX_ATTEMPTS => EntryStatus::Failed,
                        _ => EntryStatus::Pending,
                    };
                    if model[i].2 == EntryStatus::Failed {
                        ever_failed.insert(id);
                    }
                    match op {
                        Op::Reject => drop(o.reject(id, "refused").unwrap()),
                        Op::AttemptFailed => {
                            drop(o.attempt_failed(id, "no ack", MAX_ATTEMPTS).unwrap())
                        }
                        _ => {}
                    }
                }
                if matches!(op, Op::Disconnect | Op::AttemptFailed) {
                    // What was written unproven goes again with the link
                    // (which the actor drops when an ack is overdue).
                    for e in model.iter_mut() {
                        if matches!(e.2, EntryStatus::InFlight | EntryStatus::Written) {
                            e.2 = EntryStatus::Pending;
                        }
                    }
                    o.requeue_in_flight().unwrap();
                }
            }
            Op::Retry => {
                if let Some(i) = model.iter().position(|e| e.2 == EntryStatus::Failed) {
                    model[i].2 = EntryStatus::Pending;
                    model[i].3 = 0;
                    o.retry(model[i].0).unwrap();
                }
            }
            Op::Restart | Op::CrashMidStatus(_) => {
                drop(o);
                if let Op::CrashMidStatus(s) = op {
                    queued += 1;
                    let entry = alora_link::OutboxEntry {
                        id: next_id,
                        outgoing: status(*s),
                        status: EntryStatus::Pending,
                        attempts: 0,
                        queued_at: chrono::Utc::now(),
                        last_error: None,
                    };
                    check_disk.save(&entry).unwrap();
                    model.push((next_id, entry.outgoing, EntryStatus::Pending, 0));
                }
                o = open(&store);
                restarted(&mut model);
                // A fresh process counts on from the highest id it finds.
                next_id = model.iter().map(|e| e.0 + 1).max().unwrap_or(1);
            }
        }

        let entries = o.entries();
        let seen: Model = entries
            .iter()
            .map(|e| (e.id, e.outgoing.clone(), e.status, e.attempts))
            .collect();
        prop_assert_eq!(&seen, &model, "after {:?}", op);
        prop_assert!(entries.windows(2).all(|w| w[0].id < w[1].id), "queue order");
        for e in &entries {
            if let Outgoing::SendMessage(m) = &e.outgoing {
                prop_assert!(!acked_messages.contains(&m.client_id), "acked came back");
            }
        }
        // What the link was told is stored is on disk, exactly (up to the
        // in-flight mark, which every load turns back into pending).
        let settle = |mut v: Vec<alora_link::OutboxEntry>| {
            for e in &mut v {
                if e.status == EntryStatus::InFlight {
                    e.status = EntryStatus::Pending;
                }
            }
            v
        };
        let (disk, memory) = (settle(check_disk.load().unwrap()), settle(entries));
        prop_assert_eq!(disk.len(), memory.len());
        // A load also turns a written entry back into pending without
        // writing it: the disk may still say written for a pending one.
        let disk: Vec<_> = disk
            .into_iter()
            .zip(&memory)
            .map(|(mut d, m)| {
                if d.status == EntryStatus::Written && m.status == EntryStatus::Pending {
                    d.status = EntryStatus::Pending;
                }
                d
            })
            .collect();
        prop_assert_eq!(disk, memory);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn any_interleaving_keeps_order_collapse_and_acks(ops in prop::collection::vec(op(), 1..60)) {
        run(&ops)?;
    }
}
