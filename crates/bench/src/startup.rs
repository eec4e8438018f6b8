//! Start-up and reconnection, timed at the server: process start → its
//! `register` (the tray app `--minimized`, as at login; `--headless` and the
//! Node client beside it), and a server restart → `register` again, less
//! the link's backoff floor (the wait it owes before a first retry).

use std::time::{Duration, Instant};

use alora_backend::{Backend, BackendConfig};
use serde_json::json;

use crate::app::{App, Mode};
use crate::node::NodeClient;
use crate::report::Report;
use crate::server;
use crate::stats::{median, ms};
use crate::Ctx;

const RUNS: usize = 5;
/// A connection that lasted this long resets the link's backoff (its
/// `stable_after` is 10 s): every restart then meets a fresh schedule.
const STABLE: Duration = Duration::from_secs(11);

async fn cold_app(
    ctx: &Ctx,
    backend: &Backend,
    mode: Mode,
    name: &str,
) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::new();
    // One data folder for all runs: the first creates it, the rest start as
    // on any login.
    let dir = ctx.work.join(format!("cold-{name}"));
    for run in 0..RUNS {
        let user = format!("cold-{name}-{run}");
        let mut reg = backend.subscribe();
        let app = App::spawn(&ctx.app, &dir, mode, backend, &user)?;
        let Some(at) = server::wait_register(&mut reg, &user, Duration::from_secs(30)).await else {
            anyhow::bail!("{name} run {run}: no register; log:\n{}", app.log_tail());
        };
        out.push(ms(at.duration_since(app.started)));
        if !app.quit(Duration::from_secs(15)).await {
            eprintln!("  {name} run {run}: did not quit within 15 s (killed)");
        }
    }
    Ok(out)
}

async fn cold_node(ctx: &Ctx, backend: &Backend) -> anyhow::Result<Vec<f64>> {
    let mut out = Vec::new();
    for run in 0..RUNS {
        let user = format!("cold-node-{run}");
        let mut reg = backend.subscribe();
        let client = NodeClient::spawn(&ctx.node_client, backend, &user, "idle")?;
        let Some(at) = server::wait_register(&mut reg, &user, Duration::from_secs(30)).await else {
            anyhow::bail!("node run {run}: no register");
        };
        out.push(ms(at.duration_since(client.started)));
        client.stop().await;
    }
    Ok(out)
}

pub async fn cold_start(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let backend = server::start(None).await?;
    let tray = cold_app(ctx, &backend, Mode::Tray, "tray").await?;
    let headless = cold_app(ctx, &backend, Mode::Headless, "headless").await?;
    let node = cold_node(ctx, &backend).await;
    backend.shutdown().await;
    report.set("cold_start_to_connected_ms", median(&tray));
    match &node {
        Ok(n) => report.node("cold_start_to_connected_ms", median(n)),
        Err(e) => report.note("node_client.cold_start", format!("{e:#}")),
    }
    eprintln!("  cold start: tray {tray:.0?} ms, headless {headless:.0?} ms");
    report.detail(
        "cold_start",
        json!({
            "tray_minimized_ms": tray,
            "headless_ms": headless,
            "headless_median_ms": median(&headless),
            "node_ms": node.ok(),
            "method": "release binary, --minimized under Xvfb with a keyring and a notification server on the bus; \
                       Instant before spawn → the register event seen by the embedded backend",
        }),
    );
    Ok(())
}

pub async fn reconnect(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let floor = alora_link::BackoffPolicy::default().floor;
    let mut backend = server::start(None).await?;
    let addr = backend.local_addr();
    let secret = backend.secret().to_vec();
    let user = "reconnect";
    let mut reg = backend.subscribe();
    let app = App::spawn(
        &ctx.app,
        &ctx.work.join("reconnect"),
        Mode::Tray,
        &backend,
        user,
    )?;
    if server::wait_register(&mut reg, user, Duration::from_secs(30))
        .await
        .is_none()
    {
        anyhow::bail!("the app did not connect; log:\n{}", app.log_tail());
    }
    let (mut over, mut from_down, mut from_back) = (Vec::new(), Vec::new(), Vec::new());
    for run in 0..RUNS {
        tokio::time::sleep(STABLE).await;
        // As a server process killed and started again: connections cut with
        // no goodbye, then the same port and key at once.
        let down = Instant::now();
        backend.abort();
        let config = BackendConfig {
            addr,
            secret: secret.clone(),
            ..BackendConfig::default()
        };
        backend = Backend::start(config).await?;
        let back = Instant::now();
        let mut reg = backend.subscribe();
        let Some(at) = server::wait_register(&mut reg, user, Duration::from_secs(30)).await else {
            anyhow::bail!(
                "run {run}: no register after the restart; log:\n{}",
                app.log_tail()
            );
        };
        // The client owes the floor from the moment it lost the link; the
        // server may be back before that ends (it is here: a restart takes
        // tens of ms), so what is over is counted from the later of the two.
        // (Signed: a client that came back before its floor would show.)
        let allowed = ms(back.duration_since(down)).max(ms(floor));
        over.push(ms(at.duration_since(down)) - allowed);
        from_down.push(ms(at.duration_since(down)));
        from_back.push(ms(at.duration_since(back)));
    }
    app.quit(Duration::from_secs(15)).await;
    backend.shutdown().await;
    report.set("reconnect_after_restart_ms_over_floor", median(&over));
    eprintln!(
        "  reconnect over the {} ms floor: {over:.0?} ms",
        floor.as_millis()
    );
    report.detail(
        "reconnect",
        json!({
            "backoff_floor_ms": ms(floor),
            "over_floor_ms": over,
            "down_to_register_ms": from_down,
            "back_to_register_ms": from_back,
            "method": "tray app --minimized; backend aborted (connections cut) and started again on the same \
                       port at once, after 11 s connected (the link's backoff resets after 10 s); over floor = \
                       register − max(server listening again, connections cut + floor): the server is back \
                       (~50 ms) before the floor ends, so 'back → register − floor' would come out negative; \
                       the floor is alora-link's default BackoffPolicy (the app sets none of its own)",
        }),
    );
    Ok(())
}
