//! The offline alarm: one popup when the link has been down longer than the
//! grace period (brief server restarts never raise it), withdrawn when it is
//! back; and "Sign in again" at once, once, when the token expired or was
//! refused. Signed out or stopped is no alarm.

use alora_link::{AuthReason, LinkState};
use chrono::{DateTime, Duration, Utc};

/// What the pipeline does about the alarm now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alarm {
    /// "Alora is offline: you may miss bookings".
    RaiseOffline,
    /// "Sign in again".
    RaiseSignIn,
    /// The link is back (or signed out): the alarm on screen goes.
    Withdraw,
}

#[derive(Debug, Default)]
pub struct OfflineAlarm {
    /// Since when the link has been trying and failing.
    down_since: Option<DateTime<Utc>>,
    /// An alarm is on screen.
    raised: bool,
    /// "Sign in again" was told for this rejection.
    told_sign_in: bool,
}

impl OfflineAlarm {
    /// Follows a state change of the link.
    pub fn on_state(&mut self, state: &LinkState, now: DateTime<Utc>) -> Option<Alarm> {
        match state {
            LinkState::Connecting { .. } | LinkState::Reconnecting { .. } => {
                self.down_since.get_or_insert(now);
                None
            }
            LinkState::AuthRequired {
                reason: AuthReason::Expired | AuthReason::Rejected { .. },
            } => {
                self.down_since = None;
                if std::mem::replace(&mut self.told_sign_in, true) {
                    return None;
                }
                // Replaces the offline alarm in place, if one is up.
                self.raised = true;
                Some(Alarm::RaiseSignIn)
            }
            LinkState::Connected { .. } => {
                self.told_sign_in = false;
                self.clear()
            }
            // Signed out, no token, stopped: nothing to warn about.
            LinkState::AuthRequired { .. } | LinkState::Idle | LinkState::Stopped => self.clear(),
        }
    }

    fn clear(&mut self) -> Option<Alarm> {
        self.down_since = None;
        std::mem::replace(&mut self.raised, false).then_some(Alarm::Withdraw)
    }

    /// Raises the alarm once the link has been down past `grace`, unless
    /// it is quiet (it comes when quiet ends, if still down).
    pub fn on_tick(&mut self, now: DateTime<Utc>, grace: Duration, quiet: bool) -> Option<Alarm> {
        let due = self.due(grace)?;
        if now < due || quiet {
            return None;
        }
        self.raised = true;
        Some(Alarm::RaiseOffline)
    }

    /// When `on_tick` would raise the alarm.
    pub fn due(&self, grace: Duration) -> Option<DateTime<Utc>> {
        if self.raised {
            return None;
        }
        Some(self.down_since? + grace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconnecting() -> LinkState {
        LinkState::Reconnecting {
            attempt: 1,
            next_in_ms: 1000,
            retry_at: Utc::now(),
            reason: "refused".into(),
        }
    }

    fn connected() -> LinkState {
        LinkState::Connected { since: Utc::now() }
    }

    const GRACE: Duration = Duration::minutes(2);

    #[test]
    fn down_past_the_grace_raises_one_alarm_withdrawn_when_back() {
        let t0 = Utc::now();
        let mut a = OfflineAlarm::default();
        assert_eq!(a.on_state(&reconnecting(), t0), None);
        assert_eq!(
            a.on_tick(t0 + Duration::seconds(30), GRACE, false),
            None,
            "30 s: no alarm"
        );
        assert_eq!(a.due(GRACE), Some(t0 + GRACE));
        assert_eq!(
            a.on_tick(t0 + GRACE, GRACE, false),
            Some(Alarm::RaiseOffline)
        );
        assert_eq!(a.on_tick(t0 + GRACE * 3, GRACE, false), None, "once");
        assert_eq!(a.on_state(&reconnecting(), t0 + GRACE * 3), None);
        assert_eq!(
            a.on_state(&connected(), t0 + GRACE * 4),
            Some(Alarm::Withdraw)
        );
        assert_eq!(a.due(GRACE), None);
    }

    #[test]
    fn flaps_inside_the_grace_raise_nothing() {
        let mut a = OfflineAlarm::default();
        let mut t = Utc::now();
        for _ in 0..5 {
            a.on_state(&reconnecting(), t);
            t += Duration::seconds(100);
            assert_eq!(a.on_tick(t, GRACE, false), None);
            assert_eq!(a.on_state(&connected(), t), None);
            t += Duration::seconds(1);
        }
        assert_eq!(
            a.on_tick(t + GRACE * 10, GRACE, false),
            None,
            "up: nothing due"
        );
    }

    #[test]
    fn quiet_time_holds_the_alarm_and_sign_out_is_none() {
        let t0 = Utc::now();
        let mut a = OfflineAlarm::default();
        a.on_state(&reconnecting(), t0);
        assert_eq!(a.on_tick(t0 + GRACE * 2, GRACE, true), None, "quiet");
        assert_eq!(
            a.on_tick(t0 + GRACE * 3, GRACE, false),
            Some(Alarm::RaiseOffline)
        );
        let signed_out = LinkState::AuthRequired {
            reason: AuthReason::Missing,
        };
        assert_eq!(
            a.on_state(&signed_out, t0 + GRACE * 4),
            Some(Alarm::Withdraw)
        );
        assert_eq!(a.on_tick(t0 + GRACE * 9, GRACE, false), None);
    }

    #[test]
    fn a_refused_token_says_sign_in_again_once() {
        let t0 = Utc::now();
        let mut a = OfflineAlarm::default();
        let expired = LinkState::AuthRequired {
            reason: AuthReason::Expired,
        };
        assert_eq!(a.on_state(&expired, t0), Some(Alarm::RaiseSignIn));
        assert_eq!(a.on_state(&reconnecting(), t0), None);
        assert_eq!(a.on_state(&expired, t0), None, "once");
        assert_eq!(
            a.on_tick(t0 + GRACE * 5, GRACE, false),
            None,
            "no offline alarm on top"
        );
        assert_eq!(a.on_state(&connected(), t0), Some(Alarm::Withdraw));
        assert_eq!(
            a.on_state(&expired, t0),
            Some(Alarm::RaiseSignIn),
            "again after a sign-in"
        );
    }
}
