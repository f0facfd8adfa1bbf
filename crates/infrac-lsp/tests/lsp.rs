//! The language server driven in process as a tower service, the way an editor drives it:
//! open a project, edit, ask. Expectations are what the editor would show.

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tower::{Service, ServiceExt};
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::LspService;

struct Client {
    service: LspService<infrac_lsp::Backend>,
    next_id: i64,
    notifications: UnboundedReceiver<(String, Value)>,
    dir: PathBuf,
    versions: std::collections::HashMap<String, i32>,
    /// Notifications received while waiting for another one.
    pending: Vec<(String, Value)>,
    /// The answer to `initialize`.
    init: Value,
}

fn uri(path: &Path) -> String {
    Uri::from_file_path(path)
        .expect("absolute path")
        .as_str()
        .to_string()
}

/// Splits `$0` out of a text: the text and the cursor's LSP position.
fn cursor(text: &str) -> (String, Value) {
    let at = text.find("$0").expect("a $0 cursor");
    let before = &text[..at];
    let line = before.matches('\n').count();
    let column: usize = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    (
        text.replacen("$0", "", 1),
        json!({"line": line, "character": column}),
    )
}

/// What the server sent before capabilities were negotiated, declared by a client that takes
/// all of it: snippets, markdown, tooltips, related information, versions, nested symbols,
/// code action literals, semantic tokens, watched files registered dynamically. (The optional
/// extras, insert-replace edits, lazy documentation, label details and location links, are
/// tested on their own.)
fn rich_client() -> Value {
    json!({
        "workspace": {"applyEdit": true, "didChangeWatchedFiles": {"dynamicRegistration": true}},
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": true, "versionSupport": true},
            "completion": {"completionItem": {
                "snippetSupport": true, "documentationFormat": ["markdown", "plaintext"]}},
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": true},
            "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix"]}}},
            "documentLink": {"tooltipSupport": true},
            "semanticTokens": {"requests": {"full": true}, "tokenTypes": [], "tokenModifiers": [],
                "formats": ["relative"]}
        }
    })
}

impl Client {
    async fn start(name: &str, files: &[(&str, &str)]) -> Client {
        Client::start_with(name, files, rich_client()).await
    }

    /// A client declaring `capabilities`.
    async fn start_with(name: &str, files: &[(&str, &str)], capabilities: Value) -> Client {
        let dir = std::env::temp_dir().join(format!("infrac-lsp-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        for (file, text) in files {
            let path = dir.join(file);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("dirs");
            }
            std::fs::write(path, text).expect("write");
        }
        let (service, socket) = infrac_lsp::service();
        let (tx, rx) = unbounded_channel();
        let (mut requests, mut responses) = socket.split();
        tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                let (method, id, params) = request.into_parts();
                // Requests of the server (registerCapability, applyEdit) are recorded like
                // notifications, and answered yes.
                if let Some(id) = id {
                    let answer = if method == "workspace/applyEdit" {
                        json!({"applied": true})
                    } else {
                        Value::Null
                    };
                    let _ = responses.send(Response::from_ok(id, answer)).await;
                }
                let _ = tx.send((method.to_string(), params.unwrap_or(Value::Null)));
            }
        });
        let mut client = Client {
            service,
            next_id: 0,
            notifications: rx,
            dir,
            versions: std::collections::HashMap::default(),
            pending: Vec::new(),
            init: Value::Null,
        };
        let init = client
            .request("initialize", json!({"capabilities": capabilities}))
            .await
            .expect("initialize");
        assert_eq!(init["serverInfo"]["name"], "infrac");
        client.init = init;
        client.notify("initialized", json!({})).await;
        client
    }

    fn uri(&self, file: &str) -> String {
        uri(&self.dir.join(file))
    }

    async fn call(&mut self, request: Request) -> Option<Response> {
        self.service
            .ready()
            .await
            .expect("ready")
            .call(request)
            .await
            .expect("no transport error")
    }

    async fn request(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let request = Request::build(method.to_string())
            .params(params)
            .id(self.next_id)
            .finish();
        let response = self.call(request).await.expect("a response to a request");
        response.into_parts().1.map_err(|e| e.message.to_string())
    }

    async fn notify(&mut self, method: &str, params: Value) {
        let request = Request::build(method.to_string()).params(params).finish();
        assert!(self.call(request).await.is_none());
    }

    async fn open(&mut self, file: &str, text: &str) {
        let uri = self.uri(file);
        self.versions.insert(uri.clone(), 1);
        self.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "infra", "version": 1, "text": text}})).await;
    }

    async fn replace(&mut self, file: &str, text: &str) {
        let uri = self.uri(file);
        let version = self.versions.entry(uri.clone()).or_insert(1);
        *version += 1;
        let version = *version;
        self.notify("textDocument/didChange", json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})).await;
    }

    /// The next diagnostics published for `file` (at the document's current version when it
    /// is open). Notifications about other files are kept for later calls.
    async fn diagnostics(&mut self, file: &str) -> Vec<Value> {
        self.published(file).await["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The next `publishDiagnostics` parameters for `file`, as `diagnostics` finds them.
    async fn published(&mut self, file: &str) -> Value {
        let uri = self.uri(file);
        let wanted = self.versions.get(&uri).copied();
        let matches = |method: &str, params: &Value| {
            let version = params["version"].as_i64().map(|v| v as i32);
            method == "textDocument/publishDiagnostics"
                && params["uri"] == uri.as_str()
                && (wanted.is_none() || version.is_none() || version >= wanted)
        };
        if let Some(i) = self.pending.iter().position(|(m, p)| matches(m, p)) {
            return self.pending.remove(i).1;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (method, params) = tokio::time::timeout_at(deadline, self.notifications.recv())
                .await
                .expect("diagnostics in time")
                .expect("server alive");
            if matches(&method, &params) {
                return params;
            }
            self.pending.push((method, params));
        }
    }

    async fn at(
        &mut self,
        method: &str,
        file: &str,
        position: Value,
        extra: Value,
    ) -> Result<Value, String> {
        let mut params = json!({"textDocument": {"uri": self.uri(file)}, "position": position});
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params).await
    }

    async fn doc(&mut self, method: &str, file: &str, extra: Value) -> Result<Value, String> {
        let mut params = json!({"textDocument": {"uri": self.uri(file)}});
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.request(method, params).await
    }
}

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/thumbnailer/main.infra"
    ))
    .expect("example")
}

