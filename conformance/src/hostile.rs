//! A hostile HTTP/1.1 server on 127.0.0.1 for the attack corpus: it writes whatever bytes
//! a script says, at whatever pace, and counts every byte it manages to send, so a test can
//! bound what a client read without measuring the process's memory.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the server does with each connection, after reading the request head.
#[derive(Debug, Clone)]
pub enum Script {
    /// Writes a response head (status line and headers, without the blank line), then a
    /// body of `chunk` written `repeat` times (forever when `None`), pausing `pause` before
    /// each write. With `chunked`, the body is sent with chunked transfer encoding;
    /// otherwise it is written raw and the connection closed after it.
    Stream {
        /// Status line and headers, each line without its CRLF.
        head: Vec<String>,
        /// One piece of the body.
        chunk: Bytes,
        /// How many pieces; `None` writes until the client goes away.
        repeat: Option<u64>,
        /// The pause before each piece (tokio's clock: free under a paused clock).
        pause: Duration,
        /// Chunked transfer encoding.
        chunked: bool,
    },
}

impl Script {
    /// A complete response: `head` lines, then `body` sent with a `content-length`.
    pub fn full(head: &[&str], body: impl Into<Bytes>) -> Script {
        let body = body.into();
        let mut head: Vec<String> = head.iter().map(|l| (*l).to_owned()).collect();
        head.push(format!("content-length: {}", body.len()));
        Script::Stream {
            head,
            chunk: body,
            repeat: Some(1),
            pause: Duration::ZERO,
            chunked: false,
        }
    }
}

/// A running hostile server; stops when dropped.
#[derive(Debug)]
pub struct HostileServer {
    addr: SocketAddr,
    sent: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl HostileServer {
    /// Starts a server on an ephemeral port of 127.0.0.1 that runs `script` for every
    /// connection.
    pub async fn start(script: Script) -> std::io::Result<HostileServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let script = script.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    // A client that hangs up is the expected end of every hostile script.
                    let _ = serve(stream, script, &counter).await;
                });
            }
        });
        Ok(HostileServer { addr, sent, task })
    }

    /// The base URL, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Body bytes written to clients so far (heads not counted).
    pub fn body_bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, script: Script, sent: &AtomicU64) -> std::io::Result<()> {
    // Read the request head (the corpus sends no request bodies worth reading).
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let Script::Stream {
        head: lines,
        chunk,
        repeat,
        pause,
        chunked,
    } = script;
    let mut out = lines.join("\r\n");
    if chunked {
        out.push_str("\r\ntransfer-encoding: chunked");
    }
    out.push_str("\r\n\r\n");
    stream.write_all(out.as_bytes()).await?;
    let mut written = 0u64;
    while repeat.is_none_or(|n| written < n) {
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        if chunked {
            stream
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            stream.write_all(&chunk).await?;
            stream.write_all(b"\r\n").await?;
        } else {
            stream.write_all(&chunk).await?;
        }
        stream.flush().await?;
        sent.fetch_add(chunk.len() as u64, Ordering::SeqCst);
        written += 1;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.shutdown().await
}

/// A gzip stream that inflates to `inflated` zero bytes (about a thousandth of that on the
/// wire): a decompression bomb.
pub fn gzip_bomb(inflated: usize) -> Bytes {
    use std::io::Write;
    let zeros = vec![0u8; 1 << 20];
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut left = inflated;
    while left > 0 {
        let n = left.min(zeros.len());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(&zeros[..n]);
        left -= n;
    }
    Bytes::from(encoder.finish().unwrap_or_default())
}
