//! Per-request overhead of a generated client against a plain reqwest call to the same
//! loopback server, both decoding the same JSON body. Run: `cargo bench -p conformance`.
//!
//! Two baselines: a bare reqwest call (auth + JSON decode), and the same call with the
//! per-attempt timeout every generated call carries (reqwest's `.timeout`, the SDK's default
//! 60 s). Both send the request the SDK sends, header for header (its `User-Agent`
//! included), so the server's share of each round is the same and the difference is the
//! client's. Each round makes one call of each kind, in rotating order, so all see the same
//! machine state; the report is the median of each, and each ratio is the median of the
//! per-round ratios (paired runs, so the machine's drift cancels).

use std::time::{Duration, Instant};

use conformance::server::{Reply, Server};

const ROUNDS: usize = 5000;
/// What the generated Mnemexa client sends as its `User-Agent`.
const USER_AGENT: &str = "mnemexa/0.2.0 (rust)";
const WARMUP: usize = 200;
const BODY: &str = r#"{"workspace_status":"active","subscription":{"plan":"pro","rpm_limit_snapshot":30,"burst_limit_snapshot":15,"memory_write_limit":1000,"memory_retrieve_limit":5000}}"#;

/// The median per-round ratio of `b` to `a`, as a percentage over 100: each round ran both
/// back to back, so a drift in the machine's speed cancels out of each ratio.
fn paired(a: &[Duration], b: &[Duration]) -> f64 {
    let mut ratios: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(a, b)| b.as_secs_f64() / a.as_secs_f64())
        .collect();
    ratios.sort_by(f64::total_cmp);
    (ratios[ratios.len() / 2] - 1.0) * 100.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Whether a section runs: all of them, or those named on the command line
/// (`cargo bench -p conformance -- paging streaming`).
fn wanted(section: &str) -> bool {
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    named.is_empty() || named.iter().any(|n| section.contains(n.as_str()))
}

/// How many times a variant run alone (`SDKGEN_BENCH_ONLY`) repeats: `SDKGEN_BENCH_ROUNDS`,
/// else `default` (fewer suit an instruction-counting profiler, which runs far slower).
fn profile_rounds(default: usize) -> usize {
    std::env::var("SDKGEN_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if wanted("client_overhead") {
            requests().await;
        }
        if wanted("paging") {
            paging(&url_for_paging().await).await;
        }
        if wanted("streaming") {
            streaming().await;
        }
    });
}

/// A small call, the SDK against reqwest with and without a timeout.
async fn requests() {
    same_request_on_the_wire().await;
    {
        let reply = Reply::json(200, BODY)
            .header("x-request-id", "req_1")
            .header("X-RateLimit-Limit", "30")
            .header("X-RateLimit-Remaining", "29")
            .header("X-RateLimit-Reset", "2");
        let server = Server::repeating(reply).await.expect("server");
        let url = server.url();
        let http = reqwest::Client::new();
        let sdk = mnemexa::Client::builder()
            .api_key("bench-key")
            .base_url(&url)
            .http_client_builder(reqwest::Client::builder())
            .build()
            .expect("client");
        let status_url = format!("{url}/v1/status");
        let call = |timeout: Option<Duration>| {
            let mut request = http
                .get(&status_url)
                .bearer_auth("bench-key")
                .header(reqwest::header::USER_AGENT, USER_AGENT);
            if let Some(t) = timeout {
                request = request.timeout(t);
            }
            async move {
                let resp = request.send().await.expect("plain call");
                let value: mnemexa::StatusResponse = resp.json().await.expect("plain decode");
                std::hint::black_box(value);
            }
        };
        let generated = || async {
            let value = sdk.status().send().await.expect("sdk call");
            std::hint::black_box(value);
        };
        let timeout = Some(Duration::from_secs(60));
        // For a profiler: one variant alone, over and over.
        if let Ok(only) = std::env::var("SDKGEN_BENCH_ONLY") {
            for _ in 0..profile_rounds(ROUNDS * 20) {
                match only.as_str() {
                    "bare" => call(None).await,
                    "timed" => call(timeout).await,
                    _ => generated().await,
                }
            }
            return;
        }
        for _ in 0..WARMUP {
            call(None).await;
            call(timeout).await;
            generated().await;
        }
        let mut times: [Vec<Duration>; 3] = Default::default();
        for i in 0..ROUNDS {
            for k in 0..3 {
                let which = (i + k) % 3;
                let t = Instant::now();
                match which {
                    0 => call(None).await,
                    1 => call(timeout).await,
                    _ => generated().await,
                }
                times[which].push(t.elapsed());
            }
        }
        let [bare, timed, sdk_times] = times;
        let (vs_timed, vs_bare) = (paired(&timed, &sdk_times), paired(&bare, &sdk_times));
        let (mb, mt, mg) = (median(bare), median(timed), median(sdk_times));
        println!("client_overhead: {ROUNDS} rounds on 127.0.0.1, medians; ratios are medians of paired rounds");
        println!(
            "  reqwest, bare               {:>7.1} µs",
            mb.as_secs_f64() * 1e6
        );
        println!(
            "  reqwest, with a timeout     {:>7.1} µs",
            mt.as_secs_f64() * 1e6
        );
        println!(
            "  generated SDK               {:>7.1} µs",
            mg.as_secs_f64() * 1e6
        );
        println!("  SDK vs reqwest with timeout {vs_timed:+.1}% (target: at most +5%)");
        println!("  SDK vs bare reqwest         {vs_bare:+.1}% (target: at most +3%)");
    }
}