fn example_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ffmpeg/Dockerfile", "FROM alpine\n"),
        (
            "on-thumbnail/index.js",
            "exports.handler = async () => {};\n",
        ),
        (
            "on-new-video/index.js",
            "exports.handler = async () => {};\n",
        ),
        ("infra.toml", "name = \"thumbnailer\"\n"),
    ]
}

fn summary(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {}:{} {}",
                d["code"].as_str().unwrap_or(""),
                d["range"]["start"]["line"],
                d["range"]["start"]["character"],
                d["message"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            )
        })
        .collect()
}

#[tokio::test]
async fn diagnostics_as_you_type_match_infrac_check() {
    let mut c = Client::start("diagnostics", &example_files()).await;
    c.open("main.infra", &example()).await;
    assert_eq!(
        summary(&c.diagnostics("main.infra").await),
        Vec::<String>::new()
    );

    let broken = example()
        .replace("memory = 512MB", "memroy = 512MB")
        .replace("cpu    = 256", "cpu    = 1024\n  memory = 512MB");
    c.replace("main.infra", &broken).await;
    let diagnostics = c.diagnostics("main.infra").await;
    insta::assert_snapshot!(summary(&diagnostics).join("\n"));
    assert!(diagnostics.iter().all(|d| d["source"] == "infrac"));
    let fargate = diagnostics
        .iter()
        .find(|d| d["code"] == "E0206")
        .expect("E0206");
    assert_eq!(
        fargate["relatedInformation"][0]["message"],
        "cpu is set here"
    );

    // The same as the command line says, through the same function.
    let project = infrac_check::project::build_project(
        c.dir.clone(),
        vec![(c.dir.join("main.infra"), broken.into_bytes())],
        None,
    );
    let checked = infrac_check::check_project(&project, &infrac_check::DiskFileSystem);
    let cli: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    let lsp: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(cli, lsp);

    c.replace("main.infra", &example()).await;
    assert!(
        c.diagnostics("main.infra").await.is_empty(),
        "fixed errors are cleared"
    );
}

#[tokio::test]
async fn diagnostics_cover_every_file_of_the_project() {
    let mut c = Client::start(
        "multi",
        &[("b.infra", "task t {\n  image = \"x\"\n  reads medai\n}\n")],
    )
    .await;
    c.open("a.infra", "bucket media {}\nmedia.on_put() -> task t\n")
        .await;
    let b = c.diagnostics("b.infra").await;
    assert_eq!(summary(&b), vec!["E0103 2:8 `medai` is not declared"]);
    // Renaming the bucket in the open file makes the unopened file's error go away.
    c.replace("a.infra", "bucket medai {}\nmedai.on_put() -> task t\n")
        .await;
    assert!(c.diagnostics("b.infra").await.is_empty());
}

