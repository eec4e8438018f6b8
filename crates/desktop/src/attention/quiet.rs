//! When the app keeps quiet, and why: Alora's own Do Not Disturb (on, or
//! until a time: "until tomorrow"), the daily quiet hours, and the
//! desktop's Do Not Disturb (`Inhibited`, where the server has it). While
//! quiet nothing pops up or sounds; everything is stored and counted, and
//! what came meanwhile is told in one summary when it ends.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, Utc};

use crate::attention::prefs::{time_of_day, QuietHours};
use crate::attention::why::Why;
use crate::models::Settings;

/// Why it is quiet now, the first reason of several.
pub fn quiet_reason(
    settings: &Settings,
    desktop_inhibited: bool,
    now: DateTime<FixedOffset>,
) -> Option<Why> {
    if settings.dnd {
        return Some(Why::DoNotDisturb);
    }
    if dnd_until(settings).is_some_and(|until| now < until) {
        return Some(Why::DoNotDisturbUntil);
    }
    if in_quiet_hours(&settings.attention.quiet_hours, now.time()) {
        return Some(Why::QuietHours);
    }
    desktop_inhibited.then_some(Why::DesktopDoNotDisturb)
}

/// Whether Alora's own Do Not Disturb is on: on, or "until" a time to come.
pub fn dnd_on(settings: &Settings, now: DateTime<FixedOffset>) -> bool {
    settings.dnd || dnd_until(settings).is_some_and(|until| now < until)
}

fn dnd_until(settings: &Settings) -> Option<DateTime<Utc>> {
    let until = settings.attention.dnd_until.as_deref()?;
    Some(
        DateTime::parse_from_rfc3339(until)
            .ok()?
            .with_timezone(&Utc),
    )
}

/// Whether `t` is inside the quiet hours: `[from, to)`, across midnight when
/// `from` is after `to`; none when both are the same time.
pub fn in_quiet_hours(q: &QuietHours, t: NaiveTime) -> bool {
    if !q.enabled {
        return false;
    }
    let (Some(from), Some(to)) = (time_of_day(&q.from), time_of_day(&q.to)) else {
        return false;
    };
    if from <= to {
        from <= t && t < to
    } else {
        t >= from || t < to
    }
}

/// "Until tomorrow": the next morning at the quiet hours' end (08:00 by
/// default), local.
pub fn until_tomorrow(q: &QuietHours, now: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    let morning = time_of_day(&q.to).unwrap_or(NaiveTime::MIN + Duration::hours(8));
    let today = now.date_naive().and_time(morning);
    let at = |naive: chrono::NaiveDateTime| {
        naive
            .and_local_timezone(*now.offset())
            .single()
            .unwrap_or(now + Duration::hours(12))
    };
    let first = at(today);
    if first > now + Duration::hours(1) {
        first
    } else {
        at(today + Duration::days(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::fake::FakeClock;
    use crate::attention::Clock;

    fn hours(from: &str, to: &str) -> QuietHours {
        QuietHours {
            enabled: true,
            from: from.into(),
            to: to.into(),
        }
    }

    fn t(text: &str) -> NaiveTime {
        time_of_day(text).unwrap()
    }

    #[test]
    fn quiet_hours_across_midnight() {
        let q = hours("19:00", "08:00");
        for quiet in ["19:00", "23:59", "00:00", "03:30", "07:59"] {
            assert!(in_quiet_hours(&q, t(quiet)), "{quiet}");
        }
        for loud in ["08:00", "12:00", "18:59"] {
            assert!(!in_quiet_hours(&q, t(loud)), "{loud}");
        }
        let day = hours("12:00", "13:00");
        assert!(in_quiet_hours(&day, t("12:30")) && !in_quiet_hours(&day, t("13:00")));
        assert!(
            !in_quiet_hours(&hours("10:00", "10:00"), t("10:00")),
            "empty"
        );
        let off = QuietHours {
            enabled: false,
            ..q
        };
        assert!(!in_quiet_hours(&off, t("23:00")));
    }

    #[test]
    fn the_first_reason_is_told() {
        let clock = FakeClock::at(22, 0);
        let mut s = Settings::default();
        assert_eq!(quiet_reason(&s, false, clock.now()), None);
        assert_eq!(
            quiet_reason(&s, true, clock.now()),
            Some(Why::DesktopDoNotDisturb)
        );
        s.attention.quiet_hours = hours("19:00", "08:00");
        assert_eq!(quiet_reason(&s, true, clock.now()), Some(Why::QuietHours));
        s.attention.dnd_until =
            Some(until_tomorrow(&s.attention.quiet_hours, clock.now()).to_rfc3339());
        assert_eq!(
            quiet_reason(&s, true, clock.now()),
            Some(Why::DoNotDisturbUntil)
        );
        s.dnd = true;
        assert_eq!(quiet_reason(&s, true, clock.now()), Some(Why::DoNotDisturb));
    }

    #[test]
    fn until_tomorrow_ends_next_morning() {
        let q = QuietHours::default();
        let evening = FakeClock::at(21, 0);
        let end = until_tomorrow(&q, evening.now());
        assert_eq!(end - evening.now(), Duration::hours(11));
        let night = FakeClock::at(2, 0);
        assert_eq!(
            until_tomorrow(&q, night.now()) - night.now(),
            Duration::hours(6)
        );
        let mut s = Settings::default();
        s.attention.dnd_until = Some(end.to_rfc3339());
        evening.advance(Duration::hours(11) - Duration::seconds(1));
        assert_eq!(
            quiet_reason(&s, false, evening.now()),
            Some(Why::DoNotDisturbUntil)
        );
        evening.advance(Duration::seconds(1));
        assert_eq!(quiet_reason(&s, false, evening.now()), None);
    }
}
