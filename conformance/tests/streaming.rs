//! Streamed responses (server-sent events) over a real loopback server, on the paused
//! clock: retries cover the head and the first event and nothing after; a stream cut short,
//! gone silent, or sending an endless event ends with a typed error as its last item.

use std::time::Duration;

use conformance::server::{Reply, Server};
use every_feature as ef;
use every_feature::futures::StreamExt as _;

fn client(url: &str) -> ef::Client {
    ef::Client::builder()
        .api_key("k")
        .base_url(url)
        .jitter_seed(1)
        .build()
        .unwrap()
}

fn sse() -> Reply {
    Reply::status(200).header("content-type", "text/event-stream")
}

fn delta(i: u32) -> String {
    format!("data: {{\"index\":{i},\"delta\":\"d{i}\"}}\n\n")
}

fn request() -> ef::GenerateRequest {
    ef::GenerateRequest::new("item-1".to_owned())
}

/// Every item of a stream: the deltas' indexes, then the error that ended it, if one did.
async fn drain(
    mut events: ef::EventStream<ef::GenerateDelta, ef::ErrorKind>,
) -> (Vec<i64>, Option<ef::EveryError>) {
    let mut seen = Vec::new();
    while let Some(item) = events.next().await {
        match item {
            Ok(d) => seen.push(d.index),
            Err(e) => return (seen, Some(e)),
        }
    }
    (seen, None)
}

/// A streamed `generate` call on `c`, drained as [`drain`] does.
async fn generate_all(c: &ef::Client) -> (Vec<i64>, Option<ef::EveryError>) {
    let response = c.items().generate(&request()).stream().await.unwrap();
    drain(response.into_inner()).await
}

#[tokio::test(start_paused = true)]
async fn an_error_event_before_any_data_is_retried_as_an_error_response_is() {
    let server = Server::start(vec![
        sse().chunk(
            Duration::ZERO,
            "data: {\"error\":{\"status\":503,\"message\":\"busy\"}}\n\n",
        ),
        sse()
            .chunk(Duration::ZERO, delta(0))
            .chunk(Duration::ZERO, delta(1))
            .chunk(Duration::ZERO, "data: [DONE]\n\n"),
    ])
    .await
    .unwrap();
    let response = client(&server.url())
        .items()
        .generate(&request())
        .stream()
        .await
        .unwrap();
    assert_eq!(response.attempts, 2);
    let (seen, error) = drain(response.into_inner()).await;
    assert_eq!(seen, [0, 1]);
    assert!(error.is_none(), "{error:?}");
    let received = server.received();
    assert_eq!(received.len(), 2);
    // The same call, resent: one idempotency key, and the flag asking for events.
    assert_eq!(
        received[0].header("idempotency-key"),
        received[1].header("idempotency-key")
    );
    let body: serde_json::Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(body["stream"], true);
}

