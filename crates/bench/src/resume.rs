//! Resume: logind's `PrepareForSleep(false)` on a stand-in system bus (a
//! private `dbus-daemon`, given to the app as `DBUS_SYSTEM_BUS_ADDRESS`)
//! while the headless app's link waits out a backoff grown to its cap, timed
//! from the signal to the `register` seen at the server.
//!
//! During the outage a listener on the server's port accepts and drops each
//! connection: the app's attempts are seen, so the bench knows the backoff
//! has reached its cap and when the last attempt was. The server comes back
//! at once after one, and the signal follows a second later: the link's next
//! wait is then anywhere in [floor, cap], which the signal has to beat.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig};
use anyhow::Context as _;
use serde_json::json;
use tokio::sync::mpsc;

use crate::app::{App, Mode};
use crate::pairs::spread;
use crate::report::Report;
use crate::server;
use crate::stats::{median, ms};
use crate::Ctx;

const RUNS: usize = 3;
/// Runs lost to a backoff wait that ended before the signal, at most.
const MAX_EARLY: usize = 3;
/// A connection that lasted this long resets the link's backoff (10 s).
const STABLE: Duration = Duration::from_secs(11);
/// With the default floor 0.5 s doubling to the 30 s cap, the wait after
/// the seventh attempt is the first drawn from the whole [floor, cap].
const ATTEMPTS: usize = 7;
/// Connections closer than this are one attempt (a transport's retries).
const SAME_ATTEMPT: Duration = Duration::from_millis(300);
const SIGNAL_AFTER_ATTEMPT: Duration = Duration::from_secs(1);
const OUTAGE_LIMIT: Duration = Duration::from_secs(150);

/// A private bus daemon, killed when dropped.
struct Bus {
    child: Child,
    address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn private_bus() -> anyhow::Result<Bus> {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("starting dbus-daemon (package dbus)")?;
    let stdout = child.stdout.take().context("dbus-daemon's stdout")?;
    let mut address = String::new();
    BufReader::new(stdout)
        .read_line(&mut address)
        .context("reading dbus-daemon's address")?;
    let address = address.trim().to_owned();
    let bus = Bus { child, address };
    if bus.address.is_empty() {
        anyhow::bail!("dbus-daemon printed no address");
    }
    Ok(bus)
}

async fn resumed(bus: &zbus::Connection) -> anyhow::Result<()> {
    bus.emit_signal(
        None::<zbus::names::BusName<'_>>,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        &(false,),
    )
    .await
    .context("emitting PrepareForSleep(false)")
}

/// Cuts the server, stands in for it until the app has made `ATTEMPTS`
/// attempts, and starts it again right after the last: the new server, the
/// moments of the attempts.
async fn outage(backend: Backend) -> anyhow::Result<(Backend, Vec<Instant>)> {
    let addr: SocketAddr = backend.local_addr();
    let secret = backend.secret().to_vec();
    backend.abort();
    let until = Instant::now() + Duration::from_secs(5);
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => break l,
            Err(e) if Instant::now() > until => {
                return Err(e).with_context(|| format!("binding {addr} during the outage"))
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
            if tx.send(Instant::now()).is_err() {
                break;
            }
        }
    });
    let until = Instant::now() + OUTAGE_LIMIT;
    let mut attempts: Vec<Instant> = Vec::new();
    while attempts.len() < ATTEMPTS {
        let left = until.saturating_duration_since(Instant::now());
        let Ok(Some(at)) = tokio::time::timeout(left, rx.recv()).await else {
            task.abort();
            anyhow::bail!("only {} attempts during the outage", attempts.len());
        };
        if attempts
            .last()
            .is_none_or(|last| at.duration_since(*last) > SAME_ATTEMPT)
        {
            attempts.push(at);
        }
    }
    task.abort();
    // The listener goes with the task: wait for it so that the port is free.
    let _ = task.await;
    let backend = Backend::start(BackendConfig {
        addr,
        secret,
        ..BackendConfig::default()
    })
    .await?;
    Ok((backend, attempts))
}