#[tokio::test]
async fn hover_completion_and_definition() {
    let mut c = Client::start("queries", &example_files()).await;
    let (text, on_ffmpeg) = cursor(&example().replacen("task ffmpeg {", "task ff$0mpeg {", 1));
    c.open("main.infra", &text).await;
    c.diagnostics("main.infra").await;

    let hover = c
        .at("textDocument/hover", "main.infra", on_ffmpeg, json!({}))
        .await
        .expect("hover");
    let markdown = hover["contents"]["value"].as_str().expect("markdown");
    assert!(
        markdown.starts_with("**task** `ffmpeg` (Amazon ECS on AWS Fargate)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("`aws:ecs:TaskDefinition` **thumbnailer-dev-ffmpeg**"),
        "{markdown}"
    );
    assert!(markdown.contains("`aws:ecr:Repository`"), "{markdown}");
    assert!(
        markdown.contains("allows s3:PutObject on arn:aws:s3:::"),
        "{markdown}"
    );

    let (_, in_reads) = cursor(&text.replacen("reads media", "reads me$0dia", 1));
    let definition = c
        .at(
            "textDocument/definition",
            "main.infra",
            in_reads.clone(),
            json!({}),
        )
        .await
        .expect("definition");
    assert_eq!(
        definition["range"]["start"],
        json!({"line": 1, "character": 7})
    );

    let (_, value) = cursor(&text.replacen("cpu    = 256", "cpu    = $0256", 1));
    let items = c
        .at("textDocument/completion", "main.infra", value, json!({}))
        .await
        .expect("completion");
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(
        labels,
        vec!["256", "512", "1024", "2048", "4096", "8192", "16384"]
    );
}

#[tokio::test]
async fn rename_across_files_and_refusals() {
    let mut c = Client::start(
        "rename",
        &[("b.infra", "task t {\n  image = \"x\"\n  reads media\n}\n")],
    )
    .await;
    let (text, position) = cursor("bucket me$0dia {}\nmedia.on_put(\".mp4\") -> task t\n");
    c.open("a.infra", &text).await;
    c.diagnostics("a.infra").await;
    let prepared = c
        .at(
            "textDocument/prepareRename",
            "a.infra",
            position.clone(),
            json!({}),
        )
        .await
        .expect("prepare");
    assert_eq!(prepared["placeholder"], "media");
    let edit = c
        .at(
            "textDocument/rename",
            "a.infra",
            position.clone(),
            json!({"newName": "videos"}),
        )
        .await
        .expect("rename");
    let changes = edit["changes"].as_object().expect("changes");
    assert_eq!(changes.len(), 2, "both files are edited");
    assert_eq!(changes[&c.uri("a.infra")].as_array().map(Vec::len), Some(2));
    assert_eq!(changes[&c.uri("b.infra")][0]["newText"], "videos");
    let taken = c
        .at(
            "textDocument/rename",
            "a.infra",
            position.clone(),
            json!({"newName": "t"}),
        )
        .await;
    assert_eq!(
        taken,
        Err("`t` is already declared in this project".to_string())
    );
    let keyword = c
        .at(
            "textDocument/rename",
            "a.infra",
            position,
            json!({"newName": "task"}),
        )
        .await;
    assert_eq!(keyword, Err("`task` is a keyword".to_string()));
}

#[tokio::test]
async fn structure_tokens_links_actions_hints_lenses_and_formatting() {
    let mut files = example_files();
    files.push(("main.infra", ""));
    let mut c = Client::start("structure", &files).await;
    // A schedule too, for its inlay hint.
    let text = example().replace("timeout = 30s", "timeout = 30")
        + "\nschedule nightly {\n  cron = \"0 3 * * *\"\n}\n";
    c.open("main.infra", &text).await;
    c.diagnostics("main.infra").await;

    let symbols = c
        .doc("textDocument/documentSymbol", "main.infra", json!({}))
        .await
        .expect("symbols");
    let names: Vec<&str> = symbols
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "media",
            "ffmpeg",
            "on_new_video",
            "on_thumbnail",
            "media.on_put(\".mp4\")",
            "media.on_put(\".jpg\")",
            "bucket_name",
            "nightly"
        ]
    );

    let workspace = c
        .request("workspace/symbol", json!({"query": "thumb"}))
        .await
        .expect("workspace symbols");
    assert_eq!(workspace[0]["name"], "on_thumbnail");

    let folds = c
        .doc("textDocument/foldingRange", "main.infra", json!({}))
        .await
        .expect("folds");
    assert!(folds.as_array().is_some_and(|f| f.len() >= 5));

    let tokens = c
        .doc("textDocument/semanticTokens/full", "main.infra", json!({}))
        .await
        .expect("tokens");
    let data = tokens["data"].as_array().expect("data");
    assert_eq!(data.len() % 5, 0);
    assert!(data.len() / 5 > 60, "every meaningful token is classified");

    let links = c
        .doc("textDocument/documentLink", "main.infra", json!({}))
        .await
        .expect("links");
    let targets: Vec<&str> = links
        .as_array()
        .expect("links")
        .iter()
        .filter_map(|l| l["target"].as_str())
        .collect();
    assert_eq!(targets.len(), 3);
    assert!(targets[0].ends_with("/ffmpeg"), "{targets:?}");

    let line = text
        .lines()
        .position(|l| l.contains("timeout = 30"))
        .expect("timeout line");
    let actions = c
        .doc("textDocument/codeAction", "main.infra", json!({"range": {"start": {"line": line, "character": 12}, "end": {"line": line, "character": 12}}, "context": {"diagnostics": []}}))
        .await
        .expect("actions");
    assert_eq!(actions[0]["title"], "Change to `30s`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert_eq!(actions[0]["isPreferred"], true);

    let hints = c.doc("textDocument/inlayHint", "main.infra", json!({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 100, "character": 0}}})).await.expect("hints");
    let labels: Vec<&str> = hints
        .as_array()
        .expect("hints")
        .iter()
        .filter_map(|h| h["label"].as_str())
        .collect();
    assert!(labels.contains(&" → cron(0 3 * * ? *)"), "{labels:?}");

    let lenses = c
        .doc("textDocument/codeLens", "main.infra", json!({}))
        .await
        .expect("lenses");
    let titles: Vec<&str> = lenses
        .as_array()
        .expect("lenses")
        .iter()
        .filter_map(|l| l["command"]["title"].as_str())
        .collect();
    insta::assert_snapshot!(titles.join("\n"));

    let formatted = c
        .doc(
            "textDocument/formatting",
            "main.infra",
            json!({"options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await
        .expect("formatting");
    let new_text = formatted[0]["newText"].as_str().expect("edit");
    assert!(new_text.contains("  build = \"./ffmpeg\" // folder holding a Dockerfile\n"));

    let selection = c
        .doc(
            "textDocument/selectionRange",
            "main.infra",
            json!({"positions": [{"line": 2, "character": 5}]}),
        )
        .await
        .expect("selection");
    assert!(selection[0]["parent"].is_object());

    let highlights = c
        .at(
            "textDocument/documentHighlight",
            "main.infra",
            json!({"line": 1, "character": 8}),
            json!({}),
        )
        .await
        .expect("highlights");
    assert!(highlights.as_array().is_some_and(|h| h.len() >= 5));
}

#[tokio::test]
async fn positions_are_utf16_with_emoji_in_strings() {
    let mut c = Client::start("utf16", &[]).await;
    let (text, position) = cursor("let greeting = \"😀😀\"\ntask t {\n  image = \"x\"\n  env = { G = \"😀 ${gre$0eting}\" }\n}\nschedule s { every = 1h }\ns.on_tick() -> task t\n");
    c.open("main.infra", &text).await;
    assert!(c.diagnostics("main.infra").await.is_empty());
    let definition = c
        .at(
            "textDocument/definition",
            "main.infra",
            position.clone(),
            json!({}),
        )
        .await
        .expect("definition");
    assert_eq!(
        definition["range"],
        json!({"start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 12}})
    );
    let references = c
        .at(
            "textDocument/references",
            "main.infra",
            position,
            json!({"context": {"includeDeclaration": false}}),
        )
        .await
        .expect("references");
    // `  env = { G = "😀 ${` is 20 UTF-16 units (the emoji counts 2) before `greeting`.
    assert_eq!(
        references[0]["range"]["start"],
        json!({"line": 3, "character": 20})
    );

    c.replace(
        "main.infra",
        &text.replace("G = \"😀 ${greeting}\"", "G = \"😀 ${greting}\""),
    )
    .await;
    let diagnostics = c.diagnostics("main.infra").await;
    assert_eq!(
        diagnostics[0]["range"]["start"],
        json!({"line": 3, "character": 20})
    );
    assert_eq!(
        diagnostics[0]["range"]["end"],
        json!({"line": 3, "character": 27})
    );
}

#[tokio::test]
async fn bad_requests_get_empty_answers_or_errors_and_the_server_stays_up() {
    let mut c = Client::start("robust", &[]).await;
    c.open("main.infra", "bucket media {}\n").await;
    c.diagnostics("main.infra").await;
    // A position past the end of the file, and past the end of a line.
    assert_eq!(
        c.at(
            "textDocument/hover",
            "main.infra",
            json!({"line": 99, "character": 0}),
            json!({})
        )
        .await,
        Ok(Value::Null)
    );
    assert_eq!(
        c.at(
            "textDocument/definition",
            "main.infra",
            json!({"line": 0, "character": 999}),
            json!({})
        )
        .await,
        Ok(Value::Null)
    );
    // A document nobody opened, in a folder that does not exist.
    let missing = json!({"textDocument": {"uri": "file:///no/such/dir/x.infra"}, "position": {"line": 0, "character": 0}});
    assert_eq!(
        c.request("textDocument/hover", missing).await,
        Ok(Value::Null)
    );
    // Not a file at all.
    let untitled = json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}});
    assert_eq!(
        c.request("textDocument/completion", untitled).await,
        Ok(Value::Null)
    );
    // Malformed parameters are an error response, not a crash.
    let malformed = c
        .request("textDocument/hover", json!({"textDocument": 42}))
        .await;
    assert!(malformed.is_err());
    // A change with an old version is ignored; the server answers as before.
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": c.uri("main.infra"), "version": 0}, "contentChanges": [{"text": "garbage {"}]})).await;
    let symbols = c
        .doc("textDocument/documentSymbol", "main.infra", json!({}))
        .await
        .expect("symbols");
    assert_eq!(symbols[0]["name"], "media");
}

#[tokio::test]
async fn rapid_edits_are_coalesced_and_the_last_one_wins() {
    let mut c = Client::start("rapid", &[]).await;
    c.open("main.infra", "bucket b0 {}\n").await;
    c.diagnostics("main.infra").await;
    for i in 1..=40 {
        c.replace(
            "main.infra",
            &format!("bucket b{i} {{}}\ntask t {{ image = \"x\" }}\n"),
        )
        .await;
    }
    let last = c.diagnostics("main.infra").await;
    assert_eq!(
        summary(&last),
        vec!["W0001 1:5 task `t` is never triggered"]
    );
    // Fewer publications than edits: stale work was dropped.
    let mut extra = 0;
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_millis(300), c.notifications.recv()).await
    {
        extra += 1;
    }
    assert!(extra < 40, "{extra} extra publications for 40 edits");
}

#[tokio::test]
async fn files_changed_outside_the_editor_are_picked_up() {
    let mut c = Client::start(
        "watched",
        &[("b.infra", "task t {\n  image = \"x\"\n  reads media\n}\n")],
    )
    .await;
    c.open("a.infra", "bucket media {}\nmedia.on_put() -> task t\n")
        .await;
    assert!(c.diagnostics("a.infra").await.is_empty());
    assert!(c.diagnostics("b.infra").await.is_empty());
    // A `git pull` changes b.infra on disk; the editor reports it.
    std::fs::write(
        c.dir.join("b.infra"),
        "task t {\n  image = \"x\"\n  reads videos\n}\n",
    )
    .expect("write");
    let b = c.uri("b.infra");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": b, "type": 2}]}),
    )
    .await;
    assert_eq!(
        summary(&c.diagnostics("b.infra").await),
        vec!["E0103 2:8 `videos` is not declared"]
    );
    // The file is deleted: its diagnostics are cleared and the trigger's target is gone.
    std::fs::remove_file(c.dir.join("b.infra")).expect("remove");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": b, "type": 3}]}),
    )
    .await;
    assert!(c.diagnostics("b.infra").await.is_empty());
    assert_eq!(
        summary(&c.diagnostics("a.infra").await),
        vec!["E0103 1:23 `t` is not declared"]
    );
}

