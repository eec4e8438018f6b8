//! Desktop popups: which incoming event becomes one (`popups`), and the
//! notifier port that shows them (`notifier`, over `platform`'s D-Bus client).

pub mod notifier;
pub mod popups;
