//! Example responses built from the model, and the class table run over them: the error
//! response each class's conformance case serves, and the proof (used by `check`) that the
//! table picks that class for it. One place, read by the checker and every emitter alike.

use serde_json::{json, Map, Value};

use crate::model::{Api, Class, Matcher, Shape, Source, Test};
use crate::spec::{AttrType, HeaderFormat};
use crate::syntax::{self, StatusRange, TypeExpr};

/// The most statuses of one range tried when looking for a class's witness (a `4xx`
/// fallback has 100).
const MAX_STATUSES_TRIED: usize = 200;

/// An error response meant to be picked as class `i` through its row `row` at `status`:
/// the detail, every attribute with a sample, then every condition of the row met (a
/// condition wins over an attribute sample that reads the same field or header).
pub fn error_response(api: &Api, i: usize, row: usize, status: u16) -> Value {
    let c = &api.errors.classes[i];
    let env = &api.errors.envelope;
    let mut body = json!({});
    let mut headers = Map::new();
    if let Some(p) = env.detail.iter().find(|p| *p != "$") {
        let first = crate::model::prose::first_sentence(&crate::model::prose::plain(&c.docs));
        set_path(&mut body, p, json!(first));
    }
    for a in &c.attributes {
        match &a.source {
            Source::Body(paths) => {
                if let Some(p) = paths.iter().find(|p| *p != "$") {
                    let value = match &a.typed {
                        Some(t) => sample(api, t, &a.spec_name, 0),
                        None => attr_sample(a.ty),
                    };
                    set_path(&mut body, p, value);
                }
            }
            Source::Header(h) => {
                headers.insert(h.to_ascii_lowercase(), json!(header_sample(a.format)));
            }
        }
    }
    let rows = c.rows();
    let matchers = rows
        .get(row)
        .map(|r| r.matchers.clone())
        .unwrap_or_default();
    for m in matchers {
        let value = match &m.test {
            Test::Equals(v) => Some(v.clone()),
            Test::OneOf(vs) => vs.first().cloned(),
            Test::EndsWith(v) => Some(format!("example{v}")),
            Test::Contains(v) => Some(format!("an {v} b")),
            Test::Exists(true) => Some("present".into()),
            Test::Exists(false) => None,
        };
        // A case-insensitive test is shown another case than the spec's.
        let value = value.map(|v| if m.ignore_case { v.to_uppercase() } else { v });
        match (&m.source, value) {
            (Source::Body(paths), Some(value)) => {
                if let Some(p) = paths.iter().find(|p| *p != "$") {
                    set_path(&mut body, p, json!(value));
                }
            }
            (Source::Header(h), Some(value)) => {
                headers.insert(h.to_ascii_lowercase(), json!(value));
            }
            // Absent: take out what an attribute sample put there.
            (Source::Body(paths), None) => {
                for p in paths {
                    remove_path(&mut body, p);
                }
            }
            (Source::Header(h), None) => {
                headers.remove(&h.to_ascii_lowercase());
            }
        }
    }
    if let Some(h) = &api.request_id_header {
        headers.insert(h.to_ascii_lowercase(), json!("req_error_1"));
    }
    let mut r = Map::new();
    r.insert("status".into(), json!(status));
    if !headers.is_empty() {
        r.insert("headers".into(), Value::Object(headers));
    }
    if body.as_object().is_some_and(|o| !o.is_empty()) {
        r.insert("body".into(), body);
    }
    Value::Object(r)
}

/// The class the table picks for an example response, as the runtime's classifier would:
/// specific classes row by row in spec order, then fallbacks on status alone.
pub fn classify(api: &Api, response: &Value) -> Option<usize> {
    let e = &api.errors;
    let status = response.get("status").and_then(Value::as_u64)? as u16;
    let body = response.get("body").cloned().unwrap_or(Value::Null);
    let header = |name: &str| {
        response
            .get("headers")
            .and_then(|h| h.get(name.to_ascii_lowercase()))
            .map(text)
    };
    let holds = |m: &Matcher| holds(m, &body, &header);
    e.order.iter().copied().find(|&j| {
        let k = &e.classes[j];
        if k.fallback {
            return in_ranges(&k.statuses, status);
        }
        k.rows()
            .iter()
            .any(|r| in_ranges(r.statuses, status) && r.matchers.iter().all(|m| holds(m)))
    })
}

/// Whether a condition holds of an example's body and headers.
fn holds(m: &Matcher, body: &Value, header: &dyn Fn(&str) -> Option<String>) -> bool {
    let value = match &m.source {
        Source::Body(paths) => paths
            .iter()
            .find_map(|p| syntax::lookup(body, p).filter(|v| !v.is_null()))
            .map(text),
        Source::Header(h) => header(h),
    };
    let fold = |s: &str| {
        if m.ignore_case {
            s.to_lowercase()
        } else {
            s.to_owned()
        }
    };
    match (&m.test, value.map(|v| fold(&v))) {
        (Test::Exists(want), v) => v.is_some() == *want,
        (_, None) => false,
        (Test::Equals(x), Some(v)) => v == fold(x),
        (Test::OneOf(xs), Some(v)) => xs.iter().any(|x| v == fold(x)),
        (Test::EndsWith(x), Some(v)) => v.ends_with(&fold(x)),
        (Test::Contains(x), Some(v)) => v.contains(&fold(x)),
    }
}

