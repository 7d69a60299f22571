//! Uploads: `multipart/form-data` bodies whose file parts stream from memory, from a file on
//! disk (opened again for each attempt, so a retry resends it whole), or from a caller's
//! stream (sent once: a call with one is not retried).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

/// A file to upload: its name, its media type, and where its bytes come from.
#[derive(Clone)]
pub struct File {
    filename: String,
    content_type: Option<String>,
    source: Source,
}

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
    /// Taken by the first attempt that sends it.
    Stream {
        stream: Arc<Mutex<Option<BoxStream<'static, std::io::Result<Bytes>>>>>,
        length: Option<u64>,
    },
}

impl File {
    /// A file held in memory.
    pub fn from_bytes(filename: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        File {
            filename: filename.into(),
            content_type: None,
            source: Source::Bytes(bytes.into()),
        }
    }

    /// A file on disk, named by its last path component. It is opened and streamed when the
    /// call is sent (again on each retry), never read into memory whole; one that cannot
    /// be opened fails the call before anything is sent.
    pub fn from_path(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        File {
            filename: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            content_type: None,
            source: Source::Path(path.to_owned()),
        }
    }

    /// A file read from a stream as it is sent, with its length when known (some servers
    /// need it). A stream can be sent once: a call that uploads one is not retried.
    pub fn from_stream(
        filename: impl Into<String>,
        stream: BoxStream<'static, std::io::Result<Bytes>>,
        length: Option<u64>,
    ) -> Self {
        File {
            filename: filename.into(),
            content_type: None,
            source: Source::Stream {
                stream: Arc::new(Mutex::new(Some(stream))),
                length,
            },
        }
    }

    /// Sets the media type (`image/png`); without one the server is told
    /// `application/octet-stream`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file name sent.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// Whether the file can be sent again (a stream cannot).
    pub(crate) fn resendable(&self) -> bool {
        !matches!(self.source, Source::Stream { .. })
    }

    /// The part for one attempt.
    fn part(&self) -> Result<reqwest::multipart::Part, String> {
        let part = match &self.source {
            Source::Bytes(b) => reqwest::multipart::Part::stream_with_length(
                reqwest::Body::from(b.clone()),
                b.len() as u64,
            ),
            Source::Path(path) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| format!("could not open `{}`: {e}", path.display()))?;
                let length = file.metadata().map(|m| m.len()).ok();
                let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
                let body = reqwest::Body::wrap_stream(stream);
                match length {
                    Some(n) => reqwest::multipart::Part::stream_with_length(body, n),
                    None => reqwest::multipart::Part::stream(body),
                }
            }
            Source::Stream { stream, length } => {
                let taken = stream
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .ok_or_else(|| format!("the stream of `{}` was already sent", self.filename))?;
                let body = reqwest::Body::wrap_stream(taken);
                match length {
                    Some(n) => reqwest::multipart::Part::stream_with_length(body, *n),
                    None => reqwest::multipart::Part::stream(body),
                }
            }
        };
        let part = part.file_name(self.filename.clone());
        let mime = self
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        part.mime_str(mime)
            .map_err(|_| format!("`{mime}` is not a media type"))
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.source {
            Source::Bytes(b) => format!("{} bytes", b.len()),
            Source::Path(p) => format!("file {}", p.display()),
            Source::Stream { .. } => "a stream".to_owned(),
        };
        f.debug_struct("File")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("source", &source)
            .finish()
    }
}

impl PartialEq for File {
    /// Files are equal when their names, media types and bytes in memory are; a file on
    /// disk equals one of the same path; a stream equals only itself.
    fn eq(&self, other: &Self) -> bool {
        self.filename == other.filename
            && self.content_type == other.content_type
            && match (&self.source, &other.source) {
                (Source::Bytes(a), Source::Bytes(b)) => a == b,
                (Source::Path(a), Source::Path(b)) => a == b,
                (Source::Stream { stream: a, .. }, Source::Stream { stream: b, .. }) => {
                    Arc::ptr_eq(a, b)
                }
                _ => false,
            }
    }
}

/// A file serializes as what is known of it without reading it: its name and media type
/// (and, when it is in memory and text, its text), so models holding one can be logged.
impl Serialize for File {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = match &self.source {
            Source::Bytes(b) => std::str::from_utf8(b).ok(),
            _ => None,
        };
        let mut s = serializer.serialize_struct("File", 3)?;
        s.serialize_field("filename", &self.filename)?;
        s.serialize_field("content_type", &self.content_type)?;
        s.serialize_field("text", &text)?;
        s.end()
    }
}

