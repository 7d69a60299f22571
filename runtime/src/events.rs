//! Streamed responses (server-sent events): the byte stream read with an idle timeout,
//! parsed as it comes with a bound on each line and each event's data, and each event
//! sorted into data, the terminator, an error carrying the API's error envelope, or one to
//! skip.
//!
//! The parser is this module's own, not the `sse-stream` crate it is tested against: that
//! crate hands out each event's data as a new `String`, a copy and an allocation per event,
//! where most events can be decoded in place, in the chunk they came in.
//!
//! The call's retries cover the response head *and* the first event: an error status, a
//! failure or an error event before any data is retried like any failed attempt. From the
//! first data event on nothing is resent; a later failure is the stream's last item.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;
use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::Body as _;
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

/// One event as the spec sorts it. Its data is borrowed from the reader where it can be:
/// an event whose one data line came whole in one chunk is a slice of that chunk.
#[derive(Debug)]
pub(crate) enum Sorted<'a> {
    /// Data for the caller: its text, not yet checked as UTF-8 (decoding checks it).
    Data(Cow<'a, [u8]>),
    /// The terminator.
    Done,
    /// An error envelope, with the event's name.
    Error { name: String, data: String },
    /// Nothing for the caller.
    Skip,
}

impl Sorted<'_> {
    /// This event, owning its data: for the first event, kept past the read that gave it.
    pub(crate) fn into_owned(self) -> Sorted<'static> {
        match self {
            Sorted::Data(data) => Sorted::Data(Cow::Owned(data.into_owned())),
            Sorted::Done => Sorted::Done,
            Sorted::Error { name, data } => Sorted::Error { name, data },
            Sorted::Skip => Sorted::Skip,
        }
    }
}

/// What an event's name alone makes of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ByName {
    /// An error event: its data is an error envelope.
    Error,
    /// An event to skip.
    Skip,
    /// Its data decides.
    Read,
}

impl ByName {
    fn of(spec: &StreamSpec, name: &[u8]) -> Self {
        if spec.error_events.iter().any(|e| e.as_bytes() == name) {
            ByName::Error
        } else if spec.ignore.iter().any(|e| e.as_bytes() == name) {
            ByName::Skip
        } else {
            ByName::Read
        }
    }
}

/// Sorts the events of one stream: what the spec makes of an unnamed event is looked up
/// once, not per event.
pub(crate) struct Sorter<'s> {
    spec: &'s StreamSpec,
    /// What the spec makes of an event without a name (SSE's `message`), the usual kind.
    unnamed: ByName,
}

impl<'s> Sorter<'s> {
    pub(crate) fn new(spec: &'s StreamSpec) -> Self {
        Sorter {
            spec,
            unnamed: ByName::of(spec, b"message"),
        }
    }

    /// The event named `name` (`None`: SSE's default, `message`) with `data`, sorted;
    /// `may_mark` is false when the error field's key is known not to be in its text.
    #[inline]
    pub(crate) fn sort<'a>(
        &self,
        name: Option<&[u8]>,
        data: &'a [u8],
        may_mark: bool,
    ) -> Sorted<'a> {
        let spec = self.spec;
        let by_name = name.map_or(self.unnamed, |name| ByName::of(spec, name));
        let error = || Sorted::Error {
            name: String::from_utf8_lossy(name.unwrap_or(b"message")).into_owned(),
            data: String::from_utf8_lossy(data).into_owned(),
        };
        match by_name {
            ByName::Error => return error(),
            ByName::Skip => return Sorted::Skip,
            ByName::Read => {}
        }
        if spec.done.is_some_and(|d| data.trim_ascii() == d.as_bytes()) {
            return Sorted::Done;
        }
        if let (Some(path), true) = (spec.error_field, may_mark) {
            if marks_error(path, data) {
                return error();
            }
        }
        Sorted::Data(Cow::Borrowed(data))
    }
}

/// Whether `data` has a value at `path`. Its first key must appear quoted in the text
/// (the reader searched for it) before anything is parsed.
fn marks_error(path: &str, data: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(data)
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
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Http(e) => e.fmt(f),
            ReadError::Idle => f.write_str("no data within the timeout"),
            ReadError::TooLarge => f.write_str("an event longer than the size limit"),
        }
    }
}

impl StdError for ReadError {}

/// What the parser did with the input it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// It needs the next chunk.
    More,
    /// An event is ready ([`Parser::event`]).
    Event,
    /// A line or an event's data grew past the size limit.
    TooLarge,
}

