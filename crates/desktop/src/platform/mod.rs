//! What only one platform has: the calls a port to another OS replaces.

pub mod linux;
