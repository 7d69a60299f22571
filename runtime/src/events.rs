//! Streamed responses (server-sent events): the byte stream read with an idle timeout and a
//! bound on each event's size, parsed by `sse-stream`, and each event sorted into data, the
//! terminator, an error carrying the API's error envelope, or one to skip.
//!
//! The call's retries cover the response head *and* the first event: an error status, a
//! failure or an error event before any data is retried like any failed attempt. From the
//! first data event on nothing is resent; a later failure is the stream's last item.

use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;
use http_body::Body as _;
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

/// Sorts the events of one stream; built once per stream, so the search for the error
/// field's key is prepared once, not per event.
pub(crate) struct Sorter<'s> {
    spec: &'s StreamSpec,
    /// Finds the error field's first key, quoted, in an event's text.
    key: Option<memchr::memmem::Finder<'static>>,
}

impl<'s> Sorter<'s> {
    pub(crate) fn new(spec: &'s StreamSpec) -> Self {
        let key = spec.error_field.map(|path| {
            let first = path.split(['.', '[']).next().unwrap_or(path);
            memchr::memmem::Finder::new(format!("\"{first}\"").as_bytes()).into_owned()
        });
        Sorter { spec, key }
    }

    #[inline]
    pub(crate) fn sort(&self, event: Sse) -> Sorted {
        let spec = self.spec;
        let name = event.event.as_deref().unwrap_or("message");
        // A block of metadata only (an id, a retry hint) is not an event (HTML's
        // "dispatch": an empty data buffer dispatches nothing).
        let Some(data) = event.data else {
            return Sorted::Skip;
        };
        if spec.error_events.contains(&name) {
            return Sorted::Error {
                name: name.to_owned(),
                data,
            };
        }
        if spec.ignore.contains(&name) {
            return Sorted::Skip;
        }
        if spec.done.is_some_and(|d| data.trim_ascii() == d) {
            return Sorted::Done;
        }
        if let (Some(path), Some(key)) = (spec.error_field, &self.key) {
            if marks_error(key, path, &data) {
                return Sorted::Error {
                    name: name.to_owned(),
                    data,
                };
            }
        }
        Sorted::Data(data)
    }
}

/// Whether `data` has a value at `path`. Its first key (`key`) must appear quoted in the
/// text before anything is parsed, so an ordinary event costs a substring search.
fn marks_error(key: &memchr::memmem::Finder<'_>, path: &str, data: &str) -> bool {
    if key.find(data.as_bytes()).is_none() {
        return false;
    }
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .is_some_and(|v| crate::envelope::lookup(&v, path).is_some_and(|v| !v.is_null()))
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

/// Reads a streamed response as events: bytes with an idle timeout and a per-event size
/// bound, parsed by `sse-stream`.
pub(crate) struct EventReader {
    events: SseByteStream<Chunks>,
    /// Bytes read since the last event came out of the parser: the parser pulls another
    /// chunk only when it has no whole event left, so this bounds the event being read
    /// (to the limit plus one chunk), and an endless event cannot grow its buffers.
    unparsed: Arc<AtomicUsize>,
    pub(crate) sorter: Sorter<'static>,
    /// The first event, read while the call could still be retried.
    pub(crate) first: Option<Sorted>,
}

impl fmt::Debug for EventReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventReader").finish_non_exhaustive()
    }
}

/// A response body as a stream of chunks, polled in place: no chunk may take longer than
/// the idle timeout to come, and the bytes read since the parser last gave an event are
/// counted against the size limit.
pub(crate) struct Chunks {
    body: reqwest::Body,
    idle: Duration,
    /// When the next chunk is due.
    due: Instant,
    timer: Pin<Box<tokio::time::Sleep>>,
    unparsed: Arc<AtomicUsize>,
    max_event: usize,
    ended: bool,
}

impl Stream for Chunks {
    type Item = Result<Bytes, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        loop {
            let item = match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(chunk) => {
                        this.due = Instant::now() + this.idle;
                        let read =
                            this.unparsed.fetch_add(chunk.len(), Ordering::Relaxed) + chunk.len();
                        if read > this.max_event {
                            Err(ReadError::TooLarge)
                        } else {
                            Ok(chunk)
                        }
                    }
                    // Trailers carry nothing for the events.
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(e))) => Err(ReadError::Http(e)),
                Poll::Ready(None) => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    // The timer is moved only when it waits: a chunk that arrives at once
                    // costs a clock read, not a timer update.
                    if this.timer.deadline() != this.due {
                        let due = this.due;
                        this.timer.as_mut().reset(due);
                    }
                    if this.timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    Err(ReadError::Idle)
                }
            };
            this.ended = item.is_err();
            return Poll::Ready(Some(item));
        }
    }
}

impl Chunks {
    /// The chunks of `response`, each due within `idle` of the last; more than
    /// `max_unparsed` bytes between two resets of the count end the stream.
    pub(crate) fn new(response: reqwest::Response, idle: Duration, max_unparsed: usize) -> Self {
        let due = Instant::now() + idle;
        Chunks {
            body: reqwest::Body::from(response),
            idle,
            due,
            timer: Box::pin(tokio::time::sleep_until(due)),
            unparsed: Arc::new(AtomicUsize::new(0)),
            max_event: max_unparsed,
            ended: false,
        }
    }
}

impl EventReader {
    pub(crate) fn new(
        response: reqwest::Response,
        spec: &'static StreamSpec,
        idle: Duration,
        max_event: usize,
    ) -> Self {
        let chunks = Chunks::new(response, idle, max_event);
        let unparsed = chunks.unparsed.clone();
        EventReader {
            events: SseByteStream::new(chunks),
            unparsed,
            sorter: Sorter::new(spec),
            first: None,
        }
    }

    /// The next event, sorted; `None` at the end of the stream.
    pub(crate) async fn next(&mut self) -> Option<Result<Sorted, ReadError>> {
        futures_util::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// [`EventReader::next`], polled in place.
    #[inline]
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Sorted, ReadError>>> {
        let Some(next) = std::task::ready!(Pin::new(&mut self.events).poll_next(cx)) else {
            return std::task::Poll::Ready(None);
        };
        self.unparsed.store(0, Ordering::Relaxed);
        let sorter = &self.sorter;
        std::task::Poll::Ready(Some(next.map(|e| sorter.sort(e)).map_err(|e| match e {
            sse_stream::Error::Body(inner) => match inner.downcast::<ReadError>() {
                Ok(read) => *read,
                Err(other) => ReadError::Malformed(other.to_string()),
            },
            other => ReadError::Malformed(format!("the event stream is malformed: {other}")),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let spec = spec();
        let s = Sorter::new(&spec);
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
