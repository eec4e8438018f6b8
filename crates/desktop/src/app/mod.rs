//! The running app: the state its parts share (`core`), what a user can ask
//! of it (`actions`), the demo's backend, and `--headless` mode.

mod actions;
pub mod core;
pub mod demo;
pub mod headless;
