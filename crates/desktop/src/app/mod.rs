//! The running app: the state its parts share (`state`, the `Core`), the
//! way into the pipeline (`input`), what a user can ask of it
//! (`requests`), what a second process forwards (`forwarded`), what a
//! popup's buttons do (`acting`), the attention rules' state (`attention`),
//! snoozing from the window (`snoozing`), the support report (`report`),
//! and the demo's backend.

mod acting;
#[cfg(test)]
mod answering_tests;
mod attention;
pub mod demo;
pub mod forwarded;
pub mod input;
#[cfg(test)]
pub(crate) mod recording;
mod report;
mod requests;
pub mod shell;
mod signin;
#[cfg(test)]
mod signin_tests;
mod snoozing;
#[cfg(test)]
mod snoozing_tests;
pub mod state;
