//! Multipart uploads over a real loopback server: a file on disk is streamed and, on a
//! retry, opened and sent again whole; a caller's stream is sent once and never retried; a
//! file that cannot be opened fails the call before anything is sent.

use bytes::Bytes;
use conformance::replay::multipart_parts;
use conformance::server::{Reply, Server};
use every_feature as ef;

const ITEM: &str = r#"{"id":"i1","type":"small","createdAt":"2026-01-01T00:00:00Z","price":null}"#;

fn client(url: &str) -> ef::Client {
    ef::Client::builder()
        .api_key("k")
        .base_url(url)
        .jitter_seed(1)
        .build()
        .unwrap()
}

fn parts(r: &conformance::server::Received) -> Vec<(String, Option<String>, usize)> {
    multipart_parts(r.header("content-type"), &r.body)
        .expect("a multipart body")
        .into_iter()
        .map(|p| (p.name, p.filename, p.text.len()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_file_on_disk_is_streamed_and_resent_whole_on_a_retry() {
    let dir = std::env::temp_dir().join(format!("sdkgen-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.csv");
    let contents = "a,b,c\n".repeat(200_000); // 1.2 MB
    std::fs::write(&path, &contents).unwrap();
    let server = Server::start(vec![Reply::status(503), Reply::json(200, ITEM)])
        .await
        .unwrap();
    let body = ef::Attachment::new(
        sdkgen_file(&path).content_type("text/csv"),
        "evidence".to_owned(),
    );
    let item = client(&server.url())
        .items()
        .attach("i1", &body)
        .send()
        .await
        .unwrap();
    assert_eq!(item.attempts, 2);
    let received = server.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert_eq!(
            parts(r),
            [
                (
                    "file".to_owned(),
                    Some("report.csv".to_owned()),
                    contents.len()
                ),
                ("purpose".to_owned(), None, "evidence".len()),
            ]
        );
        let length: usize = r.header("content-length").unwrap().parse().unwrap();
        assert_eq!(length, r.body.len(), "the length is sent, not chunked");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn sdkgen_file(path: &std::path::Path) -> ef::File {
    ef::File::from_path(path)
}

#[tokio::test(start_paused = true)]
async fn a_streamed_file_is_sent_once_and_not_retried() {
    let server = Server::start(vec![Reply::status(503), Reply::json(200, ITEM)])
        .await
        .unwrap();
    let chunks = ["first ", "second ", "third"].map(|c| Ok(Bytes::from(c)));
    let stream = Box::pin(futures_util::stream::iter(chunks));
    let body = ef::Attachment::new(
        ef::File::from_stream("log.txt", stream, None),
        "logs".to_owned(),
    );
    let error = client(&server.url())
        .items()
        .attach("i1", &body)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.attempts(), 1);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let sent = multipart_parts(received[0].header("content-type"), &received[0].body).unwrap();
    assert_eq!(sent[0].text, "first second third");
    assert_eq!(server.unused(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_file_that_cannot_be_opened_fails_before_anything_is_sent() {
    let server = Server::start(vec![Reply::json(200, ITEM)]).await.unwrap();
    let body = ef::Attachment::new(
        ef::File::from_path("/nonexistent/sdkgen/upload.bin"),
        "x".to_owned(),
    );
    let error = client(&server.url())
        .items()
        .attach("i1", &body)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ef::EveryError::Request(e) if e.to_string().contains("could not open")),
        "{error:?}"
    );
    assert!(server.received().is_empty());
}
