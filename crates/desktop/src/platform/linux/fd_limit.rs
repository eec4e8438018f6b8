//! The process's limit on open files, raised from the session's soft 1 024
//! to its hard limit at start.
//!
//! Why: WebKitGTK under Tauri keeps one shared-memory fd (a 4 KiB
//! `memfd:WebKitSharedMemory`) for every window opened and closed, though
//! the web view itself is finalized (`make bench`'s soak: 11 in 11 cycles;
//! a bare Tauri app does the same; plain WebKitGTK does not). With
//! systemd's 1 024 soft limit, a user opening the window 50 times a day
//! would run out within weeks, and then no socket or database could open.
//! The hard limit (524 288 on Debian 12) moves that beyond any uptime
//! until the leak is found upstream. Portable route: Windows has no such
//! limit; macOS raises it the same way (`setrlimit`, capped by
//! `kern.maxfilesperproc`).

/// The soft and hard limits in force, or None where the kernel would not say.
#[allow(unsafe_code)]
fn limits() -> Option<libc::rlimit> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit, which `limit` is.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0).then_some(limit)
}

/// Raises the soft limit to the hard one; returns the limits before and
/// after, or None where the kernel refused (then nothing changed).
#[allow(unsafe_code)]
pub fn raise() -> Option<(u64, u64)> {
    let mut limit = limits()?;
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: setrlimit reads one rlimit, which `limit` is.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return None;
        }
    }
    Some((before, limit.rlim_cur))
}

#[cfg(test)]
mod tests {
    /// From a soft limit below the hard one (as systemd's 1 024), up to it.
    #[test]
    #[allow(unsafe_code)]
    fn the_soft_limit_goes_up_to_the_hard_one() {
        let hard = super::limits().expect("limits").rlim_max;
        let lowered = libc::rlimit {
            rlim_cur: hard.min(1024) - 1,
            rlim_max: hard,
        };
        // SAFETY: as in `raise`; lowering the soft limit needs no privilege.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) }, 0);
        let (before, after) = super::raise().expect("raised");
        assert_eq!(before, lowered.rlim_cur);
        let now = super::limits().expect("limits").rlim_cur;
        assert_eq!((after, now), (hard, hard));
    }
}
