//! The harness itself: a wrong cassette fails with a readable diff, never a pass; secrets
//! and broken claims are caught; record mode scrubs the key and records what replays.

use std::collections::BTreeSet;

use conformance::cassette::Cassette;
use conformance::record::record;
use conformance::replay::{check_claims, missing_coverage, replay, scan_secrets};
use conformance::server::{Reply, Server};

#[rustfmt::skip]
#[path = "../../generated/mnemexa/tests/conformance/dispatch.rs"]
mod mnemexa_dispatch;

const STATUS_CASE: &str = r#"
description: status succeeds
covers: [endpoint:status]
call: {endpoint: status}
request:
  method: GET
  path: /v1/status
  headers: {authorization: "Bearer {{api_key}}"}
responses:
  - status: 200
    body: {workspace_status: active}
"#;

fn case(edit: impl Fn(&mut Cassette)) -> Cassette {
    let mut c = Cassette::from_yaml(STATUS_CASE).unwrap();
    edit(&mut c);
    c
}

async fn run(c: &Cassette) -> Result<conformance::replay::Snapshot, String> {
    replay(c, &mnemexa_dispatch::dispatcher(None)).await
}

#[tokio::test(start_paused = true)]
async fn a_right_cassette_replays() {
    let snapshot = run(&case(|_| {})).await.unwrap();
    assert_eq!(snapshot.requests.len(), 1);
    assert_eq!(
        snapshot.requests[0].headers["authorization"],
        "Bearer {{api_key}}".into()
    );
    assert!(check_claims(&case(|_| {}), &snapshot.outcome, None).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_wrong_path_fails_with_a_diff() {
    let err = run(&case(|c| c.request.path = "/v1/statuses".into()))
        .await
        .unwrap_err();
    assert!(
        err.contains("request 1 does not match the expected request"),
        "{err}"
    );
    assert!(
        err.contains("-path: /v1/statuses") && err.contains("+path: /v1/status"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wrong_header_or_query_fails() {
    let err = run(&case(|c| {
        c.request
            .headers
            .insert("authorization".into(), "Bearer other".into());
    }))
    .await
    .unwrap_err();
    assert!(err.contains("-  authorization: Bearer other"), "{err}");
    let err = run(&case(|c| {
        c.request.query = vec![("limit".into(), "5".into())]
    }))
    .await
    .unwrap_err();
    assert!(err.contains("does not match"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn an_extra_response_fails() {
    let err = run(&case(|c| {
        let extra = c.responses[0].clone();
        c.responses.push(extra);
    }))
    .await
    .unwrap_err();
    assert!(
        err.contains("1 of 2 response(s) were never requested"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_unexpected_request_fails() {
    // status is retried on 503: the second attempt finds no response scripted.
    let err = run(&case(|c| c.responses[0].status = 503))
        .await
        .unwrap_err();
    assert!(err.contains("request 2 was not expected"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_claim_the_outcome_does_not_hold_is_reported() {
    let c = case(|c| c.covers = vec!["class:RateLimitError".into(), "retry:not-retried".into()]);
    let snapshot = run(&c).await.unwrap();
    let broken = check_claims(&c, &snapshot.outcome, None);
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(broken[0].contains("claims `class:RateLimitError` but the call ended in success"));
}

#[tokio::test(start_paused = true)]
async fn retry_claims_are_matched_on_their_whole_key() {
    // A 503 that recovers: Mnemexa retries 5xx.
    let recovered = |covers: &[&str]| {
        case(|c| {
            c.covers = covers.iter().map(|k| (*k).to_owned()).collect();
            c.responses.insert(
                0,
                conformance::cassette::CassetteResponse {
                    status: 503,
                    ..c.responses[0].clone()
                },
            );
        })
    };
    let c = recovered(&["retry:status:5xx:recovered", "retry:status:503:recovered"]);
    let snapshot = run(&c).await.unwrap();
    assert!(check_claims(&c, &snapshot.outcome, None).is_empty());
    // The key names 408; the case recovered from a 503: not the same claim.
    let c = recovered(&["retry:status:408:recovered"]);
    let broken = check_claims(&c, &snapshot.outcome, None);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(
        broken[0].contains("its first response being HTTP 503"),
        "{broken:?}"
    );
    // Unknown and malformed keys are not waved through.
    let c = recovered(&["retry:status:503:recoverd", "retry:sometimes", "klass:X"]);
    let broken = check_claims(&c, &snapshot.outcome, None);
    assert_eq!(broken.len(), 3, "{broken:?}");
    assert!(
        broken.iter().all(|b| b.contains("not a coverage key")),
        "{broken:?}"
    );
    // A class trigger is checked against what the first response alone is classified as.
    let c = recovered(&["retry:class:ServerError:recovered"]);
    assert!(conformance::replay::needs_first_alone(&c));
    let alone = run(&conformance::replay::first_alone(&c)).await.unwrap();
    let broken = check_claims(&c, &snapshot.outcome, Some(&alone.outcome));
    let class = match &alone.outcome {
        conformance::Outcome::Error(f) => f.class.unwrap_or_default(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        broken.is_empty(),
        class == "ServerError",
        "{class}: {broken:?}"
    );
    let c = recovered(&[&format!("retry:class:{class}:recovered")]);
    assert!(check_claims(&c, &snapshot.outcome, Some(&alone.outcome)).is_empty());
    let c = recovered(&["retry:class:RateLimitError:recovered"]);
    assert_eq!(
        check_claims(&c, &snapshot.outcome, Some(&alone.outcome)).len(),
        1
    );
}

#[test]
fn secrets_on_disk_are_found() {
    let p = std::path::Path::new("x.yaml");
    assert!(scan_secrets(
        p,
        "authorization: Bearer {{api_key}}\nx-api-key: '[redacted]'"
    )
    .is_empty());
    assert_eq!(
        scan_secrets(p, "  authorization: Bearer sk-live-abc").len(),
        1
    );
    assert_eq!(scan_secrets(p, "    x-api-key: abc123").len(), 1);
    assert_eq!(
        scan_secrets(p, &format!("body: {}", conformance::API_KEY)).len(),
        1
    );
}

#[test]
fn coverage_names_what_has_no_case() {
    let covered: BTreeSet<String> = ["class:A".to_owned()].into();
    let missing = missing_coverage("demo", &["class:A", "class:B"], &covered);
    assert_eq!(missing.len(), 1);
    assert!(missing[0].contains("`class:B` has no case in conformance/cases/demo/"));
}

/// Records the status case against a live server answering `reply`, with `secret` as key.
async fn record_status(reply: Reply, secret: &str) -> (Server, Cassette) {
    let live = Server::start(vec![reply]).await.unwrap();
    let case = Cassette::from_yaml(STATUS_CASE).unwrap();
    let recorded = record(
        &case,
        &live.url(),
        secret,
        &mnemexa_dispatch::dispatcher(Some(secret.into())),
    )
    .await
    .unwrap();
    (live, recorded)
}

#[tokio::test]
async fn record_mode_scrubs_the_key_and_records_what_replays() {
    let secret = "sk-live-REAL-KEY-99";
    let (live, recorded) = record_status(
        Reply::json(
            200,
            r#"{"workspace_status":"limit_reached","echo":"sk-live-REAL-KEY-99"}"#,
        )
        .header("x-request-id", "req_live")
        .header("set-cookie", "session=abc"),
        secret,
    )
    .await;
    // The live server saw the real key; the cassette holds only the placeholder.
    assert_eq!(
        live.received()[0].header("authorization"),
        Some(format!("Bearer {secret}").as_str())
    );
    let text = recorded.to_yaml();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("Bearer {{api_key}}"), "{text}");
    assert!(
        !text.contains("session=abc"),
        "set-cookie is dropped: {text}"
    );
    assert!(scan_secrets(std::path::Path::new("recorded.yaml"), &text).is_empty());
    assert_eq!(
        recorded.responses[0]
            .headers
            .get("x-request-id")
            .map(String::as_str),
        Some("req_live")
    );
    // And the recording replays against the SDK as any cassette does.
    let snapshot = run(&recorded).await.unwrap();
    assert_eq!(snapshot.requests.len(), 1);
}

#[tokio::test]
async fn record_mode_scrubs_every_encoded_form_of_the_key() {
    use base64::Engine as _;
    let secret = "sk-live+SECRET/abc=123";
    let pct = "sk-live%2BSECRET%2Fabc%3D123";
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("acme:{secret}"));
    let body = format!(
        r#"{{"workspace_status":"active","pct":"{pct}","lower":"sk-live%2bSECRET%2fabc%3d123","json":"sk-live+SECRET\\/abc=123","basic":"Basic {basic}","mask":"key ****=123","raw_b64":"{}"}}"#,
        base64::engine::general_purpose::STANDARD.encode(secret)
    );
    let (_live, recorded) = record_status(
        Reply::json(200, &body)
            .header("location", &format!("https://elsewhere.test/?k={pct}"))
            .header("x-echo", &format!("Basic {basic}")),
        secret,
    )
    .await;
    let text = recorded.to_yaml();
    let path = std::path::Path::new("recorded.yaml");
    assert_eq!(
        conformance::replay::scan_secrets_of(path, &text, secret),
        Vec::<String>::new(),
        "{text}"
    );
    for form in [secret, pct, basic.as_str(), "****=123"] {
        assert!(!text.contains(form), "{form} in {text}");
    }
    assert!(text.contains("[redacted]"), "{text}");
    // The scan itself finds each form in a text that has not been scrubbed.
    for leaked in [
        format!("a: {pct}"),
        format!(
            "b: {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{secret}:"))
        ),
        "c: sk-live+SECRET\\/abc=123".to_owned(),
        "d: ****=123".to_owned(),
    ] {
        assert_eq!(
            conformance::replay::scan_secrets_of(path, &leaked, secret).len(),
            1,
            "{leaked}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_repeated_header_is_a_list_in_a_cassette() {
    use conformance::cassette::HeaderValues;
    let parsed = Cassette::from_yaml(&STATUS_CASE.replace(
        r#"headers: {authorization: "Bearer {{api_key}}"}"#,
        r#"headers: {authorization: ["Bearer {{api_key}}", "Bearer {{api_key}}"]}"#,
    ))
    .unwrap();
    assert_eq!(
        parsed.request.headers["authorization"],
        HeaderValues::Many(vec!["Bearer {{api_key}}".into(); 2])
    );
    // The SDK sends it once: a cassette expecting it twice fails, and says so.
    let err = run(&parsed).await.unwrap_err();
    assert!(err.contains("does not match the expected request"), "{err}");
    assert!(err.contains("-  authorization:"), "{err}");
}

#[test]
fn a_body_field_named_like_a_credential_is_not_a_leak() {
    let p = std::path::Path::new("x.yaml");
    let text = "request:\n  body:\n    authorization: authorization-1\n  headers:\n    authorization: Bearer {{api_key}}\n";
    assert!(scan_secrets(p, text).is_empty());
    let leaked =
        "request:\n  body:\n    authorization: x\n  headers:\n    authorization: Bearer sk-live\n";
    assert_eq!(scan_secrets(p, leaked).len(), 1);
}
