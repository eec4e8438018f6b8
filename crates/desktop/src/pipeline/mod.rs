//! The one consumer of the link's lossless event stream: incoming events are
//! stored in the history first (a burst in one transaction), what is new goes
//! to the popup rules → notifier, then each event goes to the UI, and the
//! tray follows the state (with a countdown ticking only while reconnecting).

use std::time::{Duration, Instant};

use alora_link::{LinkEvent, LinkEvents};
use tokio::time::{sleep_until, Instant as TokioInstant};

use crate::app::state::Core;

mod attending;
mod consumer;
mod storing;

pub use crate::app::input::Input;
pub use consumer::Pipeline;

/// At most this many events are stored in one transaction. A batch is only
/// what has already arrived: nothing waits for more, so a lone event is
/// stored and popped up at once.
const BATCH: usize = 256;

/// In a flood, a transaction at most this often. A commit costs about
/// 60 µs however few events it holds (the WAL's frames, the cursor's row),
/// so a pipeline that keeps pace with a few events per batch pays that for
/// each few: the store's `ingest` example stores an event in 5.5 µs in
/// 32-event transactions, 4.1 in 128-event ones. Only an event that comes
/// within this time of the last batch waits, so a lone one is stored and
/// popped up at once, and a flood's events wait at most this long.
const COALESCE: Duration = Duration::from_millis(2);

/// Runs `pump` on a thread of its own, until the link ends its stream.
/// The link's tasks and the pump then work on two cores at once: as tasks of
/// one runtime, each event's wake-up ran the pump right after the link on
/// the same worker (tokio's LIFO slot), so a flood used about one core in
/// all while the other waited. The history's writes, the slowest step,
/// are synchronous anyway. Popups still go out on the core's runtime.
pub fn start(core: Core, input: Input) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    std::thread::Builder::new()
        .name("pipeline".into())
        .spawn(move || runtime.block_on(pump(core, input)))?;
    Ok(())
}

/// Runs until the link ends its stream. The pipeline's own state (`Pipeline`)
/// lives here, on this one task.
pub async fn pump(core: Core, input: Input) {
    let Input {
        link: mut events,
        mut simulated,
    } = input;
    let mut pipeline = Pipeline::new(core.clone());
    let mut last_batch: Option<Instant> = None;
    loop {
        let deadline = pipeline.next_wake();
        tokio::select! {
            event = events.recv() => match event {
                Some(first) => {
                    let mut batch = vec![first];
                    take_waiting(&mut events, &mut batch);
                    if batch.len() < BATCH && hold_for_more(last_batch) {
                        take_waiting(&mut events, &mut batch);
                    }
                    pipeline.on_link_events(batch);
                    last_batch = Some(Instant::now());
                }
                None => break,
            },
            Some(put) = simulated.recv() => {
                pipeline.on_link_events(vec![put.event]);
                let _ = put.done.send(());
            }
            () = wait(deadline) => pipeline.on_tick(),
            // A snooze, an answer, a setting: the timers are looked at again.
            () = core.attention_changed() => pipeline.on_tick(),
        }
    }
    tracing::debug!("the link's event stream ended");
}

/// Adds to `batch` what has already arrived, up to `BATCH`.
fn take_waiting(events: &mut LinkEvents, batch: &mut Vec<LinkEvent>) {
    while batch.len() < BATCH {
        match events.try_recv() {
            Ok(event) => batch.push(event),
            Err(_) => break,
        }
    }
}

/// Waits out the rest of `COALESCE` after the last batch; whether any was
/// left. It blocks this thread's own runtime, which only the pump uses, for
/// at most that: tokio's timers have a millisecond's grain and would round
/// it up.
fn hold_for_more(last_batch: Option<Instant>) -> bool {
    let left = last_batch.and_then(|at| (at + COALESCE).checked_duration_since(Instant::now()));
    if let Some(left) = left {
        std::thread::sleep(left);
    }
    left.is_some()
}

async fn wait(deadline: Option<Instant>) {
    match deadline {
        Some(at) => sleep_until(TokioInstant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_batch_close_behind_the_last_one_waits() {
        assert!(!hold_for_more(None), "the first batch waits for nothing");
        let long_ago = Instant::now().checked_sub(Duration::from_secs(3600));
        assert!(!hold_for_more(long_ago), "a lone event is not held");
        let t0 = Instant::now();
        let held = hold_for_more(Some(t0));
        // Held or not (if this thread was descheduled past the window
        // itself), the batch cannot go before the window has passed.
        assert!(t0.elapsed() >= COALESCE, "returned inside the window");
        if held {
            assert!(t0.elapsed() >= COALESCE, "held for the rest of the window");
        }
    }

    /// Each request used to get a popup of its own: a flood of 15 000 made
    /// as many `Notify` calls, until the notification server stopped
    /// answering and every later popup was lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_of_booking_requests_pops_up_a_few_and_every_one_still_waits() {
        use crate::models::{Target, View};
        use crate::notifications::bursts::REQUEST_BURST_LIMIT;
        let (core, seen) = crate::app::recording::core().await;
        for i in 0..12 {
            let request = serde_json::json!({"bookingId": format!("b{i}"), "status": "pending"});
            crate::app::recording::arrived(&core, "bookingUpdated", request).await;
        }
        let shown = || seen.popups.lock().unwrap().len();
        let t0 = Instant::now();
        while shown() < REQUEST_BURST_LIMIT && t0.elapsed() < Duration::from_secs(5) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(shown(), REQUEST_BURST_LIMIT);
        for i in 0..12 {
            let request = Target::new(View::Bookings, Some(format!("b{i}")));
            assert!(core.reminders().is_waiting(&request), "b{i} is re-alerted");
            assert!(core.is_waiting(&request), "b{i} waits for its answer");
        }
    }
}
