//! The typed outcome of an SDK call, as a snapshot records it: the decoded value, or the
//! error with its class, every typed attribute, status, code, detail, wait and attempts.

use serde::Serialize;
use serde_json::Value;

use sdkgen_runtime::{Error, ErrorClass, RateLimitState, Response};

/// What an SDK call returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A 2xx response, decoded.
    Ok(Success),
    /// An error of the crate's hierarchy.
    Error(Failure),
    /// A streamed response: the events read, and the error that ended it, if one did.
    Stream(Streamed),
}

/// A streamed response read to its end.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Streamed {
    /// HTTP status.
    pub status: u16,
    /// Attempts made (before the first event).
    pub attempts: u32,
    /// The request id header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The events, each decoded and serialized back, with when it arrived (milliseconds
    /// after the call began, on the paused clock).
    pub events: Vec<StreamedEvent>,
    /// The error that ended the stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
}

/// One event as the caller received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamedEvent {
    /// Milliseconds after the call began.
    pub at_ms: u64,
    /// The decoded event.
    pub data: Value,
}

/// A decoded response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Success {
    /// HTTP status.
    pub status: u16,
    /// Attempts made.
    pub attempts: u32,
    /// The request id header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Rate-limit state reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limit: Vec<Family>,
    /// The decoded value, serialized back to JSON.
    pub data: Value,
}

/// An error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    /// `api`, `connection`, `timeout`, `decode` or `request`.
    pub kind: &'static str,
    /// The documented class name (API errors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<&'static str>,
    /// Its ancestors, nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<&'static str>,
    /// HTTP status, when there was a response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The event of a streamed response that carried the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Error type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// Detail or message.
    pub detail: String,
    /// The typed attributes of the class, with their JSON types.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub attributes: Value,
    /// The server's wait, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_s: Option<f64>,
    /// Attempts made.
    pub attempts: u32,
    /// The request id header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Rate-limit state reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rate_limit: Vec<Family>,
    /// Raw body length kept, and whether it was cut.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_bytes: Option<usize>,
    /// Whether the kept body was cut at the runtime's limit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// One rate-limit header family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Family {
    /// Family name.
    pub name: &'static str,
    /// Limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    /// Remaining.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Reset, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_s: Option<f64>,
    /// Reset instant, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_at: Option<String>,
    /// Used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub used: Option<u64>,
    /// Further named fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(&'static str, String)>,
}

fn families(state: &RateLimitState) -> Vec<Family> {
    state
        .families()
        .iter()
        .map(|f| Family {
            name: f.name,
            limit: f.limit,
            remaining: f.remaining,
            reset_s: f.reset.map(|d| d.as_secs_f64()),
            reset_at: f.reset_at.and_then(|t| {
                sdkgen_runtime::Timestamp::from_system_time(t).map(|t| t.as_str().to_owned())
            }),
            used: f.used,
            fields: f.fields.clone(),
        })
        .collect()
}

/// The attributes of a class enum value: `{"Class": {...}}` becomes `{...}`; a class with
/// no attributes (or `Other`) becomes null.
fn attributes<K: Serialize>(kind: &K) -> Value {
    match serde_json::to_value(kind) {
        Ok(Value::Object(map)) => match map.into_iter().next() {
            Some((_, Value::Object(attrs))) if !attrs.is_empty() => Value::Object(attrs),
            _ => Value::Null,
        },
        _ => Value::Null,
    }
}

/// The outcome of a call of any generated SDK.
pub fn outcome<T: Serialize, K: ErrorClass + Serialize>(
    result: Result<Response<T>, Error<K>>,
) -> Outcome {
    match result {
        Ok(r) => Outcome::Ok(Success {
            status: r.status,
            attempts: r.attempts,
            request_id: r.request_id.clone(),
            rate_limit: families(r.rate_limit()),
            data: serde_json::to_value(&r.data).unwrap_or(Value::Null),
        }),
        Err(e) => Outcome::Error(failure(&e)),
    }
}

