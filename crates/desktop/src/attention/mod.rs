//! Attention rules: how loud each kind of event is, when the app keeps
//! quiet (its own Do Not Disturb, quiet hours, the desktop's), the offline
//! alarm, and why each popup was shown or held back (what comes back until
//! answered is `notifications::reminders`). Pure rules over an injected
//! clock; the pipeline applies them, so they are tested in milliseconds.

use chrono::{DateTime, FixedOffset, Local, Utc};

pub mod loudness;
pub mod offline;
pub mod prefs;
pub mod quiet;
pub mod why;

/// Read by the rules instead of the system's time, so that a test can be
/// hours ahead in a millisecond.
pub trait Clock: Send + Sync + 'static {
    /// Now, with the local offset the quiet hours are read in.
    fn now(&self) -> DateTime<FixedOffset>;
    /// How long one of the settings' minutes lasts (re-alerts, the offline
    /// alarm's grace, snoozes): a real minute but in tests of the whole app.
    fn minute(&self) -> chrono::Duration {
        chrono::Duration::minutes(1)
    }
}

/// The system's clock. `ALORA_MINUTE_MS` shortens the settings' minutes
/// for tests of the real binary (never the wall clock nor quiet hours).
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    minute: chrono::Duration,
}

impl SystemClock {
    pub fn from_env() -> Self {
        let minute = std::env::var("ALORA_MINUTE_MS")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|ms| (1..=60_000).contains(ms))
            .map_or(chrono::Duration::minutes(1), chrono::Duration::milliseconds);
        SystemClock { minute }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
    fn minute(&self) -> chrono::Duration {
        self.minute
    }
}

/// `minutes` of the clock's minutes.
pub fn minutes(clock: &dyn Clock, minutes: u32) -> chrono::Duration {
    clock.minute() * i32::try_from(minutes).unwrap_or(i32::MAX)
}

/// Now in UTC, as reminders are kept.
pub fn utc_now(clock: &dyn Clock) -> DateTime<Utc> {
    clock.now().with_timezone(&Utc)
}

#[cfg(test)]
pub(crate) mod fake {
    //! A clock the test moves by hand.
    use std::sync::Mutex;

    use chrono::{DateTime, Duration, FixedOffset, TimeZone};

    use super::Clock;

    #[derive(Debug)]
    pub struct FakeClock(pub Mutex<DateTime<FixedOffset>>);

    impl FakeClock {
        /// 2026-12-02 at `hh:mm` local, in UTC+1.
        pub fn at(hh: u32, mm: u32) -> Self {
            let tz =
                FixedOffset::east_opt(3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
            let t = tz.with_ymd_and_hms(2026, 12, 2, hh, mm, 0).single();
            FakeClock(Mutex::new(
                t.unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap()),
            ))
        }
        pub fn advance(&self, by: Duration) {
            let mut t = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *t += by;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> DateTime<FixedOffset> {
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }
    }
}
