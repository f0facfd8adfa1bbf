//! The server behind its byte-stream transport, fed what a broken or hostile client sends:
//! bodies that are not JSON, JSON that is not JSON-RPC, headers that make no sense. Each gets
//! its JSON-RPC error and the next request is answered as if nothing had happened.

use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn message(value: &Value) -> Vec<u8> {
    frame(value.to_string().as_bytes())
}

/// Reads the server's output until `count` responses came (server-to-client requests and
/// notifications come along), or the stream ended.
async fn read_messages(output: &mut DuplexStream, count: usize) -> Vec<Value> {
    let mut bytes = Vec::new();
    let mut messages = Vec::new();
    let mut chunk = [0u8; 4096];
    let responses = |m: &Vec<Value>| m.iter().filter(|m| m.get("method").is_none()).count();
    while responses(&messages) < count {
        let n = output.read(&mut chunk).await.expect("read");
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        while let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let headers = String::from_utf8_lossy(&bytes[..end]).to_string();
            let length: usize = headers
                .trim()
                .strip_prefix("Content-Length: ")
                .expect("only Content-Length")
                .parse()
                .expect("a length");
            if bytes.len() < end + 4 + length {
                break;
            }
            let body: Vec<u8> = bytes.drain(..end + 4 + length).skip(end + 4).collect();
            messages.push(serde_json::from_slice(&body).expect("the server writes JSON"));
        }
    }
    messages
}

#[tokio::test]
async fn garbage_between_valid_messages_gets_errors_and_the_server_goes_on() {
    let (mut client_out, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, mut client_in) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(infrac_lsp::transport::serve(server_in, server_out));

    // As clients do: nothing else until `initialize` is answered.
    client_out
        .write_all(&message(
            &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}),
        ))
        .await
        .expect("write");
    let mut answers = read_messages(&mut client_in, 1).await;
    let mut input = frame(b"this is not json");
    input.extend(frame(&[0xc3, 0x28, 0xff]));
    input.extend(b"no header at all\r\n\r\n");
    input.extend(message(&json!([1, 2, 3])));
    input.extend(message(&json!({"jsonrpc": "2.0", "id": 2, "method": 42})));
    input.extend(message(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    // A request with the right shape but params of the wrong shape: the router's error.
    input.extend(message(
        &json!({"jsonrpc": "2.0", "id": 3, "method": "textDocument/hover", "params": {"nope": true}}),
    ));
    input.extend(message(
        &json!({"jsonrpc": "2.0", "id": 4, "method": "workspace/symbol", "params": {"query": ""}}),
    ));
    input.extend(message(
        &json!({"jsonrpc": "2.0", "id": 5, "method": "shutdown"}),
    ));
    client_out.write_all(&input).await.expect("write");

    answers.extend(
        tokio::time::timeout(Duration::from_secs(20), read_messages(&mut client_in, 8))
            .await
            .expect("the server keeps answering"),
    );
    // Sorted: errors for garbage are sent as soon as it is read, and may overtake an answer.
    let mut summary: Vec<String> = answers
        .iter()
        .filter(|m| m.get("method").is_none())
        .map(|m| match m.get("error") {
            Some(error) => format!("id {}: error {}", m["id"], error["code"]),
            None => format!("id {}: ok", m["id"]),
        })
        .collect();
    summary.sort();
    assert_eq!(
        summary,
        [
            "id 1: ok",
            "id 2: error -32600",
            "id 3: error -32602",
            "id 4: ok",
            "id 5: ok",
            "id null: error -32600",
            "id null: error -32700",
            "id null: error -32700",
            "id null: error -32700",
        ],
        "{answers:#?}"
    );
    // After `exit` the server stops even though the client keeps its end open.
    let exit = message(&json!({"jsonrpc": "2.0", "method": "exit"}));
    client_out.write_all(&exit).await.expect("write");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops after exit")
        .expect("no panic");
}

#[tokio::test]
async fn the_server_stops_when_the_client_closes_its_end() {
    let (client_out, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, _client_in) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(infrac_lsp::transport::serve(server_in, server_out));
    drop(client_out);
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("no hang at the end of the input")
        .expect("no panic");
}
