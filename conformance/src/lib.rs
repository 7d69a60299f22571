//! Contract tests of the generated SDKs: cases and recorded cassettes replayed over a real
//! loopback socket, the typed outcome and the requests sent snapshotted with insta.
//!
//! Each generated crate has a `tests/conformance.rs` that hands [`replay::run_all`] its
//! dispatcher (spec endpoint name -> typed method call) and the coverage keys its spec
//! requires. Invariant: nothing here listens on or connects to anything but 127.0.0.1,
//! except record mode's forwarding to the base URL a maintainer names.

#![deny(missing_docs)]

pub mod cassette;
pub mod hostile;
pub mod outcome;
pub mod record;
pub mod replay;
pub mod server;

pub use cassette::{Call, Cassette, ClientOptions, API_KEY, API_KEY_PLACEHOLDER};
pub use outcome::{outcome, outcome_download, outcome_events, outcome_items, Outcome};
pub use replay::{run_all, CallFuture};

/// A client of a generated SDK configured for a case: the base URL, the key (the
/// harness's when `None`), a seeded jitter, the fixed clock and the case's overrides.
pub fn client<C: From<sdkgen_runtime::Client>>(
    builder: sdkgen_runtime::ClientBuilder<C>,
    url: &str,
    options: &ClientOptions,
    key: Option<&str>,
) -> Result<C, String> {
    let mut builder = builder
        .base_url(url)
        .api_key(key.unwrap_or(API_KEY))
        .jitter_seed(1)
        .clock(fixed_clock);
    if let Some(n) = options.max_retries {
        builder = builder.max_retries(n);
    }
    if let Some(t) = options.timeout() {
        builder = builder.timeout(t);
    }
    builder.build().map_err(|e| e.to_string())
}

/// The wall clock of every replay: 2026-01-01T00:00:00Z, so HTTP-date and epoch headers
/// give the same waits on every run.
pub fn fixed_clock() -> std::time::SystemTime {
    std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600)
}
