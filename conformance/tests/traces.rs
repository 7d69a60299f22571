//! The runtime's tracing: a span per call, an event per attempt, response and retry, with
//! the endpoint, method, path, status, wait and request id, and never the key or a body.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use conformance::server::{Reply, Server};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const KEY: &str = "sk-test-SECRET-7f3a9c";

/// A subscriber that writes every span and event as one line of
/// `target level|span name field=value ...`.
#[derive(Clone, Default)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let meta = attrs.metadata();
        let mut line = Line(format!("{} span {}", meta.target(), meta.name()));
        attrs.record(&mut line);
        self.lines.lock().unwrap().push(line.0);
        Id::from_u64(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = Line(format!("{} {}", meta.target(), meta.level()));
        event.record(&mut line);
        self.lines.lock().unwrap().push(line.0);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_traces_its_attempts_wait_and_request_id_but_no_secret() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let server = Server::start(vec![
        Reply::json(
            429,
            r#"{"error_code":"rate_limit_exceeded","detail":"BODY-TEXT"}"#,
        )
        .header("Retry-After", "5")
        .header("x-request-id", "req_1"),
        Reply::json(201, r#"{"id":"org_1","name":"acme"}"#).header("x-request-id", "req_2"),
    ])
    .await
    .unwrap();
    let client = memsy::Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .jitter_seed(7)
        .build()
        .unwrap();
    client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("acme"))
        .send()
        .await
        .unwrap();
    // Everything traced (the HTTP stack's own events too) is checked for secrets; the
    // runtime's lines are compared whole.
    let all = capture.lines.lock().unwrap().clone();
    let lines: Vec<&str> = all
        .iter()
        .filter_map(|l| l.strip_prefix("sdkgen_runtime::client "))
        .collect();
    let expected = [
        "span sdk.call api=Memsy endpoint=orgs.create method=POST path=/v1/orgs",
        "DEBUG message=attempt attempt=1 timeout_ms=60000",
        "DEBUG message=response attempt=1 status=429 request_id=req_1",
        "INFO message=retrying after an error response attempt=1 status=429 class=RateLimitExceeded wait_ms=5000 server_asked=true",
        "DEBUG message=attempt attempt=2 timeout_ms=60000",
        "DEBUG message=response attempt=2 status=201 request_id=req_2",
        "DEBUG message=call succeeded status=201 attempts=2",
    ];
    assert_eq!(lines, expected);
    for line in &all {
        assert!(
            !line.contains("SECRET") && !line.contains("BODY-TEXT") && !line.contains("acme"),
            "a secret or a body in a trace: {line}"
        );
    }
    assert_eq!(server.received().len(), 2);
}