#[tokio::test(start_paused = true)]
async fn an_error_event_after_data_ends_the_stream_and_nothing_is_resent() {
    let server = Server::start(vec![sse().chunk(Duration::ZERO, delta(0)).chunk(
        Duration::from_millis(10),
        "data: {\"error\":{\"status\":503,\"message\":\"busy\"}}\n\n",
    )])
    .await
    .unwrap();
    let (seen, error) = generate_all(&client(&server.url())).await;
    assert_eq!(seen, [0]);
    let error = error.expect("the error event ends the stream");
    let api = error.as_api().expect("an API error");
    assert_eq!(api.class_name(), "ServerError");
    assert_eq!(api.status, 503);
    assert_eq!(api.event.as_deref(), Some("message"));
    assert_eq!(api.detail, "busy");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_connection_lost_mid_stream_is_the_last_item_and_is_not_resent() {
    let server = Server::start(vec![sse().chunk(Duration::ZERO, delta(0)).cut()])
        .await
        .unwrap();
    let (seen, error) = generate_all(&client(&server.url())).await;
    assert_eq!(seen, [0]);
    assert!(
        matches!(error, Some(ef::EveryError::Connection(_))),
        "{error:?}"
    );
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_stops_before_its_terminator_was_cut_short() {
    let changed = r#"data: {"type":"deleted","id":"a"}

"#;
    let server = Server::start(vec![
        sse()
            .chunk(Duration::ZERO, changed)
            .chunk(Duration::ZERO, "data: [DONE]\n\n"),
        sse().chunk(Duration::ZERO, changed),
    ])
    .await
    .unwrap();
    let c = client(&server.url());
    let mut whole = c.items().watch("a").send().await.unwrap().into_inner();
    assert!(matches!(
        whole.next().await,
        Some(Ok(ef::ItemEvent::Deleted(_)))
    ));
    assert!(whole.next().await.is_none(), "[DONE] ends it");
    // A streamed response prints like any other (its stream says whether it has ended).
    assert!(format!("{whole:?}").contains("ended: true"), "{whole:?}");
    let response = c.items().watch("a").send().await.unwrap();
    assert!(format!("{response:?}").contains("EventStream { ended: false"));
    let mut short = response.into_inner();
    assert!(short.next().await.unwrap().is_ok());
    let end = short.next().await.unwrap().unwrap_err();
    assert!(
        end.to_string().contains("ended before its terminator"),
        "{end}"
    );
    assert!(short.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_times_out_between_events() {
    let server = Server::start(vec![sse()
        .chunk(Duration::ZERO, delta(0))
        .chunk(Duration::from_secs(60), delta(1))])
    .await
    .unwrap();
    let started = tokio::time::Instant::now();
    let response = client(&server.url())
        .items()
        .generate(&request())
        .timeout(Duration::from_secs(5))
        .stream()
        .await
        .unwrap();
    let (seen, error) = drain(response.into_inner()).await;
    assert_eq!(seen, [0]);
    assert!(
        matches!(&error, Some(ef::EveryError::Timeout(t)) if t.after == Duration::from_secs(5)),
        "{error:?}"
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn an_event_longer_than_the_size_limit_ends_the_stream() {
    let long = format!(
        "data: {{\"index\":1,\"delta\":\"{}\"}}\n\n",
        "x".repeat(8192)
    );
    let server = Server::start(vec![sse()
        .chunk(Duration::ZERO, delta(0))
        .chunk(Duration::ZERO, long)])
    .await
    .unwrap();
    let c = ef::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .max_response_size(4096)
        .build()
        .unwrap();
    let (seen, error) = generate_all(&c).await;
    assert_eq!(seen, [0]);
    assert!(
        matches!(&error, Some(ef::EveryError::TooLarge(t)) if t.limit == 4096),
        "{error:?}"
    );
}

/// Events in every shape a server may send them decode the same: a byte-order mark, CRLF
/// and CR line endings (one split between chunks), a comment, an `id`, data over two lines
/// and an event cut at every few bytes; an event whose data is not UTF-8 is a decode error
/// with its bytes, and the stream's last item.
#[tokio::test(start_paused = true)]
async fn events_in_any_shape_decode_and_bad_text_is_a_decode_error() {
    let server = Server::start(vec![sse()
        .chunk(
            Duration::ZERO,
            "\u{feff}data: {\"index\":0,\"delta\":\"d0\"}\r\n\r",
        )
        .chunk(
            Duration::ZERO,
            "\n: keep-alive\rid: 7\r\rdata: {\"index\":1,\r\n",
        )
        .chunk(Duration::ZERO, "data: \"delta\":\"d1\"}\n\nda")
        .chunk(Duration::ZERO, "ta: {\"index\":2,\"de")
        .chunk(Duration::ZERO, "lta\":\"d2\"}\n")
        .chunk(Duration::ZERO, "\n")
        .chunk(
            Duration::ZERO,
            &b"data: {\"index\":3,\"delta\":\"\xff\"}\n\n"[..],
        )
        .chunk(Duration::ZERO, delta(4))])
    .await
    .unwrap();
    let (seen, error) = generate_all(&client(&server.url())).await;
    assert_eq!(seen, [0, 1, 2]);
    let Some(ef::EveryError::Decode(decode)) = error else {
        panic!("{error:?}");
    };
    assert!(decode.message.contains("UTF-8"), "{}", decode.message);
    assert_eq!(&decode.body[..], b"{\"index\":3,\"delta\":\"\xff\"}");
}

#[tokio::test(start_paused = true)]
async fn send_without_the_flag_reads_the_whole_response() {
    let server = Server::start(vec![Reply::json(200, r#"{"text":"all of it"}"#)])
        .await
        .unwrap();
    let whole = client(&server.url())
        .items()
        .generate(&request())
        .send()
        .await
        .unwrap();
    assert_eq!(whole.text, "all of it");
    let body: serde_json::Value = serde_json::from_slice(&server.received()[0].body).unwrap();
    assert!(body.get("stream").is_none(), "{body}");
}

/// A small deterministic generator (no dependency needed for this).
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

/// Hostile streams: random pieces of SSE syntax, JSON, terminators, error envelopes,
/// stray CRs and invalid UTF-8, split into chunks at random points. Every call ends (the
/// paused clock runs the idle timeout), yields no more items than the stream has blank
/// lines, and never panics.
#[tokio::test(start_paused = true)]
async fn random_streams_end_with_events_or_a_typed_error() {
    const PIECES: [&[u8]; 16] = [
        b"data: ",
        b"event: error\n",
        b"event: ping\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"{\"type\":\"deleted\",\"id\":\"x\"}",
        b"{\"error\":{\"code\":\"idempotency_key_reused\"}}",
        b"[DONE]",
        b": comment\n",
        b"id: 7\n",
        b"retry: 99999999999999999999\n",
        b"\xff\xfe",
        b"data",
        b"{\"type\":",
        b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ];
    let cases: usize = std::env::var("SDKGEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let mut rng = Lcg(0x5eed);
    for case in 0..cases {
        let mut body = Vec::new();
        for _ in 0..rng.next(40) {
            body.extend_from_slice(PIECES[rng.next(PIECES.len())]);
        }
        let blank_lines = body
            .windows(2)
            .filter(|w| w[0] == w[1] || w == b"\r\n")
            .count()
            + 1;
        let mut reply = sse();
        let mut rest = &body[..];
        while !rest.is_empty() {
            let cut = 1 + rng.next(rest.len());
            reply = reply.chunk(
                Duration::from_millis(rng.next(3) as u64),
                rest[..cut].to_vec(),
            );
            rest = &rest[cut..];
        }
        let server = Server::start(vec![reply]).await.unwrap();
        let c = ef::Client::builder()
            .api_key("k")
            .base_url(server.url())
            .max_retries(0)
            .max_response_size(64)
            .timeout(Duration::from_secs(1))
            .build()
            .unwrap();
        let mut items = 0;
        match c.items().watch("x").send().await {
            Err(_) => {}
            Ok(response) => {
                let mut events = response.into_inner();
                while let Some(item) = events.next().await {
                    items += 1;
                    assert!(items <= blank_lines, "case {case}: more items than events");
                    if item.is_err() {
                        assert!(
                            events.next().await.is_none(),
                            "case {case}: went on after an error"
                        );
                        break;
                    }
                }
            }
        }
        assert!(server.received().len() == 1, "case {case}: resent");
    }
}
