//! The attack corpus: what a hostile or broken server can do to a generated client, each
//! with the typed outcome it must get. Redirects of every kind to another origin under
//! every auth scheme, decompression bombs in success and error bodies, endless and
//! trickling bodies, huge headers, absurd waits, a key echoed back, and the throttle under
//! a deadline. Memory is bounded by counting: the bytes a server managed to send, and the
//! peak of this test binary's heap while the call ran.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use conformance::hostile::{gzip_bomb, HostileServer, Script};
use conformance::server::{Reply, Server};
use sdkgen_runtime::{
    ApiSpec, Auth, Client, EnvelopeSpec, Error, ErrorClass, ErrorResponse, RedirectRefusal,
    Request, RetryPolicy,
};
use serde_json::Value;
use tokio::time::Instant;

/// Counts live heap bytes and their peak, so bomb tests can bound memory exactly.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::SeqCst) + layout.size();
            PEAK.fetch_max(live, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
        LIVE.fetch_sub(layout.size(), Ordering::SeqCst);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = System.realloc(p, layout, new_size);
        if !q.is_null() {
            if new_size > layout.size() {
                let grow = new_size - layout.size();
                let live = LIVE.fetch_add(grow, Ordering::SeqCst) + grow;
                PEAK.fetch_max(live, Ordering::SeqCst);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its output with the heap's peak growth over what was live before.
/// Tests that measure run one at a time (they share the counters).
async fn peak_during<F: std::future::Future>(f: F) -> (F::Output, usize) {
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _guard = ONE_AT_A_TIME.lock().await;
    let before = LIVE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let out = f.await;
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(before))
}

const MIB: usize = 1 << 20;
const KEY: &str = "sk-live+SECRET/abc=123";

/// The one class of the test API.
#[derive(Debug)]
struct AnyError;

impl ErrorClass for AnyError {
    fn from_response(_: &ErrorResponse<'_>) -> Self {
        AnyError
    }
    fn class_name(&self) -> &'static str {
        "AnyError"
    }
    fn ancestors(&self) -> &'static [&'static str] {
        &[]
    }
}

fn spec(auth: Auth, retry: RetryPolicy) -> &'static ApiSpec {
    Box::leak(Box::new(ApiSpec {
        name: "Hostile",
        user_agent: "hostile-test/0",
        base_url: "http://127.0.0.1:9",
        env_api_key: &[],
        extra_credentials: &[],
        optional_headers: &[],
        env_base_url: None,
        auth,
        headers: &[],
        request_id_header: Some("x-request-id"),
        envelope: EnvelopeSpec {
            detail: &["detail"],
            code: &["code"],
            error_type: &[],
            non_json_text: true,
        },
        rate_limit_headers: &[],
        throttle_buckets: &[],
        retry,
        default_timeout: Duration::from_secs(30),
        connect_timeout: None,
        fixed_paths: &[],
    }))
}

const AUTHS: [Auth; 4] = [
    Auth::Bearer,
    Auth::Header {
        name: "x-api-key",
        prefix: "",
    },
    Auth::Header {
        name: "x-api-key",
        prefix: "Token ",
    },
    Auth::Basic { username: None },
];

fn builder(spec: &'static ApiSpec) -> sdkgen_runtime::ClientBuilder<Client> {
    sdkgen_runtime::ClientBuilder::new(spec)
}

fn client(url: &str, auth: Auth) -> Client {
    builder(spec(auth, RetryPolicy::NEVER))
        .api_key(KEY)
        .base_url(url)
        .build()
        .unwrap()
}

async fn get(client: &Client, method: &'static str) -> Result<Value, Error<AnyError>> {
    let mut request = Request::new(method, "/v1/thing");
    if method != "GET" {
        request = request.json(&serde_json::json!({"secret_body": true}));
    }
    client
        .send_json::<Value, AnyError>(request)
        .await
        .map(|r| r.data)
}

