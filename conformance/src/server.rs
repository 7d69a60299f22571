//! A scripted HTTP/1.1 server on 127.0.0.1: it answers each request with the next scripted
//! reply and records what it was sent. A request with no reply left is recorded as
//! unexpected and answered 599, so a test can never pass on a surplus request.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// One scripted reply.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Bytes,
    /// Never answer (the client must time out).
    pub hang: bool,
    /// A streamed body: each chunk sent after its delay (the body above is then unused).
    pub chunks: Vec<(Duration, Bytes)>,
    /// After the chunks, drop the connection instead of ending the body.
    pub cut: bool,
}

impl Reply {
    /// A reply with a status and no body.
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            ..Reply::default()
        }
    }

    /// A JSON reply.
    pub fn json(status: u16, body: &str) -> Self {
        Reply::status(status)
            .header("content-type", "application/json")
            .body(body.to_owned())
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Streams the body: `chunk` after `delay`, after the chunks added before it.
    pub fn chunk(mut self, delay: Duration, chunk: impl Into<Bytes>) -> Self {
        self.chunks.push((delay, chunk.into()));
        self
    }

    /// Drops the connection after the streamed chunks, mid-body.
    pub fn cut(mut self) -> Self {
        self.cut = true;
        self
    }

    /// A reply that never comes.
    pub fn hang() -> Self {
        Reply {
            hang: true,
            ..Reply::default()
        }
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers in the order received, names lowercase.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Bytes,
    /// When it arrived (tokio's clock, so a paused clock gives exact gaps).
    pub at: Instant,
    /// Whether a scripted reply was left for it.
    pub expected: bool,
}

impl Received {
    /// The first header with this name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct State {
    replies: VecDeque<Reply>,
    received: Vec<Received>,
    /// Answer every request with this, recording nothing (for benchmarks).
    repeat: Option<Reply>,
}

/// A running scripted server; stops when dropped.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    task: JoinHandle<()>,
}

/// The status sent for a request no reply was scripted for.
pub const UNEXPECTED_STATUS: u16 = 599;

impl Server {
    /// Starts a server on an ephemeral port of 127.0.0.1 that serves `replies` in order.
    pub async fn start(replies: Vec<Reply>) -> std::io::Result<Server> {
        Server::launch(State {
            replies: replies.into(),
            ..State::default()
        })
        .await
    }

    /// Starts a server that answers every request with `reply` and records nothing.
    pub async fn repeating(reply: Reply) -> std::io::Result<Server> {
        Server::launch(State {
            repeat: Some(reply),
            ..State::default()
        })
        .await
    }

    async fn launch(state: State) -> std::io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(state));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    // A client that goes away mid-request is not the server's failure.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Server { addr, state, task })
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.lock().received.clone()
    }

    /// How many scripted replies were never used.
    pub fn unused(&self) -> usize {
        self.lock().replies.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port on 127.0.0.1 with nothing listening: connecting to it is refused.
pub async fn refused_url() -> std::io::Result<String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    drop(listener);
    Ok(format!("http://{addr}"))
}

async fn handle(
    state: Arc<Mutex<State>>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<BoxBody<Bytes, std::io::Error>>, Infallible> {
    let repeat = state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .repeat
        .clone();
    if let Some(reply) = repeat {
        let _ = req.into_body().collect().await;
        return Ok(respond(reply));
    }
    let at = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let reply = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        let reply = s.replies.pop_front();
        s.received.push(Received {
            method,
            path,
            query,
            headers,
            body,
            at,
            expected: reply.is_some(),
        });
        reply
    };
    let reply = reply.unwrap_or_else(|| {
        Reply::status(UNEXPECTED_STATUS).body("conformance: no reply was scripted for this request")
    });
    if reply.hang {
        // Longer than any client timeout under test; the paused clock makes it free.
        tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    }
    Ok(respond(reply))
}

fn respond(reply: Reply) -> hyper::Response<BoxBody<Bytes, std::io::Error>> {
    let mut builder = hyper::Response::builder().status(reply.status);
    for (n, v) in &reply.headers {
        builder = builder.header(n.as_str(), v.as_str());
    }
    let full = |b: Bytes| Full::new(b).map_err(|e: Infallible| match e {}).boxed();
    let body = if reply.chunks.is_empty() && !reply.cut {
        full(reply.body)
    } else {
        let chunks = futures_util::stream::iter(reply.chunks).then(|(delay, chunk)| async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok::<_, std::io::Error>(Frame::data(chunk))
        });
        // A moment after the last chunk, so that it is flushed before the connection drops.
        let cut = futures_util::stream::iter(reply.cut.then_some(())).then(|()| async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "scripted cut",
            ))
        });
        BodyExt::boxed(StreamBody::new(chunks.chain(cut)))
    };
    builder
        .body(body)
        .unwrap_or_else(|_| hyper::Response::new(full(Bytes::from_static(b"bad scripted reply"))))
}