/// The link's wait, as the app logged it, before the last `wakeup=Resumed`
/// of `log`: how far away the backoff's own retry was (ms from that
/// attempt).
fn backoff_wait_ms(log: &str) -> Option<f64> {
    let before = &log[..log.rfind("wakeup=Resumed")?];
    let rest = &before[before.rfind("next_in_ms: ")? + "next_in_ms: ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The gaps between attempts, in ms.
fn gaps(attempts: &[Instant]) -> Vec<f64> {
    attempts
        .windows(2)
        .map(|w| ms(w[1].duration_since(w[0])))
        .collect()
}

pub async fn run(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let bus = private_bus()?;
    let conn = zbus::connection::Builder::address(bus.address.as_str())?
        .build()
        .await
        .context("connecting to the private bus")?;
    let mut backend = server::start(None).await?;
    let user = "resume";
    let mut reg = backend.subscribe();
    let env = [("DBUS_SYSTEM_BUS_ADDRESS", bus.address.as_str())];
    let dir = ctx.work.join("resume");
    let app = App::spawn_env(&ctx.app, &dir, Mode::Headless, &backend, user, &env)?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the app did not connect; log:\n{}", app.log_tail());
    }
    let (mut took, mut runs, mut early) = (Vec::new(), Vec::new(), 0);
    while took.len() < RUNS {
        tokio::time::sleep(STABLE).await;
        let (back, attempts) = outage(backend).await?;
        backend = back;
        let mut reg = backend.subscribe();
        let last = *attempts.last().context("no attempt")?;
        let signal_at = last + SIGNAL_AFTER_ATTEMPT;
        let left = signal_at.saturating_duration_since(Instant::now());
        if server::wait_register(&mut reg, user, left).await.is_some() {
            // The backoff's draw was under a second: nothing left to hurry.
            early += 1;
            if early > MAX_EARLY {
                anyhow::bail!("{early} runs reconnected before the signal");
            }
            continue;
        }
        let sent = Instant::now();
        resumed(&conn).await?;
        let Some(at) = server::wait_register(&mut reg, user, Duration::from_secs(40)).await else {
            anyhow::bail!("no register after the signal; log:\n{}", app.log_tail());
        };
        let t = ms(at.duration_since(sent));
        eprintln!(
            "  resume run {}: register {t:.0} ms after the signal",
            took.len()
        );
        took.push(t);
        let log = std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
        let wait = backoff_wait_ms(&log);
        let after = ms(sent.duration_since(last));
        runs.push(json!({
            "signal_to_register_ms": t,
            "backoff_wait_ms_logged": wait,
            "backoff_left_at_signal_ms": wait.map(|w| w - after),
            "attempt_gaps_ms": gaps(&attempts),
            "signal_after_last_attempt_ms": after,
        }));
    }
    app.quit(Duration::from_secs(15)).await;
    backend.shutdown().await;
    report.set("resume_to_connected_ms", median(&took));
    report.detail(
        "resume",
        json!({
            "signal_to_register_ms": spread(&took),
            "runs": runs,
            "runs_reconnected_before_the_signal": early,
            "method": "release alora-tray --headless with DBUS_SYSTEM_BUS_ADDRESS = a private dbus-daemon; \
                       after 11 s connected the server is cut and a listener on its port accepts and drops \
                       the app's attempts; after the 7th (the backoff's ceiling at its 30 s cap) the server \
                       is started again at once and PrepareForSleep(false) is emitted on \
                       /org/freedesktop/login1 (org.freedesktop.login1.Manager) 1 s after that attempt; \
                       figure = signal sent → register seen by the server, median of the runs; a run \
                       whose backoff wait ended before the signal is not counted; backoff_wait_ms_logged = \
                       the app's own log of its next wait (next_in_ms) before the wake-up",
        }),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_between_neighbours() {
        let t0 = Instant::now();
        let at = [
            t0,
            t0 + Duration::from_millis(500),
            t0 + Duration::from_secs(2),
        ];
        assert_eq!(gaps(&at), vec![500.0, 1500.0]);
        assert!(gaps(&at[..1]).is_empty());
    }

    #[test]
    fn the_wait_read_is_the_last_one_before_the_wakeup() {
        let log = "Reconnecting { attempt: 7, next_in_ms: 900, retry_at: x }\n\
                   Reconnecting { attempt: 8, next_in_ms: 11926, retry_at: y }\n\
                   wakeups: reconnecting now wakeup=Resumed\n\
                   Reconnecting { attempt: 1, next_in_ms: 500, retry_at: z }\n";
        assert_eq!(backoff_wait_ms(log), Some(11926.0));
        assert_eq!(backoff_wait_ms("next_in_ms: 5"), None);
    }
}
