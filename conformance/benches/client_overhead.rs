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
    });
}
