//! Measures the store on a real file (not a test: it prints, it does not
//! assert): the outbox's write cost per message with `synchronous=FULL`,
//! the history's size per 10 000 events, and list/search latency at
//! 20 000 rows.
//!
//! `cargo run --release -p alora-store --example measure [-- <folder>]`
//! (default: a temporary folder under $TMPDIR, i.e. usually a real disk).
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use alora_link::{Outbox, Outgoing, SendMessage};
use alora_store::{Database, HistoryItem, HistoryQuery, HistoryStore, Retention, Target, View};

type Res<T> = Result<T, Box<dyn Error>>;

/// A small deterministic generator, so that runs compare.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const NAMES: &[&str] = &[
    "Maya Okafor",
    "Jonas Lindqvist",
    "Priya Raman",
    "Tomás García",
    "Ana Sousa",
    "Lee Min-jun",
];
const ROOMS: &[&str] = &[
    "the Garden Room",
    "Studio B",
    "the Loft",
    "Meeting Room 3",
    "the Boathouse",
];
const PHRASES: &[&str] = &[
    "Could we move it to the afternoon?",
    "Thanks, see you on Thursday.",
    "The invoice is attached; payment is due in 14 days.",
    "Is parking available near the entrance?",
    "We will be twelve people, with two wheelchair users.",
    "Please confirm the catering order by Friday noon.",
];

fn realistic(rng: &mut Rng, n: usize) -> HistoryItem {
    let who = rng.pick(NAMES);
    let room = rng.pick(ROOMS);
    let (event, id, title, body, view) = match rng.next() % 4 {
        0 => (
            "newMessage",
            format!("message:m{n}"),
            format!("Message from {who}"),
            format!("{} {}", rng.pick(PHRASES), rng.pick(PHRASES)),
            View::Messages,
        ),
        1 => (
            "bookingUpdated",
            format!("booking:b{n}:confirmed"),
            "Booking confirmed".to_owned(),
            format!(
                "{who} confirmed {room} for {} May, 10:00–12:00.",
                1 + n % 28
            ),
            View::Bookings,
        ),
        _ => (
            "newNotification",
            format!("notification:{n}"),
            format!("New booking request for {room}"),
            format!(
                "{who} asked for {room} on {} June. {}",
                1 + n % 30,
                rng.pick(PHRASES)
            ),
            View::Notifications,
        ),
    };
    HistoryItem {
        id,
        event: event.to_owned(),
        title,
        body,
        created_at: format!(
            "2026-05-{:02}T{:02}:{:02}:00.000Z",
            1 + n % 28,
            n % 24,
            n % 60
        ),
        read: !rng.next().is_multiple_of(3),
        link: None,
        target: Target::new(view, Some(format!("x{}", n % 500))),
        kind: Default::default(),
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let n = samples.len();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(n).unwrap_or(1);
    format!(
        "mean {:.0} µs, p50 {:.0} µs, p99 {:.0} µs",
        micros(mean),
        micros(samples[n / 2]),
        micros(samples[(n * 99) / 100])
    )
}

fn file_size(path: &Path) -> Res<u64> {
    Ok(std::fs::metadata(path)?.len())
}

fn compact(path: &Path) -> Res<u64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM")?;
    file_size(path)
}

fn outbox_cost(dir: &Path) -> Res<()> {
    let (store, _) = Database::open(dir)?;
    let mut o = Outbox::open(Box::new(store.outbox()?))?;
    let (mut queue, mut flight, mut ack) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..1000 {
        let m = Outgoing::SendMessage(SendMessage {
            client_id: format!("client-{n:06}"),
            conversation_id: format!("conv-{}", n % 7),
            content: format!("Reply {n}: {}", PHRASES[n % PHRASES.len()]),
        });
        let t = Instant::now();
        o.queue(m)?;
        queue.push(t.elapsed());
    }
    while let Some(id) = o.next_ready().map(|e| e.id) {
        let t = Instant::now();
        o.mark_in_flight(id)?;
        flight.push(t.elapsed());
        let t = Instant::now();
        o.remove(id)?;
        ack.push(t.elapsed());
    }
    println!(
        "outbox (synchronous=FULL, WAL), 1 000 sendMessage entries in {}:",
        dir.display()
    );
    println!("  queue (stored before return): {}", summary(queue));
    println!("  mark in flight:               {}", summary(flight));
    println!("  remove on ack:                {}", summary(ack));
    Ok(())
}