// ---------------------------------------------------------------------------------------------
// Capabilities: each test declares a client with and without one capability and shows that the
// answer follows it. Each fails if the server ignores that capability.

/// The example with an empty line in the `task` block (where attributes complete, with
/// snippets and docs), marked `$0`.
fn example_with_empty_line() -> String {
    example().replacen("  reads media\n", "  $0\n  reads media\n", 1)
}

/// A client declaring only `capabilities`, on the example with the cursor on the empty line.
async fn example_client(name: &str, capabilities: Value) -> (Client, Value) {
    let mut c = Client::start_with(name, &example_files(), capabilities).await;
    let (text, empty_line) = cursor(&example_with_empty_line());
    c.open("main.infra", &text).await;
    c.diagnostics("main.infra").await;
    (c, empty_line)
}

async fn completion_items(c: &mut Client, at: &Value) -> Vec<Value> {
    c.at(
        "textDocument/completion",
        "main.infra",
        at.clone(),
        json!({}),
    )
    .await
    .expect("completion")
    .as_array()
    .cloned()
    .expect("items")
}

fn item<'a>(items: &'a [Value], label: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {items:#?}"))
}

fn completion_caps(item: &Value) -> Value {
    json!({"textDocument": {"completion": {"completionItem": item}}})
}

#[tokio::test]
async fn snippets_only_for_clients_that_take_them() {
    let (mut plain, at) = example_client(
        "caps-no-snippets",
        completion_caps(&json!({"snippetSupport": false})),
    )
    .await;
    let items = completion_items(&mut plain, &at).await;
    assert!(!items.is_empty());
    for i in &items {
        assert_eq!(i["insertTextFormat"], 1, "plain text: {i}");
    }
    // The plain text is the snippet with its defaults filled in.
    assert_eq!(
        item(&items, "storage")["textEdit"]["newText"],
        "storage = 50GB"
    );
    assert_eq!(
        item(&items, "arch")["textEdit"]["newText"],
        "arch = \"arm64\""
    );

    let (mut rich, at) = example_client(
        "caps-snippets",
        completion_caps(&json!({"snippetSupport": true})),
    )
    .await;
    let items = completion_items(&mut rich, &at).await;
    assert_eq!(item(&items, "storage")["insertTextFormat"], 2);
    assert_eq!(
        item(&items, "storage")["textEdit"]["newText"],
        "storage = ${1:50GB}"
    );
}