/// The baselines send the request the SDK sends, header for header: checked on a recording
/// server before anything is timed.
async fn same_request_on_the_wire() {
    let server = Server::start(vec![Reply::json(200, BODY), Reply::json(200, BODY)])
        .await
        .expect("server");
    let sdk = mnemexa::Client::builder()
        .api_key("bench-key")
        .base_url(server.url())
        .build()
        .expect("client");
    sdk.status().send().await.expect("sdk call");
    reqwest::Client::new()
        .get(format!("{}/v1/status", server.url()))
        .bearer_auth("bench-key")
        .header(reqwest::header::USER_AGENT, USER_AGENT)
        .send()
        .await
        .expect("plain call");
    let headers = |i: usize| {
        let mut h = server.received()[i].headers.clone();
        h.sort();
        h
    };
    assert_eq!(headers(0), headers(1), "the baseline sends another request");
}

/// The hand-written loop sends the request the SDK's pager sends, header for header and
/// with the same query: checked on a recording server (the second page, with its cursor).
async fn same_page_request_on_the_wire() {
    use scheduled::futures::StreamExt as _;
    let page =
        |cursor: &str| Reply::json(200, &format!(r#"{{"data":[],"next_cursor":"{cursor}"}}"#));
    let server = Server::start(vec![page("c-2"), page(""), page("")])
        .await
        .expect("server");
    let sdk = scheduled::Client::builder()
        .api_key("bench-key")
        .base_url(server.url())
        .build()
        .expect("client");
    let mut pages = sdk.messages().list().pages();
    pages.next().await.expect("page").expect("first page");
    pages.next().await.expect("page").expect("second page");
    page_by_hand(
        &reqwest::Client::new(),
        &format!("{}/v1/messages", server.url()),
        Some("c-2"),
    )
    .send()
    .await
    .expect("plain call");
    let received = server.received();
    let headers = |i: usize| {
        let mut h = received[i].headers.clone();
        h.sort();
        h
    };
    assert_eq!(
        (&received[1].path, &received[1].query),
        (&received[2].path, &received[2].query),
        "the baseline asks for another page"
    );
    assert_eq!(headers(1), headers(2), "the baseline sends another request");
}

/// A loopback server answering every request with a page of 100 messages and a next
/// cursor, so a list never ends by itself.
async fn url_for_paging() -> (Server, String) {
    let items: Vec<String> = (0..PAGE_ITEMS)
        .map(|i| format!(r#"{{"id":"m{i}","text":"message {i}"}}"#))
        .collect();
    let page = format!(r#"{{"data":[{}],"next_cursor":"c-next"}}"#, items.join(","));
    let server = Server::repeating(Reply::json(200, &page))
        .await
        .expect("server");
    let url = server.url();
    (server, url)
}

const PAGE_ITEMS: usize = 100;
const PAGES: usize = 100;
const PAGING_ROUNDS: usize = 60;

/// A page as the hand-written loop asks for it: the request the SDK sends, header for
/// header (its API version and per-attempt headers included) and with its timeout.
fn page_by_hand(
    http: &reqwest::Client,
    list_url: &str,
    cursor: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut request = http
        .get(list_url)
        .header("x-api-key", "bench-key")
        .header(reqwest::header::USER_AGENT, "scheduled/0.3.0 (rust)")
        .header("scheduled-version", "2025-01-01")
        .header("x-retry-count", "0")
        .header("x-request-timeout", "600")
        .timeout(Duration::from_secs(600));
    if let Some(c) = cursor {
        request = request.query(&[("cursor", c)]);
    }
    request
}

/// The auto-pager over 10,000 items in 100 pages against a hand-written reqwest loop that
/// asks for the same pages and decodes the same items, rounds alternating.
async fn paging((_server, url): &(Server, String)) {
    use scheduled::futures::StreamExt as _;
    same_page_request_on_the_wire().await;
    let http = reqwest::Client::new();
    let sdk = scheduled::Client::builder()
        .api_key("bench-key")
        .base_url(url)
        .build()
        .expect("client");
    let list_url = format!("{url}/v1/messages");
    let by_hand = || async {
        let mut cursor: Option<String> = None;
        let mut items = Vec::with_capacity(PAGE_ITEMS * PAGES);
        for _ in 0..PAGES {
            let page: scheduled::MessagePage = page_by_hand(&http, &list_url, cursor.as_deref())
                .send()
                .await
                .expect("page")
                .json()
                .await
                .expect("decode");
            cursor = page.next_cursor.flatten();
            items.extend(page.data);
        }
        std::hint::black_box(items);
    };
    // Both collect into a vector sized up front, so neither pays for growing it.
    let pager = || async {
        let mut items = Vec::with_capacity(PAGE_ITEMS * PAGES);
        let mut stream = sdk.messages().list().items().take(PAGE_ITEMS * PAGES);
        while let Some(item) = stream.next().await {
            items.push(item.expect("item"));
        }
        assert_eq!(items.len(), PAGE_ITEMS * PAGES);
        std::hint::black_box(items);
    };
    // The SDK's own call per page, decoding the page whole: what of the pager's cost is the
    // call's, and what is paging's.
    let calls = || async {
        let mut items = Vec::with_capacity(PAGE_ITEMS * PAGES);
        for _ in 0..PAGES {
            let page = sdk.messages().list().send().await.expect("page");
            items.extend(page.into_inner().data);
        }
        std::hint::black_box(items);
    };
    // For a profiler: one variant alone, over and over.
    if let Ok(only) = std::env::var("SDKGEN_BENCH_ONLY") {
        for _ in 0..profile_rounds(PAGING_ROUNDS * 3) {
            match only.as_str() {
                "hand" => by_hand().await,
                "pager" => pager().await,
                _ => calls().await,
            }
        }
        return;
    }
    by_hand().await;
    pager().await;
    calls().await;
    let mut times: [Vec<Duration>; 3] = Default::default();
    for i in 0..PAGING_ROUNDS {
        for k in 0..3 {
            let which = (i + k) % 3;
            let t = Instant::now();
            match which {
                0 => by_hand().await,
                1 => pager().await,
                _ => calls().await,
            }
            times[which].push(t.elapsed() / PAGES as u32);
        }
    }
    let [hand, paged, called] = times;
    let (pager_pct, calls_pct) = (paired(&hand, &paged), paired(&hand, &called));
    let (mh, mp, mc) = (median(hand), median(paged), median(called));
    println!("paging: {PAGING_ROUNDS} rounds of {PAGES} pages x {PAGE_ITEMS} items on 127.0.0.1, medians per page; ratios paired");
    println!(
        "  reqwest loop by hand        {:>7.1} µs",
        mh.as_secs_f64() * 1e6
    );
    println!(
        "  generated items() stream    {:>7.1} µs",
        mp.as_secs_f64() * 1e6
    );
    println!("  pager vs by hand            {pager_pct:+.1}% (target: at most +5%)");
    println!(
        "  generated send() per page   {:>7.1} µs ({calls_pct:+.1}%: the call's share of the pager's cost)",
        mc.as_secs_f64() * 1e6,
    );
}

const EVENTS: usize = 100_000;
const STREAM_ROUNDS: usize = 100;
/// The size of the chunks the streaming server writes.
const STREAM_CHUNK: usize = 16 * 1024;

/// A streamed call of 100,000 small events from a loopback server, which writes them in
/// chunks of [`STREAM_CHUNK`] bytes: time to the first event
/// and to the last, the generated `stream()` against reqwest reading the same body through
/// the `sse-stream` crate (as a hand-written client would) and decoding each event into the
/// same type, rounds alternating.
async fn streaming() {
    use every_feature::futures::StreamExt as _;
    let mut body = String::with_capacity(EVENTS * 40);
    for i in 0..EVENTS {
        body.push_str(&format!("data: {{\"index\":{i},\"delta\":\"d\"}}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    // Sent as a server sends events, a chunk at a time. As one 4 MB body the time to the
    // first event swung from run to run (+11% to +101% for the same code) with the state
    // of each client's connection.
    let reply = bytes::Bytes::from(body).chunks(STREAM_CHUNK).fold(
        Reply::status(200).header("content-type", "text/event-stream"),
        |reply, chunk| reply.chunk(Duration::ZERO, bytes::Bytes::copy_from_slice(chunk)),
    );
    let server = Server::repeating(reply).await.expect("server");
    let url = server.url();
    let http = reqwest::Client::new();
    let sdk = every_feature::Client::builder()
        .api_key("bench-key")
        .base_url(&url)
        .build()
        .expect("client");
    let generate_url = format!("{url}/items/generate");
    let request = every_feature::GenerateRequest::new("item-1".to_owned());
    // Returns (time to the first event, time to the end).
    let by_hand = || async {
        let t = Instant::now();
        let response = http
            .post(&generate_url)
            .header("x-api-key", "Token bench-key")
            .json(&serde_json::json!({"item_id": "item-1", "stream": true}))
            .timeout(Duration::from_secs(600))
            .send()
            .await
            .expect("call");
        let bytes = futures_util::stream::unfold(response, |mut r| async move {
            r.chunk().await.transpose().map(|c| (c, r))
        });
        let mut events = std::pin::pin!(sse_stream::SseByteStream::new(bytes));
        let mut first = None;
        let mut n = 0;
        while let Some(event) = events.next().await {
            let data = event.expect("event").data.unwrap_or_default();
            if data == "[DONE]" {
                break;
            }
            let delta: every_feature::GenerateDelta = serde_json::from_str(&data).expect("decode");
            std::hint::black_box(delta);
            first.get_or_insert_with(|| t.elapsed());
            n += 1;
        }
        assert_eq!(n, EVENTS);
        (first.unwrap_or_default(), t.elapsed())
    };
    let generated = || async {
        let t = Instant::now();
        let mut events = sdk
            .items()
            .generate(&request)
            .stream()
            .await
            .expect("call")
            .into_inner();
        let mut first = None;
        let mut n = 0;
        while let Some(delta) = events.next().await {
            std::hint::black_box(delta.expect("event"));
            first.get_or_insert_with(|| t.elapsed());
            n += 1;
        }
        assert_eq!(n, EVENTS);
        (first.unwrap_or_default(), t.elapsed())
    };
    // For a profiler: one variant alone, over and over.
    if let Ok(only) = std::env::var("SDKGEN_BENCH_ONLY") {
        for _ in 0..profile_rounds(STREAM_ROUNDS * 3) {
            if only == "hand" {
                by_hand().await;
            } else {
                generated().await;
            }
        }
        return;
    }
    by_hand().await;
    generated().await;
    let mut first: [Vec<Duration>; 2] = Default::default();
    let mut whole: [Vec<Duration>; 2] = Default::default();
    for i in 0..STREAM_ROUNDS {
        for k in 0..2 {
            let which = (i + k) % 2;
            let (f, w) = if which == 0 {
                by_hand().await
            } else {
                generated().await
            };
            first[which].push(f);
            whole[which].push(w);
        }
    }
    let (first_pct, whole_pct) = (paired(&first[0], &first[1]), paired(&whole[0], &whole[1]));
    let [fh, fg] = first.map(median);
    let [wh, wg] = whole.map(median);
    println!(
        "streaming: {STREAM_ROUNDS} rounds of {EVENTS} events on 127.0.0.1, medians; ratios paired"
    );
    println!(
        "  first event: reqwest + sse-stream {:>7.1} µs, generated stream() {:>7.1} µs ({:+.1}%)",
        fh.as_secs_f64() * 1e6,
        fg.as_secs_f64() * 1e6,
        first_pct
    );
    println!(
        "  all events:  reqwest + sse-stream {:>7.1} ms, generated stream() {:>7.1} ms ({:+.1}%, target: at most +10%)",
        wh.as_secs_f64() * 1e3,
        wg.as_secs_f64() * 1e3,
        whole_pct
    );
}
