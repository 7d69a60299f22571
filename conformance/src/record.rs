//! Record mode: a case's call is made against a live server through a forwarding proxy on
//! 127.0.0.1, and what went by is written as a cassette. Secrets are scrubbed before the
//! cassette is returned, so nothing secret can reach the disk.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sdkgen_runtime::reqwest;
use sdkgen_runtime::secret::{Redactor, REDACTED};
use serde_json::Value;
use tokio::net::TcpListener;

use crate::cassette::{Cassette, CassetteResponse, ExpectedRequest, API_KEY_PLACEHOLDER};
use crate::replay::Dispatch;

/// One request and the live server's answer.
#[derive(Debug, Clone)]
struct Exchange {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, String)>,
    body: Bytes,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: Bytes,
}

/// Response headers not worth keeping: per-connection, per-response or secret.
const DROPPED: [&str; 8] = [
    "connection",
    "content-length",
    "content-encoding",
    "date",
    "keep-alive",
    "transfer-encoding",
    "set-cookie",
    "server",
];

/// Makes the case's call against `base_url` and returns it as a recorded cassette, with
/// every occurrence of `secret` (the live API key) and every credential header replaced by
/// the placeholder.
pub async fn record(
    case: &Cassette,
    base_url: &str,
    secret: &str,
    dispatch: &dyn Dispatch,
) -> Result<Cassette, String> {
    let exchanges = Arc::new(Mutex::new(Vec::new()));
    let (addr, task) = proxy(base_url.trim_end_matches('/').to_owned(), exchanges.clone())
        .await
        .map_err(|e| format!("could not start the recording proxy: {e}"))?;
    let result = dispatch(&format!("http://{addr}"), &case.client, &case.call).await;
    task.abort();
    result?;
    let exchanges = exchanges.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let first = exchanges.first().ok_or("the SDK sent no request")?;
    let mut request = ExpectedRequest {
        method: first.method.clone(),
        path: first.path.clone(),
        query: first
            .query
            .as_deref()
            .map(|q| {
                reqwest::Url::parse(&format!("http://x/?{q}"))
                    .map(|u| {
                        u.query_pairs()
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .unwrap_or_default(),
        headers: BTreeMap::new(),
        body: None,
        form: None,
        multipart: None,
    };
    // The headers that matter are the ones the case expected; their values as sent.
    for name in case.request.headers.keys() {
        let values = first
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .collect();
        if let Some(v) = crate::cassette::HeaderValues::from_values(values) {
            request.headers.insert(name.to_ascii_lowercase(), v);
        }
    }
    let content_type = first
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.as_str());
    if case.request.form.is_some() {
        request.form = case.request.form.clone();
    } else if let Some(parts) = crate::replay::multipart_parts(content_type, &first.body) {
        request.multipart = Some(parts);
    } else if !first.body.is_empty() {
        request.body = serde_json::from_slice(&first.body).ok();
    }
    let responses = exchanges
        .iter()
        .map(|x| {
            let headers = x
                .response_headers
                .iter()
                .filter(|(n, _)| !DROPPED.contains(&n.as_str()))
                .cloned()
                .collect();
            let streamed = x.response_headers.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("content-type") && v.starts_with("text/event-stream")
            });
            if streamed {
                return CassetteResponse {
                    status: x.status,
                    headers,
                    events: Some(events_of(&x.response_body)),
                    ..CassetteResponse::default()
                };
            }
            let (body, text) = match serde_json::from_slice::<Value>(&x.response_body) {
                Ok(v) if !x.response_body.is_empty() => (Some(v), None),
                _ if x.response_body.is_empty() => (None, None),
                _ => (
                    None,
                    Some(String::from_utf8_lossy(&x.response_body).into_owned()),
                ),
            };
            CassetteResponse {
                status: x.status,
                headers,
                body,
                text,
                ..CassetteResponse::default()
            }
        })
        .collect();
    let recorded = Cassette {
        description: format!("Recorded from {base_url}: {}", case.description),
        covers: Vec::new(),
        call: case.call.clone(),
        client: case.client.clone(),
        request,
        responses,
    };
    scrub(&recorded, secret)
}

/// Replaces the secret with the placeholder, every other form of it (percent-encoded,
/// JSON-escaped, base64 as in basic auth, a `****1234` mask) with `[redacted]`, and any
/// credential header value that still is not a placeholder with `[redacted]`.
pub fn scrub(cassette: &Cassette, secret: &str) -> Result<Cassette, String> {
    // On the data, not the text: every string anywhere (headers, bodies, parameters).
    fn walk(v: &mut Value, secret: &str, redactor: &Redactor) {
        match v {
            Value::String(s) => {
                let raw = s.replace(secret, API_KEY_PLACEHOLDER);
                let mut clean = redactor.text_and_masks(&raw).into_owned();
                if basic_credential_holds(&clean, secret) {
                    clean = REDACTED.to_owned();
                }
                *s = clean;
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, secret, redactor)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, secret, redactor)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(cassette).map_err(|e| e.to_string())?;
    if !secret.is_empty() {
        walk(&mut value, secret, &Redactor::new(secret, []));
    }
    let mut scrubbed: Cassette = serde_json::from_value(value).map_err(|e| e.to_string())?;
    for (name, value) in scrubbed.request.headers.iter_mut() {
        if [
            "authorization",
            "proxy-authorization",
            "x-api-key",
            "api-key",
            "cookie",
        ]
        .contains(&name.as_str())
            && !value.contains(API_KEY_PLACEHOLDER)
        {
            *value = crate::cassette::HeaderValues::One(REDACTED.into());
        }
    }
    Ok(scrubbed)
}

/// Whether `text` carries a `Basic` credential whose decoded user:password holds `secret`
/// (a username of the vendor's choosing shifts the base64, so no fixed form finds it).
fn basic_credential_holds(text: &str, secret: &str) -> bool {
    use base64::Engine as _;
    text.match_indices("Basic ").any(|(i, m)| {
        let token: String = text[i + m.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(token.as_bytes())
            .is_ok_and(|d| String::from_utf8_lossy(&d).contains(secret))
    })
}

async fn proxy(
    base: String,
    log: Arc<Mutex<Vec<Exchange>>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let client = reqwest::Client::new();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (client, base, log) = (client.clone(), base.clone(), log.clone());
            tokio::spawn(async move {
                let service =
                    service_fn(move |req| forward(client.clone(), base.clone(), log.clone(), req));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok((addr, task))
}

async fn forward(
    client: reqwest::Client,
    base: String,
    log: Arc<Mutex<Vec<Exchange>>>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter(|(n, _)| n.as_str() != "host")
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let url = match &query {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    let mut out = client.request(method.clone(), &url).body(body.clone());
    for (n, v) in &headers {
        if n != "accept-encoding" && n != "content-length" {
            out = out.header(n.as_str(), v.as_str());
        }
    }
    let (status, response_headers, response_body) = match out.send().await {
        Ok(resp) => {
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let body = resp.bytes().await.unwrap_or_default();
            (status, headers, body)
        }
        Err(e) => (
            502,
            Vec::new(),
            Bytes::from(format!("recording proxy: the live server failed: {e}")),
        ),
    };
    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Exchange {
            method: method.to_string(),
            path,
            query,
            headers,
            body,
            status,
            response_headers: response_headers.clone(),
            response_body: response_body.clone(),
        });
    let mut builder = hyper::Response::builder().status(status);
    for (n, v) in response_headers
        .iter()
        .filter(|(n, _)| !DROPPED.contains(&n.as_str()))
    {
        builder = builder.header(n.as_str(), v.as_str());
    }
    Ok(builder
        .body(Full::new(response_body))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new()))))
}

/// The `main` of a generated record example: `<base-url> <out-dir>` from the command
/// line, the key from `key_var` (or `SDKGEN_RECORD_API_KEY`) and never from the command
/// line; returns the exit code.
pub fn main<D: Dispatch>(
    api: &str,
    key_var: Option<&str>,
    needs_key: bool,
    dispatcher: impl Fn(Option<String>) -> D,
) -> i32 {
    let mut args = std::env::args().skip(1);
    let (Some(base_url), Some(out_dir)) = (args.next(), args.next()) else {
        eprintln!("usage: <base-url> <out-dir>");
        return 2;
    };
    let key = key_var
        .and_then(|v| std::env::var(v).ok())
        .or_else(|| std::env::var("SDKGEN_RECORD_API_KEY").ok());
    if needs_key && key.is_none() {
        eprintln!(
            "record mode needs the live API key in {} (or SDKGEN_RECORD_API_KEY)",
            key_var.unwrap_or("SDKGEN_RECORD_API_KEY")
        );
        return 2;
    }
    let dispatch = dispatcher(key.clone());
    record_api(
        api,
        &base_url,
        &out_dir,
        key.as_deref().unwrap_or(""),
        &dispatch,
    )
}

/// Records every case of `api` against `base_url`, writing `recorded-<case>.yaml` files
/// into `out_dir`. Prints one line per case; returns the process exit code.
pub fn record_api(
    api: &str,
    base_url: &str,
    out_dir: &str,
    secret: &str,
    dispatch: &dyn Dispatch,
) -> i32 {
    let cases_dir = crate::replay::root().join("cases").join(api);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&cases_dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if files.is_empty() {
        eprintln!("no cases in {}", cases_dir.display());
        return 1;
    }
    if let Err(e) = std::fs::create_dir_all(out_dir) {
        eprintln!("cannot create {out_dir}: {e}");
        return 1;
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return 1;
        }
    };
    let mut failed = 0;
    for path in &files {
        let stem = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let result = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|t| Cassette::from_yaml(&t))
            .and_then(|case| runtime.block_on(record(&case, base_url, secret, dispatch)));
        match result {
            Ok(cassette) => {
                let out = std::path::Path::new(out_dir).join(format!("recorded-{stem}.yaml"));
                let text = format!(
                    "# Recorded by `cargo xtask record` from case {stem}; secrets scrubbed.\n{}",
                    cassette.to_yaml()
                );
                match std::fs::write(&out, text) {
                    Ok(()) => println!("recorded {stem} -> {}", out.display()),
                    Err(e) => {
                        failed += 1;
                        eprintln!("{stem}: cannot write {}: {e}", out.display());
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("{stem}: {e}");
            }
        }
    }
    i32::from(failed > 0)
}

/// The events of a recorded event stream (its data as JSON where it parses), parsed by the
/// same SSE parser the runtime uses. Delays are not recorded: replay sends them at once.
fn events_of(body: &[u8]) -> Vec<crate::cassette::CassetteEvent> {
    use futures_util::StreamExt as _;
    let chunks =
        futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(body))]);
    // An in-memory stream: the parse completes without waiting.
    use futures_util::FutureExt as _;
    let parsed = sse_stream::SseByteStream::new(chunks)
        .collect::<Vec<_>>()
        .now_or_never()
        .unwrap_or_default();
    parsed
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let data = e.data?;
            Some(crate::cassette::CassetteEvent {
                delay_ms: 0,
                event: e.event,
                id: e.id,
                data: serde_json::from_str(&data).unwrap_or(Value::String(data)),
            })
        })
        .collect()
}
