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
                match id {
                    // registerCapability and friends: say yes.
                    Some(id) => {
                        let _ = responses.send(Response::from_ok(id, Value::Null)).await;
                    }
                    None => {
                        let _ = tx.send((method.to_string(), params.unwrap_or(Value::Null)));
                    }
                }
            }
        });
        let mut client = Client {
            service,
            next_id: 0,
            notifications: rx,
            dir,
            versions: std::collections::HashMap::default(),
            pending: Vec::new(),
        };
        let init = client
            .request("initialize", json!({"capabilities": capabilities}))
            .await
            .expect("initialize");
        assert_eq!(init["serverInfo"]["name"], "infrac");
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
        let uri = self.uri(file);
        let wanted = self.versions.get(&uri).copied();
        let matches = |method: &str, params: &Value| {
            let version = params["version"].as_i64().map(|v| v as i32);
            method == "textDocument/publishDiagnostics"
                && params["uri"] == uri.as_str()
                && (wanted.is_none() || version.is_none() || version >= wanted)
        };
        if let Some(i) = self.pending.iter().position(|(m, p)| matches(m, p)) {
            let (_, params) = self.pending.remove(i);
            return params["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (method, params) = tokio::time::timeout_at(deadline, self.notifications.recv())
                .await
                .expect("diagnostics in time")
                .expect("server alive");
            if matches(&method, &params) {
                return params["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
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
    let text = example().replace("timeout = 30s", "timeout = 30");
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
            "on_thumbnail",
            "nightly",
            "media.on_put(\".mp4\")",
            "media.on_put(\".jpg\")",
            "nightly.on_tick()",
            "bucket_name"
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
    assert_eq!(targets.len(), 2);
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
