//! Reading struct models: the part of `Deserialize` that every model shares, so that a
//! generated model carries only what is its own (its name, its fields' wire names, how
//! each is read and whether it is required).
//!
//! `#[derive(Deserialize)]` writes a field enum, two visitors and a sequence and a map
//! reader into every struct: about 200 lines once expanded, which the compiler expands,
//! resolves and hashes again on every rebuild of the crate. A generated model implements
//! [`Object`] instead (a few lines a field) and its `Deserialize` calls [`object`], which
//! holds the visitors once for every model.
//!
//! What it reads is what the derive reads: a map (unknown keys skipped, a repeated key an
//! error, a missing required field an error naming it) or a sequence of the fields in
//! order, for formats that write structs as one; field names as strings, bytes or indices.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A struct model as [`object`] reads it: its fields, read one at a time into slots, then
/// the struct built from them. Hidden, so that a model's page in its crate's docs does not
/// list this impl (the module's being hidden does not hide it there).
#[doc(hidden)]
pub trait Object: Sized {
    /// The struct's name, for the deserializer and for errors (`expected struct Pet`).
    const NAME: &'static str;
    /// Its fields' wire names, in the order of [`Object::read`]'s indices.
    const FIELDS: &'static [&'static str];
    /// The values read so far: a tuple with a slot (an `Option`) a field.
    type Slots;
    /// Slots with nothing read.
    fn empty() -> Self::Slots;
    /// Reads the value of field `index` (less than `FIELDS.len()`) into its slot.
    fn read<'de, V: FieldValue<'de>>(
        slots: &mut Self::Slots,
        index: usize,
        value: V,
    ) -> Result<(), V::Error>;
    /// The struct from its slots; a required field with nothing read is an error (see
    /// [`required`]).
    fn build<E: de::Error>(slots: Self::Slots) -> Result<Self, E>;
}

/// The value of one field, about to be read: from a map or from a sequence.
pub trait FieldValue<'de> {
    /// The deserializer's error.
    type Error: de::Error;
    /// Reads the value as a `T`: `Some` of it, or `None` when a sequence has ended (the
    /// field is then missing, as it is when a map lacks it).
    fn get<T: Deserialize<'de>>(self) -> Result<Option<T>, Self::Error>;
}

/// Reads an `Object` with `deserializer`, as `#[derive(Deserialize)]` would read it.
#[inline]
pub fn object<'de, T: Object, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_struct(T::NAME, T::FIELDS, ObjectVisitor(PhantomData))
}

/// A required field's value, or the error for its absence (`missing field `name``).
#[inline]
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    match slot {
        Some(v) => Ok(v),
        None => Err(E::missing_field(name)),
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Object> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "struct {}", T::NAME)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut slots = T::empty();
        let mut seen = Seen::default();
        // Bodies usually list fields in the documented order: try the next one first.
        let mut hint = 0;
        while let Some(key) = map.next_key_seed(Key::<T>::new(hint))? {
            let Some(index) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if !seen.insert(index) {
                return Err(de::Error::duplicate_field(T::FIELDS[index]));
            }
            T::read(&mut slots, index, FromMap(&mut map))?;
            hint = index + 1;
        }
        T::build(slots)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut slots = T::empty();
        let mut ended = false;
        for index in 0..T::FIELDS.len() {
            T::read(&mut slots, index, FromSeq(&mut seq, &mut ended))?;
            if ended {
                break;
            }
        }
        // A sequence too short for a required field is an invalid length, as the derive
        // says: at the first required field it lacks.
        T::build::<Missing>(slots).map_err(|Missing(name)| {
            let index = T::FIELDS.iter().position(|f| Some(*f) == name);
            de::Error::invalid_length(index.unwrap_or(0), &Elements::<T>(PhantomData))
        })
    }
}

/// What [`Object::build`] fails with in [`ObjectVisitor::visit_seq`]: the field missing.
#[derive(Debug)]
struct Missing(Option<&'static str>);

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "missing field {:?}", self.0)
    }
}

impl std::error::Error for Missing {}

impl de::Error for Missing {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Missing(None)
    }

    fn missing_field(field: &'static str) -> Self {
        Missing(Some(field))
    }
}

/// A sequence's expected length: `struct Pet with 3 elements`.
struct Elements<T>(PhantomData<T>);

impl<T: Object> de::Expected for Elements<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = T::FIELDS.len();
        let s = if n == 1 { "" } else { "s" };
        write!(f, "struct {} with {n} element{s}", T::NAME)
    }
}

/// A map's next value.
struct FromMap<'a, A>(&'a mut A);

