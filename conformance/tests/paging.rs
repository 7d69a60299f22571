//! Auto-pagination over a real loopback server, one test per style the spec language has:
//! the items come out in order, each next page is asked for the way the spec says, the
//! stream stops when the API says there is no more, stays lazy, and a failing page is
//! retried like any call.

use std::time::Duration;

use conformance::server::{Reply, Server};
use every_feature as ef;
use scheduled::futures::{Stream as _, StreamExt as _};

fn item(id: &str) -> String {
    format!(r#"{{"id":"{id}","type":"small","createdAt":"2026-01-01T00:00:00Z","price":null}}"#)
}

fn message(id: &str) -> String {
    format!(r#"{{"id":"{id}","text":"t"}}"#)
}

fn queries(server: &Server) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|r| r.query.clone().unwrap_or_default())
        .collect()
}

fn ef_client(url: &str) -> ef::Client {
    ef::Client::builder()
        .api_key("k")
        .base_url(url)
        .build()
        .unwrap()
}

fn scheduled_client(url: &str) -> scheduled::Client {
    scheduled::Client::builder()
        .api_key("k")
        .base_url(url)
        .jitter_seed(1)
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn cursor_pages_send_the_last_items_id_until_an_empty_page() {
    let server = Server::start(vec![
        Reply::json(200, &format!("[{},{}]", item("a"), item("b"))),
        Reply::json(200, &format!("[{}]", item("c"))),
        Reply::json(200, "[]"),
    ])
    .await
    .unwrap();
    let ids: Vec<String> = ef_client(&server.url())
        .items()
        .list()
        .limit(2)
        .items()
        .map(|i| i.unwrap().id)
        .collect()
        .await;
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(
        queries(&server),
        ["limit=2", "limit=2&after=b", "limit=2&after=c"]
    );
}

/// The item stream says what it holds: the rest of the page in hand, and no upper bound
/// while another page may come; at the end, exactly what is left.
#[tokio::test(start_paused = true)]
async fn the_item_stream_hints_at_the_page_in_hand() {
    let server = Server::start(vec![
        Reply::json(200, &format!("[{},{}]", item("a"), item("b"))),
        Reply::json(200, "[]"),
    ])
    .await
    .unwrap();
    let client = ef_client(&server.url());
    let mut items = client.items().list().items();
    assert_eq!(items.size_hint(), (0, None));
    assert_eq!(items.next().await.unwrap().unwrap().id, "a");
    // One left of this page; the empty page after it is still to come.
    assert_eq!(items.size_hint(), (1, None));
    assert!(format!("{items:?}").contains("buffered: 1"), "{items:?}");
    assert_eq!(items.next().await.unwrap().unwrap().id, "b");
    assert!(items.next().await.is_none());
    assert_eq!(items.size_hint(), (0, Some(0)));
    assert_eq!(server.received().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn link_pages_follow_rel_next_within_the_origin() {
    let server = Server::start(vec![
        Reply::json(200, &format!("[{}]", item("v1"))).header(
            "link",
            r#"</items/i1/versions?page=2&per_page=1>; rel="next", </items/i1/versions?page=9>; rel="last""#,
        ),
        Reply::json(200, &format!("[{}]", item("v2"))),
    ])
    .await
    .unwrap();
    let pages: Vec<_> = ef_client(&server.url())
        .items()
        .versions()
        .list("i1")
        .pages()
        .collect()
        .await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].as_ref().unwrap()[0].id, "v2");
    let r = server.received();
    assert_eq!(
        (r[1].path.as_str(), r[1].query.as_deref()),
        ("/items/i1/versions", Some("page=2&per_page=1"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_link_to_another_origin_ends_the_list() {
    let server = Server::start(vec![Reply::json(200, &format!("[{}]", item("v1")))
        .header("link", r#"<http://evil.test/steal?page=2>; rel="next""#)])
    .await
    .unwrap();
    let n = ef_client(&server.url())
        .items()
        .versions()
        .list("i1")
        .items()
        .count()
        .await;
    assert_eq!((n, server.received().len()), (1, 1));
}

/// A page handed out by `pages()` is a response like any other: its request id read, and
/// a header echoing the key redacted.
#[tokio::test(start_paused = true)]
async fn a_page_carries_its_request_id_and_redacted_headers() {
    let server = Server::start(vec![Reply::json(
        200,
        &format!(r#"{{"data":[{}],"next_cursor":null}}"#, message("m1")),
    )
    .header("x-request-id", "req_7")
    .header("x-echo", "key k-secret-key")])
    .await
    .unwrap();
    let client = scheduled::Client::builder()
        .api_key("k-secret-key")
        .base_url(server.url())
        .build()
        .unwrap();
    let pages: Vec<_> = client.messages().list().pages().collect().await;
    let page = pages[0].as_ref().unwrap();
    assert_eq!(page.request_id.as_deref(), Some("req_7"));
    let echo = page.headers["x-echo"].to_str().unwrap();
    assert!(!echo.contains("k-secret-key"), "{echo}");
    assert_eq!(page.attempts, 1);
}

#[tokio::test(start_paused = true)]
async fn next_cursor_pages_send_the_bodys_cursor_until_it_is_null() {
    let server = Server::start(vec![
        Reply::json(
            200,
            &format!(r#"{{"data":[{}],"next_cursor":"c2"}}"#, message("m1")),
        ),
        Reply::json(
            200,
            &format!(r#"{{"data":[{}],"next_cursor":null}}"#, message("m2")),
        ),
    ])
    .await
    .unwrap();
    let pages: Vec<_> = scheduled_client(&server.url())
        .messages()
        .list()
        .pages()
        .collect()
        .await;
    let ids: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.as_ref().unwrap().data.data.iter().map(|m| m.id.as_str()))
        .collect();
    assert_eq!(ids, ["m1", "m2"]);
    assert_eq!(queries(&server), ["", "cursor=c2"]);
}

#[tokio::test(start_paused = true)]
async fn page_numbers_count_up_until_an_empty_page() {
    let server = Server::start(vec![
        Reply::json(
            200,
            &format!(r#"{{"results":[{},{}]}}"#, message("m1"), message("m2")),
        ),
        Reply::json(200, r#"{"results":[]}"#),
    ])
    .await
    .unwrap();
    let n = scheduled_client(&server.url())
        .messages()
        .search("x")
        .items()
        .count()
        .await;
    assert_eq!(n, 2);
    assert_eq!(queries(&server), ["q=x", "q=x&page=2"]);
}

#[tokio::test(start_paused = true)]
async fn offsets_advance_by_the_items_received_and_a_failed_page_is_retried() {
    let server = Server::start(vec![
        Reply::json(200, &format!("[{},{}]", message("m1"), message("m2"))),
        Reply::status(503),
        Reply::json(200, &format!("[{}]", message("m3"))),
        Reply::json(200, "[]"),
    ])
    .await
    .unwrap();
    let ids: Vec<String> = scheduled_client(&server.url())
        .messages()
        .archive()
        .items()
        .map(|m| m.unwrap().id)
        .collect()
        .await;
    assert_eq!(ids, ["m1", "m2", "m3"]);
    assert_eq!(queries(&server), ["", "offset=2", "offset=2", "offset=3"]);
    // The retry waited its backoff like any call.
    let r = server.received();
    assert!(r[2].at - r[1].at >= Duration::from_millis(500));
}

/// A list whose second page fails.
async fn failing_second_page() -> Server {
    Server::start(vec![
        Reply::json(200, &format!("[{},{}]", item("a"), item("b"))),
        Reply::json(
            404,
            r#"{"error":{"code":"item_not_found","message":"not found"}}"#,
        ),
    ])
    .await
    .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_stream_is_lazy_and_an_error_ends_it() {
    let server = failing_second_page().await;
    let c = ef_client(&server.url());
    // Taking one item asks for one page only.
    let first: Vec<_> = c.items().list().items().take(1).collect().await;
    assert_eq!((first.len(), server.received().len()), (1, 1));
    // Reading on: the second page fails, the error is the stream's last item.
    let server2 = failing_second_page().await;
    let all: Vec<_> = ef_client(&server2.url())
        .items()
        .list()
        .items()
        .collect()
        .await;
    assert_eq!(all.len(), 3);
    assert!(all[..2].iter().all(Result::is_ok));
    assert_eq!(all[2].as_ref().unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn a_download_streams_past_the_response_size_limit_and_a_cut_body_is_an_error() {
    use conformance::hostile::{HostileServer, Script};
    // An endless body: the caller reads three chunks and stops; nothing was buffered whole,
    // though the response-size limit (1 MiB) is far below what the server would send.
    let server = HostileServer::start(Script::Stream {
        head: vec![
            "HTTP/1.1 200 OK".into(),
            "content-type: application/octet-stream".into(),
        ],
        chunk: bytes::Bytes::from(vec![b'x'; 64 * 1024]),
        repeat: None,
        pause: Duration::ZERO,
        chunked: true,
    })
    .await
    .unwrap();
    let c = scheduled::Client::builder()
        .api_key("k")
        .base_url(server.url())
        .max_response_size(1024 * 1024)
        .build()
        .unwrap();
    let mut download = c.messages().export("m1").send().await.unwrap();
    let mut read = 0;
    for _ in 0..3 {
        read += download.data.next().await.unwrap().unwrap().len();
    }
    assert!(read > 0);
    drop(download);
    // What the server got out before the client hung up: the chunks read, plus buffers.
    assert!(
        server.body_bytes_sent() < 16 * 1024 * 1024,
        "{}",
        server.body_bytes_sent()
    );

    // A body that stops short of its length ends the stream with a connection error.
    let cut = HostileServer::start(Script::Stream {
        head: vec!["HTTP/1.1 200 OK".into(), "content-length: 1000".into()],
        chunk: bytes::Bytes::from_static(b"only ten b"),
        repeat: Some(1),
        pause: Duration::ZERO,
        chunked: false,
    })
    .await
    .unwrap();
    let c = scheduled_client(&cut.url());
    let chunks: Vec<_> = c
        .messages()
        .export("m1")
        .send()
        .await
        .unwrap()
        .data
        .collect()
        .await;
    assert!(
        matches!(
            chunks.last(),
            Some(Err(scheduled::ScheduledError::Connection(_)))
        ),
        "{chunks:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_download_that_stalls_times_out_between_chunks() {
    let server = Server::start(vec![Reply::status(200)
        .header("content-type", "application/octet-stream")
        .chunk(Duration::ZERO, "first")
        .chunk(Duration::from_secs(30), "late")])
    .await
    .unwrap();
    let started = tokio::time::Instant::now();
    let mut download = scheduled_client(&server.url())
        .messages()
        .export("m1")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(&download.data.next().await.unwrap().unwrap()[..], b"first");
    let stalled = download.data.next().await.unwrap().unwrap_err();
    assert!(stalled.is_timeout(), "{stalled:?}");
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert!(download.data.next().await.is_none());
}