#[tokio::test]
async fn completion_documentation_is_markdown_only_when_listed() {
    let (mut plain, at) = example_client(
        "caps-doc-plain",
        completion_caps(&json!({"documentationFormat": ["plaintext"]})),
    )
    .await;
    let items = completion_items(&mut plain, &at).await;
    let documented: Vec<&Value> = items
        .iter()
        .filter(|i| i.get("documentation").is_some())
        .collect();
    assert!(!documented.is_empty());
    for i in documented {
        assert_eq!(i["documentation"]["kind"], "plaintext", "{i}");
        let text = i["documentation"]["value"].as_str().unwrap_or("");
        assert!(!text.contains('`') && !text.contains("**"), "{text}");
    }
    // No format listed (Emacs 29): a bare string.
    let (mut oldest, at) = example_client("caps-doc-string", completion_caps(&json!({}))).await;
    let items = completion_items(&mut oldest, &at).await;
    assert!(items.iter().any(|i| i["documentation"].is_string()));
    assert!(items.iter().all(|i| !i["documentation"].is_object()));
    let (mut rich, at) = example_client(
        "caps-doc-markdown",
        completion_caps(&json!({"documentationFormat": ["markdown"]})),
    )
    .await;
    let items = completion_items(&mut rich, &at).await;
    assert!(items
        .iter()
        .any(|i| i["documentation"]["kind"] == "markdown"));
}

