//! Auto-pagination: how the next page of a list endpoint is asked for, in the shapes real
//! APIs use, and lazy streams of pages and of items that go through the same retry, wait
//! and throttle machinery as any call.

use std::collections::VecDeque;

use futures_util::stream::{self, Stream};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::client::{Client, Request, Response};
use crate::envelope::{lookup, value_text};
use crate::error::{DecodeError, Error, ErrorClass};

/// How the next page is asked for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum PageStyle {
    /// The next page starts after the last item: the item's `field` is sent as the query
    /// parameter `param` (`starting_after`, `after_id`). `has_more`, a body path, says
    /// whether there is a next page; without it an empty page ends the list.
    Cursor {
        /// Query parameter carrying the cursor.
        param: &'static str,
        /// Field of an item that is the cursor, e.g. `id`.
        field: &'static str,
        /// Body path of the has-more flag.
        has_more: Option<&'static str>,
    },
    /// The body names the next cursor at `path`, sent as `param`; absent, null or empty
    /// ends the list.
    NextCursor {
        /// Query parameter carrying the cursor.
        param: &'static str,
        /// Body path of the next cursor.
        path: &'static str,
    },
    /// The `Link` header's `rel="next"` URL (RFC 8288), within the API's origin.
    Link,
    /// Page numbers in `param`, the first being `first`; an empty page ends the list.
    Page {
        /// Query parameter carrying the page number.
        param: &'static str,
        /// Number of the first page (0 or 1).
        first: u64,
    },
    /// An offset in `param`, advanced by the items received; an empty page ends the list.
    Offset {
        /// Query parameter carrying the offset.
        param: &'static str,
    },
}

/// A list endpoint's pagination, as its spec declares it.
#[derive(Debug, Clone, Copy)]
pub struct PageSpec {
    /// How the next page is asked for.
    pub style: PageStyle,
    /// Body path of the list of items (`$` for a body that is the list).
    pub items: &'static str,
}

/// One page read off the wire: the body as JSON, and the request for the next page.
struct Page {
    response: Response<Value>,
    items: Vec<Value>,
    next: Option<Request>,
}

impl Client {
    /// Sends one page's request and works out the next page's request.
    async fn page<K: ErrorClass>(
        &self,
        request: Request,
        spec: &PageSpec,
    ) -> Result<Page, Error<K>> {
        let response = self.send_json::<Value, K>(request.clone()).await?;
        let items = lookup(&response.data, spec.items)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let next = next_request(
            self,
            request,
            spec,
            &response.data,
            &response.headers,
            &items,
        );
        Ok(Page {
            response,
            items,
            next,
        })
    }

    /// Every page of a list, fetched lazily as the stream is polled; an error ends it.
    pub fn pages<T, K>(
        &self,
        request: Request,
        spec: &'static PageSpec,
    ) -> impl Stream<Item = Result<Response<T>, Error<K>>> + Send + 'static
    where
        T: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        let client = self.clone();
        stream::unfold(Some(request), move |next| {
            let client = client.clone();
            async move {
                let request = next?;
                match client.page::<K>(request, spec).await {
                    Err(e) => Some((Err(e), None)),
                    Ok(page) => {
                        let r = page.response;
                        let decoded = decode(r.data.clone(), &r).map(|data| Response {
                            data,
                            status: r.status,
                            headers: r.headers,
                            request_id: r.request_id,
                            rate_limit: r.rate_limit,
                            attempts: r.attempts,
                        });
                        let next = if decoded.is_ok() { page.next } else { None };
                        Some((decoded, next))
                    }
                }
            }
        })
    }

    /// Every item of a list, page after page, fetched lazily as the stream is polled; an
    /// error ends it. Cap it with `StreamExt::take`.
    pub fn items<I, K>(
        &self,
        request: Request,
        spec: &'static PageSpec,
    ) -> impl Stream<Item = Result<I, Error<K>>> + Send + 'static
    where
        I: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        struct State {
            client: Client,
            next: Option<Request>,
            buffered: VecDeque<Value>,
            last: Option<Response<Value>>,
        }
        let state = State {
            client: self.clone(),
            next: Some(request),
            buffered: VecDeque::new(),
            last: None,
        };
        stream::unfold(state, move |mut s| async move {
            loop {
                if let Some(item) = s.buffered.pop_front() {
                    let meta = s.last.as_ref()?;
                    let decoded = decode::<I, K>(item, meta);
                    if decoded.is_err() {
                        s.next = None;
                        s.buffered.clear();
                    }
                    return Some((decoded, s));
                }
                let request = s.next.take()?;
                match s.client.page::<K>(request, spec).await {
                    Err(e) => return Some((Err(e), s)),
                    Ok(page) => {
                        s.buffered = page.items.into();
                        s.next = page.next;
                        s.last = Some(page.response);
                    }
                }
            }
        })
    }
}