/// The class the table picks for an error event that names no status, as the runtime's
/// statusless classifier would: the first row (in classification order) with a condition
/// asking for something present, whose conditions all hold of `body`; with the one status
/// that row documents, if it documents one.
pub fn classify_event(api: &Api, body: &Value) -> Option<(usize, Option<u16>)> {
    let e = &api.errors;
    let no_header = |_: &str| None;
    e.order.iter().copied().find_map(|j| {
        let k = &e.classes[j];
        if k.fallback {
            return None;
        }
        k.rows().iter().find_map(|r| {
            let positive = r
                .matchers
                .iter()
                .any(|m| !matches!(m.test, Test::Exists(false)));
            let all = r.matchers.iter().all(|m| holds(m, body, &no_header));
            (positive && all).then(|| {
                let status = match r.statuses {
                    [one] if one.lo == one.hi => Some(one.lo),
                    _ => None,
                };
                (j, status)
            })
        })
    })
}

/// The first status of row `row` of class `i` whose example the table picks as `i`.
pub fn row_witness(api: &Api, i: usize, row: usize) -> Option<u16> {
    let c = &api.errors.classes[i];
    let rows = c.rows();
    let r = rows.get(row)?;
    candidate_statuses(c, r.statuses)
        .into_iter()
        .find(|&status| classify(api, &error_response(api, i, row, status)) == Some(i))
}

/// The example that proves class `i` reachable: the first row and status (in row order,
/// then status order) whose example response the table picks as `i`. `Err` carries the
/// class that takes the first example instead, or `None` when the class takes nothing
/// (its conditions contradict each other).
pub fn witness(api: &Api, i: usize) -> Result<(usize, u16), (u16, Option<usize>)> {
    let c = &api.errors.classes[i];
    let mut first_loss = None;
    for (ri, row) in c.rows().iter().enumerate() {
        for status in candidate_statuses(c, row.statuses) {
            let picked = classify(api, &error_response(api, i, ri, status));
            if picked == Some(i) {
                return Ok((ri, status));
            }
            first_loss.get_or_insert((status, picked));
        }
    }
    Err(first_loss.unwrap_or((0, None)))
}

/// The statuses of a row worth trying, first of each range first: a fallback's own
/// statuses that earlier classes do not claim come out of the later ones.
fn candidate_statuses(c: &Class, ranges: &[StatusRange]) -> Vec<u16> {
    let ranges = if c.fallback { &c.statuses[..] } else { ranges };
    let mut out: Vec<u16> = ranges.iter().map(|r| r.lo).collect();
    for r in ranges {
        out.extend((r.lo..=r.hi).skip(1).take(MAX_STATUSES_TRIED));
    }
    out
}

/// Class `i`'s example: its witness (see [`witness`]), or its first row at its first status
/// when it has none (then `check` has reported it). With the status it was built for.
pub fn class_example(api: &Api, i: usize) -> (u16, Value) {
    let c = &api.errors.classes[i];
    let (row, status) =
        witness(api, i).unwrap_or_else(|_| (0, c.statuses.first().map_or(400, |r| r.lo)));
    (status, error_response(api, i, row, status))
}

/// Class `i`'s example at a given status: through its first row that has the status.
pub fn class_example_at(api: &Api, i: usize, status: u16) -> Value {
    let c = &api.errors.classes[i];
    let row = c
        .rows()
        .iter()
        .position(|r| in_ranges(r.statuses, status))
        .unwrap_or(0);
    error_response(api, i, row, status)
}

/// A sample value of a type; `depth` stops recursive models.
pub fn sample(api: &Api, t: &TypeExpr, name: &str, depth: usize) -> Value {
    match t {
        TypeExpr::String => json!(format!("{name}-1")),
        TypeExpr::Integer => json!(7),
        TypeExpr::Number => json!(1.5),
        TypeExpr::Boolean => json!(true),
        TypeExpr::Timestamp => json!("2026-01-01T00:00:00Z"),
        TypeExpr::File => json!({
            "filename": format!("{name}.txt"),
            "content_type": "text/plain",
            "text": format!("the contents of {name}"),
        }),
        TypeExpr::Json => json!({"key": "value"}),
        TypeExpr::List(inner) if depth > 2 => {
            let _ = inner;
            json!([])
        }
        TypeExpr::List(inner) => json!([sample(api, inner, name, depth + 1)]),
        TypeExpr::Map(inner) => json!({"key": sample(api, inner, name, depth + 1)}),
        TypeExpr::Named(n) => match api.model_index(n).map(|i| &api.models[i].shape) {
            Some(Shape::Enum { values, .. }) => {
                json!(values.first().map(|v| v.wire.clone()).unwrap_or_default())
            }
            Some(Shape::Struct(fields)) => {
                let mut m = Map::new();
                for f in fields {
                    if depth > 2 && !f.required {
                        continue;
                    }
                    m.insert(
                        f.spec_name.clone(),
                        sample(api, &f.ty, &f.spec_name, depth + 1),
                    );
                }
                Value::Object(m)
            }
            Some(Shape::Union { tag, variants }) => match variants.first() {
                // The first variant, its tag written in.
                Some(v) => {
                    let mut value = sample(api, &v.ty, name, depth + 1);
                    if let (Some(tag), Some(t), Some(o)) = (tag, &v.tag, value.as_object_mut()) {
                        o.insert(tag.clone(), json!(t));
                    }
                    value
                }
                None => Value::Null,
            },
            None => Value::Null,
        },
    }
}