fn history_size(dir: &Path) -> Res<()> {
    let (store, _) = Database::open(dir)?;
    let mut h = store.history()?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let items: Vec<_> = (0..10_000).map(|n| realistic(&mut rng, n)).collect();
    let text: usize = items.iter().map(|i| i.title.len() + i.body.len()).sum();
    let t = Instant::now();
    h.add_many(&items)?;
    let batch = t.elapsed();
    drop(h);
    let empty = {
        let d = tempfile::tempdir()?;
        let (s, _) = Database::open(d.path())?;
        compact(s.path())?
    };
    let size = compact(store.path())?;
    println!(
        "history, 10 000 realistic events ({} bytes of title+body, {:.0} per event):",
        text,
        text as f64 / 1e4
    );
    println!(
        "  add_many (one transaction): {:.1} ms total, {:.1} µs per event",
        batch.as_secs_f64() * 1e3,
        micros(batch) / 1e4
    );
    println!(
        "  file after VACUUM: {} bytes ({:.2} MiB, {:.0} bytes per event); empty schema {} bytes",
        size,
        size as f64 / 1048576.0,
        (size - empty) as f64 / 1e4,
        empty
    );
    let conn = rusqlite::Connection::open(store.path())?;
    let mut stmt = conn.prepare(
        "SELECT CASE WHEN name = 'history' THEN 'history rows'
                     WHEN name LIKE 'sqlite_autoindex_history%' THEN 'unique index on id'
                     WHEN name LIKE 'history_%' THEN 'event/unread/age indexes'
                     ELSE 'schema, other tables' END AS part,
                sum(pgsize) FROM dbstat GROUP BY part ORDER BY 2 DESC",
    )?;
    let parts = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for part in parts {
        let (name, bytes) = part?;
        println!("    {name:<38} {bytes:>9} bytes");
    }
    Ok(())
}

fn history_latency(dir: &Path) -> Res<()> {
    let (store, _) = Database::open_with(
        dir,
        Retention {
            prune_every: 0,
            ..Retention::default()
        },
    )?;
    let mut h = store.history()?;
    let mut rng = Rng(42);
    let items: Vec<_> = (0..20_000).map(|n| realistic(&mut rng, n)).collect();
    h.add_many(&items)?;
    let mut single = Vec::new();
    for n in 20_000..20_200 {
        let it = realistic(&mut rng, n);
        let t = Instant::now();
        h.add(&it)?;
        single.push(t.elapsed());
    }
    drop(h);
    let t = Instant::now();
    let (store, _) = Database::open(dir)?; // quick_check, migrations, prune of 20 200 rows
    let open = t.elapsed();
    let mut h: HistoryStore = store.history()?;
    println!(
        "history at {} rows (file {:.1} MiB):",
        h.len()?,
        file_size(store.path())? as f64 / 1048576.0
    );
    println!(
        "  add one event (own commit, synchronous=NORMAL): {}",
        summary(single)
    );
    println!(
        "  Database::open incl. quick_check and prune: {:.1} ms",
        open.as_secs_f64() * 1e3
    );
    let q = |query: Option<&str>, event: Option<&str>, unread_only: bool, limit: Option<usize>| {
        HistoryQuery {
            query: query.map(str::to_owned),
            event: event.map(str::to_owned),
            unread_only,
            limit,
        }
    };
    let cases = [
        ("list newest 50", q(None, None, false, Some(50))),
        ("list all", q(None, None, false, None)),
        ("unread only, 50", q(None, None, true, Some(50))),
        (
            "event=newMessage, 50",
            q(None, Some("newMessage"), false, Some(50)),
        ),
        (
            "search \"garden\" (common), 50",
            q(Some("garden"), None, false, Some(50)),
        ),
        (
            "search \"garden\" (common), all",
            q(Some("garden"), None, false, None),
        ),
        (
            "search \"wheelchair\" + unread, 50",
            q(Some("wheelchair"), None, true, Some(50)),
        ),
        (
            "search \"Lindqvist confirmed\", 50",
            q(Some("Lindqvist confirmed"), None, false, Some(50)),
        ),
        (
            "search \"zz\" (2 chars: every row)",
            q(Some("zz"), None, false, Some(50)),
        ),
        (
            "search \"nomatchatall\"",
            q(Some("nomatchatall"), None, false, Some(50)),
        ),
    ];
    for (name, query) in &cases {
        let mut samples = Vec::new();
        let mut found = 0;
        for _ in 0..30 {
            let t = Instant::now();
            found = h.list(query)?.len();
            samples.push(t.elapsed());
        }
        println!("  {name:<36} {found:>6} rows: {}", summary(samples));
    }
    let mut samples = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        h.unread()?;
        samples.push(t.elapsed());
    }
    println!(
        "  {:<36} {:>6}     : {}",
        "unread count",
        h.unread()?,
        summary(samples)
    );
    let t = Instant::now();
    let marked = h.mark_read(&[])?;
    println!(
        "  mark all read ({marked} rows): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    Ok(())
}

fn main() -> Res<()> {
    let base = std::env::args().nth(1);
    let tmp = match &base {
        Some(b) => tempfile::tempdir_in(b)?,
        None => tempfile::tempdir()?,
    };
    outbox_cost(&tmp.path().join("outbox"))?;
    history_size(&tmp.path().join("size"))?;
    history_latency(&tmp.path().join("latency"))?;
    Ok(())
}
