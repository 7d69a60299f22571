//! Auto-pagination: how the next page of a list endpoint is asked for, in the shapes real
//! APIs use, and lazy streams of pages and of items that go through the same retry, wait
//! and throttle machinery as any call.

use futures_util::stream::{self, Stream};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::client::{Client, RawPage, Request, Response};
use crate::envelope::{value_text, walk, Step};
use crate::error::{Error, ErrorClass};

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

/// One page read off the wire: its response as it came, its items, and the request for
/// the next page.
struct Page<I> {
    response: RawPage,
    items: Vec<I>,
    next: Option<Request>,
}

impl Client {
    /// Sends one page's request, reads its items as `I` and works out the next page's
    /// request. Items are parsed straight into `I` in the pass that reads the page, except
    /// for `cursor` pages, whose last item is first read raw for its cursor field.
    ///
    /// `expected` is how many items the page likely holds (the last page's count), room
    /// made for them up front rather than by growing the list item after item.
    async fn page<K: ErrorClass, I: DeserializeOwned>(
        &self,
        request: Request,
        spec: &PageSpec,
        expected: usize,
    ) -> Result<Page<I>, Error<K>> {
        let response = self.send_raw::<K>(&request).await?;
        let parsed = if let PageStyle::Cursor { field, .. } = spec.style {
            Parts::<&RawValue>::parse(&response.body, spec, expected).and_then(|parts| {
                let cursor = parts.items.last().and_then(|i| value_at(i, field));
                let next = next_request(
                    self,
                    request,
                    spec,
                    &parts,
                    parts.items.len(),
                    cursor,
                    &response.headers,
                );
                let items = parts
                    .items
                    .iter()
                    .map(|i| serde_json::from_str::<I>(i.get()))
                    .collect::<Result<Vec<I>, _>>()?;
                Ok((items, next))
            })
        } else {
            Parts::<I>::parse(&response.body, spec, expected).map(|parts| {
                let next = next_request(
                    self,
                    request,
                    spec,
                    &parts,
                    parts.items.len(),
                    None,
                    &response.headers,
                );
                (parts.items, next)
            })
        };
        match parsed {
            Ok((items, next)) => Ok(Page {
                response,
                items,
                next,
            }),
            Err(e) => Err(self.page_decode_error(e, &response)),
        }
    }

    /// The decode error of a page (or one of its items), as a call would give it.
    fn page_decode_error<K>(&self, e: serde_json::Error, page: &RawPage) -> Error<K> {
        self.decode_error(
            page.status,
            &page.headers,
            e.to_string(),
            page.body.clone(),
            page.attempts,
        )
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
                // Items only counted here: the page is decoded whole, as `T`.
                match client
                    .page::<K, serde::de::IgnoredAny>(request, spec, 0)
                    .await
                {
                    Err(e) => Some((Err(e), None)),
                    Ok(page) => {
                        let r = page.response;
                        match serde_json::from_slice::<T>(&r.body) {
                            Ok(data) => Some((
                                Ok(client.response(r.status, r.headers, r.attempts, data)),
                                page.next,
                            )),
                            Err(e) => Some((Err(client.page_decode_error(e, &r)), None)),
                        }
                    }
                }
            }
        })
    }

    /// Every item of a list, page after page, fetched lazily as the stream is polled; an
    /// error ends it. Cap it with `StreamExt::take`.
    pub fn items<I, K>(&self, request: Request, spec: &'static PageSpec) -> Items<I, K>
    where
        I: DeserializeOwned + Send + 'static,
        K: ErrorClass,
    {
        let mut items = Items {
            client: self.clone(),
            spec,
            buffer: Vec::new().into_iter(),
            fetching: None,
        };
        items.fetching = Some(items.fetch(request, 0));
        items
    }
}

/// The items of a list endpoint, page after page, as a [`Stream`]: the next page is
/// fetched only when the one in hand is spent, through the same retries, waits and
/// throttle as any call; an error is the last item. `Unpin`, so `.next().await` needs no
/// pinning; cap it with `StreamExt::take`.
#[must_use = "a stream does nothing until it is polled"]
pub struct Items<I, K> {
    client: Client,
    spec: &'static PageSpec,
    /// The page in hand: an item costs a step of its iterator.
    buffer: std::vec::IntoIter<I>,
    /// The next page, while it is being fetched (one boxed future per page).
    fetching: Option<futures_util::future::BoxFuture<'static, Result<Page<I>, Error<K>>>>,
}

// Nothing of it is pinned in place: the page future is boxed, the items are moved out.
impl<I, K> Unpin for Items<I, K> {}

impl<I, K> std::fmt::Debug for Items<I, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("buffered", &self.buffer.len())
            .field("fetching", &self.fetching.is_some())
            .finish_non_exhaustive()
    }
}