/// The server-sent events parser of the HTML standard ("interpreting an event stream"),
/// over chunks as they arrive. Lines end in CRLF, LF or CR; a blank line dispatches the
/// event; `:` starts a comment; fields are `event` and `data` (`id`, `retry` and others
/// carry nothing for the caller, and are skipped); a leading byte-order mark is skipped; an
/// unfinished event at the end is dropped.
///
/// An event whose data is one line that came whole in one chunk is handed out as a slice
/// of that chunk: no copy and no allocation, which is most events of most streams. Others
/// are assembled in buffers kept from event to event. No line and no event's data may grow
/// past the size limit.
struct Parser {
    chunk: Bytes,
    /// How much of `chunk` is read.
    pos: usize,
    /// The last chunk ended in CR: an LF at the start of the next belongs to it.
    after_cr: bool,
    /// The start of a line that began in an earlier chunk; empty between lines (a line is
    /// kept here only when some of it is left at a chunk's end).
    line: Vec<u8>,
    event: EventState,
}

/// The event being read, apart from the chunk its lines are in.
struct EventState {
    /// The event's data lines, each followed by LF, when they are not `data_at`.
    data: Vec<u8>,
    /// The event's one data line so far, in the chunk.
    data_at: Option<Range<usize>>,
    /// The event's name (`event:`); empty is the default name.
    name: Vec<u8>,
    /// The last event's buffers are still lent out: clear them before going on.
    lent: bool,
    /// No line has been read yet (a byte-order mark may start the first).
    first_line: bool,
    max: usize,
    /// The error field's key, quoted, when the spec names one.
    key: Option<memchr::memmem::Finder<'static>>,
    /// Where the key next is in the chunk, at or after the last place looked from; `None`:
    /// not looked for in this chunk yet.
    key_at: Option<usize>,
    /// The event last dispatched: its data's place in the chunk, or `None` when its data
    /// is in `data`. Kept here, not returned: a small value read back from memory where it
    /// was just written in other widths stalls the load.
    ready_at: Option<Range<usize>>,
    /// Whether the error field's key may be in the ready event's data.
    ready_may_mark: bool,
}

impl Parser {
    fn new(max: usize, key: Option<memchr::memmem::Finder<'static>>) -> Self {
        Parser {
            chunk: Bytes::new(),
            pos: 0,
            after_cr: false,
            line: Vec::new(),
            event: EventState {
                data: Vec::new(),
                data_at: None,
                name: Vec::new(),
                lent: false,
                first_line: true,
                max,
                key,
                key_at: None,
                ready_at: None,
                ready_may_mark: false,
            },
        }
    }

    /// The next chunk of the stream; the last is read whole.
    fn feed(&mut self, chunk: Bytes) {
        let event = &mut self.event;
        // An event's data line in the last chunk moves to the buffer before that goes.
        if let Some(at) = event.data_at.take() {
            event.data.extend_from_slice(&self.chunk[at]);
            event.data.push(b'\n');
        }
        event.key_at = None;
        self.chunk = chunk;
        self.pos = 0;
    }

    /// The next event of what has been fed; `None` when more is needed.
    fn advance(&mut self) -> Step {
        let Parser {
            chunk,
            pos,
            after_cr,
            line,
            event,
        } = self;
        event.reclaim();
        loop {
            let Some(rest) = chunk.get(*pos..).filter(|rest| !rest.is_empty()) else {
                return Step::More;
            };
            if std::mem::take(after_cr) && rest[0] == b'\n' {
                *pos += 1;
                continue;
            }
            // A blank line, the end of most events, needs no search.
            let end = if matches!(rest[0], b'\n' | b'\r') {
                0
            } else if let Some(end) = memchr::memchr2(b'\n', b'\r', rest) {
                end
            } else {
                // The line goes on in the next chunk.
                if line.len() + rest.len() > event.max {
                    return Step::TooLarge;
                }
                line.extend_from_slice(rest);
                *pos = chunk.len();
                return Step::More;
            };
            let start = *pos;
            // Past the line's end: CRLF, LF or CR (whose LF may start the next chunk).
            *pos += end + 1;
            if rest[end] == b'\r' {
                match rest.get(end + 1) {
                    Some(b'\n') => *pos += 1,
                    Some(_) => {}
                    None => *after_cr = true,
                }
            }
            let step = if !line.is_empty() {
                if line.len() + end > event.max {
                    return Step::TooLarge;
                }
                line.extend_from_slice(&rest[..end]);
                let step = event.field(line, None, chunk);
                line.clear();
                step
            } else {
                // The line is read where it lies in the chunk.
                event.field(&chunk[start..start + end], Some(start), chunk)
            };
            if step != Step::More {
                return step;
            }
        }
    }

