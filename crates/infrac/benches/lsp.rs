//! `cargo bench -p infrac --bench lsp`: the language server driven over stdio as an editor
//! drives it, on a generated project of 90,000 lines in 100 files. Reports the time from an
//! edit to fresh diagnostics for the edited file, hover and completion latency (median, p90,
//! p99), and the server's peak memory. `LSP_BENCH_LINES` changes the size, `LSP_BENCH_FILES`
//! the number of files (1 gives one big file); `LSP_BENCH_BINARY=/path/to/infrac` measures
//! that build instead.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

struct Server {
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    pid: u32,
}

impl Server {
    fn start(binary: &str) -> Server {
        let mut child = Command::new(binary)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start infrac lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if let Ok(value) = serde_json::from_slice::<Value>(&body) {
                    if tx.send(value).is_err() {
                        return;
                    }
                }
            }
        });
        let pid = child.id();
        let stdin = child.stdin.take().expect("stdin");
        // The child is reaped when the benchmark exits.
        std::mem::forget(child);
        Server {
            stdin,
            messages: rx,
            next_id: 0,
            pid,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: &Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (answering the server's own requests).
    fn request(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_mins(2))
                .expect("response");
            if message["id"] == id && message.get("method").is_none() {
                return message["result"].clone();
            }
            self.answer(&message);
        }
    }

    fn answer(&mut self, message: &Value) {
        if message.get("method").is_some() && message.get("id").is_some() {
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
            self.send(&reply);
        }
    }

    /// Waits for diagnostics of `uri` at `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_mins(2))
                .expect("diagnostics");
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
                && message["params"]["version"] == version
            {
                return message["params"]["diagnostics"].clone();
            }
            self.answer(&message);
        }
    }

    fn peak_memory_mb(&self) -> f64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    }
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<34} median {:>8.2} ms   p90 {:>8.2} ms   p99 {:>8.2} ms   ({} samples)",
        pick(0.5).as_secs_f64() * 1000.0,
        pick(0.9).as_secs_f64() * 1000.0,
        pick(0.99).as_secs_f64() * 1000.0,
        samples.len()
    );
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The position of the `n`th occurrence of `needle` in `text`, `after` characters in.
fn position_of(text: &str, needle: &str, n: usize, after: usize) -> Value {
    let at = text.match_indices(needle).nth(n).map_or(0, |(i, _)| i) + after;
    let line = text[..at].matches('\n').count();
    let column = text[..at]
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count());
    json!({"line": line, "character": column})
}

