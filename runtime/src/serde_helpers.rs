//! Serialization helpers for generated types.

use std::time::{Duration, SystemTime};

use serde::Serializer;

/// Serializes an optional duration as seconds (a float), the unit vendors document.
pub fn duration_secs<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

/// Serializes an optional point in time as RFC 3339 (UTC), as vendors write them.
pub fn instant_rfc3339<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
    let text = t.and_then(crate::Timestamp::from_system_time);
    match text {
        Some(text) => s.serialize_some(text.as_str()),
        None => s.serialize_none(),
    }
}

/// Serializes a tagged union's variant: the variant's own JSON object with the tag field
/// set to its tag, as the API sends it.
pub fn serialize_tagged<T: serde::Serialize, S: Serializer>(
    variant: &T,
    field: &str,
    tag: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::Error as _;
    let mut value = serde_json::to_value(variant).map_err(S::Error::custom)?;
    if let Some(object) = value.as_object_mut() {
        object.insert(field.to_owned(), serde_json::Value::String(tag.to_owned()));
    }
    serde::Serialize::serialize(&value, serializer)
}
