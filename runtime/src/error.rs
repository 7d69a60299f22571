//! The error hierarchy every generated SDK instantiates with its own class enum.
//!
//! `Error<K>` is the root (the vendor's base exception); `ApiError<K>` is every non-2xx
//! response, with `K` the generated enum of the spec's classes and their typed attributes.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::envelope::ErrorResponse;
use crate::ratelimit::RateLimitState;

/// Implemented by the generated enum of error classes.
pub trait ErrorClass: fmt::Debug + Send + Sync + 'static {
    /// Picks the class of a response and reads its typed attributes.
    fn from_response(response: &ErrorResponse<'_>) -> Self;
    /// The class name as the vendor documents it, e.g. `AuthorizationError`.
    fn class_name(&self) -> &'static str;
    /// The documented names of its ancestors, nearest first, ending with the API base class.
    fn ancestors(&self) -> &'static [&'static str];
}

/// Any error a generated client returns.
///
/// Every variant's details are boxed, so the error is two words: a `Result` of the SDK is
/// barely larger than its success value, and moving one (each item of a stream is one)
/// copies no more. Fields read through the box as through a reference (`e.attempts`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<K> {
    /// The server could not be reached: connection refused, DNS failure, TLS failure, reset.
    Connection(Box<ConnectionError>),
    /// An attempt (or the whole call's deadline) ran out of time.
    Timeout(Box<TimeoutError>),
    /// The server answered with a non-2xx status.
    Api(Box<ApiError<K>>),
    /// The server answered 2xx but the body was not what the spec says.
    Decode(Box<DecodeError>),
    /// The request could not be built (for example a header value with a newline).
    Request(Box<RequestError>),
    /// The server redirected to another origin (or asked to change the method); the
    /// runtime refused to follow, so no credential left the API's origin.
    Redirect(Box<RedirectError>),
    /// The server answered 2xx with a body longer than the client's response-size limit.
    TooLarge(Box<TooLargeError>),
}

impl<K: ErrorClass> Error<K> {
    /// The API error, when the server answered with a non-2xx status.
    pub fn as_api(&self) -> Option<&ApiError<K>> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the server could not be reached or did not answer in time (what the vendor
    /// documents as its connection error).
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connection(_) | Error::Timeout(_))
    }

    /// Whether the failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_))
    }

    /// The HTTP status, when there was a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            Error::Redirect(e) => Some(e.status),
            Error::TooLarge(e) => Some(e.status),
            _ => None,
        }
    }

    /// How many attempts were made (1 when nothing was retried).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Connection(e) => e.attempts,
            Error::Timeout(e) => e.attempts,
            Error::Api(e) => e.attempts,
            Error::Decode(e) => e.attempts,
            Error::Request(_) => 0,
            Error::Redirect(e) => e.attempts,
            Error::TooLarge(e) => e.attempts,
        }
    }

    /// The server's wait hint, when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.as_api().and_then(|e| e.retry_after)
    }

    /// The request id the server sent.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode(e) => e.request_id.as_deref(),
            Error::TooLarge(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The rate-limit state the response reported.
    pub fn rate_limit(&self) -> Option<&RateLimitState> {
        match self {
            Error::Api(e) => Some(&e.rate_limit),
            Error::Decode(e) => Some(&e.rate_limit),
            Error::TooLarge(e) => Some(&e.rate_limit),
            _ => None,
        }
    }
}

impl<K: ErrorClass> fmt::Display for Error<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connection(e) => e.fmt(f),
            Error::Timeout(e) => e.fmt(f),
            Error::Api(e) => e.fmt(f),
            Error::Decode(e) => e.fmt(f),
            Error::Request(e) => e.fmt(f),
            Error::Redirect(e) => e.fmt(f),
            Error::TooLarge(e) => e.fmt(f),
        }
    }
}

/// `Error` is transparent: its message is the inner error's, so its source is the inner
/// error's source, not the inner error (whose message a reporter would print twice).
impl<K: ErrorClass> std::error::Error for Error<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connection(e) => e.source(),
            Error::Timeout(e) => e.source(),
            Error::Api(e) => e.source(),
            Error::Decode(e) => e.source(),
            Error::Request(e) => e.source(),
            Error::Redirect(e) => e.source(),
            Error::TooLarge(e) => e.source(),
        }
    }
}

