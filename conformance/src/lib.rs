//! Contract tests of the generated SDKs: a loopback HTTP server that serves scripted
//! responses in order and records every request it receives.
//!
//! Invariant: nothing here listens on or connects to anything but 127.0.0.1.

pub mod server;
