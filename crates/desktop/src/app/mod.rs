//! The running app: the state its parts share (`state`, the `Core`), what a
//! user can ask of it (`requests`), the support report (`report`), the
//! demo's backend, and `--headless` mode.

pub mod demo;
pub mod headless;
mod report;
mod requests;
pub mod state;
