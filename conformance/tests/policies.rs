//! Policy features the seed specs do not use, through the every-feature golden crate: the
//! idempotency key, the should-retry header, millisecond and Go-duration hints, header auth
//! with a prefix, form bodies, nested namespaces, header-driven classification.

use std::time::Duration;

use conformance::server::{Reply, Server};
use every_feature as ef;

/// An item, as the API sends it.
const ITEM: &str = r#"{"id":"i1","type":"small","createdAt":"2026-01-01T00:00:00Z","price":null}"#;

fn client(url: &str) -> ef::Client {
    ef::Client::builder()
        .api_key("k-123")
        .base_url(url)
        .jitter_seed(3)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_idempotency_key_is_made_once_and_resent_on_every_retry() {
    let server = Server::start(vec![
        Reply::status(503),
        Reply::status(503),
        Reply::json(200, ITEM),
        Reply::json(
            200,
            r#"{"id":"i2","type":"large","createdAt":"x","price":1.5}"#,
        ),
    ])
    .await
    .unwrap();
    let c = client(&server.url());
    // A POST: retried only because the key makes it safe.
    let item = c
        .items()
        .create(&ef::NewItem::new("n"))
        .send()
        .await
        .unwrap();
    assert_eq!(item.attempts, 3);
    let keys: Vec<String> = server.received()[..3]
        .iter()
        .map(|r| r.header("idempotency-key").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0].len(), 36, "a UUID: {}", keys[0]);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    // The next call gets a key of its own.
    c.items()
        .create(&ef::NewItem::new("m"))
        .send()
        .await
        .unwrap();
    let next = server.received()[3]
        .header("idempotency-key")
        .unwrap_or_default()
        .to_owned();
    assert_eq!(next.len(), 36);
    assert_ne!(next, keys[0]);
    // The form body and the prefixed header auth.
    let r = &server.received()[0];
    assert_eq!(r.header("x-api-key"), Some("Token k-123"));
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(&r.body[..], b"name=n");
}