/// The class a status is picked as when no body says more (its fallback, or a class with
/// no conditions).
pub fn class_for_status(api: &Api, status: u16) -> Option<usize> {
    let e = &api.errors;
    e.order.iter().copied().find(|&i| {
        let c = &e.classes[i];
        if c.fallback {
            return in_ranges(&c.statuses, status);
        }
        c.rows()
            .iter()
            .any(|r| in_ranges(r.statuses, status) && r.matchers.is_empty())
    })
}

/// Whether `s` falls in any of the ranges.
pub fn in_ranges(ranges: &[StatusRange], s: u16) -> bool {
    ranges.iter().any(|r| r.lo <= s && s <= r.hi)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Removes the value at `path` (`a.b`), when it is there.
fn remove_path(root: &mut Value, path: &str) {
    let Some((parent, last)) = path.rsplit_once('.') else {
        if let Some(o) = root.as_object_mut() {
            o.remove(path);
        }
        return;
    };
    let mut cur = root;
    for seg in parent.split('.') {
        match cur.get_mut(seg) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(o) = cur.as_object_mut() {
        o.remove(last);
    }
}

/// Sets `path` (`a.b[0].c`) in a JSON object, creating what is missing.
pub fn set_path(root: &mut Value, path: &str, v: Value) {
    if path == "$" {
        return;
    }
    let mut cur = root;
    let segments: Vec<&str> = path.split('.').collect();
    for (si, seg) in segments.iter().enumerate() {
        let (key, idx) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (*seg, ""),
        };
        let indexes: Vec<usize> = idx
            .split(['[', ']'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        let last = si + 1 == segments.len();
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Some(obj) = cur.as_object_mut() else {
            return;
        };
        let mut slot = obj.entry(key.to_owned()).or_insert(Value::Null);
        for (ii, &i) in indexes.iter().enumerate() {
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Some(arr) = slot.as_array_mut() else {
                return;
            };
            while arr.len() <= i {
                arr.push(Value::Null);
            }
            slot = &mut arr[i];
            if last && ii + 1 == indexes.len() {
                *slot = v;
                return;
            }
        }
        if last {
            *slot = v;
            return;
        }
        cur = slot;
    }
}

/// A header value that reads as a short wait (or count) in each format.
pub fn header_sample(format: HeaderFormat) -> String {
    match format {
        HeaderFormat::String => "example",
        HeaderFormat::Integer => "3",
        HeaderFormat::Number => "2.5",
        HeaderFormat::Boolean => "true",
        HeaderFormat::Seconds | HeaderFormat::RetryAfter => "2",
        HeaderFormat::Milliseconds => "1500",
        HeaderFormat::Duration => "2s",
        // The harness's fixed clock is 2026-01-01T00:00:00Z; these are 2 s after it.
        HeaderFormat::EpochSeconds => "1767225602",
        HeaderFormat::EpochMilliseconds => "1767225602000",
        HeaderFormat::Rfc3339 => "2026-01-01T00:00:02Z",
        HeaderFormat::HttpDate => "Thu, 01 Jan 2026 00:00:02 GMT",
    }
    .to_owned()
}

/// A sample value of an attribute type, as an error body would carry it.
pub fn attr_sample(ty: AttrType) -> Value {
    match ty {
        AttrType::String => json!("example"),
        AttrType::Integer => json!(3),
        AttrType::Number => json!(2.5),
        AttrType::Boolean => json!(true),
        AttrType::Duration => json!(1.5),
        AttrType::Timestamp => json!("2026-01-01T00:00:02Z"),
        AttrType::Json => json!({"key": "value"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_builds_nested_objects_and_arrays() {
        let mut v = json!({});
        set_path(&mut v, "error.code", json!("x"));
        set_path(&mut v, "error.details[1].n", json!(3));
        set_path(&mut v, "top", json!(true));
        assert_eq!(
            v,
            json!({"error": {"code": "x", "details": [null, {"n": 3}]}, "top": true})
        );
    }
}
