//! The hand-written runtime every generated SDK shares: transport, retries, rate limits and
//! the error plumbing. It knows nothing of any one API; generated crates hand it their
//! spec's tables and policy values in an [`ApiSpec`].
//!
//! Items marked `#[doc(hidden)]` exist for generated code and are not a stable API.

#![deny(missing_docs)]

pub mod client;
#[doc(hidden)]
pub mod de;
pub mod envelope;
pub mod error;
pub mod events;
pub mod paging;
pub mod ratelimit;
pub mod retry;
pub mod secret;
#[doc(hidden)]
pub mod serde_helpers;
pub mod timestamp;
pub mod upload;
pub mod values;

pub use client::{
    path_segment, ApiSpec, Auth, BodyStream, BuildError, Call, CallOptions, Client, ClientBuilder,
    Credential, EmptyCall, EventStream, JsonCall, Keyed, OptionalHeader, Plain, Request, Response,
    DEFAULT_MAX_RESPONSE_SIZE, MAX_REDIRECTS,
};
pub use envelope::{ClassRule, EnvelopeSpec, ErrorResponse, Matcher, Source, Test};
pub use error::{
    ApiError, ConnectionError, DecodeError, Error, ErrorClass, RawResponse, RedirectError,
    RedirectRefusal, RequestError, TimeoutError, TooLargeError,
};
pub use ratelimit::{BucketSpec, HeaderFamilySpec, RateLimitFamily, RateLimitState, Throttle};
pub use retry::{AttemptValue, ClassWait, RetryPolicy};
pub use secret::{Redactor, SecretString};
pub use timestamp::Timestamp;
pub use upload::{File, Multipart};
pub use values::HeaderFormat;

/// Re-exported so generated crates and their users name one version of reqwest.
pub use reqwest;

/// The stream traits paginated calls return, re-exported so users need no other crate:
/// `use <crate>::futures::StreamExt;` then `.next().await`, `.take(n)`.
pub mod futures {
    pub use futures_util::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
}

pub use events::StreamSpec;
pub use paging::{Items, PageSpec, PageStyle};

/// The most of an error response body the runtime keeps (64 KiB). Longer bodies are cut and
/// marked `truncated`; the rest is never read from the socket. A cut body is not parsed as
/// JSON, so its detail falls back to the text.
pub const BODY_LIMIT: usize = 64 * 1024;
