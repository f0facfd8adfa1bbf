//! Hover on a secret in `infrac lsp` says whether it is set in the stack: asked of SSM (on
//! moto) with the caller's credentials, for the account and region the stack's state records,
//! and "not known" for a stack that has no state to take them from.

mod support;

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};
use support::moto::*;

const PROGRAM: &str = r#"bucket media {}
secret api_key
secret spare

task worker {
  image = "public.ecr.aws/docker/library/alpine:3.20"
  env   = { API_KEY = api_key.value }
}

media.on_put(".mp4") -> task worker
"#;

fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.infra"), PROGRAM).expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"{name}\"\nregion = \"us-east-1\"\n"),
    )
    .expect("writes");
    dir
}

struct Lsp {
    stdin: ChildStdin,
    from_server: Receiver<Value>,
    next_id: u64,
}

impl Lsp {
    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("writes");
        self.stdin.flush().expect("flushes");
    }

    fn request(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        let start = Instant::now();
        loop {
            let left = Duration::from_secs(30).saturating_sub(start.elapsed());
            let message = self.from_server.recv_timeout(left).expect("an answer");
            if message["id"] == json!(id) {
                return message["result"].clone();
            }
        }
    }

    fn open(&mut self, file: &Path) {
        let text = std::fs::read_to_string(file).expect("reads");
        self.send(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri(file), "languageId": "infra", "version": 1, "text": text}
        }}));
    }

    /// The hover on the name of `secret NAME`, once it says more than "not known yet".
    fn hover_until_known(&mut self, file: &Path, name: &str) -> String {
        let line = PROGRAM
            .lines()
            .position(|l| l == format!("secret {name}"))
            .expect("declared");
        let start = Instant::now();
        loop {
            let hover = self.request(
                "textDocument/hover",
                &json!({"textDocument": {"uri": uri(file)}, "position": {"line": line, "character": 8}}),
            );
            let text = hover["contents"]["value"]
                .as_str()
                .unwrap_or("")
                .to_string();
            if !text.contains("not known yet") && !text.is_empty() {
                return text;
            }
            assert!(start.elapsed() < Duration::from_mins(1), "{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn start_lsp(endpoint: &str) -> (std::process::Child, Lsp) {
    let mut child = aws_command(env!("CARGO_BIN_EXE_infrac"), endpoint)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("infrac lsp starts");
    let stdin = child.stdin.take().expect("stdin");
    let mut stdout = child.stdout.take().expect("stdout");
    let (tx, from_server) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 {
                break;
            }
            buffer.extend_from_slice(&chunk[..n]);
            while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let headers = String::from_utf8_lossy(&buffer[..end]).to_string();
                let length: usize = headers
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|l| l.trim().parse().ok())
                    .expect("Content-Length");
                if buffer.len() < end + 4 + length {
                    break;
                }
                let body: Value =
                    serde_json::from_slice(&buffer[end + 4..end + 4 + length]).expect("JSON");
                buffer.drain(..end + 4 + length);
                if tx.send(body).is_err() {
                    return;
                }
            }
        }
    });
    let mut lsp = Lsp {
        stdin,
        from_server,
        next_id: 0,
    };
    lsp.request(
        "initialize",
        &json!({"capabilities": {"textDocument": {"hover": {"contentFormat": ["markdown"]}}}}),
    );
    lsp.send(&json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    (child, lsp)
}

#[test]
fn hover_says_whether_a_secret_is_set_in_the_stack() {
    let Some(moto) = moto() else { return };
    let deployed = project("secrets-lsp");
    let p = deployed.path().to_str().expect("utf-8 path");
    let mut set = aws_command(env!("CARGO_BIN_EXE_infrac"), &moto.url);
    set.args(["secret", "set", "api_key", p])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = set.spawn().expect("infrac runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"lsp-secret-value")
        .expect("writes");
    assert!(child.wait().expect("ends").success());
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let never = project("secrets-lsp-new");

    let (mut server, mut lsp) = start_lsp(&moto.url);
    let main = deployed.path().join("main.infra");
    lsp.open(&main);
    let text = lsp.hover_until_known(&main, "api_key");
    assert!(
        text.ends_with(
            "Parameter `/secrets-lsp/dev/api_key` (a `SecureString`). **Set** in stack `dev`."
        ),
        "{text}"
    );
    assert!(!text.contains("lsp-secret-value"), "{text}");
    let text = lsp.hover_until_known(&main, "spare");
    assert!(
        text.ends_with("**Not set** in stack `dev`: plan and deploy refuse until `infrac secret set spare --stack dev` sets it."),
        "{text}"
    );

    let fresh = never.path().join("main.infra");
    lsp.open(&fresh);
    let text = lsp.hover_until_known(&fresh, "api_key");
    assert!(
        text.contains("Whether it is set in stack `dev` is not known: stack `dev` has no state here, so there is no account to ask"),
        "{text}"
    );

    lsp.request("shutdown", &Value::Null);
    lsp.send(&json!({"jsonrpc": "2.0", "method": "exit"}));
    let _ = server.wait();
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}
