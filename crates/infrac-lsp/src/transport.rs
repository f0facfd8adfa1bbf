//! The byte stream between the editor and the server, made robust before tower-lsp-server sees
//! it.
//!
//! tower-lsp-server's reader answers the first undecodable message with a JSON-RPC error and
//! then ends its input stream (tokio-util's framed reader stops after an error), so one bad
//! message left the server deaf to every later request. Here every message is framed and
//! checked first:
//!
//! - a header block without a usable `Content-Length` is answered with a parse error
//!   (-32700) and skipped up to the next `Content-Length`;
//! - a body that is not UTF-8 JSON is answered with a parse error;
//! - JSON that is neither a request, a notification nor a response (an array, a number, an
//!   object with a numeric `method`, ...) is answered with an invalid request error (-32600),
//!   carrying the message's `id` when it has a usable one so the client can match it;
//! - everything else goes on to tower-lsp-server unchanged.
//!
//! Both the server's messages and these errors are written by one task, whole frame by whole
//! frame, so they never interleave on the output.

use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// What one read from the input produced.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A well-formed message body, to pass on.
    Message(Vec<u8>),
    /// A JSON-RPC error response to send back instead.
    Error(Value),
}

/// Splits an LSP byte stream into frames, one message at a time.
#[derive(Default)]
pub struct FrameReader {
    buffer: Vec<u8>,
    /// The body length of the message whose headers were read.
    content_length: Option<usize>,
    /// Bodies are passed on unchecked: the server's own output, which it wrote well formed.
    trusted: bool,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[allow(clippy::needless_pass_by_value)] // Called with owned ids and literals alike.
fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// An id tower-lsp-server can read back: an integer, a string or null.
fn usable_id(id: Option<&Value>) -> bool {
    match id {
        None | Some(Value::Null | Value::String(_)) => true,
        Some(Value::Number(n)) => n.is_i64(),
        Some(_) => false,
    }
}

/// A field of a message: absent, or present with its value (JSON `null` included, which an
/// `Option` would fold into "absent").
#[derive(Default)]
enum Field<T> {
    #[default]
    Absent,
    Present(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Field::Present)
    }
}

impl<T> Field<T> {
    fn get(&self) -> Option<&T> {
        match self {
            Field::Absent => None,
            Field::Present(value) => Some(value),
        }
    }
}

/// What the check needs of a message object. Everything else, `params` and `result` above all
/// (a whole file's text in a `didOpen`), is skipped without being built, so checking costs one
/// scan of the body, not a second tree.
#[derive(Deserialize)]
struct Shape {
    #[serde(default)]
    jsonrpc: Field<Value>,
    #[serde(default)]
    id: Field<Value>,
    #[serde(default)]
    method: Field<Value>,
    #[serde(default)]
    result: Field<IgnoredAny>,
    #[serde(default)]
    error: Field<Value>,
}

impl Shape {
    /// Whether this is a JSON-RPC 2.0 request, notification or response, as tower-lsp-server
    /// decodes them.
    fn well_formed(&self) -> bool {
        if self.jsonrpc.get().and_then(Value::as_str) != Some("2.0") || !usable_id(self.id.get()) {
            return false;
        }
        if let Some(method) = self.method.get() {
            return method.is_string();
        }
        let error_ok = self.error.get().is_none_or(|e| {
            e.get("code").is_some_and(Value::is_i64)
                && e.get("message").is_some_and(Value::is_string)
        });
        self.id.get().is_some()
            && (self.result.get().is_some() != self.error.get().is_some())
            && error_ok
    }

    /// The shape of any JSON value: an object's fields as above (the last of a repeated key,
    /// as JSON parsers take it), nothing for anything else. For the rare message the fast
    /// path could not read.
    fn of_value(value: Value) -> Option<Shape> {
        let Value::Object(mut object) = value else {
            return None;
        };
        let mut take = |key: &str| object.remove(key).map_or(Field::Absent, Field::Present);
        Some(Shape {
            jsonrpc: take("jsonrpc"),
            id: take("id"),
            method: take("method"),
            result: take("result").map_present(|_| IgnoredAny),
            error: take("error"),
        })
    }
}

