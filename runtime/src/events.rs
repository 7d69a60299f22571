//! Streamed responses (server-sent events): the byte stream read with an idle timeout and a
//! bound on each event's size, parsed by `sse-stream`, and each event sorted into data, the
//! terminator, an error carrying the API's error envelope, or one to skip.
//!
//! The call's retries cover the response head *and* the first event: an error status, a
//! failure or an error event before any data is retried like any failed attempt. From the
//! first data event on nothing is resent; a later failure is the stream's last item.

use std::error::Error as StdError;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

    /// The error field's key as searched for (quoted), if the spec names one.
    pub(crate) fn key(&self) -> Option<&memchr::memmem::Finder<'static>> {
        self.key.as_ref()
    }

    /// `event` sorted; `may_mark` is false when the error field's key is known not to be in
    /// its text (the bytes it came from were searched as they arrived).
    #[inline]
    pub(crate) fn sort(&self, event: Sse, may_mark: bool) -> Sorted {
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
        if let (Some(path), Some(key), true) = (spec.error_field, &self.key, may_mark) {
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

/// What the chunks tell the reader, which cannot reach them inside the parser.
#[derive(Debug, Default)]
struct Shared {
    /// Bytes read since the last event came out of the parser: the parser pulls another
    /// chunk only when it has no whole event left, so this bounds the event being read
    /// (to the limit plus one chunk), and an endless event cannot grow its buffers.
    unparsed: AtomicUsize,
    /// The error field's key is in the latest chunk (or spans its start).
    key_in_latest: AtomicBool,
    /// The key is in a chunk the next event may come from: the latest one when the last
    /// event came out, or one read since.
    key_pending: AtomicBool,
}

/// Searches each chunk for the error field's key once, as it arrives: one vectorised pass
/// over a large buffer instead of a search of every event's text, which for short events
/// costs more than decoding them. Only the events of chunks with the key are searched.
struct KeyWatch {
    finder: memchr::memmem::Finder<'static>,
    /// The end of the previous chunk (one byte fewer than the key), for a key that spans two
    /// chunks.
    tail: Vec<u8>,
}

impl KeyWatch {
    /// Whether the key is in `chunk`, or begins in the chunk before it.
    fn found(&mut self, chunk: &[u8]) -> bool {
        let keep = self.finder.needle().len().saturating_sub(1);
        let across = !self.tail.is_empty() && {
            let before = self.tail.len();
            self.tail.extend_from_slice(&chunk[..chunk.len().min(keep)]);
            let found = self.finder.find(&self.tail).is_some();
            self.tail.truncate(before);
            found
        };
        let found = across || self.finder.find(chunk).is_some();
        // The last `keep` bytes seen, this chunk's or, for a short chunk, partly the last.
        if chunk.len() >= keep {
            self.tail.clear();
            self.tail.extend_from_slice(&chunk[chunk.len() - keep..]);
        } else {
            self.tail.extend_from_slice(chunk);
            let excess = self.tail.len().saturating_sub(keep);
            self.tail.drain(..excess);
        }
        found
    }
}

/// Reads a streamed response as events: bytes with an idle timeout and a per-event size
/// bound, parsed by `sse-stream`.
pub(crate) struct EventReader {
    events: SseByteStream<Chunks>,
    shared: Arc<Shared>,
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
    shared: Arc<Shared>,
    /// The error field's key, searched for in each chunk, when the spec names one.
    key: Option<KeyWatch>,
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
                        let read = this
                            .shared
                            .unparsed
                            .fetch_add(chunk.len(), Ordering::Relaxed)
                            + chunk.len();
                        if read > this.max_event {
                            Err(ReadError::TooLarge)
                        } else {
                            if let Some(key) = &mut this.key {
                                let found = key.found(&chunk);
                                this.shared.key_in_latest.store(found, Ordering::Relaxed);
                                if found {
                                    this.shared.key_pending.store(true, Ordering::Relaxed);
                                }
                            }
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
            shared: Arc::new(Shared::default()),
            key: None,
            max_event: max_unparsed,
            ended: false,
        }
    }

    /// These chunks, each searched for `key` as it arrives.
    fn watching(mut self, key: memchr::memmem::Finder<'static>) -> Self {
        self.key = Some(KeyWatch {
            finder: key,
            tail: Vec::new(),
        });
        self
    }
}

impl EventReader {
    pub(crate) fn new(
        response: reqwest::Response,
        spec: &'static StreamSpec,
        idle: Duration,
        max_event: usize,
    ) -> Self {
        let sorter = Sorter::new(spec);
        let mut chunks = Chunks::new(response, idle, max_event);
        if let Some(key) = sorter.key() {
            chunks = chunks.watching(key.clone());
        }
        let shared = chunks.shared.clone();
        EventReader {
            events: SseByteStream::new(chunks),
            shared,
            sorter,
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
        let shared = &self.shared;
        shared.unparsed.store(0, Ordering::Relaxed);
        // The event came from chunks read since the last one came out, and the rest of the
        // one that was latest then; what remains of the latest chunk is the next event's.
        // A load and a store, not a `swap`: the swap is a locked instruction on every event,
        // measured at about 5 points of the streaming benchmark.
        let may_mark = shared.key_pending.load(Ordering::Relaxed);
        shared.key_pending.store(
            shared.key_in_latest.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
        let sorter = &self.sorter;
        std::task::Poll::Ready(Some(next.map(|e| sorter.sort(e, may_mark)).map_err(
            |e| match e {
                sse_stream::Error::Body(inner) => match inner.downcast::<ReadError>() {
                    Ok(read) => *read,
                    Err(other) => ReadError::Malformed(other.to_string()),
                },
                other => ReadError::Malformed(format!("the event stream is malformed: {other}")),
            },
        )))
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

    /// An event whose text has the error field is sorted as an error however the stream
    /// is cut into chunks: the key whole in one, split across two, or spread over many.
    #[tokio::test]
    async fn error_field_found_however_the_stream_is_chunked() {
        static SPEC: StreamSpec = StreamSpec {
            done: None,
            error_events: &[],
            error_field: Some("error.code"),
            error_status: None,
            ignore: &[],
        };
        let events = [
            "{\"n\":1}",
            "{\"error\":{\"code\":\"a\"}}",
            "{\"n\":2,\"note\":\"no error here\"}",
            "{\"n\":3}",
            "{\"n\":4,\"error\":{\"code\":\"b\"}}",
            "{\"n\":5}",
        ];
        let body: String = events.iter().map(|e| format!("data: {e}\n\n")).collect();
        let want: Vec<bool> = events.iter().map(|e| e.contains("\"code\"")).collect();
        for size in 1..=body.len() {
            let chunks: Vec<Result<Bytes, std::io::Error>> = body
                .as_bytes()
                .chunks(size)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            let response = http::Response::new(reqwest::Body::wrap_stream(
                futures_util::stream::iter(chunks),
            ));
            let mut reader = EventReader::new(
                reqwest::Response::from(response),
                &SPEC,
                Duration::from_secs(60),
                1 << 20,
            );
            let mut got = Vec::new();
            while let Some(event) = reader.next().await {
                match event.expect("event") {
                    Sorted::Data(_) => got.push(false),
                    Sorted::Error { .. } => got.push(true),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(got, want, "chunks of {size} bytes");
        }
    }

    #[test]
    fn key_watch_finds_the_key_across_chunks() {
        let mut watch = KeyWatch {
            finder: memchr::memmem::Finder::new(b"\"error\"").into_owned(),
            tail: Vec::new(),
        };
        let text = b"{\"a\":1}{\"error\":2}{\"b\":3}";
        for cut in 0..=text.len() {
            for second in cut..=text.len() {
                watch.tail.clear();
                let found: Vec<bool> = [&text[..cut], &text[cut..second], &text[second..]]
                    .iter()
                    .map(|c| watch.found(c))
                    .collect();
                assert!(
                    found.iter().any(|&f| f),
                    "cut at {cut} and {second}: {found:?}"
                );
            }
        }
        watch.tail.clear();
        assert!(!watch.found(b"{\"err"));
        assert!(
            !watch.found(b"xx\"error"),
            "a new chunk's key is not across the seam"
        );
        assert!(watch.found(b"\""));
    }

    #[test]
    fn events_sort_by_name_terminator_and_error_field() {
        let spec = spec();
        let s = Sorter::new(&spec);
        assert!(matches!(
            s.sort(sse(None, Some("{\"a\":1}")), true),
            Sorted::Data(_)
        ));
        assert!(matches!(
            s.sort(sse(None, Some("[DONE]")), true),
            Sorted::Done
        ));
        assert!(matches!(
            s.sort(sse(Some("ping"), Some("{}")), true),
            Sorted::Skip
        ));
        assert!(matches!(s.sort(sse(None, None), true), Sorted::Skip));
        assert!(matches!(
            s.sort(sse(Some("error"), Some("{}")), true),
            Sorted::Error { .. }
        ));
        assert!(matches!(
            s.sort(sse(None, Some("{\"error\":{\"code\":\"x\"}}")), true),
            Sorted::Error { .. }
        ));
        // The key as a value, or a null error, is not an error.
        assert!(matches!(
            s.sort(sse(None, Some("{\"kind\":\"error\",\"error\":null}")), true),
            Sorted::Data(_)
        ));
    }
}