    /// The event [`Parser::advance`] has ready: its name (`None`: the default), its data,
    /// and whether the error field's key may be in the data.
    #[inline]
    fn event(&self) -> (Option<&[u8]>, &[u8], bool) {
        let event = &self.event;
        let name = (!event.name.is_empty()).then_some(&event.name[..]);
        let data = match &event.ready_at {
            Some(at) => &self.chunk[at.clone()],
            None => &event.data[..],
        };
        (name, data, event.ready_may_mark)
    }
}

impl EventState {
    /// Clears the buffers the last event lent out.
    fn reclaim(&mut self) {
        if std::mem::take(&mut self.lent) {
            self.data.clear();
            self.name.clear();
        }
    }

    /// One whole line, `at` its place in `chunk` when it lies there; an event when the
    /// line is blank and ends one.
    fn field(&mut self, mut line: &[u8], mut at: Option<usize>, chunk: &[u8]) -> Step {
        if std::mem::take(&mut self.first_line) {
            if let Some(rest) = line.strip_prefix(b"\xEF\xBB\xBF") {
                line = rest;
                at = at.map(|at| at + 3);
            }
        }
        if line.is_empty() {
            return self.dispatch(chunk);
        }
        if line.len() > self.max {
            return Step::TooLarge;
        }
        let (field, mut value, mut value_at) = match memchr::memchr(b':', line) {
            // A comment.
            Some(0) => return Step::More,
            Some(colon) => (
                &line[..colon],
                &line[colon + 1..],
                at.map(|at| at + colon + 1),
            ),
            None => (line, &line[line.len()..], at.map(|at| at + line.len())),
        };
        if let Some(rest) = value.strip_prefix(b" ") {
            value = rest;
            value_at = value_at.map(|at| at + 1);
        }
        match field {
            b"data" => {
                // The event's first data line stays where it is, until a second comes.
                if let (Some(at), true, None) = (value_at, self.data.is_empty(), &self.data_at) {
                    self.data_at = Some(at..at + value.len());
                    return Step::More;
                }
                if let Some(first) = self.data_at.take() {
                    self.data.extend_from_slice(&chunk[first]);
                    self.data.push(b'\n');
                }
                if self.data.len() + value.len() + 1 > self.max {
                    return Step::TooLarge;
                }
                self.data.extend_from_slice(value);
                self.data.push(b'\n');
            }
            b"event" => {
                self.name.clear();
                self.name.extend_from_slice(value);
            }
            _ => {}
        }
        Step::More
    }

    /// The event a blank line ends, if it has data (HTML's "dispatch the event": one
    /// without data dispatches nothing, but ends the event).
    fn dispatch(&mut self, chunk: &[u8]) -> Step {
        let at = self.data_at.take();
        if at.is_none() {
            if self.data.is_empty() {
                self.name.clear();
                return Step::More;
            }
            self.data.pop();
        }
        self.lent = true;
        self.ready_may_mark = match (&self.key, &at) {
            (None, _) => false,
            (Some(key), None) => key.find(&self.data).is_some(),
            (Some(key), Some(at)) => {
                // The key's next place in the chunk, looked for again only once passed: one
                // pass over the chunk, not a search of every event.
                let next = match self.key_at {
                    Some(next) if next >= at.start => next,
                    _ => key
                        .find(&chunk[at.start..])
                        .map_or(usize::MAX, |i| at.start + i),
                };
                self.key_at = Some(next);
                next < at.end
            }
        };
        self.ready_at = at;
        Step::Event
    }
}

/// Reads a streamed response as events: chunks with an idle timeout, parsed as they come,
/// each event bounded in size and sorted by the spec.
pub(crate) struct EventReader {
    chunks: Chunks,
    parser: Parser,
    sorter: Sorter<'static>,
    /// The first event, read while the call could still be retried.
    pub(crate) first: Option<Sorted<'static>>,
}

impl fmt::Debug for EventReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventReader").finish_non_exhaustive()
    }
}

/// A response body as a stream of chunks, polled in place: no chunk may take longer than
/// the idle timeout to come.
pub(crate) struct Chunks {
    body: reqwest::Body,
    idle: Duration,
    /// When the next chunk is due.
    due: Instant,
    timer: Pin<Box<tokio::time::Sleep>>,
    ended: bool,
}