impl Field<Value> {
    fn map_present<U>(self, f: impl FnOnce(Value) -> U) -> Field<U> {
        match self {
            Field::Absent => Field::Absent,
            Field::Present(value) => Field::Present(f(value)),
        }
    }
}

/// The checked form of one message body.
pub fn check_body(body: Vec<u8>) -> Frame {
    let not_json = || {
        Frame::Error(error(
            Value::Null,
            PARSE_ERROR,
            "Parse error: the message body is not UTF-8 JSON",
        ))
    };
    let starts_object = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    // The fast path reads objects only: serde would read an array into the struct by position.
    let fast = if starts_object {
        serde_json::from_slice::<Shape>(&body)
    } else {
        Err(serde::de::Error::custom("not an object"))
    };
    let shape = match fast {
        Ok(shape) => Some(shape),
        Err(err) if err.is_syntax() || err.is_eof() => return not_json(),
        // Valid JSON of another shape, or a repeated key: read it the slow way.
        Err(_) => match serde_json::from_slice::<Value>(&body) {
            Ok(value) => Shape::of_value(value),
            Err(_) => return not_json(),
        },
    };
    if shape.as_ref().is_some_and(Shape::well_formed) {
        return Frame::Message(body);
    }
    // Keep the id when it is one the client could have sent, so its request is not left
    // waiting; otherwise the specification says null.
    let id = match shape.as_ref().and_then(|s| s.id.get()) {
        Some(id @ (Value::Number(_) | Value::String(_))) if usable_id(Some(id)) => id.clone(),
        _ => Value::Null,
    };
    Frame::Error(error(
        id,
        INVALID_REQUEST,
        "Invalid request: not a JSON-RPC 2.0 request, notification or response",
    ))
}

impl FrameReader {
    /// A reader that frames without checking bodies (for the server's own output: parsing
    /// every answer and notification again would only cost time).
    pub fn trusted() -> FrameReader {
        FrameReader {
            trusted: true,
            ..FrameReader::default()
        }
    }

