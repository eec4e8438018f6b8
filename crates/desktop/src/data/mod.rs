//! The app's data: where it lives and how it is opened (`storage`), and the
//! inbox, the notification history as the app uses it over alora-store's
//! `history` table (`inbox`).

pub mod inbox;
pub mod storage;