impl Chunks {
    /// The chunks of `response`, each due within `idle` of the last.
    pub(crate) fn new(response: reqwest::Response, idle: Duration) -> Self {
        let due = Instant::now() + idle;
        Chunks {
            body: reqwest::Body::from(response),
            idle,
            due,
            timer: Box::pin(tokio::time::sleep_until(due)),
            ended: false,
        }
    }

    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, ReadError>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        loop {
            let item = match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(chunk) => {
                        self.due = Instant::now() + self.idle;
                        Ok(chunk)
                    }
                    // Trailers carry nothing for the events.
                    Err(_) => continue,
                },
                Poll::Ready(Some(Err(e))) => Err(ReadError::Http(e)),
                Poll::Ready(None) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {
                    // The timer is moved only when it waits: a chunk that arrives at once
                    // costs a clock read, not a timer update.
                    if self.timer.deadline() != self.due {
                        let due = self.due;
                        self.timer.as_mut().reset(due);
                    }
                    if self.timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    Err(ReadError::Idle)
                }
            };
            self.ended = item.is_err();
            return Poll::Ready(Some(item));
        }
    }
}

impl futures_util::Stream for Chunks {
    type Item = Result<Bytes, ReadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_chunk(cx)
    }
}

impl EventReader {
    /// The events of `response`, each chunk due within `idle` of the last, no line and no
    /// event's data longer than `max_event`.
    pub(crate) fn new(
        response: reqwest::Response,
        spec: &'static StreamSpec,
        idle: Duration,
        max_event: usize,
    ) -> Self {
        let key = spec.error_field.map(|path| {
            let first = path.split(['.', '[']).next().unwrap_or(path);
            memchr::memmem::Finder::new(format!("\"{first}\"").as_bytes()).into_owned()
        });
        EventReader {
            chunks: Chunks::new(response, idle),
            parser: Parser::new(max_event, key),
            sorter: Sorter::new(spec),
            first: None,
        }
    }