impl<K> From<ApiError<K>> for Error<K> {
    fn from(e: ApiError<K>) -> Self {
        Error::Api(Box::new(e))
    }
}

/// A non-2xx response, classified.
///
/// Its fields are read, never written, outside the runtime: it is `#[non_exhaustive]`, so
/// a field added in a later version breaks no one. This does not compile:
///
/// ```compile_fail
/// fn make<K>(kind: K) -> sdkgen_runtime::ApiError<K> {
///     sdkgen_runtime::ApiError {
///         kind, status: 500, event: None, detail: String::new(), code: None,
///         error_type: None, request_id: None, retry_after: None, attempts: 1,
///         rate_limit: todo!(), response: todo!(),
///     }
/// }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError<K> {
    /// The class and its typed attributes.
    pub kind: K,
    /// HTTP status. For an error that came as an event of a streamed response: the status
    /// the event names, else the one status its class documents, else the stream's (2xx).
    pub status: u16,
    /// The name of the event that carried it, when the error came inside a streamed
    /// response (`error`); `None` for an error response.
    pub event: Option<String>,
    /// The server's detail message (or, for a non-JSON body, its text or the reason phrase).
    pub detail: String,
    /// The machine-readable error code, when the body has one.
    pub code: Option<String>,
    /// The error type, for APIs that send one beside the code.
    pub error_type: Option<String>,
    /// The request id the server sent.
    pub request_id: Option<String>,
    /// How long the server asked to wait before trying again.
    pub retry_after: Option<Duration>,
    /// How many attempts were made, this one included.
    pub attempts: u32,
    /// The rate-limit state the response reported.
    pub rate_limit: RateLimitState,
    /// The raw response (secrets redacted, body capped).
    pub response: RawResponse,
}

impl<K: ErrorClass> ApiError<K> {
    /// The class name as the vendor documents it.
    pub fn class_name(&self) -> &'static str {
        self.kind.class_name()
    }

    /// Whether this error is of the named class or one of its subclasses.
    pub fn is_a(&self, class_name: &str) -> bool {
        self.kind.class_name() == class_name || self.kind.ancestors().contains(&class_name)
    }
}

impl<K: ErrorClass> fmt::Display for ApiError<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}", self.kind.class_name(), self.status)?;
        if let Some(code) = &self.code {
            write!(f, ", code {code}")?;
        }
        write!(f, "): {}", self.detail)?;
        if let Some(wait) = self.retry_after {
            write!(f, " (retry after {:.3}s)", wait.as_secs_f64())?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl<K: ErrorClass> std::error::Error for ApiError<K> {}

/// The server could not be reached.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionError {
    /// What went wrong, without secrets.
    pub message: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// Whether the failure happened before the request was sent (so it never reached the
    /// server).
    pub before_send: bool,
    pub(crate) source: Option<reqwest::Error>,
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection failed: {}", self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

/// The message already holds the cause's chain, with secrets taken out, so there is no
/// source to print again (reqwest's own message may name a URL holding a key); the
/// transport error itself is [`ConnectionError::transport`].
impl std::error::Error for ConnectionError {}

impl ConnectionError {
    /// The transport's own error, when there is one, for code that inspects it (its
    /// `Display` may name the request's URL, so log [`ConnectionError`]'s instead).
    pub fn transport(&self) -> Option<&reqwest::Error> {
        self.source.as_ref()
    }
}

/// An attempt, or the call's total deadline, ran out of time.
#[derive(Debug)]
#[non_exhaustive]
pub struct TimeoutError {
    /// The limit that ran out, as configured: the per-attempt timeout, or the call's
    /// deadline.
    pub after: Duration,
    /// Whether the call's total deadline (rather than one attempt's timeout) ran out.
    pub deadline: bool,
    /// Whether the call gave up waiting for the client-side throttle: its next request
    /// could not have been sent before the deadline, so it was not sent (and took no token).
    pub throttle: bool,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if self.deadline {
            "call deadline"
        } else {
            "request timeout"
        };
        let secs = self.after.as_secs_f64();
        if self.throttle {
            write!(
                f,
                "{what} of {secs:.3}s would pass before the client-side throttle allows another request"
            )?;
        } else {
            write!(f, "{what} of {secs:.3}s elapsed")?;
        }
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for TimeoutError {}

/// A 2xx response whose body could not be decoded.
#[derive(Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// What the decoder said.
    pub message: String,
    /// HTTP status.
    pub status: u16,
    /// The raw body, at most [`crate::BODY_LIMIT`] bytes, any echoed API key redacted.
    pub body: Bytes,
    /// Whether the body was longer than [`crate::BODY_LIMIT`] and `body` is its start.
    pub truncated: bool,
    /// The request id the server sent.
    pub request_id: Option<String>,
    /// The rate-limit state the response reported.
    pub rate_limit: RateLimitState,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the HTTP {} response body ({} bytes): {}",
            self.status,
            self.body.len(),
            self.message
        )
    }
}