/// A file in memory, from `{filename, content_type?, text}` (as test cases write one).
impl<'de> Deserialize<'de> for File {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Written {
            filename: String,
            #[serde(default)]
            content_type: Option<String>,
            text: Option<String>,
        }
        let w = Written::deserialize(deserializer)?;
        let text = w
            .text
            .ok_or_else(|| de::Error::custom("a file needs its `text`"))?;
        Ok(File {
            filename: w.filename,
            content_type: w.content_type,
            source: Source::Bytes(Bytes::from(text)),
        })
    }
}

/// A part's name as it may appear in its `Content-Disposition` header: a quote, CR and LF
/// escaped as the HTML standard escapes them (`%22`, `%0D`, `%0A`), so a map key cannot end
/// the header or add one.
fn field_name(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The parts of a `multipart/form-data` body, in order: fields as text (nested values as
/// `a[b]` keys, as form bodies have them) and files.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    File(File),
}

impl Multipart {
    /// No parts yet.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a field's value as text parts (none for `null`; a list or object as one part
    /// per entry, keyed `name[0]`, `name[key]`).
    pub fn value<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        // Values of generated models always serialize; one that does not is left out
        // rather than sent half-written.
        if let Ok(v) = serde_json::to_value(value) {
            let mut pairs = Vec::new();
            crate::client::flatten_form(name, &v, &mut pairs);
            self.parts.extend(
                pairs
                    .into_iter()
                    .map(|(k, v)| (field_name(&k), Part::Text(v))),
            );
        }
        self
    }

    /// Adds a file part.
    pub fn file(mut self, name: &str, file: &File) -> Self {
        self.parts
            .push((field_name(name), Part::File(file.clone())));
        self
    }

    /// Adds a file part when there is a file.
    pub fn file_opt(self, name: &str, file: Option<&File>) -> Self {
        match file {
            Some(f) => self.file(name, f),
            None => self,
        }
    }

    /// Whether every part can be sent again (no file is a one-shot stream).
    pub(crate) fn resendable(&self) -> bool {
        self.parts.iter().all(|(_, p)| match p {
            Part::Text(_) => true,
            Part::File(f) => f.resendable(),
        })
    }

    /// The form for one attempt (files opened, streams taken).
    pub(crate) fn form(&self) -> Result<reqwest::multipart::Form, String> {
        // Names go out as they are (`metadata[key]`, as browsers send them), not
        // percent-encoded; `field_name` has already escaped what could break the header.
        let mut form = reqwest::multipart::Form::new().percent_encode_noop();
        for (name, part) in &self.parts {
            form = match part {
                Part::Text(text) => form.text(name.clone(), text.clone()),
                Part::File(file) => form.part(name.clone(), file.part()?),
            };
        }
        Ok(form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_cannot_break_their_header() {
        assert_eq!(field_name("metadata[a]"), "metadata[a]");
        assert_eq!(
            field_name("x\"; filename=\"evil\r\nX-Injected: 1"),
            "x%22; filename=%22evil%0D%0AX-Injected: 1"
        );
        let m = Multipart::new().value("meta", &serde_json::json!({"k\"\r\n": "v", "n": null}));
        let names: Vec<&str> = m.parts.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["meta[k%22%0D%0A]"]);
    }

    #[test]
    fn files_are_written_in_tests_as_text_and_only_streams_are_one_shot() {
        let f: File = serde_json::from_value(serde_json::json!({
            "filename": "a.txt", "content_type": "text/plain", "text": "hi"
        }))
        .unwrap();
        assert_eq!(
            f,
            File::from_bytes("a.txt", "hi").content_type("text/plain")
        );
        assert!(serde_json::from_value::<File>(serde_json::json!({"filename": "a"})).is_err());
        assert!(f.resendable() && File::from_path("x").resendable());
        let stream = File::from_stream("s", Box::pin(futures_util::stream::empty()), None);
        assert!(!stream.resendable());
        assert!(!Multipart::new().file("f", &stream).resendable());
        // A stream is taken by the first form built from it.
        let m = Multipart::new().file("f", &stream);
        assert!(m.form().is_ok());
        assert!(m.form().unwrap_err().contains("already sent"));
    }
}