impl<'de, A: MapAccess<'de>> FieldValue<'de> for FromMap<'_, A> {
    type Error = A::Error;

    #[inline]
    fn get<T: Deserialize<'de>>(self) -> Result<Option<T>, A::Error> {
        self.0.next_value().map(Some)
    }
}

/// A sequence's next element, noting when there is none.
struct FromSeq<'a, A>(&'a mut A, &'a mut bool);

impl<'de, A: SeqAccess<'de>> FieldValue<'de> for FromSeq<'_, A> {
    type Error = A::Error;

    #[inline]
    fn get<T: Deserialize<'de>>(self) -> Result<Option<T>, A::Error> {
        let v = self.0.next_element()?;
        *self.1 = v.is_none();
        Ok(v)
    }
}

/// Which fields a map has given: a bit a field, the first 64 inline.
#[derive(Default)]
struct Seen {
    first: u64,
    rest: Vec<u64>,
}

impl Seen {
    /// Marks field `index`; false when it was already marked.
    #[inline]
    fn insert(&mut self, index: usize) -> bool {
        if index < 64 {
            let mask = 1u64 << index;
            let fresh = self.first & mask == 0;
            self.first |= mask;
            fresh
        } else {
            self.insert_rest(index - 64)
        }
    }

    #[cold]
    fn insert_rest(&mut self, i: usize) -> bool {
        let w = i / 64;
        if self.rest.len() <= w {
            self.rest.resize(w + 1, 0);
        }
        let mask = 1u64 << (i % 64);
        let fresh = self.rest[w] & mask == 0;
        self.rest[w] |= mask;
        fresh
    }
}

/// A map's key: the index of the field of `T` it names, or `None` for a key of no field.
///
/// A type of its own for each model, as the derive's field enum is: the deserializer's key
/// reading is then compiled once for each, where it is inlined into the model's loop (one
/// copy shared by every model is not, and costs a call and a returned `Result` a key).
struct Key<T> {
    /// The index to try first.
    hint: usize,
    model: PhantomData<fn() -> T>,
}

impl<T: Object> Key<T> {
    #[inline]
    fn new(hint: usize) -> Self {
        Key {
            hint,
            model: PhantomData,
        }
    }

    #[inline]
    fn find(&self, name: &[u8]) -> Option<usize> {
        if let Some(f) = T::FIELDS.get(self.hint) {
            if same(f.as_bytes(), name) {
                return Some(self.hint);
            }
        }
        T::FIELDS.iter().position(|f| same(f.as_bytes(), name))
    }
}

/// `a == b`, without a call to `memcmp` for the short names fields have: the length, then
/// two overlapping words (or bytes) that cover the whole of each.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

impl<'de, T: Object> DeserializeSeed<'de> for Key<T> {
    type Value = Option<usize>;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<T: Object> Visitor<'_> for Key<T> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    #[inline]
    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(index).ok().filter(|&i| i < T::FIELDS.len()))
    }

    #[inline]
    fn visit_str<E: de::Error>(self, name: &str) -> Result<Option<usize>, E> {
        Ok(self.find(name.as_bytes()))
    }

    #[inline]
    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.find(name))
    }
}

#[cfg(test)]
mod tests {
    //! `object` read against `#[derive(Deserialize)]`: the same model both ways, the same
    //! inputs, the same outcome.

    use super::*;
    use rand::{Rng, SeedableRng};

    /// The model as the derive reads it.
    mod derived {
        fn tri_state<'de, D: serde::Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Option<i64>>, D::Error> {
            <Option<i64> as serde::Deserialize>::deserialize(d).map(Some)
        }

        #[derive(Debug, PartialEq, serde::Deserialize)]
        pub struct Inner {
            pub a: i64,
        }

