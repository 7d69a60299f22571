//! The cassette format: one YAML file per case, holding the SDK call to make, the request
//! the SDK must send, and the ordered responses to serve. See `conformance/README.md`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The placeholder standing for the API key in cassettes and snapshots.
pub const API_KEY_PLACEHOLDER: &str = "{{api_key}}";

/// The key the harness hands the client when replaying. Never written to disk: requests are
/// redacted before they are compared or snapshotted, and a scan fails the suite if it shows
/// up in a cassette or snapshot.
pub const API_KEY: &str = "sk-conformance-0d9e2b7a41";

/// One case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cassette {
    /// What the case shows.
    pub description: String,
    /// Coverage keys this case satisfies (`class:X`, `endpoint:y.z`, `retry:...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<String>,
    /// The SDK call.
    pub call: Call,
    /// Client settings for this case.
    #[serde(default, skip_serializing_if = "ClientOptions::is_default")]
    pub client: ClientOptions,
    /// The request the SDK must send, on every attempt.
    pub request: ExpectedRequest,
    /// The responses served, in order; every one must be used.
    pub responses: Vec<CassetteResponse>,
}

/// The SDK call: an endpoint by its spec name and typed arguments as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    /// Endpoint, e.g. `memory.store`.
    pub endpoint: String,
    /// Path, query and header parameters by their spec names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    /// The request body model, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Read every page of a paginated endpoint (its `items()` stream), not just one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pages: bool,
    /// Ask for the stream of events (the call builder's `stream()`), where the endpoint
    /// can answer either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
}

/// Client settings a case may change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientOptions {
    /// Override of the spec's `max_retries`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Per-attempt timeout in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl ClientOptions {
    fn is_default(&self) -> bool {
        *self == ClientOptions::default()
    }

    /// The per-attempt timeout, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout_ms.map(Duration::from_millis)
    }
}

/// What the SDK must send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedRequest {
    /// Method.
    pub method: String,
    /// Path as sent (percent-encoded).
    pub path: String,
    /// Query parameters, compared as a multiset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<(String, String)>,
    /// Headers that matter (others may be present). `{{api_key}}` stands for the key. A
    /// header sent more than once is a list of its values, in order.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderValues>,
    /// A JSON body, compared as a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A form body, compared as a multiset of pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Vec<(String, String)>>,
    /// A `multipart/form-data` body: its parts, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multipart: Option<Vec<ExpectedPart>>,
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedPart {
    /// The part's name.
    pub name: String,
    /// A file part's file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// The part's media type, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The part's contents (lossy UTF-8).
    pub text: String,
}

/// The value(s) of one request header: a string when it was sent once, a list when it was
/// sent several times (so a duplicate is seen and can be asserted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum HeaderValues {
    /// Sent once.
    One(String),
    /// Sent several times, in order.
    Many(Vec<String>),
}

impl HeaderValues {
    /// The values as a list.
    pub fn from_values(mut values: Vec<String>) -> Option<HeaderValues> {
        match values.len() {
            0 => None,
            1 => values.pop().map(HeaderValues::One),
            _ => Some(HeaderValues::Many(values)),
        }
    }

    /// Whether any value contains `text`.
    pub fn contains(&self, text: &str) -> bool {
        match self {
            HeaderValues::One(v) => v.contains(text),
            HeaderValues::Many(vs) => vs.iter().any(|v| v.contains(text)),
        }
    }
}

impl From<&str> for HeaderValues {
    fn from(v: &str) -> Self {
        HeaderValues::One(v.to_owned())
    }
}

impl From<String> for HeaderValues {
    fn from(v: String) -> Self {
        HeaderValues::One(v)
    }
}

/// A response to serve.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CassetteResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers (a sorted map).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body (sent with `content-type: application/json` unless headers say else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A raw text body, for non-JSON and malformed responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Send the body gzip-compressed with `content-encoding: gzip`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gzip: bool,
    /// Never answer: the client must time out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hang: bool,
    /// The query of the request this response answers, when it differs from the case's
    /// request (the next page of a list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Vec<(String, String)>>,
    /// A streamed body of server-sent events (`content-type: text/event-stream` unless
    /// headers say else), each sent after its delay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<CassetteEvent>>,
}

/// One server-sent event of a streamed response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CassetteEvent {
    /// Wait this long (on the paused clock) before sending it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delay_ms: u64,
    /// The event's name (`event:`); none means the default, `message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// The event's id (`id:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The data: a string is sent as it is (`[DONE]`), anything else as compact JSON.
    pub data: Value,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl CassetteEvent {
    /// The event on the wire: its fields, a `data:` line per line of data, a blank line.
    pub fn wire(&self) -> String {
        let mut out = String::new();
        if let Some(e) = &self.event {
            out.push_str(&format!("event: {e}\n"));
        }
        if let Some(id) = &self.id {
            out.push_str(&format!("id: {id}\n"));
        }
        let data = match &self.data {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        for line in data.split('\n') {
            out.push_str(&format!("data: {line}\n"));
        }
        out.push('\n');
        out
    }
}

impl Cassette {
    /// Parses a cassette; the error names the problem and its line.
    pub fn from_yaml(text: &str) -> Result<Cassette, String> {
        let c: Cassette = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
        if c.responses.is_empty() {
            return Err("a cassette needs at least one response".into());
        }
        for (i, r) in c.responses.iter().enumerate() {
            let bodies = [r.body.is_some(), r.text.is_some(), r.events.is_some()];
            if bodies.iter().filter(|b| **b).count() > 1 {
                return Err(format!(
                    "responses[{i}] has more than one of `body`, `text` and `events`"
                ));
            }
            if r.events.is_some() && r.gzip {
                return Err(format!("responses[{i}] streams events; it cannot be gzip"));
            }
        }
        let bodies = [
            c.request.body.is_some(),
            c.request.form.is_some(),
            c.request.multipart.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            return Err("request has more than one of `body`, `form` and `multipart`".into());
        }
        Ok(c)
    }

    /// The cassette as YAML, in the field order above.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}

impl Call {
    /// A required parameter, decoded into the type the SDK method takes.
    pub fn param<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let v = self
            .params
            .get(name)
            .ok_or_else(|| format!("`{}` needs parameter `{name}`", self.endpoint))?;
        serde_json::from_value(v.clone())
            .map_err(|e| format!("parameter `{name}` of `{}`: {e}", self.endpoint))
    }

    /// An optional parameter.
    pub fn opt_param<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, String> {
        match self.params.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.param(name).map(Some),
        }
    }

    /// The body, decoded into the endpoint's body model.
    pub fn body<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        let v = self
            .body
            .clone()
            .ok_or_else(|| format!("`{}` needs a body", self.endpoint))?;
        serde_json::from_value(v).map_err(|e| format!("body of `{}`: {e}", self.endpoint))
    }
}
