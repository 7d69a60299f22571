//! Contract tests of the generated SDKs: cases and recorded cassettes replayed over a real
//! loopback socket, the typed outcome and the requests sent snapshotted with insta.
//!
//! Each generated crate has a `tests/conformance.rs` that hands [`replay::run_all`] its
//! dispatcher (spec endpoint name -> typed method call) and the coverage keys its spec
//! requires. Invariant: nothing here listens on or connects to anything but 127.0.0.1,
//! except record mode's forwarding to the base URL a maintainer names.

#![deny(missing_docs)]

pub mod cassette;
pub mod outcome;
pub mod record;
pub mod replay;
pub mod server;

pub use cassette::{Call, Cassette, ClientOptions, API_KEY, API_KEY_PLACEHOLDER};
pub use outcome::{outcome, Outcome};
pub use replay::{run_all, CallFuture};

/// The wall clock of every replay: 2026-01-01T00:00:00Z, so HTTP-date and epoch headers
/// give the same waits on every run.
pub fn fixed_clock() -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600)
}