#[tokio::test(start_paused = true)]
async fn redirects_to_another_origin_are_refused_for_every_scheme_status_and_method() {
    for auth in AUTHS {
        for status in [301u16, 302, 303, 307, 308] {
            for method in ["GET", "POST"] {
                let thief = Server::start(vec![Reply::json(200, r#"{"stolen":true}"#)])
                    .await
                    .unwrap();
                let target = format!("{}/steal", thief.url());
                let api = Server::start(vec![Reply::status(status).header("location", &target)])
                    .await
                    .unwrap();
                let c = client(&api.url(), auth);
                let err = get(&c, method).await.expect_err("must not succeed");
                let Error::Redirect(r) = &err else {
                    panic!("{auth:?} {status} {method}: {err:?}")
                };
                assert_eq!(
                    (r.status, r.location.as_str(), r.refusal),
                    (status, target.as_str(), RedirectRefusal::OtherOrigin)
                );
                assert!(err.to_string().contains(&target), "{err}");
                assert!(
                    thief.received().is_empty(),
                    "{auth:?} {status} {method}: the other origin was contacted"
                );
                assert_eq!(api.received().len(), 1);
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn same_origin_redirects_are_followed_only_when_the_method_survives() {
    // GET follows every kind within the origin.
    for status in [301u16, 302, 303, 307, 308] {
        let api = Server::start(vec![
            Reply::status(status).header("location", "/v1/moved"),
            Reply::json(200, r#"{"ok":1}"#),
        ])
        .await
        .unwrap();
        let c = client(&api.url(), Auth::Bearer);
        assert_eq!(get(&c, "GET").await.unwrap()["ok"], 1);
        let r = api.received();
        assert_eq!(
            (r[1].method.as_str(), r[1].path.as_str()),
            ("GET", "/v1/moved")
        );
    }
    // A POST is resent as a POST, body and all, on 307/308 ...
    for status in [307u16, 308] {
        let api = Server::start(vec![
            Reply::status(status).header("location", "/v1/moved"),
            Reply::json(200, r#"{"ok":2}"#),
        ])
        .await
        .unwrap();
        let c = client(&api.url(), Auth::Bearer);
        assert_eq!(get(&c, "POST").await.unwrap()["ok"], 2);
        let r = api.received();
        assert_eq!(r[1].method, "POST");
        assert_eq!(&r[1].body[..], br#"{"secret_body":true}"#);
    }
    // ... and never turned into a GET that "succeeds" on 301/302/303.
    for status in [301u16, 302, 303] {
        let api = Server::start(vec![
            Reply::status(status).header("location", "/v1/moved"),
            Reply::json(200, r#"{"ok":3}"#),
        ])
        .await
        .unwrap();
        let c = client(&api.url(), Auth::Bearer);
        let err = get(&c, "POST").await.expect_err("must not become a GET");
        assert!(
            matches!(&err, Error::Redirect(r) if r.refusal == RedirectRefusal::MethodChange),
            "{err:?}"
        );
        assert_eq!(api.received().len(), 1);
    }
    // A loop ends.
    let api = Server::start(
        (0..20)
            .map(|_| Reply::status(302).header("location", "/v1/thing"))
            .collect(),
    )
    .await
    .unwrap();
    let err = get(&client(&api.url(), Auth::Bearer), "GET")
        .await
        .expect_err("a loop");
    assert!(
        matches!(&err, Error::Redirect(r) if r.refusal == RedirectRefusal::TooMany),
        "{err:?}"
    );
    assert_eq!(api.received().len(), sdkgen_runtime::MAX_REDIRECTS + 1);
}

#[tokio::test(start_paused = true)]
async fn a_redirect_to_another_port_or_scheme_of_the_same_host_is_another_origin() {
    let api = Server::start(vec![
        Reply::status(307).header("location", "https://127.0.0.1/v1/thing")
    ])
    .await
    .unwrap();
    let err = get(&client(&api.url(), Auth::Bearer), "GET")
        .await
        .expect_err("scheme change");
    assert!(matches!(&err, Error::Redirect(r) if r.refusal == RedirectRefusal::OtherOrigin));
}

#[tokio::test(start_paused = true)]
async fn a_key_echoed_back_in_a_location_body_or_header_is_redacted() {
    let encoded = "sk-live%2BSECRET%2Fabc%3D123";
    let api = Server::start(vec![Reply::status(302).header(
        "location",
        &format!("http://evil.test/?key={encoded}&raw={KEY}"),
    )])
    .await
    .unwrap();
    let err = get(&client(&api.url(), Auth::Bearer), "GET")
        .await
        .expect_err("refused");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(KEY) && !shown.contains(encoded), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");

    let api = Server::start(vec![Reply::json(
        401,
        &format!(r#"{{"detail":"bad key {KEY}","code":"k","echo":"{encoded}"}}"#),
    )
    .header("x-echo", KEY)
    .header("x-debug", &format!("Bearer {KEY}"))])
    .await
    .unwrap();
    let err = get(&client(&api.url(), Auth::Bearer), "GET")
        .await
        .expect_err("401");
    let api_err = err.as_api().unwrap();
    let shown = format!(
        "{err} {err:?} {} {}",
        api_err.response.text(),
        api_err
            .response
            .headers
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    );
    assert!(!shown.contains(KEY) && !shown.contains(encoded), "{shown}");
    assert_eq!(api_err.detail, "bad key [redacted]");

    // In a success body that does not decode, serde quotes the value: redacted there too.
    let api = Server::start(vec![Reply::json(200, &format!(r#""{KEY}""#))])
        .await
        .unwrap();
    let err = client(&api.url(), Auth::Bearer)
        .send_json::<u64, AnyError>(Request::new("GET", "/v1/thing"))
        .await
        .expect_err("not a number");
    let Error::Decode(d) = &err else {
        panic!("{err:?}")
    };
    let shown = format!("{err} {err:?} {}", String::from_utf8_lossy(&d.body));
    assert!(!shown.contains(KEY), "{shown}");
}

#[tokio::test]
async fn gzip_bombs_are_bounded_in_success_and_error_bodies() {
    // 512 MiB of zeros in about half a MiB of gzip.
    let bomb = gzip_bomb(512 * MIB);
    assert!(bomb.len() < MIB, "{}", bomb.len());
    let head = |status: &str| {
        vec![
            format!("HTTP/1.1 {status}"),
            "content-type: application/json".to_owned(),
            "content-encoding: gzip".to_owned(),
            format!("content-length: {}", bomb.len()),
        ]
    };
    let script = |status: &str| Script::Stream {
        head: head(status),
        chunk: bomb.clone(),
        repeat: Some(1),
        pause: Duration::ZERO,
        chunked: false,
    };

    // Success: the default limit (64 MiB) ends the read with a typed error naming it.
    let server = HostileServer::start(script("200 OK")).await.unwrap();
    let c = client(&server.url(), Auth::Bearer);
    let (result, peak) = peak_during(get(&c, "GET")).await;
    let err = result.expect_err("too large");
    let Error::TooLarge(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (t.status, t.limit),
        (200, sdkgen_runtime::DEFAULT_MAX_RESPONSE_SIZE)
    );
    assert!(err.to_string().contains("67108864 bytes"), "{err}");
    eprintln!("success-body bomb: peak heap growth {} MiB", peak / MIB);
    assert!(peak < 160 * MIB, "peak heap growth {peak} bytes");

    // Error: the body is cut at 64 KiB.
    let server = HostileServer::start(script("500 Internal Server Error"))
        .await
        .unwrap();
    let c = client(&server.url(), Auth::Bearer);
    let (result, peak) = peak_during(get(&c, "GET")).await;
    let err = result.expect_err("500");
    let a = err.as_api().expect("an API error");
    assert_eq!(
        (a.status, a.response.body.len()),
        (500, sdkgen_runtime::BODY_LIMIT)
    );
    assert!(a.response.truncated);
    eprintln!("error-body bomb: peak heap growth {} MiB", peak / MIB);
    assert!(peak < 16 * MIB, "peak heap growth {peak} bytes");
}

#[tokio::test]
async fn an_endless_success_body_stops_at_the_limit() {
    let server = HostileServer::start(Script::Stream {
        head: vec![
            "HTTP/1.1 200 OK".into(),
            "content-type: application/json".into(),
        ],
        chunk: bytes::Bytes::from(vec![b' '; 64 * 1024]),
        repeat: None,
        pause: Duration::ZERO,
        chunked: true,
    })
    .await
    .unwrap();
    let c = builder(spec(Auth::Bearer, RetryPolicy::NEVER))
        .api_key(KEY)
        .base_url(server.url())
        .max_response_size(4 * MIB)
        .build()
        .unwrap();
    let (result, peak) = peak_during(get(&c, "GET")).await;
    let err = result.expect_err("too large");
    assert!(
        matches!(&err, Error::TooLarge(t) if t.limit == 4 * MIB),
        "{err:?}"
    );
    // What the server got out before the client hung up: the limit plus socket buffers.
    let sent = server.body_bytes_sent() as usize;
    assert!(sent < 4 * MIB + 8 * MIB, "{sent} bytes sent");
    assert!(peak < 32 * MIB, "peak heap growth {peak} bytes");
}

/// A server whose body comes one byte a second, and a client with a 5 s attempt timeout.
async fn trickling(
    status_line: &str,
    content_type: &str,
    byte: &'static [u8],
) -> (HostileServer, Client) {
    let server = HostileServer::start(Script::Stream {
        head: vec![status_line.into(), format!("content-type: {content_type}")],
        chunk: bytes::Bytes::from_static(byte),
        repeat: None,
        pause: Duration::from_secs(1),
        chunked: true,
    })
    .await
    .unwrap();
    let c = builder(spec(Auth::Bearer, RetryPolicy::NEVER))
        .api_key(KEY)
        .base_url(server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    (server, c)
}

#[tokio::test(start_paused = true)]
async fn a_trickling_success_body_times_out_on_the_attempt_timeout() {
    let (server, c) = trickling("HTTP/1.1 200 OK", "application/json", b" ").await;
    let start = Instant::now();
    let err = get(&c, "GET").await.expect_err("timeout");
    assert!(matches!(&err, Error::Timeout(t) if !t.deadline), "{err:?}");
    assert_eq!(err.to_string(), "request timeout of 5.000s elapsed");
    assert!(
        start.elapsed() <= Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    assert!(server.body_bytes_sent() <= 6);
}

#[tokio::test(start_paused = true)]
async fn a_trickling_error_body_keeps_the_status_and_what_was_read() {
    let (_server, c) = trickling("HTTP/1.1 503 Service Unavailable", "text/plain", b"x").await;
    let err = get(&c, "GET").await.expect_err("503");
    let a = err.as_api().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(a.status, 503);
    assert!(a.response.truncated);
    assert!(
        (3..=5).contains(&a.response.body.len()),
        "{:?}",
        a.response.body
    );
}

#[tokio::test(start_paused = true)]
async fn huge_headers_are_a_typed_error() {
    let big = "a".repeat(MIB);
    let server = HostileServer::start(Script::full(
        &["HTTP/1.1 200 OK", &format!("x-big: {big}")],
        "{}",
    ))
    .await
    .unwrap();
    let err = get(&client(&server.url(), Auth::Bearer), "GET")
        .await
        .expect_err("rejected");
    assert!(matches!(err, Error::Connection(_)), "{err:?}");

    let many: Vec<String> = std::iter::once("HTTP/1.1 200 OK".to_owned())
        .chain((0..10_000).map(|i| format!("x-h{i}: v")))
        .collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let server = HostileServer::start(Script::full(&many, "{}"))
        .await
        .unwrap();
    let err = get(&client(&server.url(), Auth::Bearer), "GET")
        .await
        .expect_err("rejected");
    assert!(matches!(err, Error::Connection(_)), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn absurd_retry_after_is_a_wait_past_the_cap() {
    let policy = RetryPolicy {
        max_retries: 3,
        statuses: &[(429, 429)],
        retry_after: &[("retry-after", sdkgen_runtime::HeaderFormat::RetryAfter)],
        max_wait: Some(Duration::from_secs(60)),
        raise_past_max_wait: true,
        ..RetryPolicy::NEVER
    };
    let huge = "9".repeat(400);
    for value in [
        "61",
        "31536001",
        "99999999999",
        huge.as_str(),
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let api = Server::start(vec![Reply::status(429).header("retry-after", value)])
            .await
            .unwrap();
        let c = builder(spec(Auth::Bearer, policy))
            .api_key(KEY)
            .base_url(api.url())
            .build()
            .unwrap();
        let start = Instant::now();
        let err = get(&c, "GET").await.expect_err("429");
        assert_eq!(start.elapsed(), Duration::ZERO, "{value}: slept");
        assert_eq!(err.attempts(), 1, "{value}");
        let wait = err
            .retry_after()
            .unwrap_or_else(|| panic!("{value}: no wait"));
        assert!(wait > Duration::from_secs(60), "{value}: {wait:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_throttle_counts_against_the_deadline_and_giving_up_takes_no_token() {
    const BODY: &str = r#"{"workspace_status":"active","subscription":{"plan":"pro","rpm_limit_snapshot":30,"burst_limit_snapshot":15,"memory_write_limit":1000,"memory_retrieve_limit":5000}}"#;
    let server = Server::start((0..300).map(|_| Reply::json(200, BODY)).collect())
        .await
        .unwrap();
    let deadline = Duration::from_secs(120);
    let c = mnemexa::Client::builder()
        .api_key(KEY)
        .base_url(server.url())
        .throttle(true)
        .deadline(Some(deadline))
        .build()
        .unwrap();
    let start = Instant::now();
    let calls: Vec<_> = (0..200)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move {
                let r = c.status().send().await;
                (r, start.elapsed())
            })
        })
        .collect();
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    // 30 a minute with a burst of 15: the burst, then one token every 2 s. A token that
    // comes at the deadline itself is too late to send anything.
    let sent: Vec<_> = results.iter().filter(|(r, _)| r.is_ok()).collect();
    assert_eq!(sent.len(), 15 + 59);
    for (r, at) in &results {
        match r {
            Ok(_) => assert!(*at < deadline),
            Err(mnemexa::MnemexaError::Timeout(t)) => {
                assert!(t.deadline && t.throttle, "{t:?}");
                assert_eq!(t.after, deadline);
                // Given up at once, not after waiting past the deadline.
                assert_eq!(*at, Duration::ZERO);
                assert_eq!(
                    t.to_string(),
                    "call deadline of 120.000s would pass before the client-side throttle allows another request"
                );
            }
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(server.received().len(), 74);
    // The calls that gave up took no token: the next one is paced right after the 74th.
    let last_sent = server.received()[73].at - start;
    assert_eq!(last_sent, Duration::from_secs(118));
    c.status().send().await.unwrap();
    assert_eq!(server.received()[74].at - start, Duration::from_secs(120));
}
