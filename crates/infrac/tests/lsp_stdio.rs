//! `infrac lsp` as editors start it: with or without `--stdio`, over the process's stdin and
//! stdout, surviving garbage between messages, and exiting when told to.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn message(value: &Value) -> Vec<u8> {
    frame(value.to_string().as_bytes())
}

/// The JSON bodies of everything the server wrote.
fn messages(mut bytes: &[u8]) -> Vec<Value> {
    let mut out = Vec::new();
    while let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
        let headers = String::from_utf8_lossy(&bytes[..end]).to_string();
        let length: usize = headers
            .trim()
            .strip_prefix("Content-Length: ")
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("a Content-Length header, not {headers:?}"));
        let Some(body) = bytes.get(end + 4..end + 4 + length) else {
            break; // not all there yet
        };
        out.push(serde_json::from_slice(body).expect("the server writes JSON"));
        bytes = &bytes[end + 4 + length..];
    }
    out
}

/// Runs `infrac lsp ARGS` as a client would: `initialize`; once it is answered, `input`; once
/// `responses` answers came in all, `exit` (stdin is kept open: a client does not close it
/// before the server exits). Returns the exit code, every message written, and stderr.
fn run_lsp(args: &[&str], input: &[u8], responses: usize) -> (Option<i32>, Vec<Value>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .arg("lsp")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start infrac lsp");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 || tx.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let initialize = message(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
    );
    let mut output = Vec::new();
    // `false` when the server closed its output first.
    let wait_for = |output: &mut Vec<u8>, count: usize| {
        while answers(&messages(output)).len() < count {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(chunk) => output.extend(chunk),
                Err(RecvTimeoutError::Disconnected) => return false,
                Err(RecvTimeoutError::Timeout) => panic!("no answer: {:?}", messages(output)),
            }
        }
        true
    };
    // A server that exited at once (a usage error) gets no further input.
    if stdin.write_all(&initialize).is_ok() && wait_for(&mut output, 1) {
        stdin.write_all(input).expect("write");
        assert!(wait_for(&mut output, responses), "{:?}", messages(&output));
        let exit = message(&json!({"jsonrpc": "2.0", "method": "exit"}));
        stdin.write_all(&exit).expect("write");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("infrac lsp did not exit after `exit`");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let _ = reader.join();
    output.extend(rx.try_iter().flatten());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    (status.code(), messages(&output), stderr)
}

fn session(garbage: &[u8]) -> Vec<u8> {
    let mut input = message(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    input.extend(garbage);
    input.extend(message(
        &json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
    ));
    input
}

/// `id: ok` or `id: error CODE` per response, sorted (errors for garbage are sent as soon as
/// it is read, so they may overtake the answer to an earlier request).
fn answers(messages: &[Value]) -> Vec<String> {
    let mut answers: Vec<String> = messages
        .iter()
        .filter(|m| m.get("method").is_none())
        .map(|m| match m.get("error") {
            Some(error) => format!("{}: error {}", m["id"], error["code"]),
            None => format!("{}: ok", m["id"]),
        })
        .collect();
    answers.sort();
    answers
}

#[test]
fn lsp_accepts_stdio_as_editors_pass_it() {
    for args in [&[][..], &["--stdio"][..]] {
        let (code, messages, stderr) = run_lsp(args, &session(b""), 2);
        assert_eq!(code, Some(0), "infrac lsp {args:?}: {stderr}");
        assert_eq!(
            answers(&messages),
            ["1: ok", "2: ok"],
            "infrac lsp {args:?}"
        );
        assert_eq!(messages[0]["result"]["serverInfo"]["name"], "infrac");
    }
}

#[test]
fn lsp_rejects_transports_it_does_not_speak() {
    let (code, _, stderr) = run_lsp(&["--socket", "9000"], b"", 0);
    assert_eq!(code, Some(2), "a usage error");
    assert!(stderr.contains("--socket"), "{stderr}");
}

#[test]
fn garbage_on_stdin_gets_errors_and_the_server_goes_on() {
    let mut garbage = frame(b"{ this is not json");
    garbage.extend(b"GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n");
    garbage.extend(frame(b"\"a string\""));
    garbage.extend(message(&json!({"jsonrpc": "2.0", "id": 9, "params": {}})));
    garbage.extend(message(
        &json!({"jsonrpc": "2.0", "id": 10, "method": "textDocument/definition", "params": []}),
    ));
    let (code, messages, stderr) = run_lsp(&["--stdio"], &session(&garbage), 7);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        answers(&messages),
        [
            "10: error -32602",
            "1: ok",
            "2: ok",
            "9: error -32600",
            "null: error -32600",
            "null: error -32700",
            "null: error -32700",
        ]
    );
}
