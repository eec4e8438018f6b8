//! The app's end-to-end and D-Bus tests (one test binary, `app`). Tests that
//! need a session bus print SKIPPED without one (and fail under
//! ALORA_TEST_STRICT=1, as in `make test`); run them under
//! `dbus-run-session -- cargo test -p alora-tray --test app`.
// A test crate: its helpers (outside #[test] fns, where clippy.toml's
// allowance does not reach) may panic on what they set up themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod attention;
mod demo;
mod durability;
mod forged_click;
mod freeze;
mod gui;
mod headless;
mod keyring;
mod launcher;
mod local;
mod node;
mod notifier;
mod recorder;
mod resilience;
mod secrets;
mod signin;
mod support;
mod trace_log;
mod webdriver;
mod window_follows;