impl std::error::Error for DecodeError {}

/// Why a redirect was not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectRefusal {
    /// It pointed to another origin (scheme, host or port) than the API's.
    OtherOrigin,
    /// Following it would change the method (a 301/302/303 answer to a POST, PUT, PATCH or
    /// DELETE), or the request could not be sent again.
    MethodChange,
    /// More than [`crate::client::MAX_REDIRECTS`] redirects in a row.
    TooMany,
    /// The `Location` is not a URL.
    InvalidLocation,
}

/// A redirect the client refused to follow.
#[derive(Debug)]
#[non_exhaustive]
pub struct RedirectError {
    /// The 3xx status.
    pub status: u16,
    /// The `Location` the server named (any echoed API key redacted).
    pub location: String,
    /// Why it was not followed.
    pub refusal: RedirectRefusal,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.refusal {
            RedirectRefusal::OtherOrigin => "it leads away from the API's origin",
            RedirectRefusal::MethodChange => "following it would change the request's method",
            RedirectRefusal::TooMany => "there were too many redirects",
            RedirectRefusal::InvalidLocation => "its Location is not a URL",
        };
        write!(
            f,
            "HTTP {} redirect to `{}` not followed: {why}",
            self.status, self.location
        )
    }
}

impl std::error::Error for RedirectError {}

/// A success response whose body was longer than the client's limit.
#[derive(Debug)]
#[non_exhaustive]
pub struct TooLargeError {
    /// HTTP status.
    pub status: u16,
    /// The limit in bytes (after decompression) that the body passed.
    pub limit: usize,
    /// The request id the server sent.
    pub request_id: Option<String>,
    /// The rate-limit state the response reported.
    pub rate_limit: RateLimitState,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for TooLargeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the HTTP {} response body is larger than the limit of {} bytes; raise it with the builder's `max_response_size`",
            self.status, self.limit
        )
    }
}

impl std::error::Error for TooLargeError {}

/// The request could not be built.
#[derive(Debug)]
pub struct RequestError {
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid request: {}", self.message)
    }
}

impl std::error::Error for RequestError {}

/// A response as received, for inspection: headers with secrets redacted, body capped.
#[derive(Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers in the order received, names lowercase; secret-bearing ones read `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// The body, at most [`crate::BODY_LIMIT`] bytes.
    pub body: Bytes,
    /// Whether the body was longer than the limit and was cut.
    pub truncated: bool,
}

impl RawResponse {
    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("{} bytes", self.body.len()))
            .field("truncated", &self.truncated)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field list the `compile_fail` example of `ApiError` names is the whole list:
    /// so that example fails for `#[non_exhaustive]` alone.
    #[allow(dead_code, unreachable_code, clippy::diverging_sub_expression)]
    fn api_error_example_names_every_field<K>(kind: K) -> ApiError<K> {
        ApiError {
            kind,
            status: 500,
            event: None,
            detail: String::new(),
            code: None,
            error_type: None,
            request_id: None,
            retry_after: None,
            attempts: 1,
            rate_limit: todo!(),
            response: todo!(),
        }
    }

    /// Every variant is a box: the error is a tag and a pointer, whatever the class enum.
    #[test]
    fn the_error_is_two_words() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Big([u64; 16]);
        assert_eq!(
            std::mem::size_of::<Error<Big>>(),
            2 * std::mem::size_of::<usize>()
        );
        assert!(
            std::mem::size_of::<Result<String, Error<Big>>>()
                <= std::mem::size_of::<String>() + std::mem::size_of::<usize>()
        );
    }
}