fn main() {
    let lines: usize = std::env::var("LSP_BENCH_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(90_000);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("infrac-lsp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("app")).expect("project dir");
    std::fs::write(dir.join("app/Dockerfile"), "FROM alpine\n").expect("Dockerfile");
    std::fs::write(
        dir.join("app/index.js"),
        "exports.handler = async () => {};\n",
    )
    .expect("code");
    let file_count: usize = std::env::var("LSP_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let files = infrac_check::synthetic::project_of_lines(lines, file_count);
    let total: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).expect("write");
    }
    println!("project: {total} lines in {} files", files.len());

    // `LSP_BENCH_BINARY` measures another build (an older one, to compare).
    let binary = std::env::var("LSP_BENCH_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_infrac").to_string());
    let mut server = Server::start(&binary);
    // What an editor like VS Code declares of what the benchmark reads: versioned diagnostics,
    // markdown hover, snippets.
    let capabilities = json!({"textDocument": {
        "publishDiagnostics": {"versionSupport": true, "relatedInformation": true},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "completion": {"completionItem": {
            "snippetSupport": true, "documentationFormat": ["markdown", "plaintext"]}}
    }});
    server.request(
        "initialize",
        &json!({"capabilities": capabilities, "rootUri": uri(&dir)}),
    );
    server.notify("initialized", &json!({}));

    let (name, text) = &files[0];
    let path = dir.join(name);
    let file_uri = uri(&path);
    let started = Instant::now();
    server.notify("textDocument/didOpen", &json!({"textDocument": {"uri": file_uri, "languageId": "infra", "version": 1, "text": text}}));
    let first = server.diagnostics(&file_uri, 1);
    assert_eq!(
        first.as_array().map(Vec::len),
        Some(0),
        "the generated project checks clean"
    );
    println!(
        "{:<34} {:>8.2} ms",
        "open to first diagnostics",
        started.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "{:<34} {:>8.1} MB",
        "peak memory after opening",
        server.peak_memory_mb()
    );

    // Edits: change a function's memory back and forth; every edit needs a full re-check.
    let mut edit_times = Vec::new();
    let memory_at = position_of(text, "memory = 512MB", 0, "memory = ".len());
    for version in 2..=61i64 {
        let value = if version % 2 == 0 { "1GB  " } else { "512MB" };
        let end = json!({"line": memory_at["line"], "character": memory_at["character"].as_u64().unwrap_or(0) + 5});
        let change = json!({"range": {"start": memory_at, "end": end}, "text": value});
        let sent = Instant::now();
        server.notify("textDocument/didChange", &json!({"textDocument": {"uri": file_uri, "version": version}, "contentChanges": [change]}));
        server.diagnostics(&file_uri, version);
        edit_times.push(sent.elapsed());
    }
    // The same, as typing does: each edit changes the file's length (512MB and 1GB), so every
    // declaration after it moves.
    let mut moving_edit_times = Vec::new();
    for version in 62..=121i64 {
        let (old_len, value) = if version % 2 == 0 {
            (5, "1GB")
        } else {
            (3, "512MB")
        };
        let end = json!({"line": memory_at["line"], "character": memory_at["character"].as_u64().unwrap_or(0) + old_len});
        let change = json!({"range": {"start": memory_at, "end": end}, "text": value});
        let sent = Instant::now();
        server.notify("textDocument/didChange", &json!({"textDocument": {"uri": file_uri, "version": version}, "contentChanges": [change]}));
        server.diagnostics(&file_uri, version);
        moving_edit_times.push(sent.elapsed());
    }
    // Let background work (the plan for hover) settle before timing queries.
    std::thread::sleep(Duration::from_millis(1500));

    let current = if 61 % 2 == 0 {
        text.replacen("memory = 512MB", "memory = 1GB  ", 1)
    } else {
        text.clone()
    };
    let mut hover_times = Vec::new();
    for i in 0..200 {
        let target = ["media_", "thumb_", "encode_", "tick_"][i % 4];
        let position = position_of(&current, target, (i / 4) % 10, 2);
        let sent = Instant::now();
        let result = server.request(
            "textDocument/hover",
            &json!({"textDocument": {"uri": file_uri}, "position": position}),
        );
        hover_times.push(sent.elapsed());
        assert!(result.is_object(), "hover answered at {position}");
    }
    let mut completion_times = Vec::new();
    for i in 0..200 {
        let position = position_of(&current, "timeout = ", i % 10, "timeout = ".len());
        let sent = Instant::now();
        let result = server.request(
            "textDocument/completion",
            &json!({"textDocument": {"uri": file_uri}, "position": position}),
        );
        completion_times.push(sent.elapsed());
        assert!(
            result.as_array().is_some_and(|items| !items.is_empty()),
            "completion answered"
        );
    }
    println!(
        "{:<34} {:>8.1} MB",
        "peak memory after the edits",
        server.peak_memory_mb()
    );
    stats("edit to fresh diagnostics", edit_times);
    stats("  an edit that moves what follows", moving_edit_times);
    stats("hover", hover_times);
    stats("completion", completion_times);
    println!(
        "{:<34} {:>8.1} MB",
        "server peak memory (VmHWM)",
        server.peak_memory_mb()
    );
    server.request("shutdown", &Value::Null);
    server.notify("exit", &Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}