#[tokio::test(start_paused = true)]
async fn the_should_retry_header_overrides_the_status_rules() {
    // 503 is retried by status, but the server says not to.
    let server = Server::start(vec![Reply::status(503).header("x-should-retry", "false")])
        .await
        .unwrap();
    let err = client(&server.url()).ping().send().await.unwrap_err();
    assert_eq!((err.attempts(), server.received().len()), (1, 1));
    // 400 is not retried by status, but the server says to.
    let server = Server::start(vec![
        Reply::json(400, r#"{"error":{"message":"flaky"}}"#).header("x-should-retry", "true"),
        Reply::status(200),
    ])
    .await
    .unwrap();
    let ok = client(&server.url()).ping().send().await.unwrap();
    assert_eq!(ok.attempts, 2);
}

#[tokio::test(start_paused = true)]
async fn millisecond_hints_come_first_and_past_the_cap_fall_back_to_backoff() {
    let limited = |ms: &str, s: &str| {
        Reply::json(429, r#"{"error":{"message":"slow"}}"#)
            .header("retry-after-ms", ms)
            .header("retry-after", s)
    };
    let server = Server::start(vec![limited("1500", "9"), Reply::status(200)])
        .await
        .unwrap();
    client(&server.url()).ping().send().await.unwrap();
    let r = server.received();
    assert_eq!(
        r[1].at - r[0].at,
        Duration::from_millis(1500),
        "retry-after-ms wins"
    );
    // 120 s is past max_wait (30 s); this spec says `past_max_wait: backoff`.
    let server = Server::start(vec![limited("120000", "120"), Reply::status(200)])
        .await
        .unwrap();
    client(&server.url()).ping().send().await.unwrap();
    let r = server.received();
    let waited = r[1].at - r[0].at;
    // Backoff: 250 ms x jitter [0.5, 1.0].
    assert!(
        (Duration::from_millis(125)..=Duration::from_millis(250)).contains(&waited),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn header_driven_classes_nested_namespaces_and_go_durations() {
    use ef::ErrorKind as K;
    let server = Server::start(vec![
        // A 403 is a rate limit only when the remaining header says 0.
        Reply::json(403, r#"{"error":{"message":"slow down"}}"#)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1767225605")
            .header("x-should-retry", "false"),
        Reply::json(403, r#"{"error":{"message":"no"}}"#),
        Reply::json(
            200,
            r#"[{"id":"v1","type":"2xl","createdAt":"t","price":2}]"#,
        )
        .header("x-ratelimit-reset-requests", "6m0s")
        .header("x-ratelimit-remaining-tokens", "99.0"),
    ])
    .await
    .unwrap();
    let c = ef::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .clock(conformance::fixed_clock)
        .build()
        .unwrap();
    let e = c.ping().send().await.unwrap_err();
    let K::SecondaryRateLimitError(s) = &e.as_api().unwrap().kind else {
        panic!("{e:?}")
    };
    assert_eq!(
        s.reset_in,
        Some(Duration::from_secs(5)),
        "epoch seconds read against the clock"
    );
    let e = c.ping().send().await.unwrap_err();
    let kind = &e.as_api().unwrap().kind;
    assert!(
        matches!(kind, K::PermissionDeniedError(_)) && kind.is_client_error(),
        "{kind:?}"
    );
    let versions = c.items().versions().list("item 1").send().await.unwrap();
    assert_eq!(versions[0].r#type, ef::Kind::V2xl);
    assert_eq!(server.received()[2].path, "/items/item%201/versions");
    let requests = versions.rate_limit().family("requests").unwrap();
    assert_eq!(requests.reset, Some(Duration::from_secs(360)));
    assert_eq!(
        versions.rate_limit().family("tokens").unwrap().remaining,
        Some(99)
    );
}

#[tokio::test(start_paused = true)]
async fn a_zero_wait_falls_back_to_the_floored_schedule_and_attempts_are_counted() {
    let message = r#"{"id":"m1","text":"hi"}"#;
    let server = Server::start(vec![
        Reply::status(429).header("retry-after", "0"),
        Reply::status(503),
        Reply::json(200, message),
    ])
    .await
    .unwrap();
    let client = scheduled::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .jitter_seed(1)
        .build()
        .unwrap();
    // A POST, resent on purpose: the spec lists POST under `resend_methods`.
    let created = client
        .messages()
        .create(&scheduled::NewMessage::new("hi"))
        .send()
        .await
        .unwrap();
    assert_eq!(created.attempts, 3);
    let r = server.received();
    let gaps: Vec<Duration> = r.windows(2).map(|w| w[1].at - w[0].at).collect();
    // `Retry-After: 0` is no hint here: the first schedule wait (1 s, jittered to at least
    // half) is taken, and never less than the 500 ms floor; then the second (4 s).
    assert!(
        gaps[0] >= Duration::from_millis(500) && gaps[0] <= Duration::from_secs(1),
        "{gaps:?}"
    );
    assert!(
        gaps[1] >= Duration::from_secs(2) && gaps[1] <= Duration::from_secs(4),
        "{gaps:?}"
    );
    let counts: Vec<&str> = r
        .iter()
        .map(|x| x.header("x-retry-count").unwrap_or_default())
        .collect();
    assert_eq!(counts, ["0", "1", "2"]);
    assert!(r
        .iter()
        .all(|x| x.header("x-request-timeout") == Some("600")));
}

#[tokio::test(start_paused = true)]
async fn an_attribute_reads_its_first_present_source_and_typed_attributes_decode() {
    use ef::ErrorKind as K;
    let wait_of = |reply: Reply| async move {
        let server = Server::start(vec![reply]).await.unwrap();
        let err = ef::Client::builder()
            .api_key("k")
            .base_url(server.url())
            .max_retries(0)
            .build()
            .unwrap()
            .items()
            .get("i1", 1)
            .send()
            .await
            .unwrap_err();
        match &err.as_api().unwrap().kind {
            K::RateLimitError(e) => (e.wait, e.reset_at),
            other => panic!("{other:?}"),
        }
    };
    // retry-after-ms, else retry-after, else the Go-duration reset header.
    let (wait, _) = wait_of(
        Reply::status(429)
            .header("retry-after", "3")
            .header("x-ratelimit-reset-requests", "6m0s"),
    )
    .await;
    assert_eq!(wait, Some(Duration::from_secs(3)));
    let (wait, reset_at) = wait_of(
        Reply::status(429)
            .header("x-ratelimit-reset-requests", "6m0s")
            .header("x-reset-at", "2030-01-01T00:00:00Z"),
    )
    .await;
    assert_eq!(wait, Some(Duration::from_secs(360)));
    assert_eq!(
        reset_at,
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_893_456_000))
    );

    // A 422's list of validation errors is a typed Vec; a malformed one is absent.
    let server = Server::start(vec![
        Reply::json(
            422,
            r#"{"errors":[{"resource":"Issue","field":"title","code":"missing_field"}],"error":{"failed_at":1767225600}}"#,
        ),
        Reply::json(422, r#"{"errors":"not a list"}"#),
    ])
    .await
    .unwrap();
    let c = client(&server.url());
    for expected in [1usize, 0] {
        let err = c.items().get("i1", 1).send().await.unwrap_err();
        let K::UnprocessableEntityError(e) = &err.as_api().unwrap().kind else {
            panic!("{err:?}")
        };
        assert_eq!(e.errors.as_ref().map_or(0, Vec::len), expected);
        if expected == 1 {
            let first = &e.errors.as_ref().unwrap()[0];
            assert_eq!(
                (first.field.as_str(), first.code.as_str()),
                ("title", "missing_field")
            );
            assert_eq!(
                e.failed_at,
                Some(std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600))
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_class_waits_for_its_reset_plus_a_second_or_its_default() {
    // The reset instant is read against the harness's fixed clock: 2026-01-01T00:00:00Z.
    let server = Server::start(vec![
        Reply::status(403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1767225605"),
        Reply::json(
            403,
            r#"{"message":"You have exceeded a Secondary Rate Limit"}"#,
        ),
        Reply::json(200, ITEM),
    ])
    .await
    .unwrap();
    let c = ef::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .clock(|| std::time::UNIX_EPOCH + Duration::from_secs(1_767_225_600))
        .build()
        .unwrap();
    c.items().get("i1", 1).send().await.unwrap();
    let r = server.received();
    let gaps: Vec<Duration> = r.windows(2).map(|w| w[1].at - w[0].at).collect();
    // 5 s to the reset, plus 1 s; then no header at all: the class's default of 20 s.
    assert_eq!(gaps, [Duration::from_secs(6), Duration::from_secs(20)]);
}

#[tokio::test(start_paused = true)]
async fn the_first_configured_credential_wins_and_optional_headers_are_sent_when_given() {
    use scheduled::ClientBuilderExt as _;
    let message = r#"{"id":"m1","text":"hi"}"#;
    let server = Server::start((0..4).map(|_| Reply::json(200, message)).collect())
        .await
        .unwrap();
    let get = |builder: scheduled::ClientBuilder| async {
        builder
            .base_url(server.url())
            .build()
            .unwrap()
            .messages()
            .get("m1")
            .send()
            .await
            .unwrap();
    };
    // An auth token alone: sent as a bearer token, with the organization set here.
    get(scheduled::Client::builder()
        .auth_token("tok-1")
        .organization("org-1"))
    .await;
    // An API key beside it: the key wins (it is the spec's first scheme).
    get(scheduled::Client::builder()
        .auth_token("tok-1")
        .api_key("key-1"))
    .await;
    // From the environment: the second key variable, and the project header's variable.
    std::env::set_var("SCHEDULED_KEY", "key-from-env");
    std::env::set_var("SCHEDULED_PROJECT_ID", "proj-9");
    get(scheduled::Client::builder()).await;
    std::env::remove_var("SCHEDULED_KEY");
    std::env::remove_var("SCHEDULED_PROJECT_ID");
    // Nothing anywhere: a build error naming every variable read.
    let err = scheduled::Client::builder().build().unwrap_err();
    assert_eq!(
        err.to_string(),
        "no API key: pass one to the builder's `api_key` or set SCHEDULED_API_KEY or SCHEDULED_KEY or SCHEDULED_AUTH_TOKEN"
    );
    let r = server.received();
    type Credentials<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let seen: Vec<Credentials> = r
        .iter()
        .map(|x| {
            (
                x.header("authorization"),
                x.header("x-api-key"),
                x.header("scheduled-organization"),
                x.header("scheduled-project"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("Bearer tok-1"), None, Some("org-1"), None),
            (None, Some("key-1"), None, None),
            (None, Some("key-from-env"), None, Some("proj-9")),
        ]
    );
    assert!(r
        .iter()
        .all(|x| x.header("scheduled-version") == Some("2025-01-01")));
}

#[tokio::test(start_paused = true)]
async fn a_header_parameter_replaces_the_generated_key_and_the_fixed_header_once() {
    let server = Server::start(vec![Reply::status(503), Reply::json(200, ITEM)])
        .await
        .unwrap();
    let c = client(&server.url());
    c.items()
        .create(&ef::NewItem::new("n"))
        .idempotency_key_param("my-own-key")
        .every_version("2025-02-02")
        .send()
        .await
        .unwrap();
    for r in server.received() {
        let count = |name: &str| r.headers.iter().filter(|(n, _)| n == name).count();
        assert_eq!((count("idempotency-key"), count("every-version")), (1, 1));
        assert_eq!(r.header("idempotency-key"), Some("my-own-key"));
        assert_eq!(r.header("every-version"), Some("2025-02-02"));
    }
}

/// An endpoint with nothing of its own to set is the runtime's shared call type; where the
/// API has an idempotency-key header, that type takes the caller's key too.
#[tokio::test(start_paused = true)]
async fn a_shared_call_takes_the_callers_idempotency_key() {
    let server = Server::start(vec![Reply::status(503), Reply::json(200, ITEM)])
        .await
        .unwrap();
    let c = client(&server.url());
    let body = ef::Attachment::new(ef::File::from_bytes("a.txt", "hi"), "evidence");
    let call: ef::ItemsAttachCall<'_> = c.items().attach("i1", &body);
    let item = call.idempotency_key("mine-1").send().await.unwrap();
    assert_eq!(item.attempts, 2);
    let received = server.received();
    let keys: Vec<Option<&str>> = received
        .iter()
        .map(|r| r.header("idempotency-key"))
        .collect();
    assert_eq!(keys, [Some("mine-1"), Some("mine-1")]);
}

#[tokio::test(start_paused = true)]
async fn per_call_options_override_the_client_for_one_call() {
    let server = Server::start(vec![
        // A timeout of this call only: 2 s, not the client's 600 s.
        Reply::hang(),
        // No retries for this call.
        Reply::status(503),
        // The caller's idempotency key, resent on the retry; an extra header replacing
        // the pinned version; a setter called twice sends its last value once.
        Reply::status(503),
        Reply::json(200, &format!("[{ITEM}]")).header("x-extra", "seen"),
    ])
    .await
    .unwrap();
    let c = client(&server.url());
    let start = tokio::time::Instant::now();
    let err = c
        .items()
        .get("i1", 1)
        .timeout(Duration::from_secs(2))
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    let err = c
        .items()
        .get("i1", 1)
        .max_retries(0)
        .send()
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.attempts()), (Some(503), 1));
    let response = c
        .items()
        .list()
        .limit(1)
        .limit(2)
        .header("Every-Version", "2030-01-01")
        .idempotency_key("call-key-1")
        .send()
        .await;
    let response = response.unwrap();
    assert_eq!(response.attempts, 2);
    assert_eq!(
        response
            .headers
            .get("x-extra")
            .and_then(|v| v.to_str().ok()),
        Some("seen")
    );
    for r in &server.received()[2..] {
        assert_eq!(
            r.query.as_deref().map(|q| q.matches("limit=").count()),
            Some(1)
        );
        assert!(r.query.as_deref().unwrap_or_default().contains("limit=2"));
        assert_eq!(r.header("every-version"), Some("2030-01-01"));
        assert_eq!(
            r.headers
                .iter()
                .filter(|(n, _)| n == "every-version")
                .count(),
            1
        );
        assert_eq!(r.header("idempotency-key"), Some("call-key-1"));
    }
}

#[tokio::test(start_paused = true)]
async fn unions_decode_every_variant_keep_unknown_tags_and_serialize_back() {
    let reply = r#"{"blocks":[{"type":"text","text":"hi"},{"type":"image","url":"u"},{"type":"video","src":"v","seconds":3}],"prompt":[{"type":"text","text":"p"}]}"#;
    let server = Server::start(vec![Reply::json(200, reply)]).await.unwrap();
    let body = ef::Annotation::new(
        vec![
            ef::ContentBlock::Text(ef::TextBlock::new("a")),
            ef::ContentBlock::Unknown(serde_json::json!({"type": "audio", "id": 7})),
        ],
        ef::Prompt::StringList(vec!["x".into(), "y".into()]),
    );
    let got = client(&server.url())
        .items()
        .annotate("i1", &body)
        .send()
        .await
        .unwrap()
        .into_inner();
    // Sent: each variant with its tag written in; the unknown one exactly as kept.
    let sent: serde_json::Value = serde_json::from_slice(&server.received()[0].body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({
            "blocks": [{"type": "text", "text": "a"}, {"type": "audio", "id": 7}],
            "prompt": ["x", "y"]
        })
    );
    // Received: known tags typed, an unknown tag kept whole, the prompt's third shape.
    assert_eq!(got.blocks.len(), 3);
    assert!(matches!(&got.blocks[0], ef::ContentBlock::Text(t) if t.text == "hi"));
    assert!(matches!(&got.blocks[1], ef::ContentBlock::Image(i) if i.url == "u"));
    let ef::ContentBlock::Unknown(raw) = &got.blocks[2] else {
        panic!("{:?}", got.blocks[2])
    };
    assert_eq!(raw["seconds"], 3);
    assert!(matches!(&got.prompt, ef::Prompt::ContentBlockList(b) if b.len() == 1));
    // And back to the JSON it came from.
    let again = serde_json::to_value(&got).unwrap();
    let original: serde_json::Value = serde_json::from_str(reply).unwrap();
    assert_eq!(again, original);
    // A string prompt is the first shape; a number is none of them.
    let p: ef::Prompt = serde_json::from_str(r#""just text""#).unwrap();
    assert_eq!(p, ef::Prompt::String("just text".into()));
    assert!(serde_json::from_str::<ef::Prompt>("42").is_err());
}

#[test]
fn optional_and_nullable_are_three_states() {
    use scheduled::MessagePage;
    // Omitted, null (which clears a value) and set are told apart both ways.
    let omitted: MessagePage = serde_json::from_str(r#"{"data":[]}"#).unwrap();
    let null: MessagePage = serde_json::from_str(r#"{"data":[],"next_cursor":null}"#).unwrap();
    let set: MessagePage = serde_json::from_str(r#"{"data":[],"next_cursor":"c"}"#).unwrap();
    assert_eq!(omitted.next_cursor, None);
    assert_eq!(null.next_cursor, Some(None));
    assert_eq!(set.next_cursor, Some(Some("c".to_owned())));
    let json = |p: &MessagePage| serde_json::to_string(p).unwrap();
    assert_eq!(json(&MessagePage::new(vec![])), r#"{"data":[]}"#);
    assert_eq!(
        json(&MessagePage::new(vec![]).clear_next_cursor()),
        r#"{"data":[],"next_cursor":null}"#
    );
    assert_eq!(
        json(&MessagePage::new(vec![]).with_next_cursor("c")),
        r#"{"data":[],"next_cursor":"c"}"#
    );
}
