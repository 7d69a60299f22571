//! Serialization helpers for generated types.

use std::time::Duration;

use serde::Serializer;

/// Serializes an optional duration as seconds (a float), the unit vendors document.
pub fn duration_secs<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}
