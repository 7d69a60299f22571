//! The generated clients against a real loopback server, under tokio's paused clock: every
//! Memsy class with its typed attributes, both retry policies exactly as their specs say,
//! the awkward responses, transport failures, and the API key kept out of every output.

use std::time::Duration;

use conformance::server::{refused_url, Reply, Server};
use serde_json::json;

const KEY: &str = "sk-test-SECRET-7f3a9c";

fn memsy(server_url: &str) -> memsy::ClientBuilder {
    memsy::Client::builder()
        .api_key(KEY)
        .base_url(server_url)
        .jitter_seed(7)
}

fn mnemexa(server_url: &str) -> mnemexa::ClientBuilder {
    mnemexa::Client::builder()
        .api_key(KEY)
        .base_url(server_url)
        .jitter_seed(7)
}

fn gaps(server: &Server) -> Vec<Duration> {
    let r = server.received();
    r.windows(2).map(|w| w[1].at - w[0].at).collect()
}

/// One Memsy error response, classified, with retries off.
async fn memsy_error(reply: Reply) -> Box<memsy::MemsyApiError> {
    let server = Server::start(vec![reply]).await.unwrap();
    let client = memsy(&server.url()).max_retries(0).build().unwrap();
    let err = client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("acme"))
        .send()
        .await
        .expect_err("an error response");
    assert_eq!(server.received().len(), 1);
    match err {
        memsy::MemsyError::Api(e) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn every_memsy_class_with_its_typed_attributes() {
    use memsy::ErrorKind as K;

    let e = memsy_error(Reply::json(
        401,
        r#"{"detail":"Invalid API key","error_code":"invalid_api_key"}"#,
    ))
    .await;
    assert!(matches!(e.kind, K::AuthenticationError(_)));
    assert_eq!(
        (e.status, e.detail.as_str(), e.code.as_deref()),
        (401, "Invalid API key", Some("invalid_api_key"))
    );

    let e = memsy_error(Reply::json(403, r#"{"detail":"missing scope","error_code":"insufficient_scope","required_scope":"orgs:write"}"#)).await;
    let K::AuthorizationError(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(a.required_scope.as_deref(), Some("orgs:write"));

    let e = memsy_error(Reply::json(403, r#"{"detail":"pro only","error_code":"feature_not_available","feature":"orgs","current_tier":"free","upgrade_url":"https://memsy.io/upgrade"}"#)).await;
    let K::FeatureNotAvailable(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(
        (
            a.feature.as_deref(),
            a.current_tier.as_deref(),
            a.upgrade_url.as_deref()
        ),
        (Some("orgs"), Some("free"), Some("https://memsy.io/upgrade"))
    );

    let e = memsy_error(Reply::json(
        400,
        r#"{"detail":"org_id not allowed","error_code":"org_id_not_allowed"}"#,
    ))
    .await;
    assert!(matches!(e.kind, K::OrgIdNotAllowedError(_)), "{:?}", e.kind);

    let e = memsy_error(Reply::json(
        403,
        r#"{"detail":"seat needed","error_code":"seat_required"}"#,
    ))
    .await;
    assert!(matches!(e.kind, K::SeatRequiredError(_)), "{:?}", e.kind);

    let e = memsy_error(Reply::json(
        403,
        r#"{"detail":"too many orgs","error_code":"org_limit_reached","limit":3,"current":3}"#,
    ))
    .await;
    let K::OrgLimitReachedError(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!((a.limit, a.current), (Some(3), Some(3)));

    let e = memsy_error(Reply::json(
        403,
        r#"{"detail":"too many keys","error_code":"key_limit_reached","limit":5,"current":6}"#,
    ))
    .await;
    let K::KeyLimitReachedError(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!((a.limit, a.current), (Some(5), Some(6)));

    let e = memsy_error(Reply::json(403, r#"{"detail":"no billing","error_code":"billing_not_enabled","interest_path":"/interest/express"}"#)).await;
    let K::BillingNotEnabledError(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(a.interest_path.as_deref(), Some("/interest/express"));

    let e = memsy_error(Reply::json(409, r#"{"detail":"no seats","error_code":"seat_limit_reached","purchased_seats":10,"assigned_seats":10,"pending_invites":2}"#)).await;
    let K::SeatLimitReachedError(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(
        (a.purchased_seats, a.assigned_seats, a.pending_invites),
        (Some(10), Some(10), Some(2))
    );

    let e = memsy_error(
        Reply::json(
            429,
            r#"{"detail":"slow down","error_code":"rate_limit_exceeded"}"#,
        )
        .header("Retry-After", "1.5"),
    )
    .await;
    let K::RateLimitExceeded(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(a.retry_after, Some(Duration::from_millis(1500)));
    assert_eq!(e.retry_after, Some(Duration::from_millis(1500)));

    let e = memsy_error(Reply::json(429, r#"{"detail":"quota","error_code":"usage_limit_exceeded","dimension":"events_ingested","current":1000,"limit":1000,"upgrade_url":"https://memsy.io/up"}"#)).await;
    let K::UsageLimitExceeded(a) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(
        (
            a.dimension.as_deref(),
            a.current,
            a.limit,
            a.upgrade_url.as_deref()
        ),
        (
            Some("events_ingested"),
            Some(1000),
            Some(1000),
            Some("https://memsy.io/up")
        )
    );

    // A 403 with a code no class claims is a plain MemsyAPIError; every class is one too.
    let e = memsy_error(Reply::json(
        403,
        r#"{"detail":"??","error_code":"brand_new_code"}"#,
    ))
    .await;
    assert!(matches!(e.kind, K::Other));
    assert_eq!(e.class_name(), "MemsyAPIError");
    let e = memsy_error(Reply::json(
        403,
        r#"{"detail":"x","error_code":"seat_required"}"#,
    ))
    .await;
    assert_eq!(e.class_name(), "SeatRequiredError");
    assert!(e.is_a("MemsyAPIError") && !e.is_a("AuthorizationError"));
    // A 429 with no body at all (a proxy's) is still the rate-limit class: its fallback.
    let e = memsy_error(Reply::status(429)).await;
    assert!(matches!(e.kind, K::RateLimitExceeded(_)), "{:?}", e.kind);
    assert_eq!(e.detail, "Too Many Requests");
}

#[tokio::test(start_paused = true)]
async fn display_shows_class_status_code_and_detail() {
    let e = memsy_error(
        Reply::json(403, r#"{"detail":"missing scope","error_code":"insufficient_scope","required_scope":"orgs:write"}"#)
            .header("x-request-id", "req_123"),
    )
    .await;
    assert_eq!(
        e.to_string(),
        "AuthorizationError (HTTP 403, code insufficient_scope): missing scope [request id req_123]"
    );
    assert_eq!(e.request_id.as_deref(), Some("req_123"));
}

#[tokio::test(start_paused = true)]
async fn mnemexa_429_returns_after_one_request_with_retry_after() {
    let server = Server::start(vec![Reply::json(
        429,
        r#"{"error":{"code":"rate_limited","message":"Too many requests"}}"#,
    )
    .header("Retry-After", "3")
    .header("X-RateLimit-Limit", "30")
    .header("X-RateLimit-Remaining", "0")
    .header("X-RateLimit-Reset", "3")])
    .await
    .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let err = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("hello"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.received().len(), 1, "Mnemexa never retries 429");
    let mnemexa::MnemexaError::Api(e) = &err else {
        panic!("{err:?}")
    };
    let mnemexa::ErrorKind::RateLimitError(r) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(r.retry_after, Some(Duration::from_secs(3)));
    assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
    assert_eq!(e.attempts, 1);
    assert_eq!(e.detail, "Too many requests");
    assert_eq!(e.code.as_deref(), Some("rate_limited"));
    let requests = e
        .rate_limit
        .family("requests")
        .expect("the X-RateLimit headers");
    assert_eq!(
        (requests.limit, requests.remaining, requests.reset),
        (Some(30), Some(0), Some(Duration::from_secs(3)))
    );
}

#[tokio::test(start_paused = true)]
async fn memsy_429_is_retried_honouring_retry_after_then_raised() {
    let limited = |wait: &str| {
        Reply::json(
            429,
            r#"{"detail":"slow down","error_code":"rate_limit_exceeded"}"#,
        )
        .header("Retry-After", wait)
    };
    let server = Server::start(vec![limited("1"), limited("2"), limited("4")])
        .await
        .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let err = client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("acme"))
        .send()
        .await
        .unwrap_err();
    // max_retries 2: three attempts, each wait exactly the server's Retry-After.
    assert_eq!(server.received().len(), 3);
    assert_eq!(
        gaps(&server),
        [Duration::from_secs(1), Duration::from_secs(2)]
    );
    assert_eq!(server.unused(), 0);
    let e = err.as_api().expect("an API error");
    let memsy::ErrorKind::RateLimitExceeded(r) = &e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(r.retry_after, Some(Duration::from_secs(4)));
    assert_eq!(e.attempts, 3);
}

#[tokio::test(start_paused = true)]
async fn memsy_retry_then_success_reports_attempts() {
    let server = Server::start(vec![
        Reply::json(429, r#"{"error_code":"rate_limit_exceeded"}"#).header("Retry-After", "5"),
        Reply::json(201, r#"{"id":"org_1","name":"acme"}"#).header("x-request-id", "req_9"),
    ])
    .await
    .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let org = client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("acme"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (org.id.as_str(), org.attempts, org.request_id.as_deref()),
        ("org_1", 2, Some("req_9"))
    );
    assert_eq!(gaps(&server), [Duration::from_secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn memsy_spent_quota_is_not_retried() {
    let server = Server::start(vec![Reply::json(
        429,
        r#"{"detail":"quota","error_code":"usage_limit_exceeded"}"#,
    )
    .header("Retry-After", "1")])
    .await
    .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let err = client
        .memories()
        .add(&memsy::AddMemoryRequest::new("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.received().len(), 1);
    assert!(matches!(
        err.as_api().unwrap().kind,
        memsy::ErrorKind::UsageLimitExceeded(_)
    ));
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_past_the_cap_is_raised_at_once() {
    let server = Server::start(vec![Reply::json(
        429,
        r#"{"error_code":"rate_limit_exceeded"}"#,
    )
    .header("Retry-After", "86400")])
    .await
    .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let started = tokio::time::Instant::now();
    let err = client.orgs().list().send().await.unwrap_err();
    assert_eq!(
        server.received().len(),
        1,
        "a day's wait is past max_wait (60 s): no retry"
    );
    assert_eq!(started.elapsed(), Duration::ZERO, "no sleep at all");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(86400)));
    assert_eq!(err.attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn backoff_follows_the_policy_when_the_server_gives_no_hint() {
    // Mnemexa: 500ms initial, x2, jitter [0.75, 1.0]; GET retried on 503.
    let server = Server::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::json(200, r#"{"workspace_status":"active"}"#),
    ])
    .await
    .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let status = client.status().send().await.unwrap();
    assert_eq!(status.workspace_status, mnemexa::WorkspaceStatus::Active);
    assert_eq!(status.attempts, 3);
    let g = gaps(&server);
    assert_eq!(g.len(), 2);
    assert!(
        (Duration::from_millis(375)..=Duration::from_millis(500)).contains(&g[0]),
        "{g:?}"
    );
    assert!(
        (Duration::from_millis(750)..=Duration::from_millis(1000)).contains(&g[1]),
        "{g:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_post_is_not_retried_after_it_may_have_reached_the_server() {
    let server = Server::start(vec![Reply::status(503)]).await.unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let err = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(server.received().len(), 1);
    assert_eq!(err.status(), Some(503));
    // memory.retrieve is a POST the spec marks idempotent: retried.
    let server = Server::start(vec![
        Reply::status(503),
        Reply::json(200, r#"{"memories":[]}"#),
    ])
    .await
    .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let found = client
        .memory()
        .retrieve(&mnemexa::RetrieveMemoryRequest::new("q"))
        .send()
        .await
        .unwrap();
    assert!(found.memories.is_empty());
    assert_eq!(server.received().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_502_html_page_is_retried_then_reported_by_its_title() {
    let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";
    let html = || {
        Reply::status(502)
            .header("content-type", "text/html")
            .body(page)
    };
    let server = Server::start(vec![html(), html(), html()]).await.unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let err = client.orgs().get("org_1").send().await.unwrap_err();
    assert_eq!(server.received().len(), 3, "GET: 502 retried twice");
    let e = err.as_api().unwrap();
    assert!(matches!(e.kind, memsy::ErrorKind::Other));
    assert_eq!(e.detail, "502 Bad Gateway");
    assert_eq!(e.code, None);
    assert_eq!(e.response.text(), page);
    assert_eq!(server.received()[0].path, "/v1/orgs/org_1");
}

#[tokio::test(start_paused = true)]
async fn an_empty_500_is_classified_with_the_reason_phrase() {
    let server = Server::start(vec![Reply::status(500)]).await.unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let err = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("x"))
        .send()
        .await
        .unwrap_err();
    let e = err.as_api().unwrap();
    assert!(
        matches!(e.kind, mnemexa::ErrorKind::InternalServerError(_)),
        "{:?}",
        e.kind
    );
    assert_eq!(
        (e.status, e.detail.as_str(), e.attempts),
        (500, "Internal Server Error", 1)
    );
    assert!(e.response.body.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_huge_error_body_is_capped() {
    let huge = format!("{{\"detail\":\"{}\"}}", "x".repeat(200_000));
    let server = Server::start(vec![Reply::json(400, &huge)]).await.unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let err = client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("a"))
        .send()
        .await
        .unwrap_err();
    let e = err.as_api().unwrap();
    assert!(e.response.truncated);
    assert_eq!(e.response.body.len(), sdkgen_runtime::BODY_LIMIT);
    assert!(e.detail.chars().count() <= 1025, "detail is cut to 1 KiB");
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_retried_then_a_connection_error() {
    let url = refused_url().await.unwrap();
    let client = mnemexa(&url).build().unwrap();
    let err = client.status().send().await.unwrap_err();
    let mnemexa::MnemexaError::Connection(c) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(c.attempts, 3);
    assert!(c.before_send);
    assert!(err.is_connection() && !err.is_timeout());
}

#[tokio::test(start_paused = true)]
async fn a_timeout_is_its_own_error_and_retried_for_idempotent_calls() {
    let server = Server::start(vec![Reply::hang(), Reply::hang(), Reply::hang()])
        .await
        .unwrap();
    let client = mnemexa(&server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client.status().send().await.unwrap_err();
    let mnemexa::MnemexaError::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (t.attempts, t.after, t.deadline),
        (3, Duration::from_secs(5), false)
    );
    assert!(err.is_connection() && err.is_timeout());
    assert_eq!(server.received().len(), 3);
    // A POST that timed out may have been acted on: not retried.
    let server = Server::start(vec![Reply::hang()]).await.unwrap();
    let client = mnemexa(&server.url())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let err = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("x"))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_bounds_the_whole_call() {
    let server = Server::start(vec![Reply::hang(), Reply::hang(), Reply::hang()])
        .await
        .unwrap();
    let client = mnemexa(&server.url())
        .timeout(Duration::from_secs(30))
        .deadline(Some(Duration::from_secs(45)))
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    let err = client.status().send().await.unwrap_err();
    assert!(
        started.elapsed() <= Duration::from_secs(45),
        "{:?}",
        started.elapsed()
    );
    let mnemexa::MnemexaError::Timeout(t) = &err else {
        panic!("{err:?}")
    };
    // The second attempt is cut short by the deadline: the error names the deadline as
    // configured, not the time that was left when that attempt began.
    assert_eq!(
        (t.deadline, t.throttle, t.after, t.attempts),
        (true, false, Duration::from_secs(45), 2),
        "{t:?}"
    );
    assert_eq!(
        err.to_string(),
        "call deadline of 45.000s elapsed (after 2 attempts)"
    );
}

#[tokio::test(start_paused = true)]
async fn an_undecodable_success_body_keeps_the_raw_bytes() {
    let server = Server::start(vec![Reply::json(200, r#"{"workspace_status": 42"#)])
        .await
        .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let err = client.status().send().await.unwrap_err();
    let mnemexa::MnemexaError::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(&d.body[..], br#"{"workspace_status": 42"#);
    assert_eq!(d.status, 200);
    assert!(!d.truncated);
    // A long one is kept only up to the error-body limit, as documented.
    let long = format!("[{}", "1,".repeat(100_000));
    let server = Server::start(vec![Reply::json(200, &long)]).await.unwrap();
    let err = mnemexa(&server.url())
        .build()
        .unwrap()
        .status()
        .send()
        .await
        .unwrap_err();
    let mnemexa::MnemexaError::Decode(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(d.body.len(), sdkgen_runtime::BODY_LIMIT);
    assert!(d.truncated);
}

#[tokio::test(start_paused = true)]
async fn unknown_enum_values_and_extra_fields_are_kept_or_ignored() {
    let server = Server::start(vec![Reply::json(
        200,
        r#"{"workspace_status":"hibernating","brand_new_field":{"x":1},"subscription":{"plan":"pro","rpm_limit_snapshot":60,"burst_limit_snapshot":30}}"#,
    )
    .header("X-RateLimit-Limit", "60")
    .header("X-RateLimit-Remaining", "59")
    .header("x-request-id", "req_s")])
    .await
    .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let status = client.status().send().await.unwrap();
    assert_eq!(
        status.workspace_status,
        mnemexa::WorkspaceStatus::Unknown("hibernating".into())
    );
    let sub = status.subscription.as_ref().unwrap();
    assert_eq!((sub.rpm_limit_snapshot, sub.burst_limit_snapshot), (60, 30));
    // A success response exposes the rate-limit state and the request id too.
    assert_eq!(
        status.rate_limit().family("requests").unwrap().remaining,
        Some(59)
    );
    assert_eq!(status.request_id.as_deref(), Some("req_s"));
}

/// Stores a memory against `replies`, then asks why it failed.
async fn cause_of(replies: Vec<Reply>) -> (Option<mnemexa::RateLimitCause>, Server) {
    let server = Server::start(replies).await.unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    let err = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("x"))
        .send()
        .await
        .unwrap_err();
    let cause = client.rate_limit_cause(&err).await.unwrap();
    (cause, server)
}

#[tokio::test(start_paused = true)]
async fn rate_limit_cause_tells_a_quota_from_a_throttle_in_one_call() {
    let limited = || {
        Reply::json(429, r#"{"error":{"code":"rate_limited","message":"slow"}}"#)
            .header("Retry-After", "3")
    };
    let (cause, server) = cause_of(vec![
        limited(),
        Reply::json(200, r#"{"workspace_status":"limit_reached"}"#),
    ])
    .await;
    assert_eq!(
        cause,
        Some(mnemexa::RateLimitCause::QuotaExhausted {
            state: mnemexa::WorkspaceStatus::LimitReached
        })
    );
    assert_eq!(server.received()[1].path, "/v1/status");

    let (cause, _) = cause_of(vec![
        limited(),
        Reply::json(200, r#"{"workspace_status":"active"}"#),
    ])
    .await;
    assert_eq!(
        cause,
        Some(mnemexa::RateLimitCause::Throttled {
            retry_after: Some(Duration::from_secs(3))
        })
    );
    // Not a 429: no call is made.
    let (cause, server) = cause_of(vec![Reply::status(500)]).await;
    assert_eq!(cause, None);
    assert_eq!(server.received().len(), 1);
}

/// A throttled account must not make the question fail: a lookup refused with 429 is the
/// answer (throttled), sent once and not retried; and a 429 whose own body names the state
/// needs no lookup at all.
#[tokio::test(start_paused = true)]
async fn rate_limit_cause_answers_a_throttled_lookup_and_reads_the_429_first() {
    let limited = || {
        Reply::json(429, r#"{"error":{"code":"rate_limited","message":"slow"}}"#)
            .header("Retry-After", "3")
    };
    let (cause, server) = cause_of(vec![limited(), limited(), limited()]).await;
    assert_eq!(
        cause,
        Some(mnemexa::RateLimitCause::Throttled {
            retry_after: Some(Duration::from_secs(3))
        })
    );
    let paths: Vec<String> = server.received().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/v1/memory/store", "/v1/status"],
        "the lookup is not retried"
    );

    let (cause, server) = cause_of(vec![Reply::json(
        429,
        r#"{"error":{"code":"quota_exceeded","message":"spent"},"workspace_status":"limit_reached"}"#,
    )])
    .await;
    assert_eq!(
        cause,
        Some(mnemexa::RateLimitCause::QuotaExhausted {
            state: mnemexa::WorkspaceStatus::LimitReached
        })
    );
    assert_eq!(server.received().len(), 1, "decided from the 429 alone");
}

#[tokio::test(start_paused = true)]
async fn the_opt_in_throttle_paces_at_the_spec_rate_across_clones() {
    let ok = || Reply::json(200, r#"{"workspace_status":"active"}"#);
    let server = Server::start((0..17).map(|_| ok()).collect())
        .await
        .unwrap();
    let client = mnemexa(&server.url()).throttle(true).build().unwrap();
    let clone = client.clone();
    for _ in 0..15 {
        client.status().send().await.unwrap();
    }
    // Burst 15 spent: 30 per minute is one every 2 s, whichever clone asks.
    clone.status().send().await.unwrap();
    client.status().send().await.unwrap();
    let g = gaps(&server);
    assert!(g[..14].iter().all(|d| *d == Duration::ZERO), "{g:?}");
    assert_eq!(&g[14..], [Duration::from_secs(2), Duration::from_secs(2)]);
    // Off by default.
    let server = Server::start((0..16).map(|_| ok()).collect())
        .await
        .unwrap();
    let client = mnemexa(&server.url()).build().unwrap();
    for _ in 0..16 {
        client.status().send().await.unwrap();
    }
    assert!(gaps(&server).iter().all(|d| *d == Duration::ZERO));
}

#[tokio::test(start_paused = true)]
async fn requests_carry_auth_user_agent_body_and_encoded_path() {
    let server = Server::start(vec![Reply::json(201, r#"{"id":"s1","email":"a@b.c"}"#)])
        .await
        .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    client
        .seats()
        .assign("org/1 x", &memsy::AssignSeatRequest::new("a@b.c"))
        .send()
        .await
        .unwrap();
    let r = &server.received()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/orgs/org%2F1%20x/seats")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.header("user-agent"), Some("memsy/0.2.0 (rust)"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body, json!({"email": "a@b.c"}));
    // Query parameters.
    let server = Server::start(vec![Reply::json(200, r#"{"data":[]}"#)])
        .await
        .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    client.orgs().list().limit(5).send().await.unwrap();
    assert_eq!(server.received()[0].query.as_deref(), Some("limit=5"));
}

#[tokio::test(start_paused = true)]
async fn the_api_key_never_appears_in_any_formatted_output() {
    let mut outputs = Vec::new();
    let server = Server::start(vec![
        Reply::json(
            401,
            r#"{"detail":"bad key","error_code":"invalid_api_key"}"#,
        ),
        Reply::json(200, "not json"),
        Reply::hang(),
    ])
    .await
    .unwrap();
    let builder = memsy(&server.url())
        .max_retries(0)
        .timeout(Duration::from_secs(1));
    outputs.push(format!("{builder:?}"));
    let client = builder.build().unwrap();
    outputs.push(format!("{client:?} {client:#?}"));
    let errors = vec![
        client
            .orgs()
            .create(&memsy::CreateOrgRequest::new("a"))
            .send()
            .await
            .unwrap_err(),
        client.orgs().list().send().await.unwrap_err(),
        client.orgs().list().send().await.unwrap_err(),
        memsy(&refused_url().await.unwrap())
            .max_retries(0)
            .build()
            .unwrap()
            .orgs()
            .list()
            .send()
            .await
            .unwrap_err(),
    ];
    for e in &errors {
        outputs.push(format!("{e} | {e:?} | {e:#?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            outputs.push(format!("{s} | {s:?}"));
            source = s.source();
        }
    }
    assert!(matches!(errors[0], memsy::MemsyError::Api(_)));
    assert!(matches!(errors[1], memsy::MemsyError::Decode(_)));
    assert!(matches!(errors[2], memsy::MemsyError::Timeout(_)));
    assert!(matches!(errors[3], memsy::MemsyError::Connection(_)));
    for o in &outputs {
        assert!(
            !o.contains(KEY) && !o.contains("SECRET"),
            "the key leaked: {o}"
        );
    }
    // It was sent, though.
    assert_eq!(
        server.received()[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn a_missing_api_key_is_a_build_error_naming_the_variable() {
    // MEMSY_API_KEY is not set in the test environment; the builder says which to set.
    if std::env::var("MEMSY_API_KEY").is_ok() {
        return;
    }
    let err = memsy::Client::builder().build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "no API key: pass one to the builder's `api_key` or set MEMSY_API_KEY"
    );
    let err = memsy::Client::builder()
        .api_key("k")
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("invalid base URL"), "{err}");
}

/// Every type a generated crate's public signatures use is reachable from the crate alone:
/// a user needs no direct dependency on the runtime or on reqwest (and no version guess).
#[test]
fn the_types_of_public_signatures_are_reachable_from_the_crate() {
    // `Client::new()` fails with the crate's own `BuildError`.
    let built: Result<memsy::Client, memsy::BuildError> = memsy::Client::builder()
        .api_key("k")
        .base_url("not a url")
        .build();
    assert!(built.is_err());
    // A reqwest builder of the re-exported version is what `http_client_builder` takes.
    let http = memsy::reqwest::Client::builder().user_agent("app/1");
    let client = memsy::Client::builder()
        .api_key("k")
        .http_client_builder(http)
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://api.memsy.io");
    // The runtime's other types, by path.
    let _: Option<memsy::runtime::RetryPolicy> = None;
    let _: Option<memsy::TimeoutError> = None;
    let _: Option<memsy::SecretString> = None;
}

/// An error reporter prints each message of the chain once: `Error` is transparent, and a
/// connection error's message already holds its cause.
#[tokio::test(start_paused = true)]
async fn an_anyhow_chain_prints_each_message_once() {
    let server = Server::start(vec![Reply::json(
        403,
        r#"{"detail":"missing scope","error_code":"insufficient_scope","required_scope":"orgs:write"}"#,
    )])
    .await
    .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let err = client
        .orgs()
        .create(&memsy::CreateOrgRequest::new("a"))
        .send()
        .await
        .unwrap_err();
    let chain = format!("{:#}", anyhow::Error::from(err).context("creating the org"));
    assert_eq!(
        chain,
        "creating the org: AuthorizationError (HTTP 403, code insufficient_scope): missing scope"
    );

    let url = refused_url().await.unwrap();
    let err = mnemexa(&url)
        .build()
        .unwrap()
        .status()
        .send()
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("connection failed: "), "{message}");
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert_eq!(chain, message, "the cause is in the message, not repeated");
    let mnemexa::MnemexaError::Connection(c) = refused_status(&url).await else {
        panic!("a connection error")
    };
    assert!(
        c.transport().is_some(),
        "reqwest's error is still there to inspect"
    );
}

async fn refused_status(url: &str) -> mnemexa::MnemexaError {
    mnemexa(url)
        .build()
        .unwrap()
        .status()
        .send()
        .await
        .unwrap_err()
}

/// A generated client prints as the runtime's client: the API and its settings, one level,
/// the key redacted; and every crate names its kind enum `ErrorKind`.
#[test]
fn a_client_prints_plainly_and_kinds_have_one_name() {
    let client = memsy("http://127.0.0.1:1").build().unwrap();
    let printed = format!("{client:?}");
    assert!(
        printed.starts_with("Client { api: \"Memsy\", base_url: \"http://127.0.0.1:1\""),
        "{printed}"
    );
    assert!(
        !printed.contains("inner") && !printed.contains(KEY),
        "{printed}"
    );
    let _: fn(&memsy::ErrorKind) -> &'static str = memsy::ErrorClass::class_name;
    let _: fn(&mnemexa::ErrorKind) -> &'static str = mnemexa::ErrorClass::class_name;
}

/// What `.send()` (or `.stream()`) hands back holds the request once: a caller's future
/// copies all of it when it starts, so a layer keeping a second copy (an `async fn` wrapper
/// binding the call beside the runtime's future) would cost every call. A JSON body, an
/// event stream and a download are checked too.
#[test]
fn a_sent_call_holds_its_request_once() {
    let client = mnemexa("http://127.0.0.1:1").build().unwrap();
    let request = std::mem::size_of::<sdkgen_runtime::Request>();
    let status = client.status().send();
    let store = client
        .memory()
        .store(&mnemexa::StoreMemoryRequest::new("text"))
        .send();
    let every = every_feature::Client::builder()
        .api_key(KEY)
        .base_url("http://127.0.0.1:1")
        .build()
        .unwrap();
    let generate = every_feature::GenerateRequest::new("item-1".to_owned());
    let events = every.items().generate(&generate).stream();
    let download = every.items().export("item-1").send();
    for (name, size) in [
        ("status", std::mem::size_of_val(&status)),
        ("memory.store", std::mem::size_of_val(&store)),
        ("items.generate, streamed", std::mem::size_of_val(&events)),
        ("items.export, a download", std::mem::size_of_val(&download)),
    ] {
        assert!(
            size < 2 * request,
            "{name}: the future is {size} bytes, a request {request}"
        );
    }
}

/// An endpoint with nothing of its own to set is one of the runtime's shared calls
/// (`JsonCall`, `EmptyCall`) under its generated name; its per-call options still apply to
/// that call alone, and its Debug output names the call, never the key.
#[tokio::test(start_paused = true)]
async fn per_call_options_on_the_shared_call_types() {
    let server = Server::start(vec![
        Reply::hang(),
        Reply::json(200, r#"{"id":"o1","name":"acme"}"#),
        Reply::status(204),
    ])
    .await
    .unwrap();
    let client = memsy(&server.url()).build().unwrap();
    let call: memsy::OrgsGetCall<'_> = client.orgs().get("o1");
    let shown = format!("{call:?}");
    assert!(shown.contains("/v1/orgs/o1"), "{shown}");
    assert!(!shown.contains(KEY), "{shown}");
    let start = tokio::time::Instant::now();
    let err = call
        .timeout(Duration::from_secs(2))
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        (start.elapsed(), err.attempts()),
        (Duration::from_secs(2), 1)
    );

    let org = client
        .orgs()
        .get("o1")
        .header("X-Extra", "one")
        .send()
        .await
        .unwrap();
    assert_eq!(org.data, memsy::Org::new("o1", "acme"));

    let done: memsy::BillingExpressInterestCall<'_> = client
        .billing()
        .express_interest(&memsy::ExpressInterestRequest::new("pro"));
    let done = done.header("X-Extra", "two").send().await.unwrap();
    assert_eq!((done.status, done.data), (204, ()));

    let received = server.received();
    assert_eq!(received.len(), 3);
    let extra: Vec<Option<&str>> = received.iter().map(|r| r.header("x-extra")).collect();
    assert_eq!(extra, [None, Some("one"), Some("two")]);
}

/// A fixed path's URL is built once per client, under that client's base URL (its path
/// included); a path with parameters is built per call.
#[tokio::test(start_paused = true)]
async fn fixed_paths_go_under_each_clients_base_url() {
    let server = Server::start(vec![Reply::json(200, "{}"); 5])
        .await
        .unwrap();
    let a = memsy(&format!("{}/a/", server.url()))
        .max_retries(0)
        .build()
        .unwrap();
    let b = memsy(&format!("{}/b", server.url()))
        .max_retries(0)
        .build()
        .unwrap();
    let _ = a.orgs().list().send().await;
    let _ = b.orgs().list().send().await;
    let _ = a.orgs().list().send().await;
    let _ = a.orgs().get("x/y").send().await;
    let _ = b.billing().subscription().send().await;
    let paths: Vec<String> = server.received().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/a/v1/orgs",
            "/b/v1/orgs",
            "/a/v1/orgs",
            "/a/v1/orgs/x%2Fy",
            "/b/v1/billing/subscription"
        ]
    );
}
