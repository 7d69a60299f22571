//! The model in plain words: the sentences the generated rustdoc and Markdown docs say
//! about a class or a policy. One place, read by every emitter alike.

use crate::model::{self, Api, Matcher, Source, Test};

/// Environment variables as the docs name them: "`A`", "`A`, else `B`"; `None` for none.
pub fn env_vars(vars: &[String]) -> Option<String> {
    (!vars.is_empty()).then(|| {
        vars.iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", else ")
    })
}

/// How a list endpoint asks for its next page, in plain words.
pub fn paging(p: &crate::model::Pagination) -> String {
    use crate::spec::PageStyle as S;
    let param = &p.param;
    match p.style {
        S::Cursor => format!("the last item's `{}` is sent back as `{param}`", p.field),
        S::NextCursor => format!("the body's `{}` is sent as `{param}`", p.next),
        S::Link => "the `Link` header's `rel=\"next\"` URL is followed".to_owned(),
        S::Page => format!("`{param}` counts up from {}", p.first),
        S::Offset => format!("`{param}` advances by the items received"),
    }
}

/// A sentence naming where a class is picked: statuses and conditions, alternatives joined
/// by "or".
pub fn class_trigger(api: &Api, c: &model::Class) -> String {
    if c.is_abstract() {
        return "Never raised itself: it groups the classes below it.".into();
    }
    let condition = |m: &Matcher| {
        let what = match &m.source {
            Source::Body(p) if p == &api.errors.envelope.code => "the error code".to_string(),
            Source::Body(p) => format!("body `{}`", p.join("` or `")),
            Source::Header(h) => format!("header `{h}`"),
        };
        let case = if m.ignore_case {
            " (ignoring case)"
        } else {
            ""
        };
        match &m.test {
            Test::Equals(v) => format!("{what} is `{v}`{case}"),
            Test::OneOf(vs) => format!("{what} is one of `{}`{case}", vs.join("`, `")),
            Test::EndsWith(v) => format!("{what} ends with `{v}`{case}"),
            Test::Contains(v) => format!("{what} contains `{v}`{case}"),
            Test::Exists(true) => format!("{what} is present"),
            Test::Exists(false) => format!("{what} is absent"),
        }
    };
    let statuses = |ranges: &[crate::syntax::StatusRange]| {
        let s: Vec<String> = ranges.iter().map(|s| s.to_string()).collect();
        format!("HTTP {}", s.join(", "))
    };
    let ways: Vec<String> = c
        .rows()
        .iter()
        .map(|r| {
            let conds: Vec<String> = r.matchers.iter().map(|m| condition(m)).collect();
            if conds.is_empty() {
                statuses(r.statuses)
            } else {
                format!("{} when {}", statuses(r.statuses), conds.join(" and "))
            }
        })
        .collect();
    let plain = c.rows().iter().all(|r| r.matchers.is_empty());
    let mut s = format!("Raised for {}", ways.join(", or for "));
    if c.fallback {
        s.push_str(if plain {
            " (the fallback for these statuses)"
        } else {
            ", and as the fallback for these statuses when no other class matches"
        });
    }
    s.push('.');
    if c.retried {
        s.push_str(" Retried automatically before it is returned.");
    }
    s
}

/// Plain words for the retry policy, for the client's docs.
pub fn retry_summary(api: &Api) -> String {
    let r = &api.retry;
    if !r.declared || r.max_retries == 0 {
        return "This API's SDK never retries automatically: every failure is returned at once."
            .into();
    }
    let mut what: Vec<String> = Vec::new();
    if !r.statuses.is_empty() {
        let s: Vec<String> = r.statuses.iter().map(|s| s.to_string()).collect();
        what.push(format!("HTTP {}", s.join(", ")));
    }
    for c in &r.classes {
        what.push(format!("`{c}`"));
    }
    if r.on_connect {
        what.push("connection failures".into());
    }
    if r.on_timeout {
        what.push("timeouts".into());
    }
    let backoff = if r.schedule.is_empty() {
        format!(
            "exponential backoff from {:?} (x{}, at most {:?})",
            r.initial, r.multiplier, r.max
        )
    } else {
        let waits: Vec<String> = r.schedule.iter().map(|d| format!("{d:?}")).collect();
        format!("waits of {} (the last repeating)", waits.join(", "))
    };
    let jitter = if r.jitter != (1.0, 1.0) {
        format!(
            ", each scaled by a random factor in [{}, {}]",
            r.jitter.0, r.jitter.1
        )
    } else {
        String::new()
    };
    let floor = if r.min.is_zero() {
        String::new()
    } else {
        format!(" and never under {:?}", r.min)
    };
    let mut s = format!(
        "Retries {} up to {} times, with {backoff}{jitter}{floor}.",
        what.join(", "),
        r.max_retries,
    );
    if !r.retry_after.is_empty() {
        let hs: Vec<&str> = r.retry_after.iter().map(|(h, _)| h.as_str()).collect();
        s.push_str(&format!(
            " Server waits from `{}` are honoured",
            hs.join("`, `")
        ));
        if let Some(m) = r.max_wait {
            s.push_str(&format!(
                " up to {m:?}; a longer one {}",
                if r.raise_past_max_wait {
                    "returns the error at once with `retry_after` set"
                } else {
                    "is replaced by the usual backoff"
                }
            ));
        }
        s.push('.');
        if r.zero_wait_backoff {
            s.push_str(" A wait of zero (or a reset already past) is replaced by the backoff.");
        }
    }
    for w in &r.class_waits {
        let mut from: Vec<String> = w
            .sources
            .iter()
            .map(|(h, _, plus)| {
                if plus.is_zero() {
                    format!("`{h}`")
                } else {
                    format!("`{h}` plus {plus:?}")
                }
            })
            .collect();
        if let Some(d) = w.default {
            from.push(format!("a fixed {d:?}"));
        }
        s.push_str(&format!(
            " After `{}`, the wait is {}.",
            w.class,
            from.join(", else ")
        ));
    }
    if let Some(d) = r.deadline {
        s.push_str(&format!(" A call gives up after {d:?} in all."));
    }
    // Which requests may be sent again once they may have reached the server.
    s.push_str(&format!(
        " Once a request may have reached the server it is resent only if it is idempotent \
         ({}, or an endpoint the spec marks idempotent",
        r.idempotent_methods.join(", ")
    ));
    if let Some(h) = &r.key_header {
        s.push_str(&format!(
            ", or any request carrying the `{h}` key, made once per call"
        ));
    }
    s.push(')');
    if !r.resend_methods.is_empty() {
        s.push_str(&format!(
            ", and {} requests are resent on purpose, though not idempotent, as the vendor's own SDK does",
            r.resend_methods.join(", ")
        ));
    }
    if !r.not_processed.is_empty() {
        let np: Vec<String> = r.not_processed.iter().map(|x| x.to_string()).collect();
        s.push_str(&format!(
            "; HTTP {} proves it was not acted on, so it is retried whatever the method",
            np.join(", ")
        ));
    }
    s.push('.');
    if !r.attempt_headers.is_empty() {
        let hs: Vec<String> = r
            .attempt_headers
            .iter()
            .map(|(h, v)| {
                let what = match v {
                    crate::spec::AttemptValue::Attempt => "the attempt number",
                    crate::spec::AttemptValue::RetryCount => "the retries so far",
                    crate::spec::AttemptValue::TimeoutSeconds => "the attempt's timeout in seconds",
                };
                format!("`{h}` ({what})")
            })
            .collect();
        s.push_str(&format!(" Every attempt carries {}.", hs.join(" and ")));
    }
    s
}
