//! Per-request overhead of a generated client against a plain reqwest call to the same
//! loopback server, both decoding the same JSON body. Run: `cargo bench -p conformance`.
//!
//! Two baselines: a bare reqwest call (auth + JSON decode), and the same call with the
//! per-attempt timeout every generated call carries (reqwest's `.timeout`, the SDK's default
//! 60 s). Each round makes one call of each kind, in rotating order, so all see the same
//! machine state; the report is the median of each and the ratios.

use std::time::{Duration, Instant};

use conformance::server::{Reply, Server};

const ROUNDS: usize = 5000;
const WARMUP: usize = 200;
const BODY: &str = r#"{"workspace_status":"active","subscription":{"plan":"pro","rpm_limit_snapshot":30,"burst_limit_snapshot":15,"memory_write_limit":1000,"memory_retrieve_limit":5000}}"#;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
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
            let mut request = http.get(&status_url).bearer_auth("bench-key");
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
        let (mb, mt, mg) = (median(bare), median(timed), median(sdk_times));
        let pct = |base: Duration| (mg.as_secs_f64() / base.as_secs_f64() - 1.0) * 100.0;
        println!("client_overhead: {ROUNDS} rounds on 127.0.0.1, medians");
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
        println!(
            "  SDK vs reqwest with timeout {:+.1}% (target: at most +5%)",
            pct(mt)
        );
        println!("  SDK vs bare reqwest         {:+.1}%", pct(mb));

        paging(&url_for_paging().await).await;
    });
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
const PAGING_ROUNDS: usize = 30;

/// The auto-pager over 10,000 items in 100 pages against a hand-written reqwest loop that
/// asks for the same pages and decodes the same items, rounds alternating.
async fn paging((_server, url): &(Server, String)) {
    use scheduled::futures::StreamExt as _;
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
            let mut request = http
                .get(&list_url)
                .header("x-api-key", "bench-key")
                .timeout(Duration::from_secs(600));
            if let Some(c) = &cursor {
                request = request.query(&[("cursor", c)]);
            }
            let page: scheduled::MessagePage = request
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
    let pager = || async {
        let items: Vec<scheduled::Message> = sdk
            .messages()
            .list()
            .items()
            .take(PAGE_ITEMS * PAGES)
            .map(|m| m.expect("item"))
            .collect()
            .await;
        assert_eq!(items.len(), PAGE_ITEMS * PAGES);
        std::hint::black_box(items);
    };
    by_hand().await;
    pager().await;
    let mut times: [Vec<Duration>; 2] = Default::default();
    for i in 0..PAGING_ROUNDS {
        for k in 0..2 {
            let which = (i + k) % 2;
            let t = Instant::now();
            if which == 0 {
                by_hand().await;
            } else {
                pager().await;
            }
            times[which].push(t.elapsed() / PAGES as u32);
        }
    }
    let [hand, paged] = times;
    let (mh, mp) = (median(hand), median(paged));
    println!("paging: {PAGING_ROUNDS} rounds of {PAGES} pages x {PAGE_ITEMS} items on 127.0.0.1, medians per page");
    println!(
        "  reqwest loop by hand        {:>7.1} µs",
        mh.as_secs_f64() * 1e6
    );
    println!(
        "  generated items() stream    {:>7.1} µs",
        mp.as_secs_f64() * 1e6
    );
    println!(
        "  pager vs by hand            {:+.1}% (target: at most +5%)",
        (mp.as_secs_f64() / mh.as_secs_f64() - 1.0) * 100.0
    );
}