impl<I: DeserializeOwned + Send + 'static, K: ErrorClass> Items<I, K> {
    /// The page `request` asks for, through the same machinery as any call; `expected`
    /// items are made room for (the last page's count).
    fn fetch(
        &self,
        request: Request,
        expected: usize,
    ) -> futures_util::future::BoxFuture<'static, Result<Page<I>, Error<K>>> {
        let client = self.client.clone();
        let spec = self.spec;
        Box::pin(async move { client.page::<K, I>(request, spec, expected).await })
    }

    /// The page in hand is spent: the next one, when there is one.
    fn poll_page(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<I, Error<K>>>> {
        loop {
            let Some(pending) = self.fetching.as_mut() else {
                return std::task::Poll::Ready(None);
            };
            let page = std::task::ready!(pending.as_mut().poll(cx));
            self.fetching = None;
            match page {
                // An error ends the stream.
                Err(e) => return std::task::Poll::Ready(Some(Err(e))),
                Ok(page) => {
                    let count = page.items.len();
                    self.buffer = page.items.into_iter();
                    self.fetching = page.next.map(|next| self.fetch(next, count));
                    if let Some(item) = self.buffer.next() {
                        return std::task::Poll::Ready(Some(Ok(item)));
                    }
                }
            }
        }
    }
}

impl<I: DeserializeOwned + Send + 'static, K: ErrorClass> Stream for Items<I, K> {
    type Item = Result<I, Error<K>>;

    #[inline]
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(item) = this.buffer.next() {
            return std::task::Poll::Ready(Some(Ok(item)));
        }
        this.poll_page(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // While a page is to come, no upper bound; after the last, what is in hand.
        let n = self.buffer.len();
        (n, self.fetching.is_none().then_some(n))
    }
}

/// The most items room is made for ahead of a page, whatever the last page held: a
/// server's count sizes an allocation only this far (past it the list grows as it reads).
const MOST_EXPECTED: usize = 4096;

/// Reads a JSON array into a list that already has room (serde's own `Vec` starts empty:
/// JSON does not say how long an array is).
struct Fill<'v, T>(&'v mut Vec<T>);

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for Fill<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Fill<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of items")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element()? {
            self.0.push(item);
        }
        Ok(())
    }
}

/// What the pager reads of a page: its items as `T`, and the values its style needs. The
/// items, the has-more flag and the next cursor, when they are top-level keys (what real
/// APIs use), are read in one pass that skips everything else; deeper paths are walked.
struct Parts<'a, T> {
    /// The whole body, for paths the single pass does not read.
    body: Option<&'a RawValue>,
    items: Vec<T>,
    /// Top-level values the style reads, found in the same pass: (path, value).
    found: Vec<(&'static str, Value)>,
}

impl<'a, T: serde::Deserialize<'a>> Parts<'a, T> {
    /// The page in `bytes`, with room made for `expected` items.
    fn parse(bytes: &'a [u8], spec: &PageSpec, expected: usize) -> Result<Self, serde_json::Error> {
        let mut items = Vec::with_capacity(expected.min(MOST_EXPECTED));
        let wanted: Vec<&'static str> = match spec.style {
            PageStyle::Cursor {
                has_more: Some(h), ..
            } => vec![h],
            PageStyle::NextCursor { path, .. } => vec![path],
            _ => Vec::new(),
        };
        let top = |p: &str| !p.contains(['.', '[']) && p != "$";
        if top(spec.items) && wanted.iter().all(|w| top(w)) {
            let mut seed = TopLevel {
                items_key: spec.items,
                wanted: &wanted,
                items: &mut items,
                found: Vec::new(),
            };
            let mut de = serde_json::Deserializer::from_slice(bytes);
            serde::de::DeserializeSeed::deserialize(&mut seed, &mut de)?;
            de.end()?;
            let found = seed.found;
            return Ok(Parts {
                body: None,
                items,
                found,
            });
        }
        let body: &RawValue = serde_json::from_slice(bytes)?;
        if let Some(list) = raw_at(body, spec.items) {
            let mut de = serde_json::Deserializer::from_str(list.get());
            serde::de::DeserializeSeed::deserialize(Fill(&mut items), &mut de)?;
            de.end()?;
        }
        Ok(Parts {
            body: Some(body),
            items,
            found: Vec::new(),
        })
    }
}

impl<T> Parts<'_, T> {
    /// A value at a body path: from the single pass when it found it, else walked.
    fn value(&self, path: &'static str) -> Option<Value> {
        self.found
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, v)| v.clone())
            .or_else(|| value_at(self.body?, path))
    }
}

/// The one-pass reader of a page's top-level object.
struct TopLevel<'w, T> {
    items_key: &'static str,
    wanted: &'w [&'static str],
    /// Where the items go (room already made).
    items: &'w mut Vec<T>,
    found: Vec<(&'static str, Value)>,
}