    /// The next event, sorted and owning its data; `None` at the end of the stream.
    pub(crate) async fn next_owned(&mut self) -> Option<Result<Sorted<'static>, ReadError>> {
        futures_util::future::poll_fn(|cx| {
            self.poll_next(cx)
                .map(|next| next.map(|event| event.map(Sorted::into_owned)))
        })
        .await
    }

    /// The next event, sorted; `None` at the end of the stream. Its data may be borrowed
    /// from the reader, until it is next polled.
    #[inline]
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Sorted<'_>, ReadError>>> {
        loop {
            match self.parser.advance() {
                Step::Event => break,
                Step::More => {}
                Step::TooLarge => return Poll::Ready(Some(Err(ReadError::TooLarge))),
            }
            match std::task::ready!(self.chunks.poll_chunk(cx)) {
                Some(Ok(chunk)) => self.parser.feed(chunk),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                // An unfinished event at the end is dropped.
                None => return Poll::Ready(None),
            }
        }
        let (name, data, may_mark) = self.parser.event();
        Poll::Ready(Some(Ok(self.sorter.sort(name, data, may_mark))))
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

    /// Events as the tests compare them: each name (`None`: the default) and data.
    type Events = Vec<(Option<Vec<u8>>, Vec<u8>)>;

    /// Every event of `body` fed in `chunks`-sized pieces (all at once for 0): its name
    /// and its data, or the first size error.
    fn parse(body: &[u8], chunk: usize, max: usize) -> Result<Events, ()> {
        let mut parser = Parser::new(max, None);
        let mut events = Vec::new();
        let size = if chunk == 0 { body.len().max(1) } else { chunk };
        for piece in body.chunks(size) {
            parser.feed(Bytes::copy_from_slice(piece));
            loop {
                match parser.advance() {
                    Step::More => break,
                    Step::TooLarge => return Err(()),
                    Step::Event => {
                        let (name, data, _) = parser.event();
                        events.push((name.map(<[u8]>::to_vec), data.to_vec()));
                    }
                }
            }
        }
        Ok(events)
    }

    /// The same body through sse-stream: the events with data, a name only when it is not
    /// empty.
    async fn reference(body: &[u8]) -> Events {
        use futures_util::StreamExt as _;
        let chunks =
            futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::copy_from_slice(body))]);
        let mut events = std::pin::pin!(sse_stream::SseByteStream::new(chunks));
        let mut out = Vec::new();
        while let Some(event) = events.next().await {
            let event = event.expect("valid UTF-8 in, no error out");
            if let Some(data) = event.data {
                let name = event
                    .event
                    .filter(|n| !n.is_empty())
                    .map(String::into_bytes);
                out.push((name, data.into_bytes()));
            }
        }
        out
    }

    /// A small deterministic generator.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % n
        }
    }

    /// The parser against sse-stream, the crate it replaced, on random streams of SSE
    /// syntax (every line ending, comments, fields with and without a value or a space,
    /// names, multi-line data, a byte-order mark, text in several scripts), each fed whole
    /// and in chunks cut at random places: the same events, with the same names and data.
    #[tokio::test]
    async fn parses_as_the_sse_stream_crate_does() {
        const PIECES: [&str; 24] = [
            "data: ",
            "data:",
            "data",
            "event: ",
            "event:",
            "event: error",
            "id: 7",
            "retry: 100",
            ": comment",
            ":",
            "\n",
            "\r\n",
            "\r",
            "\n\n",
            "{\"type\":\"delta\",\"text\":\"h\u{e9}llo \u{4e16}\u{754c}\"}",
            "[DONE]",
            " ",
            "x",
            "other: field",
            "\u{feff}",
            "data: a\ndata: b\n\n",
            "data: {\"n\":1}\n\n",
            "ev",
            "ent: ping\n",
        ];
        let cases: usize = std::env::var("SDKGEN_FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000);
        let mut rng = Lcg(0x55e);
        let (mut events, mut named, mut lines) = (0, 0, 0);
        for case in 0..cases {
            let mut body = String::new();
            if rng.next(8) == 0 {
                body.push('\u{feff}');
            }
            for _ in 0..rng.next(30) {
                body.push_str(PIECES[rng.next(PIECES.len())]);
            }
            let want = reference(body.as_bytes()).await;
            events += want.len();
            named += want.iter().filter(|(name, _)| name.is_some()).count();
            lines += want
                .iter()
                .filter(|(_, data)| data.contains(&b'\n'))
                .count();
            for chunk in [0, 1, 2, 3, 1 + rng.next(body.len().max(1))] {
                let got = parse(body.as_bytes(), chunk, usize::MAX).expect("no limit");
                assert_eq!(got, want, "case {case}, chunks of {chunk}: {body:?}");
            }
        }
        // The streams had events of every kind to compare.
        assert!(
            events > cases / 2 && named > cases / 20 && lines > cases / 20,
            "{events} {named} {lines}"
        );
    }

    /// Hostile bytes (line breaks, field names, colons, spaces, bytes that are not UTF-8,
    /// lines of every length), cut into random chunks, with a small limit: the parser never
    /// panics, never gives data longer than the limit, and holds no buffer much past it.
    #[test]
    fn hostile_bytes_stay_within_the_limit() {
        const PIECES: [&[u8]; 10] = [
            b"\n",
            b"\r",
            b"\r\n",
            b"\n\n",
            b"data: ",
            b"data:",
            b"event: ",
            b":",
            b" ",
            b"\xef\xbb\xbf\xff",
        ];
        const MAX: usize = 48;
        let mut rng = Lcg(0xbad);
        let (mut events, mut refused) = (0, 0);
        for case in 0..3000 {
            let mut body = Vec::new();
            for _ in 0..rng.next(40) {
                match rng.next(4) {
                    0 => body.extend(std::iter::repeat_n(b'x', rng.next(MAX))),
                    _ => body.extend_from_slice(PIECES[rng.next(PIECES.len())]),
                }
            }
            let mut parser = Parser::new(MAX, None);
            let mut rest = &body[..];
            'feed: while !rest.is_empty() {
                let cut = 1 + rng.next(rest.len().min(64));
                parser.feed(Bytes::copy_from_slice(&rest[..cut]));
                rest = &rest[cut..];
                loop {
                    match parser.advance() {
                        Step::More => break,
                        Step::TooLarge => {
                            refused += 1;
                            break 'feed;
                        }
                        Step::Event => {
                            events += 1;
                            let (name, data, _) = parser.event();
                            assert!(data.len() <= MAX, "case {case}: {} bytes", data.len());
                            assert!(name.is_none_or(|n| n.len() <= MAX), "case {case}");
                        }
                    }
                }
                let held = [&parser.line, &parser.event.data, &parser.event.name];
                assert!(
                    held.iter().all(|b| b.len() <= MAX + 1),
                    "case {case}: buffers past the limit"
                );
            }
        }
        assert!(
            events > 500 && refused > 300,
            "{events} events, {refused} refused"
        );
    }

    /// An event whose one data line came whole in one chunk is a slice of that chunk,
    /// however many events the chunk holds; one across two chunks is copied.
    #[test]
    fn an_event_in_one_chunk_is_lent_not_copied() {
        let chunk =
            Bytes::from_static(b"data: {\"a\":1}\n\nevent: x\ndata: {\"b\":2}\r\n\r\ndata: {\"c\"");
        let range = chunk.as_ptr_range();
        let mut parser = Parser::new(1 << 20, None);
        parser.feed(chunk.clone());
        for want in [&b"{\"a\":1}"[..], b"{\"b\":2}"] {
            assert_eq!(parser.advance(), Step::Event);
            let (_, data, _) = parser.event();
            assert_eq!(data, want);
            assert!(range.contains(&data.as_ptr()), "lent from the chunk");
        }
        assert_eq!(parser.advance(), Step::More);
        parser.feed(Bytes::from_static(b":3}\n\n"));
        assert_eq!(parser.advance(), Step::Event);
        assert_eq!(parser.event().1, b"{\"c\":3}");
    }

    /// No line and no event's data grows past the limit, whether it comes in one chunk, in
    /// many, or as many short data lines; what fits is read.
    #[test]
    fn lines_and_data_are_bounded() {
        let long = format!("data: {}\n\n", "x".repeat(100));
        for chunk in [0, 1, 7] {
            assert_eq!(
                parse(long.as_bytes(), chunk, 64),
                Err(()),
                "one line, chunks of {chunk}"
            );
            assert_eq!(
                parse(long.as_bytes(), chunk, 200).map(|e| e.len()),
                Ok(1),
                "under the limit, chunks of {chunk}"
            );
        }
        let many = "data: xxxxxxxxx\n".repeat(20) + "\n";
        assert_eq!(parse(many.as_bytes(), 0, 64), Err(()));
        assert_eq!(parse(many.as_bytes(), 5, 64), Err(()));
        // An endless line is refused as soon as it passes the limit: its buffer stays small.
        let mut parser = Parser::new(64, None);
        let mut refused = false;
        for _ in 0..1000 {
            parser.feed(Bytes::from_static(b"data: yyyyyyyyyyyyyyyy"));
            if parser.advance() == Step::TooLarge {
                refused = true;
                break;
            }
        }
        assert!(refused);
        assert!(parser.line.capacity() <= 128, "{}", parser.line.capacity());
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
            while let Some(event) = reader.next_owned().await {
                match event.expect("event") {
                    Sorted::Data(_) => got.push(false),
                    Sorted::Error { .. } => got.push(true),
                    other => panic!("unexpected {other:?}"),
                }
            }
            assert_eq!(got, want, "chunks of {size}");
        }
    }

    #[test]
    fn events_sort_by_name_terminator_and_error_field() {
        let spec = spec();
        let s = Sorter::new(&spec);
        assert!(matches!(s.sort(None, b"{\"a\":1}", true), Sorted::Data(_)));
        assert!(matches!(s.sort(None, b"[DONE]", true), Sorted::Done));
        assert!(matches!(s.sort(None, b" [DONE]\t", true), Sorted::Done));
        assert!(matches!(s.sort(Some(b"ping"), b"{}", true), Sorted::Skip));
        assert!(matches!(
            s.sort(Some(b"error"), b"{}", true),
            Sorted::Error { ref name, .. } if name == "error"
        ));
        assert!(matches!(
            s.sort(None, b"{\"error\":{\"code\":\"x\"}}", true),
            Sorted::Error { ref name, .. } if name == "message"
        ));
        // Not searched when the key is known not to be there.
        assert!(matches!(
            s.sort(None, b"{\"error\":{\"code\":\"x\"}}", false),
            Sorted::Data(_)
        ));
        // The key as a value, or a null error, is not an error.
        assert!(matches!(
            s.sort(None, b"{\"kind\":\"error\",\"error\":null}", true),
            Sorted::Data(_)
        ));
        // A spec that names `message` among its error events makes unnamed events errors.
        let all = StreamSpec {
            error_events: &["message"],
            ..spec
        };
        assert!(matches!(
            Sorter::new(&all).sort(None, b"{}", false),
            Sorted::Error { .. }
        ));
    }
}
