//! Streamed responses (server-sent events): the byte stream read with an idle timeout and a
//! bound on each event's size, parsed by `sse-stream`, and each event sorted into data, the
//! terminator, an error carrying the API's error envelope, or one to skip.
//!
//! The call's retries cover the response head *and* the first event: an error status, a
//! failure or an error event before any data is retried like any failed attempt. From the
//! first data event on nothing is resent; a later failure is the stream's last item.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use sse_stream::{Sse, SseByteStream};
use tokio::time::Instant;

/// What an endpoint's spec says about its event stream.
#[derive(Debug)]
pub struct StreamSpec {
    /// The data of the event that ends the stream (`[DONE]`), when the API sends one. A
    /// stream that ends without it was cut short.
    pub done: Option<&'static str>,
    /// Names of events whose data is an error envelope (`error`).
    pub error_events: &'static [&'static str],
    /// A body path whose presence in an event's data marks it as an error (`error`), for
    /// APIs that send errors as ordinary events.
    pub error_field: Option<&'static str>,
    /// A body path in an error event giving the HTTP status it stands for; without one the
    /// error table picks the class by its other conditions.
    pub error_status: Option<&'static str>,
    /// Names of events that carry nothing for the caller (`ping`): skipped.
    pub ignore: &'static [&'static str],
}

/// A streamed response: its events as they arrive, each decoded into `E`. `Response<EventStream<E, K>>`
/// derefs to it; read it with `StreamExt::next`. After an error it ends.
pub type EventStream<E, K> = BoxStream<'static, Result<E, crate::Error<K>>>;

/// One event as the spec sorts it.
#[derive(Debug)]
pub(crate) enum Sorted {
    /// Data for the caller.
    Data(String),
    /// The terminator.
    Done,
    /// An error envelope, with the event's name.
    Error { name: String, data: String },
    /// Nothing for the caller.
    Skip,
}

impl StreamSpec {
    pub(crate) fn sort(&self, event: Sse) -> Sorted {
        let name = event.event.as_deref().unwrap_or("message");
        // A block of metadata only (an id, a retry hint) is not an event (HTML's
        // "dispatch": an empty data buffer dispatches nothing).
        let Some(data) = event.data else {
            return Sorted::Skip;
        };
        if self.error_events.contains(&name) {
            return Sorted::Error {
                name: name.to_owned(),
                data,
            };
        }
        if self.ignore.contains(&name) {
            return Sorted::Skip;
        }
        if self.done.is_some_and(|d| data.trim() == d) {
            return Sorted::Done;
        }
        if let Some(path) = self.error_field {
            if self.marks_error(path, &data) {
                return Sorted::Error {
                    name: name.to_owned(),
                    data,
                };
            }
        }
        Sorted::Data(data)
    }

    /// Whether `data` has a value at `path`. The first key must appear quoted in the text
    /// before anything is parsed, so ordinary events cost a substring search.
    fn marks_error(&self, path: &str, data: &str) -> bool {
        let first = path.split(['.', '[']).next().unwrap_or(path);
        let quoted = format!("\"{first}\"");
        if memchr::memmem::find(data.as_bytes(), quoted.as_bytes()).is_none() {
            return false;
        }
        serde_json::from_str::<serde_json::Value>(data)
            .ok()
            .is_some_and(|v| crate::envelope::lookup(&v, path).is_some_and(|v| !v.is_null()))
    }
}

/// Why reading the stream stopped.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection failed.
    Http(reqwest::Error),
    /// No bytes came within the idle timeout.
    Idle,
    /// One event grew past the size limit.
    TooLarge,
    /// The stream is not valid SSE (a field that is not UTF-8).
    Malformed(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Http(e) => e.fmt(f),
            ReadError::Idle => f.write_str("no data within the timeout"),
            ReadError::TooLarge => f.write_str("an event longer than the size limit"),
            ReadError::Malformed(m) => f.write_str(m),
        }
    }
}

impl StdError for ReadError {}

/// Counts the bytes of the event being read (since the last blank line) so one endless
/// event cannot grow the parser's buffers without bound.
struct EventBound {
    limit: usize,
    event: usize,
    line: usize,
    after_cr: bool,
}

impl EventBound {
    fn new(limit: usize) -> Self {
        EventBound {
            limit,
            event: 0,
            line: 0,
            after_cr: false,
        }
    }