/// A value of the page (or one of its items) as `T`, or the decode error the call would
/// have given.
fn decode<T: DeserializeOwned, K>(value: Value, page: &Response<Value>) -> Result<T, Error<K>> {
    serde_json::from_value(value).map_err(|e| {
        Error::Decode(DecodeError {
            message: e.to_string(),
            status: page.status,
            body: bytes::Bytes::new(),
            truncated: false,
            request_id: page.request_id.clone(),
            rate_limit: page.rate_limit.clone(),
            attempts: page.attempts,
        })
    })
}

/// The request for the page after this one, or `None` when the list has ended.
fn next_request(
    client: &Client,
    mut request: Request,
    spec: &PageSpec,
    body: &Value,
    headers: &HeaderMap,
    items: &[Value],
) -> Option<Request> {
    match spec.style {
        PageStyle::Cursor {
            param,
            field,
            has_more,
        } => {
            if let Some(path) = has_more {
                if lookup(body, path).and_then(Value::as_bool) != Some(true) {
                    return None;
                }
            }
            let cursor = items.last().and_then(|i| lookup(i, field))?;
            request.set_query(param, value_text(cursor));
            Some(request)
        }
        PageStyle::NextCursor { param, path } => {
            let cursor = lookup(body, path)
                .filter(|v| !v.is_null())
                .map(value_text)?;
            if cursor.is_empty() {
                return None;
            }
            request.set_query(param, cursor);
            Some(request)
        }
        PageStyle::Link => {
            let next = next_link(headers)?;
            let url = reqwest::Url::parse(client.base_url())
                .ok()?
                .join(&next)
                .ok()?;
            request.follow_link(client, &url)?;
            Some(request)
        }
        PageStyle::Page { param, first } => {
            if items.is_empty() {
                return None;
            }
            let current = request
                .query_value(param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(first);
            request.set_query(param, current + 1);
            Some(request)
        }
        PageStyle::Offset { param } => {
            if items.is_empty() {
                return None;
            }
            let current = request
                .query_value(param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            request.set_query(param, current + items.len() as u64);
            Some(request)
        }
    }
}

/// The target of the `rel="next"` link of RFC 8288 `Link` headers, as written.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.split_once(';')?;
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            let is_next = params.split(';').any(|p| {
                let Some((k, v)) = p.split_once('=') else {
                    return false;
                };
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            });
            is_next.then(|| target.to_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_name_their_next_page() {
        let mut h = HeaderMap::new();
        h.append(
            reqwest::header::LINK,
            r#"<https://api.test/items?page=3>; rel="next", <https://api.test/items?page=9>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.test/items?page=3")
        );
        let mut last_only = HeaderMap::new();
        last_only.append(
            reqwest::header::LINK,
            r#"<https://api.test/items?page=9>; rel="last""#.parse().unwrap(),
        );
        assert_eq!(next_link(&last_only), None);
        let mut several_rels = HeaderMap::new();
        several_rels.append(
            reqwest::header::LINK,
            r#"</items?page=2>; rel="next prefetch""#.parse().unwrap(),
        );
        assert_eq!(next_link(&several_rels).as_deref(), Some("/items?page=2"));
        assert_eq!(next_link(&HeaderMap::new()), None);
    }
}