impl<'de, T: serde::Deserialize<'de>> serde::de::DeserializeSeed<'de> for &mut TopLevel<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for &mut TopLevel<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a page object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.items_key {
                // Written twice, the last list is the one (as a plain decode would take it).
                self.items.clear();
                map.next_value_seed(Fill(self.items))?;
            } else if let Some(w) = self.wanted.iter().find(|w| **w == key) {
                let v: Value = map.next_value()?;
                self.found.push((w, v));
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The value at a body path (`data`, `meta.next`, `results[0]`, `$`), as a slice.
fn raw_at<'a>(root: &'a RawValue, path: &str) -> Option<&'a RawValue> {
    walk(root, path, |raw: &'a RawValue, step| match step {
        Step::Key(k) => {
            let map: std::collections::HashMap<std::borrow::Cow<'a, str>, &'a RawValue> =
                serde_json::from_str(raw.get()).ok()?;
            map.get(k).copied()
        }
        Step::Index(i) => {
            let list: Vec<&'a RawValue> = serde_json::from_str(raw.get()).ok()?;
            list.get(i).copied()
        }
    })
}

/// A small value at a path of a raw JSON value, parsed (a flag, a cursor).
fn value_at(root: &RawValue, path: &str) -> Option<Value> {
    serde_json::from_str(raw_at(root, path)?.get()).ok()
}

/// The request for the page after this one, or `None` when the list has ended. `count` is
/// the page's number of items; `cursor` the last item's cursor field (`cursor` style).
fn next_request<X>(
    client: &Client,
    mut request: Request,
    spec: &PageSpec,
    page: &Parts<'_, X>,
    count: usize,
    cursor: Option<Value>,
    headers: &HeaderMap,
) -> Option<Request> {
    match spec.style {
        PageStyle::Cursor {
            param, has_more, ..
        } => {
            if let Some(path) = has_more {
                if page.value(path).and_then(|v| v.as_bool()) != Some(true) {
                    return None;
                }
            }
            request.set_query(param, value_text(&cursor?));
            Some(request)
        }
        PageStyle::NextCursor { param, path } => {
            let cursor = page
                .value(path)
                .filter(|v| !v.is_null())
                .map(|v| value_text(&v))?;
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
            if count == 0 {
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
            if count == 0 {
                return None;
            }
            let current = request
                .query_value(param)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            request.set_query(param, current + count as u64);
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
    fn raw_paths_find_values_without_a_value_tree() {
        let body: &RawValue = serde_json::from_str(
            r#"{"data":[{"id":"a"},{"id":"b"}],"meta":{"next":"c","list":[1,{"x":2}]}}"#,
        )
        .unwrap();
        assert_eq!(raw_at(body, "meta.next").map(RawValue::get), Some(r#""c""#));
        assert_eq!(value_at(body, "meta.list[1].x"), Some(serde_json::json!(2)));
        assert!(raw_at(body, "missing").is_none());
        assert!(raw_at(body, "data[5]").is_none());
        let spec = PageSpec {
            style: PageStyle::Offset { param: "offset" },
            items: "data",
        };
        let page = Parts::<&RawValue>::parse(body.get().as_bytes(), &spec, 0).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(value_at(page.items[1], "id"), Some(serde_json::json!("b")));
    }

    /// Room is made for the items the last page had, up to a bound a server's count cannot
    /// pass; the list read is the same either way, at the top level or deeper.
    #[test]
    fn pages_make_room_for_the_expected_items_within_a_bound() {
        let top = PageSpec {
            style: PageStyle::Offset { param: "offset" },
            items: "data",
        };
        let deep = PageSpec {
            style: PageStyle::Offset { param: "offset" },
            items: "meta.data",
        };
        let body = br#"{"data":[1,2,3],"meta":{"data":[4,5]}}"#;
        for (expected, room) in [(0, 3), (100, 100), (usize::MAX, MOST_EXPECTED)] {
            let page = Parts::<u32>::parse(body, &top, expected).unwrap();
            assert_eq!(page.items, [1, 2, 3]);
            assert!(page.items.capacity() >= room, "{expected}");
            assert!(page.items.capacity() <= MOST_EXPECTED, "{expected}");
            let page = Parts::<u32>::parse(body, &deep, expected).unwrap();
            assert_eq!(page.items, [4, 5]);
            assert!(page.items.capacity() >= room.min(2), "{expected}");
            assert!(page.items.capacity() <= MOST_EXPECTED, "{expected}");
        }
        // A key written twice: the last list is the one, as a plain decode takes it.
        let twice = br#"{"data":[1,2,3],"data":[7]}"#;
        assert_eq!(Parts::<u32>::parse(twice, &top, 10).unwrap().items, [7]);
        // Not a list: the page does not decode.
        assert!(Parts::<u32>::parse(br#"{"data":null}"#, &top, 10).is_err());
        assert!(Parts::<u32>::parse(br#"{"meta":{"data":{}}}"#, &deep, 10).is_err());
    }

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
