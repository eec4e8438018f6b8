//! The app's data: where it lives and how it is opened (`storage`), and the
//! notification history as the app uses it (`history`).

pub mod history;
pub mod storage;