    /// Adds bytes read from the input.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame, if the bytes so far hold one.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(length) = self.content_length {
                if self.buffer.len() < length {
                    return None;
                }
                let body: Vec<u8> = self.buffer.drain(..length).collect();
                self.content_length = None;
                return Some(if self.trusted {
                    Frame::Message(body)
                } else {
                    check_body(body)
                });
            }
            let end = find(&self.buffer, b"\r\n\r\n")?;
            let headers = String::from_utf8_lossy(&self.buffer[..end]).into_owned();
            self.buffer.drain(..end + 4);
            // Lines that are not `Name: value` are noise before a header; `Content-Length`
            // is the one header that matters (any `Content-Type` is taken as UTF-8 JSON).
            let length = headers.lines().rev().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            });
            match length {
                Some(0) => {
                    return Some(Frame::Error(error(
                        Value::Null,
                        PARSE_ERROR,
                        "Parse error: an empty message body",
                    )))
                }
                Some(length) => self.content_length = Some(length),
                None => {
                    // Resynchronise on the next header that may start a message.
                    let next = find(&self.buffer, b"Content-Length").unwrap_or(self.buffer.len());
                    self.buffer.drain(..next);
                    return Some(Frame::Error(error(
                        Value::Null,
                        PARSE_ERROR,
                        "Parse error: a header without a valid Content-Length",
                    )));
                }
            }
        }
    }
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serves the language server on any byte streams (stdin and stdout, or pipes in tests) until
/// the client sends `exit` or closes the input.
pub async fn serve<I, O>(mut input: I, mut output: O)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    const PIPE: usize = 64 * 1024;
    let (mut to_server, server_in) = tokio::io::duplex(PIPE);
    let (server_out, mut from_server) = tokio::io::duplex(PIPE);
    let (frames_tx, mut frames_rx) = mpsc::unbounded_channel::<Vec<u8>>();

    // One writer: whole frames, in the order they were queued.
    let writer = tokio::spawn(async move {
        while let Some(frame) = frames_rx.recv().await {
            if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });

    // The server's own output, frame by frame (it is well formed: tower-lsp-server wrote it).
    let server_frames = frames_tx.clone();
    let relay = tokio::spawn(async move {
        let mut frames = FrameReader::trusted();
        let mut chunk = vec![0u8; PIPE];
        loop {
            match from_server.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => frames.extend(&chunk[..n]),
            }
            while let Some(frame) = frames.next_frame() {
                let bytes = match frame {
                    Frame::Message(body) => framed(&body),
                    Frame::Error(value) => framed(value.to_string().as_bytes()),
                };
                if server_frames.send(bytes).is_err() {
                    return;
                }
            }
        }
    });

    // The client's input, checked: good messages to the server, errors straight back. The
    // reader returns after `exit` or at the end of the input.
    let reader = tokio::spawn(async move {
        let mut frames = FrameReader::default();
        let mut chunk = vec![0u8; PIPE];
        loop {
            match input.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => frames.extend(&chunk[..n]),
            }
            while let Some(frame) = frames.next_frame() {
                match frame {
                    Frame::Message(body) => {
                        let exit = is_exit(&body);
                        if to_server.write_all(&framed(&body)).await.is_err() || exit {
                            return;
                        }
                    }
                    Frame::Error(value) => {
                        if frames_tx
                            .send(framed(value.to_string().as_bytes()))
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            }
        }
        // Dropping `to_server` ends the server's input: it stops as after `exit`.
    });

    let (service, socket) = crate::service();
    // Boxed so that dropping it (with its end of the output pipe) is possible before return.
    let mut server =
        Box::pin(tower_lsp_server::Server::new(server_in, server_out, socket).serve(service));
    // tower-lsp-server returns once every request it started is answered, and a request the
    // server made of the client (one the client never answers) would keep it forever. After
    // `exit`, or when the client is gone, it gets a moment to write its last answers.
    let mut reader = reader;
    tokio::select! {
        () = &mut server => {}
        _ = &mut reader => {
            let _ = tokio::time::timeout(GRACE, &mut server).await;
        }
    }
    reader.abort();
    // The server's output ends with the server: what it wrote is relayed, then the writer
    // finishes (no sender is left).
    drop(server);
    let _ = tokio::time::timeout(GRACE, async {
        let _ = relay.await;
        let _ = writer.await;
    })
    .await;
}

/// How long the server may take to finish its answers after `exit` or the end of the input.
const GRACE: std::time::Duration = std::time::Duration::from_millis(500);