        #[derive(Debug, PartialEq, serde::Deserialize)]
        pub struct Model {
            pub name: String,
            #[serde(rename = "petId")]
            pub pet_id: i64,
            #[serde(default)]
            pub tag: Option<String>,
            #[serde(default)]
            pub nullable: Option<bool>,
            #[serde(default, deserialize_with = "tri_state")]
            pub next: Option<Option<i64>>,
            #[serde(default)]
            pub inner: Option<Inner>,
            pub list: Vec<Inner>,
        }
    }

    /// The model as the generator writes it.
    mod ours {
        use super::super::*;

        #[derive(Debug, PartialEq)]
        pub struct Inner {
            pub a: i64,
        }

        impl<'de> Deserialize<'de> for Inner {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                object(d)
            }
        }

        impl Object for Inner {
            const NAME: &'static str = "Inner";
            const FIELDS: &'static [&'static str] = &["a"];
            type Slots = (Option<i64>,);
            fn empty() -> Self::Slots {
                (None,)
            }
            fn read<'de, V: FieldValue<'de>>(
                slots: &mut Self::Slots,
                _: usize,
                value: V,
            ) -> Result<(), V::Error> {
                slots.0 = value.get()?;
                Ok(())
            }
            fn build<E: de::Error>(slots: Self::Slots) -> Result<Self, E> {
                Ok(Self {
                    a: required(slots.0, "a")?,
                })
            }
        }

        #[derive(Debug, PartialEq)]
        pub struct Model {
            pub name: String,
            pub pet_id: i64,
            pub tag: Option<String>,
            pub nullable: Option<bool>,
            pub next: Option<Option<i64>>,
            pub inner: Option<Inner>,
            pub list: Vec<Inner>,
        }

        impl<'de> Deserialize<'de> for Model {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                object(d)
            }
        }

        impl Object for Model {
            const NAME: &'static str = "Model";
            const FIELDS: &'static [&'static str] =
                &["name", "petId", "tag", "nullable", "next", "inner", "list"];
            #[allow(clippy::type_complexity)]
            type Slots = (
                Option<String>,
                Option<i64>,
                Option<Option<String>>,
                Option<Option<bool>>,
                Option<Option<i64>>,
                Option<Option<Inner>>,
                Option<Vec<Inner>>,
            );
            fn empty() -> Self::Slots {
                (None, None, None, None, None, None, None)
            }
            fn read<'de, V: FieldValue<'de>>(
                slots: &mut Self::Slots,
                index: usize,
                value: V,
            ) -> Result<(), V::Error> {
                match index {
                    0 => slots.0 = value.get()?,
                    1 => slots.1 = value.get()?,
                    2 => slots.2 = value.get()?,
                    3 => slots.3 = value.get()?,
                    4 => slots.4 = value.get()?,
                    5 => slots.5 = value.get()?,
                    _ => slots.6 = value.get()?,
                }
                Ok(())
            }
            fn build<E: de::Error>(slots: Self::Slots) -> Result<Self, E> {
                Ok(Self {
                    name: required(slots.0, "name")?,
                    pet_id: required(slots.1, "petId")?,
                    tag: slots.2.flatten(),
                    nullable: slots.3.flatten(),
                    next: slots.4,
                    inner: slots.5.flatten(),
                    list: required(slots.6, "list")?,
                })
            }
        }
    }

    /// Both readings of `json`, as text: the value's `Debug` or the error's message.
    fn both(json: &str) -> (Result<String, String>, Result<String, String>) {
        let a = serde_json::from_str::<derived::Model>(json)
            .map(|m| format!("{m:?}"))
            .map_err(|e| e.to_string());
        let b = serde_json::from_str::<ours::Model>(json)
            .map(|m| format!("{m:?}"))
            .map_err(|e| e.to_string());
        (a, b)
    }

    #[test]
    fn reads_what_the_derive_reads() {
        for json in [
            r#"{"name":"a","petId":1,"list":[]}"#,
            r#"{"list":[{"a":1},{"a":2}],"petId":1,"name":"a"}"#,
            r#"{"name":"a","petId":1,"list":[],"next":null}"#,
            r#"{"name":"a","petId":1,"list":[],"next":5,"tag":null,"nullable":true}"#,
            r#"{"name":"a","petId":1,"list":[],"unknown":{"deep":[1,2,{"x":null}]}}"#,
            r#"{"na\u006de":"escaped key","petId":1,"list":[]}"#,
            r#"{"name":"a","petId":1,"list":[],"inner":{"a":3,"b":4}}"#,
            r#"["a",1,"t",false,7,{"a":1},[]]"#,
        ] {
            let (a, b) = both(json);
            assert!(a.is_ok(), "{json}: {a:?}");
            assert_eq!(a, b, "{json}");
        }
        let value = serde_json::json!({"name": "v", "petId": 2, "list": [{"a": 1}], "next": null});
        assert_eq!(
            format!(
                "{:?}",
                serde_json::from_value::<derived::Model>(value.clone()).unwrap()
            ),
            format!(
                "{:?}",
                serde_json::from_value::<ours::Model>(value).unwrap()
            ),
        );
    }

    #[test]
    fn fails_where_the_derive_fails_and_says_the_same() {
        for (json, says) in [
            (r#"{"petId":1,"list":[]}"#, "missing field `name`"),
            (
                r#"{"name":"a","name":"b","petId":1,"list":[]}"#,
                "duplicate field `name`",
            ),
            (
                r#"{"name":"a","petId":"1","list":[]}"#,
                "invalid type: string",
            ),
            (r#"{"name":"a","petId":1,"list":[{}]}"#, "missing field `a`"),
            (
                r#"{"name":"a","petId":1,"list":[],"inner":7}"#,
                "expected struct Inner",
            ),
            (r#"null"#, "expected struct Model"),
            (
                r#"{"name":"a","petId":1,"list":[],"next":null,"next":1}"#,
                "duplicate field `next`",
            ),
            (r#"{"name":"a","petId":1,"list":[]"#, "EOF"),
        ] {
            let (a, b) = both(json);
            let e = a.clone().expect_err(json);
            assert!(e.contains(says), "{json}: {e}");
            assert_eq!(a, b, "{json}");
        }
    }

    /// Random objects of known, unknown, repeated and escaped keys with values of every
    /// JSON type, in any order, and arrays for the sequence form: each read the same both
    /// ways, to the error message.
    #[test]
    fn random_inputs_read_as_the_derive_reads_them() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        const KEYS: &[&str] = &[
            "name",
            "petId",
            "tag",
            "nullable",
            "next",
            "inner",
            "list",
            "other",
            "Name",
            "na\\u006de",
            "",
        ];
        const VALUES: &[&str] = &[
            "null",
            "1",
            "-3",
            "2.5",
            "true",
            "\"s\"",
            "[]",
            "[{\"a\":1}]",
            "{}",
            "{\"a\":9}",
            "[1]",
            "\"\\u00e9\"",
        ];
        let (mut ok, mut failed) = (0, 0);
        for _ in 0..20_000 {
            let n = rng.random_range(0..9);
            let seq = rng.random_bool(0.1);
            let mut items: Vec<String> = (0..n)
                .map(|_| {
                    let v = VALUES[rng.random_range(0..VALUES.len())];
                    if seq {
                        v.to_owned()
                    } else {
                        format!("\"{}\":{v}", KEYS[rng.random_range(0..KEYS.len())])
                    }
                })
                .collect();
            // Mostly with the required fields somewhere among the rest, so that many read.
            if !seq && rng.random_bool(0.7) {
                for field in [r#""name":"n""#, r#""petId":4"#, r#""list":[]"#] {
                    let at = rng.random_range(0..=items.len());
                    items.insert(at, field.to_owned());
                }
            }
            let json = if seq {
                format!("[{}]", items.join(","))
            } else {
                format!("{{{}}}", items.join(","))
            };
            let (a, b) = both(&json);
            assert_eq!(a, b, "{json}");
            if a.is_ok() {
                ok += 1;
            } else {
                failed += 1;
            }
        }
        // Both outcomes were exercised.
        assert!(ok > 100 && failed > 100, "{ok} read, {failed} failed");
    }

    #[test]
    fn seen_marks_each_field_once_past_the_first_64() {
        let mut seen = Seen::default();
        for i in (0..300).rev() {
            assert!(seen.insert(i), "{i}");
        }
        for i in 0..300 {
            assert!(!seen.insert(i), "{i}");
        }
        assert_eq!(seen.rest.len(), 4);
    }

    /// `same` is `==` at every length and wherever two names differ.
    #[test]
    fn names_compare_as_bytes_do() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] = b'_';
                assert!(!same(&a, &b), "{n} {at}");
            }
            let mut longer = a.clone();
            longer.push(b'a');
            assert!(!same(&a, &longer) && !same(&longer, &a), "{n}");
        }
    }

    /// A model of three fields, for its keys.
    struct Abc;

    impl Object for Abc {
        const NAME: &'static str = "Abc";
        const FIELDS: &'static [&'static str] = &["a", "bb", "c"];
        type Slots = ();
        fn empty() {}
        fn read<'de, V: FieldValue<'de>>(_: &mut (), _: usize, _: V) -> Result<(), V::Error> {
            Ok(())
        }
        fn build<E: de::Error>(_: ()) -> Result<Self, E> {
            Ok(Abc)
        }
    }

    #[test]
    fn keys_are_found_by_name_bytes_or_index() {
        let key = Key::<Abc>::new;
        for hint in 0..5 {
            assert_eq!(key(hint).find(b"bb"), Some(1));
            assert_eq!(key(hint).find(b"c"), Some(2));
            assert_eq!(key(hint).find(b"d"), None);
            assert_eq!(
                Visitor::visit_u64::<serde_json::Error>(key(hint), 2).ok(),
                Some(Some(2))
            );
            assert_eq!(
                Visitor::visit_u64::<serde_json::Error>(key(hint), 3).ok(),
                Some(None)
            );
            assert_eq!(
                Visitor::visit_bytes::<serde_json::Error>(key(hint), b"a").ok(),
                Some(Some(0))
            );
        }
    }
}
