//! Why a popup was shown or held back, for Diagnostics: the last decisions,
//! newest last, in a small ring the pipeline writes and the window reads.

use std::collections::VecDeque;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

/// How many decisions Diagnostics keeps.
pub const KEPT: usize = 50;

/// What became of one popup, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Why {
    /// Shown as it came.
    Shown,
    /// Shown in place of the popup about the same item.
    InPlace,
    /// Shown through quiet time: a booking request, with the urgent bypass.
    Bypass,
    /// An unanswered booking request, shown again.
    Realert,
    /// A snoozed popup, back.
    Snoozed,
    /// One popup for many held back (a burst, or quiet time that ended).
    Summary,
    /// The offline alarm, or "Sign in again".
    Alarm,
    DoNotDisturb,
    DoNotDisturbUntil,
    QuietHours,
    DesktopDoNotDisturb,
    /// Popups of this kind are off in Settings.
    KindOff,
    /// Part of a burst: counted in its summary.
    Coalesced,
    /// About the conversation open in the focused window.
    Focused,
    /// The user's own action, echoed back.
    OwnEcho,
    /// Shown already (a re-delivery).
    Duplicate,
}

impl Why {
    pub fn shown(self) -> bool {
        matches!(
            self,
            Why::Shown
                | Why::InPlace
                | Why::Bypass
                | Why::Realert
                | Why::Snoozed
                | Why::Summary
                | Why::Alarm
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub at: String,
    pub summary: String,
    pub shown: bool,
    pub why: Why,
}

/// Kept as noted: the pipeline notes every popup of a flood, Diagnostics
/// reads the last few now and then, so the time is written out on reading.
#[derive(Debug, Default)]
pub struct Decisions(VecDeque<(DateTime<Utc>, String, Why)>);

impl Decisions {
    pub fn note(&mut self, at: DateTime<Utc>, summary: &str, why: Why) {
        if self.0.len() == KEPT {
            self.0.pop_front();
        }
        self.0.push_back((at, summary.to_owned(), why));
    }

    pub fn list(&self) -> Vec<Decision> {
        self.0
            .iter()
            .map(|(at, summary, why)| Decision {
                at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
                summary: summary.clone(),
                shown: why.shown(),
                why: *why,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_ones() {
        let mut d = Decisions::default();
        for i in 0..(KEPT + 5) {
            d.note(Utc::now(), &format!("p{i}"), Why::Coalesced);
        }
        let list = d.list();
        assert_eq!(list.len(), KEPT);
        assert_eq!(list[0].summary, "p5");
        assert!(!list[0].shown);
    }
}