    /// Whether the event stays within the limit after `chunk`.
    fn feed(&mut self, chunk: &[u8]) -> bool {
        let mut rest = chunk;
        while !rest.is_empty() {
            if self.after_cr && rest[0] == b'\n' {
                // The LF of a CRLF: the line already ended.
                self.after_cr = false;
                rest = &rest[1..];
                continue;
            }
            match memchr::memchr2(b'\n', b'\r', rest) {
                None => {
                    self.line += rest.len();
                    self.event += rest.len();
                    self.after_cr = false;
                    break;
                }
                Some(i) => {
                    self.event += i;
                    let blank = self.line + i == 0;
                    self.line = 0;
                    if blank {
                        self.event = 0;
                    }
                    self.after_cr = rest[i] == b'\r';
                    rest = &rest[i + 1..];
                }
            }
        }
        self.event <= self.limit
    }
}

/// Reads a streamed response as events: bytes with an idle timeout and a per-event size
/// bound, parsed by `sse-stream`.
pub(crate) struct EventReader {
    events: BoxStream<'static, Result<Sse, sse_stream::Error>>,
    /// The first event, read while the call could still be retried.
    pub(crate) first: Option<Sorted>,
}

impl fmt::Debug for EventReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventReader").finish_non_exhaustive()
    }
}

impl EventReader {
    pub(crate) fn new(response: reqwest::Response, idle: Duration, max_event: usize) -> Self {
        let bytes = futures_util::stream::unfold(
            Some((response, EventBound::new(max_event))),
            move |state| async move {
                let (mut response, mut bound) = state?;
                let next = tokio::time::timeout_at(Instant::now() + idle, response.chunk()).await;
                match next {
                    Err(_) => Some((Err(ReadError::Idle), None)),
                    Ok(Err(e)) => Some((Err(ReadError::Http(e)), None)),
                    Ok(Ok(None)) => None,
                    Ok(Ok(Some(chunk))) => {
                        if bound.feed(&chunk) {
                            Some((Ok::<Bytes, ReadError>(chunk), Some((response, bound))))
                        } else {
                            Some((Err(ReadError::TooLarge), None))
                        }
                    }
                }
            },
        );
        EventReader {
            events: SseByteStream::new(bytes).boxed(),
            first: None,
        }
    }

    /// The next event, `None` at the end of the stream.
    pub(crate) async fn next(&mut self) -> Option<Result<Sse, ReadError>> {
        Some(self.events.next().await?.map_err(|e| match e {
            sse_stream::Error::Body(inner) => match inner.downcast::<ReadError>() {
                Ok(read) => *read,
                Err(other) => ReadError::Malformed(other.to_string()),
            },
            other => ReadError::Malformed(format!("the event stream is malformed: {other}")),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(limit: usize, chunks: &[&str]) -> bool {
        let mut b = EventBound::new(limit);
        chunks.iter().all(|c| b.feed(c.as_bytes()))
    }

    #[test]
    fn the_bound_counts_one_event_at_a_time() {
        // Ten-byte events separated by blank lines never pass a limit of 16.
        assert!(bound(16, &["data: 1234\n\n"; 100]));
        assert!(bound(16, &["data: 1234\r\n\r\n"; 100]));
        assert!(bound(16, &["data: 1234\r\r"; 100]));
        // A blank line split across chunks still ends the event.
        assert!(bound(
            16,
            &["data: 1234\r", "\n", "\r", "\ndata: 123456789\n\n"]
        ));
        // One event of many short lines is one event.
        assert!(!bound(16, &["data: 1\n"; 10]));
        // A line that never ends.
        assert!(!bound(16, &["xxxxxxxx"; 3]));
    }

    fn spec() -> StreamSpec {
        StreamSpec {
            done: Some("[DONE]"),
            error_events: &["error"],
            error_field: Some("error"),
            error_status: None,
            ignore: &["ping"],
        }
    }

    fn sse(event: Option<&str>, data: Option<&str>) -> Sse {
        Sse {
            event: event.map(str::to_owned),
            data: data.map(str::to_owned),
            ..Sse::default()
        }
    }

    #[test]
    fn events_sort_by_name_terminator_and_error_field() {
        let s = spec();
        assert!(matches!(
            s.sort(sse(None, Some("{\"a\":1}"))),
            Sorted::Data(_)
        ));
        assert!(matches!(s.sort(sse(None, Some("[DONE]"))), Sorted::Done));
        assert!(matches!(
            s.sort(sse(Some("ping"), Some("{}"))),
            Sorted::Skip
        ));
        assert!(matches!(s.sort(sse(None, None)), Sorted::Skip));
        assert!(matches!(
            s.sort(sse(Some("error"), Some("{}"))),
            Sorted::Error { .. }
        ));
        assert!(matches!(
            s.sort(sse(None, Some("{\"error\":{\"code\":\"x\"}}"))),
            Sorted::Error { .. }
        ));
        // The key as a value, or a null error, is not an error.
        assert!(matches!(
            s.sort(sse(None, Some("{\"kind\":\"error\",\"error\":null}"))),
            Sorted::Data(_)
        ));
    }
}