/// Whether a (well-formed) message is the `exit` notification.
fn is_exit(body: &[u8]) -> bool {
    // Cheap first: most messages are not, and some are megabytes long.
    body.len() < 256
        && serde_json::from_slice::<Value>(body)
            .is_ok_and(|v| v.get("method").and_then(Value::as_str) == Some("exit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = FrameReader::default();
        reader.extend(input);
        std::iter::from_fn(|| reader.next_frame()).collect()
    }

    fn code(frame: &Frame) -> Option<i64> {
        match frame {
            Frame::Error(value) => value["error"]["code"].as_i64(),
            Frame::Message(_) => None,
        }
    }

    #[test]
    fn good_messages_pass_and_bad_ones_become_errors() {
        let ok = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = framed(ok);
        input.extend(framed(b"not json"));
        input.extend(framed(&[0xff, 0xfe]));
        input.extend(framed(b"[1,2]"));
        input.extend(framed(br#"{"jsonrpc":"2.0","id":7,"method":5}"#));
        input.extend(framed(br#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#));
        input.extend(framed(br#"{"jsonrpc":"2.0","id":2,"error":{"code":"x"}}"#));
        input.extend(framed(br#"{"jsonrpc":"1.0","id":3,"method":"x"}"#));
        input.extend(framed(br#"{"jsonrpc":"2.0","id":4,"result":null}"#));
        input.extend(framed(ok));
        let got = frames(&input);
        assert_eq!(got.len(), 10);
        assert_eq!(got[0], Frame::Message(ok.to_vec()));
        assert_eq!(code(&got[1]), Some(PARSE_ERROR));
        assert_eq!(code(&got[2]), Some(PARSE_ERROR));
        assert_eq!(code(&got[3]), Some(INVALID_REQUEST));
        assert_eq!(code(&got[4]), Some(INVALID_REQUEST));
        let Frame::Error(wrong_method) = &got[4] else {
            unreachable!("checked above")
        };
        assert_eq!(wrong_method["id"], 7, "the client's id is kept");
        let codes: Vec<Option<i64>> = got[5..].iter().map(code).collect();
        assert_eq!(
            codes,
            [
                Some(INVALID_REQUEST),
                Some(INVALID_REQUEST),
                Some(INVALID_REQUEST),
                None,
                None
            ]
        );
    }

    #[test]
    fn the_fast_check_agrees_with_a_full_parse() {
        let cases: [(&[u8], Option<i64>); 8] = [
            // An array is never read into the fields by position.
            (br#"["2.0", 1, "initialized"]"#, Some(INVALID_REQUEST)),
            (br#"{"jsonrpc":"2.0","method":"x","#, Some(PARSE_ERROR)),
            (br#"  {"jsonrpc":"2.0","id":null,"result":null}"#, None),
            (
                br#"{"jsonrpc":"2.0","id":1,"result":{"a":[1,{"b":null}]}}"#,
                None,
            ),
            (
                br#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":"m"}}"#,
                Some(INVALID_REQUEST),
            ),
            // A repeated key: the last one counts, as in a full parse.
            (
                br#"{"jsonrpc":"1.0","jsonrpc":"2.0","method":"initialized"}"#,
                None,
            ),
            (
                br#"{"jsonrpc":"2.0","method":"initialized","method":3}"#,
                Some(INVALID_REQUEST),
            ),
            (
                br#"{"jsonrpc":"2.0","id":9,"method":"x","params":{"text":"\u00e9\n"}}"#,
                None,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(
                code(&check_body(body.to_vec())),
                expected,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        // A whole file's text goes through unchanged.
        let big = format!(
            r#"{{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{{"textDocument":{{"text":"{}"}}}}}}"#,
            "bucket b {}\\n".repeat(100_000)
        );
        assert_eq!(
            check_body(big.clone().into_bytes()),
            Frame::Message(big.into_bytes())
        );
    }

    #[test]
    fn garbage_headers_are_skipped_up_to_the_next_message() {
        let ok = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let mut input = b"hello there\r\n\r\nmore noise Content-Type: x\r\n".to_vec();
        input.extend(framed(ok));
        input.extend(b"Content-Length: lots\r\n\r\n");
        input.extend(framed(ok));
        let got = frames(&input);
        let codes: Vec<Option<i64>> = got.iter().map(code).collect();
        assert_eq!(
            codes,
            [Some(PARSE_ERROR), None, Some(PARSE_ERROR), None],
            "{got:?}"
        );
    }

    #[test]
    fn a_trusted_reader_frames_without_checking() {
        let mut input = framed(b"not json");
        input.extend(framed(br#"{"jsonrpc":"2.0","id":1,"result":null}"#));
        let mut reader = FrameReader::trusted();
        reader.extend(&input);
        assert_eq!(
            reader.next_frame(),
            Some(Frame::Message(b"not json".to_vec()))
        );
        assert!(matches!(reader.next_frame(), Some(Frame::Message(_))));
        assert_eq!(reader.next_frame(), None);
    }

    #[test]
    fn a_message_split_across_reads_is_whole() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"result":null}"#;
        let input = framed(ok);
        let mut reader = FrameReader::default();
        for byte in &input[..input.len() - 1] {
            reader.extend(std::slice::from_ref(byte));
            assert_eq!(reader.next_frame(), None);
        }
        reader.extend(&input[input.len() - 1..]);
        assert_eq!(reader.next_frame(), Some(Frame::Message(ok.to_vec())));
    }
}
