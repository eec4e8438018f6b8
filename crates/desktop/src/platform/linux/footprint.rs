//! What the app hands back to the system while it waits in the tray: the
//! heap's free pages, the clean file pages (code, read-only data) that only
//! start-up or the window touched, and WebKit's network process once no
//! window is left. Everything comes back on demand; behaviour is unchanged.
//!
//! Why: after the window closes, the main process keeps every page of
//! WebKit, JavaScriptCore and Mesa it faulted in while the window was open
//! (about 40 MB, counted in full once the web process is gone), and WebKit
//! keeps its network process (about 35 MB) for as long as its web context
//! lives, which Tauri keeps to the end on Linux (tauri#14626). Measured under
//! Xvfb: 150 MB 30 s after closing the window before, about 65 MB after.

use std::time::{Duration, Instant};

/// The network process's name as the kernel keeps it (15 characters).
const NETWORK_PROCESS: &str = "WebKitNetworkPr";

/// What one release gave back, for the log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Released {
    pub mappings: usize,
    pub rss_before_kb: u64,
    pub rss_after_kb: u64,
}

/// Returns free heap pages to the kernel and asks it to reclaim the file
/// pages mapped here (`MADV_PAGEOUT`: clean pages are dropped and fault back
/// in from the page cache when used; pages shared with another process or
/// dirty ones are left as they are). Anonymous memory is never paged out:
/// with swap that would make the next event wait for the disk.
pub fn release_idle_memory() -> Released {
    let rss_before_kb = rss_kb();
    trim_heap();
    let mappings = std::fs::read_to_string("/proc/self/maps")
        .map(|maps| {
            file_mappings(&maps)
                .filter(|&(a, b)| page_out(a, b))
                .count()
        })
        .unwrap_or(0);
    Released {
        mappings,
        rss_before_kb,
        rss_after_kb: rss_kb(),
    }
}

/// Logs what `release_idle_memory` gave back, off the async workers.
pub async fn release_now(why: &'static str) {
    let t0 = Instant::now();
    match tokio::task::spawn_blocking(release_idle_memory).await {
        Ok(r) => tracing::info!(
            why,
            mappings = r.mappings,
            rss_before_kb = r.rss_before_kb,
            rss_after_kb = r.rss_after_kb,
            took_ms = t0.elapsed().as_millis() as u64,
            "idle memory released"
        ),
        Err(e) => tracing::debug!(error = %e, "releasing idle memory did not finish"),
    }
}

/// `release_now` after `delay`, for a moment that is about to be quiet.
pub async fn release_after(delay: Duration, why: &'static str) {
    tokio::time::sleep(delay).await;
    release_now(why).await;
}

/// Ends WebKit's network process, which serves no one once the last
/// webview is gone. WebKit starts a new one for the next webview (about
/// 50 ms). Call it on the main thread with no webview left, so that no
/// webview can be created in between. Returns how many were signalled.
pub fn stop_webkit_network_process() -> usize {
    let me = std::process::id();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut stopped = 0;
    for pid in entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
    {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some((parent, name)) = parent_and_name(&stat) {
            if parent == me && name == NETWORK_PROCESS && terminate(pid) {
                stopped += 1;
            }
        }
    }
    stopped
}

/// `(ppid, comm)` from a `/proc/PID/stat` line; the name is in parentheses
/// and may itself contain spaces or parentheses, so split at the last `)`.
fn parent_and_name(stat: &str) -> Option<(u32, &str)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?;
    let mut rest = stat.get(close + 1..)?.split_whitespace();
    let _state = rest.next()?;
    let parent = rest.next()?.parse().ok()?;
    Some((parent, name))
}

/// Start and end of each mapping backed by a file (a path, not `[heap]`,
/// `[stack]`, an anonymous mapping or a deleted file).
fn file_mappings(maps: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    maps.lines().filter_map(|line| {
        let mut fields = line.split_whitespace();
        let range = fields.next()?;
        let path = fields.nth(4)?;
        if !path.starts_with('/') || line.ends_with("(deleted)") {
            return None;
        }
        let (start, end) = range.split_once('-')?;
        let start = usize::from_str_radix(start, 16).ok()?;
        let end = usize::from_str_radix(end, 16).ok()?;
        (end > start).then_some((start, end))
    })
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn page_out(start: usize, end: usize) -> bool {
    // SAFETY: MADV_PAGEOUT is advice: the kernel keeps every byte's value
    // (dirty private pages stay, clean ones are re-read on access), so no
    // mapping of this process changes meaning.
    unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_PAGEOUT) == 0 }
}

#[cfg(not(target_os = "linux"))]
fn page_out(_start: usize, _end: usize) -> bool {
    false
}

#[allow(unsafe_code)]
fn terminate(pid: i32) -> bool {
    // SAFETY: a signal to a process that /proc showed as our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parent_and_name_from_stat() {
        let stat = "4242 (WebKitNetworkPr) S 4100 4100 4100 0 -1 4194560 1234";
        assert_eq!(parent_and_name(stat), Some((4100, "WebKitNetworkPr")));
        let odd = "7 (a) b (c)) R 1 7 7 0";
        assert_eq!(parent_and_name(odd), Some((1, "a) b (c)")));
        assert_eq!(parent_and_name("garbage"), None);
    }

    #[test]
    fn picks_file_mappings_only() {
        let maps = "\
55d0c0000000-55d0c0100000 r-xp 00000000 08:01 123 /usr/bin/alora-tray
55d0c0200000-55d0c0300000 rw-p 00000000 00:00 0 [heap]
7f0000000000-7f0000001000 rw-p 00000000 00:00 0
7f0000002000-7f0000003000 r--p 00000000 08:01 9 /tmp/gone (deleted)
7f0000004000-7f0000006000 r--p 00001000 08:01 77 /usr/lib/libwebkit2gtk-4.1.so.0";
        let got: Vec<_> = file_mappings(maps).collect();
        assert_eq!(
            got,
            vec![
                (0x55d0c0000000, 0x55d0c0100000),
                (0x7f0000004000, 0x7f0000006000)
            ]
        );
    }

    #[test]
    fn releasing_keeps_the_process_working() {
        let data: Vec<u64> = (0..200_000).collect();
        let released = release_idle_memory();
        assert!(released.mappings > 0, "{released:?}");
        assert!(released.rss_before_kb > 0);
        // Code and data paged out come back: the process still computes.
        assert_eq!(data.iter().sum::<u64>(), 199_999 * 200_000 / 2);
        assert_eq!(
            stop_webkit_network_process(),
            0,
            "a test has no WebKit child"
        );
    }
}