/// The outcome of a download read to its end: its size and text (lossy), or the error
/// that ended it (before the body, or while it streamed).
pub async fn outcome_download<K: ErrorClass + Serialize>(
    result: Result<Response<sdkgen_runtime::BodyStream<K>>, Error<K>>,
) -> Outcome {
    use sdkgen_runtime::futures::StreamExt as _;
    let mut response = match result {
        Ok(r) => r,
        Err(e) => return Outcome::Error(failure(&e)),
    };
    let mut body = Vec::new();
    while let Some(chunk) = response.data.next().await {
        match chunk {
            Ok(c) => body.extend_from_slice(&c),
            Err(e) => return Outcome::Error(failure(&e)),
        }
    }
    Outcome::Ok(Success {
        status: response.status,
        attempts: response.attempts,
        request_id: response.request_id.clone(),
        rate_limit: families(response.rate_limit()),
        data: serde_json::json!({
            "bytes": body.len(),
            "text": String::from_utf8_lossy(&body),
        }),
    })
}

/// The outcome of a streamed call read to its end: every event with its arrival time, and
/// the error that ended the stream (before it began, or in the middle).
pub async fn outcome_events<
    E: Serialize + serde::de::DeserializeOwned,
    K: ErrorClass + Serialize,
>(
    call: impl std::future::Future<
        Output = Result<Response<sdkgen_runtime::EventStream<E, K>>, Error<K>>,
    >,
) -> Outcome {
    use sdkgen_runtime::futures::StreamExt as _;
    let started = tokio::time::Instant::now();
    let mut response = match call.await {
        Ok(r) => r,
        Err(e) => return Outcome::Error(failure(&e)),
    };
    let mut events = Vec::new();
    let mut error = None;
    while let Some(item) = response.data.next().await {
        match item {
            Ok(event) => events.push(StreamedEvent {
                at_ms: started.elapsed().as_millis() as u64,
                data: serde_json::to_value(&event).unwrap_or(Value::Null),
            }),
            Err(e) => {
                error = Some(failure(&e));
                break;
            }
        }
    }
    Outcome::Stream(Streamed {
        status: response.status,
        attempts: response.attempts,
        request_id: response.request_id.clone(),
        events,
        error,
    })
}

/// The outcome of reading every item of a list: the items, or the error that ended it.
pub fn outcome_items<I: Serialize, K: ErrorClass + Serialize>(
    result: Result<Vec<I>, Error<K>>,
) -> Outcome {
    match result {
        Ok(items) => Outcome::Ok(Success {
            status: 200,
            attempts: 1,
            request_id: None,
            rate_limit: Vec::new(),
            data: serde_json::to_value(&items).unwrap_or(Value::Null),
        }),
        Err(e) => Outcome::Error(failure(&e)),
    }
}

fn failure<K: ErrorClass + Serialize>(e: &Error<K>) -> Failure {
    let bare = |kind: &'static str, detail: String, attempts: u32| Failure {
        kind,
        class: None,
        ancestors: Vec::new(),
        status: None,
        event: None,
        code: None,
        error_type: None,
        detail,
        attributes: Value::Null,
        retry_after_s: None,
        attempts,
        request_id: None,
        rate_limit: Vec::new(),
        body_bytes: None,
        truncated: false,
    };
    match e {
        Error::Api(a) => Failure {
            kind: "api",
            class: Some(a.kind.class_name()),
            ancestors: a.kind.ancestors().to_vec(),
            status: Some(a.status),
            event: a.event.clone(),
            code: a.code.clone(),
            error_type: a.error_type.clone(),
            detail: a.detail.clone(),
            attributes: attributes(&a.kind),
            retry_after_s: a.retry_after.map(|d| d.as_secs_f64()),
            attempts: a.attempts,
            request_id: a.request_id.clone(),
            rate_limit: families(&a.rate_limit),
            body_bytes: Some(a.response.body.len()),
            truncated: a.response.truncated,
        },
        Error::Connection(c) => bare("connection", c.to_string(), c.attempts),
        Error::Timeout(t) => bare("timeout", t.to_string(), t.attempts),
        Error::Decode(d) => Failure {
            status: Some(d.status),
            request_id: d.request_id.clone(),
            body_bytes: Some(d.body.len()),
            ..bare("decode", d.message.clone(), d.attempts)
        },
        Error::Request(r) => bare("request", r.to_string(), 0),
        Error::Redirect(r) => Failure {
            status: Some(r.status),
            ..bare("redirect", r.to_string(), r.attempts)
        },
        Error::TooLarge(t) => Failure {
            status: Some(t.status),
            request_id: t.request_id.clone(),
            ..bare("too_large", t.to_string(), t.attempts)
        },
        _ => bare("other", e.to_string(), e.attempts()),
    }
}
