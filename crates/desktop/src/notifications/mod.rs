//! Desktop popups: which incoming event becomes one (`popups`, within its
//! burst's budget, `bursts`), what it offers to do (`actions`), what comes
//! back until answered (`reminders`: re-alerts, snoozes), and the notifier
//! port that shows them (`notifier`, over `platform`'s D-Bus client).

pub mod actions;
pub mod bursts;
pub mod notifier;
pub mod popups;
pub mod reminders;