#[tokio::test]
async fn hover_is_markdown_only_when_listed() {
    let caps = json!({"textDocument": {"hover": {"contentFormat": ["plaintext"]}}});
    let (mut plain, _) = example_client("caps-hover-plain", caps).await;
    let (_, on_ffmpeg) = cursor(&example_with_empty_line().replacen("$0", "", 1).replacen(
        "task ffmpeg {",
        "task ff$0mpeg {",
        1,
    ));
    let hover = plain
        .at(
            "textDocument/hover",
            "main.infra",
            on_ffmpeg.clone(),
            json!({}),
        )
        .await
        .expect("hover");
    assert_eq!(hover["contents"]["kind"], "plaintext");
    let text = hover["contents"]["value"].as_str().expect("text");
    assert!(
        text.starts_with("task ffmpeg (Amazon ECS on AWS Fargate)"),
        "{text}"
    );
    // A client that lists no format gets the oldest form: a bare string.
    let (mut oldest, _) = example_client("caps-hover-string", json!({})).await;
    let hover = oldest
        .at(
            "textDocument/hover",
            "main.infra",
            on_ffmpeg.clone(),
            json!({}),
        )
        .await
        .expect("hover");
    let text = hover["contents"].as_str().expect("a string");
    assert!(text.starts_with("task ffmpeg (Amazon ECS"), "{text}");

    let caps = json!({"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}});
    let (mut rich, _) = example_client("caps-hover-markdown", caps).await;
    let hover = rich
        .at("textDocument/hover", "main.infra", on_ffmpeg, json!({}))
        .await
        .expect("hover");
    assert_eq!(hover["contents"]["kind"], "markdown");
}

#[tokio::test]
async fn label_details_insert_replace_and_lazy_documentation_when_offered() {
    let (mut bare, at) = example_client("caps-completion-bare", completion_caps(&json!({}))).await;
    let items = completion_items(&mut bare, &at).await;
    let timeout = item(&items, "storage");
    assert!(timeout.get("labelDetails").is_none());
    assert!(
        timeout["textEdit"].get("range").is_some(),
        "a plain edit: {timeout}"
    );
    assert!(timeout.get("documentation").is_some());
    assert!(timeout.get("data").is_none());

    let caps = completion_caps(&json!({
        "labelDetailsSupport": true,
        "insertReplaceSupport": true,
        "resolveSupport": {"properties": ["documentation"]},
    }));
    let (mut rich, at) = example_client("caps-completion-rich", caps).await;
    let items = completion_items(&mut rich, &at).await;
    let timeout = item(&items, "storage").clone();
    assert_eq!(timeout["labelDetails"]["description"], timeout["detail"]);
    assert!(timeout["textEdit"].get("insert").is_some(), "{timeout}");
    assert!(timeout["textEdit"].get("replace").is_some(), "{timeout}");
    assert!(
        timeout.get("documentation").is_none(),
        "sent on resolve: {timeout}"
    );
    let resolved = rich
        .request("completionItem/resolve", timeout)
        .await
        .expect("resolve");
    assert!(
        resolved["documentation"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "{resolved}"
    );
}

#[tokio::test]
async fn document_link_tooltips_only_when_supported() {
    let link_caps =
        |tooltips: bool| json!({"textDocument": {"documentLink": {"tooltipSupport": tooltips}}});
    let (mut without, _) = example_client("caps-links-plain", link_caps(false)).await;
    let links = without
        .doc("textDocument/documentLink", "main.infra", json!({}))
        .await
        .expect("links");
    let links = links.as_array().expect("links");
    assert!(!links.is_empty());
    assert!(
        links.iter().all(|l| l.get("tooltip").is_none()),
        "{links:?}"
    );
    let (mut with, _) = example_client("caps-links-tooltip", link_caps(true)).await;
    let links = with
        .doc("textDocument/documentLink", "main.infra", json!({}))
        .await
        .expect("links");
    assert!(
        links[0]["tooltip"]
            .as_str()
            .is_some_and(|t| t.starts_with("Open ")),
        "{links}"
    );
}

#[tokio::test]
async fn definition_answers_links_when_supported() {
    let (_, in_reads) = cursor(&example_with_empty_line().replacen("$0", "", 1).replacen(
        "reads media",
        "reads me$0dia",
        1,
    ));
    let (mut without, _) = example_client("caps-definition-location", json!({})).await;
    let location = without
        .at(
            "textDocument/definition",
            "main.infra",
            in_reads.clone(),
            json!({}),
        )
        .await
        .expect("definition");
    assert_eq!(
        location["range"]["start"],
        json!({"line": 1, "character": 7})
    );
    let caps = json!({"textDocument": {"definition": {"linkSupport": true}}});
    let (mut with, _) = example_client("caps-definition-link", caps).await;
    let links = with
        .at("textDocument/definition", "main.infra", in_reads, json!({}))
        .await
        .expect("definition");
    assert_eq!(
        links[0]["targetSelectionRange"]["start"],
        json!({"line": 1, "character": 7})
    );
}

/// The methods of the requests the server sent the client so far (and the notifications).
fn sent(c: &mut Client) -> Vec<String> {
    while let Ok(message) = c.notifications.try_recv() {
        c.pending.push(message);
    }
    c.pending.iter().map(|(m, _)| m.clone()).collect()
}

#[tokio::test]
async fn watched_files_are_registered_only_with_dynamic_registration() {
    let (mut without, _) = example_client("caps-register-none", json!({})).await;
    assert!(!sent(&mut without).contains(&"client/registerCapability".to_string()));
    let caps = json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    let (mut with, _) = example_client("caps-register", caps).await;
    // Registration is sent without waiting on it; a query later it has certainly gone out.
    with.doc("textDocument/foldingRange", "main.infra", json!({}))
        .await
        .expect("folds");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(sent(&mut with).contains(&"client/registerCapability".to_string()));
}

const DUPLICATE: &str = "bucket media {}\nbucket media {}\n";

#[tokio::test]
async fn related_information_or_the_same_in_the_message() {
    let mut without = Client::start_with("caps-related-none", &[], json!({})).await;
    without.open("main.infra", DUPLICATE).await;
    let d = without.diagnostics("main.infra").await;
    assert!(d[0].get("relatedInformation").is_none(), "{d:?}");
    let message = d[0]["message"].as_str().expect("message");
    assert!(
        message.ends_with("\nmain.infra:1: first declared here"),
        "{message}"
    );

    let caps = json!({"textDocument": {"publishDiagnostics": {"relatedInformation": true}}});
    let mut with = Client::start_with("caps-related", &[], caps).await;
    with.open("main.infra", DUPLICATE).await;
    let d = with.diagnostics("main.infra").await;
    assert_eq!(
        d[0]["relatedInformation"][0]["message"],
        "first declared here"
    );
    assert!(!d[0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("first declared here"));
}

#[tokio::test]
async fn diagnostics_name_the_version_only_with_version_support() {
    let mut without = Client::start_with("caps-version-none", &[], json!({})).await;
    without.open("main.infra", DUPLICATE).await;
    let published = without.published("main.infra").await;
    assert!(published.get("version").is_none(), "{published}");
    let caps = json!({"textDocument": {"publishDiagnostics": {"versionSupport": true}}});
    let mut with = Client::start_with("caps-version", &[], caps).await;
    with.open("main.infra", DUPLICATE).await;
    assert_eq!(with.published("main.infra").await["version"], 1);
}

#[tokio::test]
async fn semantic_tokens_offered_only_in_a_format_the_client_reads() {
    for (caps, offered) in [
        (json!({}), false),
        (
            json!({"textDocument": {"semanticTokens": {"requests": {"full": true}, "tokenTypes": [],
            "tokenModifiers": [], "formats": []}}}),
            false,
        ),
        (
            json!({"textDocument": {"semanticTokens": {"requests": {"full": true}, "tokenTypes": [],
            "tokenModifiers": [], "formats": ["relative"], "multilineTokenSupport": false,
            "overlappingTokenSupport": false}}}),
            true,
        ),
    ] {
        let c = Client::start_with("caps-tokens", &[], caps.clone()).await;
        let init = &c.init;
        let legend = &init["capabilities"]["semanticTokensProvider"]["legend"];
        assert_eq!(legend.is_object(), offered, "{caps}: {init}");
        if offered {
            assert_eq!(legend["tokenTypes"][0], "keyword");
            assert_eq!(legend["tokenModifiers"][0], "declaration");
        }
    }
}

#[tokio::test]
async fn document_symbols_nest_or_name_their_container() {
    let (mut flat, _) = example_client("caps-symbols-flat", json!({})).await;
    let symbols = flat
        .doc("textDocument/documentSymbol", "main.infra", json!({}))
        .await
        .expect("symbols");
    let cpu = symbols
        .as_array()
        .expect("a list")
        .iter()
        .find(|s| s["name"] == "cpu")
        .expect("the task's cpu, flattened");
    assert_eq!(cpu["containerName"], "ffmpeg");
    assert!(cpu.get("location").is_some() && cpu.get("children").is_none());

    let caps =
        json!({"textDocument": {"documentSymbol": {"hierarchicalDocumentSymbolSupport": true}}});
    let (mut nested, _) = example_client("caps-symbols-nested", caps).await;
    let symbols = nested
        .doc("textDocument/documentSymbol", "main.infra", json!({}))
        .await
        .expect("symbols");
    let task = symbols
        .as_array()
        .expect("a list")
        .iter()
        .find(|s| s["name"] == "ffmpeg")
        .expect("the task");
    assert!(task["children"]
        .as_array()
        .is_some_and(|c| c.iter().any(|s| s["name"] == "cpu")));
}

const MISSPELT: &str = "bucket media {\n  versionin = true\n}\n";

async fn fixes(c: &mut Client) -> Value {
    c.open("main.infra", MISSPELT).await;
    c.diagnostics("main.infra").await;
    let range = json!({"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 2}});
    c.doc(
        "textDocument/codeAction",
        "main.infra",
        json!({"range": range, "context": {"diagnostics": []}}),
    )
    .await
    .expect("code actions")
}

#[tokio::test]
async fn code_actions_are_literals_or_commands_the_server_carries_out() {
    let caps = json!({"textDocument": {"codeAction": {"codeActionLiteralSupport":
        {"codeActionKind": {"valueSet": ["quickfix"]}}}}});
    let mut literal = Client::start_with("caps-actions-literal", &[], caps).await;
    let actions = fixes(&mut literal).await;
    assert_eq!(actions[0]["title"], "Replace with `versioning`");
    assert_eq!(actions[0]["kind"], "quickfix");
    assert!(actions[0]["edit"]["changes"].is_object());

    let caps = json!({"workspace": {"applyEdit": true}});
    let mut commands = Client::start_with("caps-actions-command", &[], caps).await;
    assert_eq!(
        commands.init["capabilities"]["executeCommandProvider"]["commands"],
        json!(["infrac.applyEdit"])
    );
    let actions = fixes(&mut commands).await;
    let command = &actions[0];
    assert_eq!(command["title"], "Replace with `versioning`");
    assert_eq!(command["command"], "infrac.applyEdit");
    commands
        .request(
            "workspace/executeCommand",
            json!({"command": "infrac.applyEdit", "arguments": command["arguments"]}),
        )
        .await
        .expect("applied");
    sent(&mut commands);
    let applied = commands
        .pending
        .iter()
        .find(|(m, _)| m == "workspace/applyEdit")
        .map(|(_, p)| p.clone())
        .expect("the server asked the client to apply the edit");
    let edits = applied["edit"]["changes"][commands.uri("main.infra")].clone();
    assert_eq!(edits[0]["newText"], "versioning");

    // Without literals and without applyEdit there is nothing a fix could do.
    let bare = Client::start_with("caps-actions-none", &[], json!({})).await;
    assert!(bare.init["capabilities"]
        .get("codeActionProvider")
        .is_none());
}

#[tokio::test]
async fn utf8_positions_when_the_client_offers_them() {
    // `name` in the interpolation starts at byte 29 of its line, UTF-16 column 25.
    let text = "let name = \"x\"\noutput greeting = \"😀😀${name}\"\n";
    let definition_at = |character: u32| json!({"line": 1, "character": character});
    let caps = json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}});
    let mut utf8 = Client::start_with("caps-utf8", &[], caps).await;
    assert_eq!(utf8.init["capabilities"]["positionEncoding"], "utf-8");
    utf8.open("main.infra", text).await;
    utf8.diagnostics("main.infra").await;
    let found = utf8
        .at(
            "textDocument/definition",
            "main.infra",
            definition_at(30),
            json!({}),
        )
        .await
        .expect("definition");
    assert_eq!(found["range"]["start"], json!({"line": 0, "character": 4}));
    // A reference's range is in bytes too.
    let refs = utf8
        .at(
            "textDocument/references",
            "main.infra",
            definition_at(30),
            json!({"context": {"includeDeclaration": false}}),
        )
        .await
        .expect("references");
    assert_eq!(
        refs[0]["range"]["start"],
        json!({"line": 1, "character": 29})
    );

    let mut utf16 = Client::start_with("caps-utf16", &[], json!({})).await;
    assert_eq!(utf16.init["capabilities"]["positionEncoding"], "utf-16");
    utf16.open("main.infra", text).await;
    utf16.diagnostics("main.infra").await;
    let found = utf16
        .at(
            "textDocument/definition",
            "main.infra",
            definition_at(26),
            json!({}),
        )
        .await
        .expect("definition");
    assert_eq!(found["range"]["start"], json!({"line": 0, "character": 4}));
}

#[tokio::test]
async fn hover_does_not_wait_for_folder_hashes() {
    // `code = "/"` names the whole disk: hashing it inline made hover read all of it.
    let text = "function f {\n  runtime = \"nodejs20.x\"\n  handler = \"index.handler\"\n  code    = \"/\"\n}\n";
    let mut c = Client::start("hash-root", &[]).await;
    c.open("main.infra", text).await;
    c.diagnostics("main.infra").await;
    let started = std::time::Instant::now();
    let hover = c
        .at(
            "textDocument/hover",
            "main.infra",
            json!({"line": 0, "character": 9}),
            json!({}),
        )
        .await
        .expect("hover");
    let lenses = c
        .doc("textDocument/codeLens", "main.infra", json!({}))
        .await
        .expect("lenses");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let markdown = hover["contents"]["value"].as_str().expect("markdown");
    assert!(
        markdown.contains(r#"code: `{"path":"","sha256":"(hashing...)"}`"#),
        "{markdown}"
    );
    assert_eq!(lenses[0]["command"]["title"], "3 AWS resources");
}

#[tokio::test]
async fn a_folder_hash_shows_once_computed() {
    let text = "function f {\n  runtime = \"nodejs20.x\"\n  handler = \"index.handler\"\n  code    = \"./src\"\n}\n";
    let mut c = Client::start("hash-src", &[("src/index.js", "exports.handler = 1;\n")]).await;
    c.open("main.infra", text).await;
    c.diagnostics("main.infra").await;
    let hash =
        infrac_plan::hash::content_hash(&infrac_check::project::DiskFileSystem, &c.dir.join("src"))
            .expect("hash");
    let shown = format!("\"sha256\":\"{}", &hash[..3]);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let hover = c
            .at(
                "textDocument/hover",
                "main.infra",
                json!({"line": 0, "character": 9}),
                json!({}),
            )
            .await
            .expect("hover");
        let markdown = hover["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string();
        if markdown.contains(&shown) {
            assert!(!markdown.contains("(hashing...)"), "{markdown}");
            break;
        }
        assert!(
            markdown.contains("(hashing...)"),
            "pending until known: {markdown}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "never hashed: {markdown}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
