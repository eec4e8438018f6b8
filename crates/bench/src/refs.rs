//! Memory references, one at a time under the same Xvfb (PSS splits shared
//! pages among the processes that map them, so nothing else with GTK or
//! WebKit may run beside them): a bare Tauri 2 tray app idling, and with
//! one small window open; and the Python/Qt `gotify-tray` idling connected
//! to a stand-in Gotify server.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use serde_json::json;

use crate::procfs;
use crate::report::Report;
use crate::Ctx;

const IDLE: Duration = Duration::from_secs(30);

/// Kills the child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(mut c: Command, log: &Path) -> anyhow::Result<Guard> {
    let log = std::fs::File::create(log).context("creating a reference's log")?;
    c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    Ok(Guard(c.spawn().with_context(|| format!("starting {c:?}"))?))
}

/// PSS after `wait`, or why there is none.
async fn pss_after(mut child: Guard, wait: Duration) -> anyhow::Result<procfs::Memory> {
    tokio::time::sleep(wait).await;
    if let Ok(Some(status)) = child.0.try_wait() {
        anyhow::bail!("it exited early ({status})");
    }
    Ok(procfs::pss(child.0.id()))
}

pub async fn bare_tauri(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let bin = ctx
        .bare
        .clone()
        .context("no bare Tauri app was built (--bare)")?;
    let dir = ctx.work.join("bare");
    std::fs::create_dir_all(&dir)?;
    let run = |window: bool, lean: bool| {
        let mut c = Command::new(&bin);
        c.env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .env("XDG_CONFIG_HOME", dir.join("config"));
        if window {
            c.arg("--window");
        }
        if lean {
            // What Alora Tray sets for itself at start (rendering.rs), all
            // that an environment can set: keeping EGL out of the main
            // process takes a call in it.
            c.env("GDK_GL", "disable")
                .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
                .env("JSC_useJIT", "false");
        } else {
            c.env_remove("GDK_GL")
                .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
                .env_remove("JSC_useJIT");
        }
        c
    };
    let mut details = serde_json::Map::new();
    for (key, window, lean, wait) in [
        ("bare_tauri_tray_idle_pss_mb", false, false, IDLE),
        ("bare_tauri_tray_idle_lean_env_pss_mb", false, true, IDLE),
        (
            "bare_tauri_window_open_lean_env_pss_mb",
            true,
            true,
            Duration::from_secs(10),
        ),
    ] {
        let child = spawn(run(window, lean), &dir.join(format!("{key}.log")))?;
        match pss_after(child, wait).await {
            Ok(m) => {
                eprintln!("  {key}: {:.1} MB", m.total_mb);
                report.reference(key, Some(m.total_mb));
                details.insert(key.to_owned(), m.to_json());
            }
            Err(e) => {
                report.reference(key, None);
                report.note(&format!("references.{key}"), format!("{e:#}"));
            }
        }
    }
    details.insert(
        "method".into(),
        json!("bench/tauri-bare (a tray icon; --window adds one 420×640 window with a one-line page), \
               built with Alora's release profile; 'lean env' = GDK_GL=disable WEBKIT_DISABLE_COMPOSITING_MODE=1 \
               JSC_useJIT=false, which Alora Tray sets for itself (it also keeps EGL out of its main process)"),
    );
    report.detail("bare_tauri", serde_json::Value::Object(details));
    Ok(())
}

pub async fn gotify(ctx: &Ctx, report: &mut Report) -> anyhow::Result<()> {
    let key = "gotify_tray_idle_pss_mb";
    let Some(bin) = ctx.gotify.clone() else {
        report.reference(key, None);
        let why = ctx
            .gotify_unavailable
            .clone()
            .unwrap_or_else(|| "gotify-tray is not installed".into());
        report.note(&format!("references.{key}"), why);
        return Ok(());
    };
    let dir = ctx.work.join("gotify");
    for sub in ["config", "data", "cache", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let port_file = dir.join("port");
    let _ = std::fs::remove_file(&port_file);
    let mut fake = Command::new("python3");
    fake.arg(&ctx.fake_gotify).arg(&port_file);
    let _server = spawn(fake, &dir.join("fake-gotify.log"))?;
    let mut port = None;
    for _ in 0..100 {
        port = std::fs::read_to_string(&port_file)
            .ok()
            .filter(|p| !p.trim().is_empty());
        if port.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let port = port.context("the stand-in Gotify server did not start")?;
    let conf = format!(
        "[Server]\nurl=http://127.0.0.1:{}\nclient_token=bench\n",
        port.trim()
    );
    std::fs::write(dir.join("config/gotify-tray.conf"), conf)?;
    let mut c = Command::new(&bin);
    c.arg("--no-lock")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("TMPDIR", dir.join("tmp"));
    let log = dir.join("gotify-tray.log");
    let result = pss_after(spawn(c, &log)?, IDLE).await;
    match result {
        Ok(m) => {
            eprintln!("  {key}: {:.1} MB", m.total_mb);
            report.reference(key, Some(m.total_mb));
            report.detail(
                "gotify_tray",
                json!({"pss": m.to_json(), "method": "gotify-tray from PyPI (PyQt6) in a venv, idling 30 s, \
                        connected (websocket /stream open) to a stand-in Gotify server on 127.0.0.1"}),
            );
        }
        Err(e) => {
            let tail = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: String = tail.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
            report.reference(key, None);
            report.note(
                &format!("references.{key}"),
                format!("could not run headless under Xvfb: {e:#}: {tail}"),
            );
        }
    }
    Ok(())
}
