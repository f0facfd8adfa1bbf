//! Secrets against moto's SSM: `infrac secret set|list|rm`, the refusal of a plan or deploy
//! while a used secret has no value (with no changing call made), the ECS `secrets` entry a
//! deploy registers, and the value found in no artifact: not the state, the plan, the output
//! of any command, nor the call log.

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::moto::*;

/// A value no other text could hold by chance.
const VALUE: &str = "s3cr3t-Value-7f3a9c";

const PROGRAM: &str = r#"
bucket media {}

/// The key of the upstream API.
secret api_key
/// Declared, and used by nothing.
secret spare

task worker {
  image = "public.ecr.aws/docker/library/alpine:3.20"
  env   = { API_KEY = api_key.value, MODE = "fast" }
  reads media
}

function starter {
  runtime = "nodejs22.x"
  handler = "index.handler"
  code    = "./starter"
  env     = { API_KEY_PARAMETER = api_key.name }
  reads api_key
  runs worker
}

media.on_put(".mp4") -> function starter
"#;

fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("starter")).expect("mkdir");
    std::fs::write(
        dir.path().join("starter/index.js"),
        "exports.handler = async () => 1;\n",
    )
    .expect("writes");
    std::fs::write(dir.path().join("main.infra"), PROGRAM).expect("writes");
    std::fs::write(
        dir.path().join("infra.toml"),
        format!("name = \"{name}\"\nregion = \"us-east-1\"\n"),
    )
    .expect("writes");
    dir
}

/// `infrac secret set NAME PATH` with `input` on stdin (a pipe, as in a script).
fn set_secret(endpoint: &str, name: &str, path: &str, input: &str) -> Output {
    let mut cmd = aws_command(env!("CARGO_BIN_EXE_infrac"), endpoint);
    cmd.args(["secret", "set", name, path])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("infrac runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("writes the value");
    child.wait_with_output().expect("infrac ends")
}

fn with_call_log(endpoint: &str, args: &[&str], log: &Path) -> (Output, Vec<String>) {
    let _ = std::fs::remove_file(log);
    let out = infrac(
        endpoint,
        args,
        &[("INFRAC_TEST_CALL_LOG", log.to_str().expect("utf-8"))],
    );
    let calls = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    (out, calls)
}

/// Every file under `dir`, as text where it is text.
fn all_text_under(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("reads dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_text_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

#[test]
fn secrets_are_set_listed_used_by_ecs_and_found_in_no_artifact() {
    let Some(moto) = moto() else { return };
    let dir = project("secrets-a");
    let p = dir.path().to_str().expect("utf-8 path");
    let log = dir.path().join("calls.log");
    let mut artifacts: Vec<(String, String)> = Vec::new();

    // Unset: plan and deploy refuse, name the command, and change nothing.
    let out = infrac(&moto.url, &["plan", p], &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!(
            "error: stack dev has no value for the secret `api_key` the program uses; nothing was changed. Set it:\n  infrac secret set api_key {p} --stack dev"
        )),
        "{t}"
    );
    assert!(
        !t.contains("spare"),
        "an unused secret is not required: {t}"
    );
    let (out, calls) = with_call_log(&moto.url, &["deploy", p, "--yes"], &log);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!("infrac secret set api_key {p} --stack dev")),
        "{t}"
    );
    assert_eq!(calls, ["SSM DescribeParameters"], "{t}");
    assert!(!dir.path().join(".infra/state/dev.json").exists());

    let out = ok(infrac(&moto.url, &["secret", "list", p], &[]));
    assert_eq!(
        out,
        "api_key                  not set  /secrets-a/dev/api_key\nspare                    not set  /secrets-a/dev/spare\n"
    );

    // A name the program does not declare, and an empty value, are refused.
    let out = set_secret(&moto.url, "api_kye", p, VALUE);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out),
        "error: secrets-a declares no secret `api_kye`; did you mean `api_key`?\n"
    );
    let out = set_secret(&moto.url, "api_key", p, "\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("the value of secret api_key is empty"),
        "{}",
        text(&out)
    );

    // Set, from a pipe; the trailing newline is not part of the value.
    let out = set_secret(&moto.url, "api_key", p, &format!("{VALUE}\n"));
    let t = ok(out);
    assert_eq!(
        t,
        "Set secret api_key of stack dev (/secrets-a/dev/api_key).\n"
    );
    artifacts.push(("secret set".into(), t));
    let rt = runtime();
    let sdk = rt.block_on(sdk(&moto.url));
    let stored = rt
        .block_on(
            sdk.ssm
                .get_parameter()
                .name("/secrets-a/dev/api_key")
                .with_decryption(true)
                .send(),
        )
        .expect("the parameter exists");
    let parameter = stored.parameter().expect("parameter");
    assert_eq!(parameter.value(), Some(VALUE));
    assert_eq!(
        parameter.r#type(),
        Some(&infrac_aws::sdk::ssm::types::ParameterType::SecureString)
    );
    let out = ok(infrac(&moto.url, &["secret", "list", p], &[]));
    assert!(
        out.starts_with("api_key                  set      /secrets-a/dev/api_key\n"),
        "{out}"
    );
    artifacts.push(("secret list".into(), out));

    // Setting again overwrites (the parameter is this stack's, by its tags).
    ok(set_secret(&moto.url, "api_key", p, VALUE));

    // Plan and deploy go ahead; the task definition reads the value from the parameter.
    let plan_json = ok(infrac(&moto.url, &["plan", p, "--format", "json"], &[]));
    assert!(plan_json.contains("\"secrets\""), "{plan_json}");
    artifacts.push(("plan --format json".into(), plan_json));
    artifacts.push(("plan".into(), ok(infrac(&moto.url, &["plan", p], &[]))));
    let (out, calls) = with_call_log(&moto.url, &["deploy", p, "--yes"], &log);
    let deployed = ok(out);
    artifacts.push(("deploy".into(), deployed));
    artifacts.push(("call log".into(), calls.join("\n")));
    let definition = rt
        .block_on(
            sdk.ecs
                .describe_task_definition()
                .task_definition("secrets-a-dev-worker")
                .send(),
        )
        .expect("the task definition exists");
    let container = &definition
        .task_definition()
        .expect("definition")
        .container_definitions()[0];
    let secrets: Vec<(&str, &str)> = container
        .secrets()
        .iter()
        .map(|s| (s.name(), s.value_from()))
        .collect();
    assert_eq!(
        secrets,
        [(
            "API_KEY",
            "arn:aws:ssm:us-east-1:123456789012:parameter/secrets-a/dev/api_key"
        )]
    );
    let env: Vec<&str> = container
        .environment()
        .iter()
        .filter_map(|e| e.name())
        .collect();
    assert_eq!(env, ["MODE"]);

    // The execution role may read exactly that parameter.
    let policy = rt
        .block_on(
            sdk.iam
                .get_role_policy()
                .role_name("secrets-a-dev-worker-exec")
                .policy_name("infrac")
                .send(),
        )
        .expect("the execution role's policy");
    let document = policy_json(policy.policy_document());
    let statements = document["Statement"].as_array().expect("statements");
    assert!(
        statements
            .iter()
            .any(|s| s["Action"] == serde_json::json!(["ssm:GetParameters"])
                && s["Resource"]
                    == serde_json::json!([
                        "arn:aws:ssm:us-east-1:123456789012:parameter/secrets-a/dev/api_key"
                    ])),
        "{document}"
    );

    // A plan of the deployed stack asks SSM about the secret and reads the state back, through
    // one provider, and finds nothing to change.
    let again = ok(infrac(&moto.url, &["plan", p], &[]));
    assert!(again.contains("No changes"), "{again}");
    artifacts.push(("plan after deploy".into(), again));

    // The value is in no artifact: every file of the project (state included), every output.
    all_text_under(dir.path(), &mut artifacts);
    assert!(artifacts.iter().any(|(name, _)| name.ends_with("dev.json")));
    for (name, content) in &artifacts {
        assert!(!content.contains(VALUE), "the value is in {name}");
    }

    // rm deletes; a second rm says there is nothing to remove.
    let t = ok(infrac(&moto.url, &["secret", "rm", "api_key", p], &[]));
    assert_eq!(t, "Removed secret api_key from stack dev.\n");
    let out = infrac(&moto.url, &["secret", "rm", "api_key", p], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out),
        "error: secret api_key is not set in stack dev (/secrets-a/dev/api_key); nothing was removed\n"
    );
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}

#[test]
fn a_parameter_infrac_did_not_set_is_left_alone() {
    let Some(moto) = moto() else { return };
    let dir = project("secrets-b");
    let p = dir.path().to_str().expect("utf-8 path");
    let rt = runtime();
    let sdk = rt.block_on(sdk(&moto.url));
    rt.block_on(
        sdk.ssm
            .put_parameter()
            .name("/secrets-b/dev/api_key")
            .value("made by hand")
            .r#type(infrac_aws::sdk::ssm::types::ParameterType::SecureString)
            .send(),
    )
    .expect("puts");
    let out = set_secret(&moto.url, "api_key", p, VALUE);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out);
    assert!(
        t.contains("the parameter /secrets-b/dev/api_key exists but was not set by infrac for stack dev of secrets-b"),
        "{t}"
    );
    assert!(!t.contains(VALUE), "{t}");
    let out = infrac(&moto.url, &["secret", "rm", "api_key", p], &[]);
    assert_eq!(out.status.code(), Some(1));
    let kept = rt
        .block_on(
            sdk.ssm
                .get_parameter()
                .name("/secrets-b/dev/api_key")
                .with_decryption(true)
                .send(),
        )
        .expect("still there");
    assert_eq!(
        kept.parameter().and_then(|p| p.value()),
        Some("made by hand")
    );
}

/// Runs `command` (a shell line) on a fresh terminal made by `script`; returns the child, a
/// receiver of what the terminal shows, and its stdin.
fn on_terminal(
    endpoint: &str,
    command: &str,
) -> (
    std::process::Child,
    mpsc::Receiver<Vec<u8>>,
    std::process::ChildStdin,
) {
    let mut child = aws_command("script", endpoint)
        .args(["-qec", command, "/dev/null"])
        .env("TERM", "xterm")
        // `script` runs the line with $SHELL: the same shell everywhere (CI has no $SHELL).
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("script starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let stdin = child.stdin.take().expect("stdin");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (child, rx, stdin)
}

fn wait_for(rx: &mpsc::Receiver<Vec<u8>>, seen: &mut Vec<u8>, text: &str) {
    let start = Instant::now();
    while !String::from_utf8_lossy(seen).contains(text) {
        assert!(
            start.elapsed() < Duration::from_mins(1),
            "no {text:?} in {}",
            String::from_utf8_lossy(seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
}

#[test]
fn ctrl_c_at_the_hidden_prompt_gives_the_terminal_its_echo_back() {
    let Some(moto) = moto() else { return };
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("\n!!!!! SKIPPED: no `script` (util-linux) to make a terminal with !!!!!\n");
        return;
    }
    let dir = project("secrets-d");
    let p = dir.path().to_str().expect("utf-8 path");
    let (mut child, rx, mut stdin) = on_terminal(
        &moto.url,
        &format!(
            // Ctrl-C reaches the whole foreground group, the shell too: its trap keeps it
            // alive to report infrac's exit status and the terminal's modes.
            "trap 'true' INT; {} secret set api_key {p}; echo \"exit=$?\"; stty -a",
            env!("CARGO_BIN_EXE_infrac")
        ),
    );
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, "(not shown): ");
    stdin.write_all(b"half-typ\x03").expect("types Ctrl-C");
    stdin.flush().expect("flushes");
    wait_for(&rx, &mut seen, "exit=");
    let _ = child.wait();
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(500)) {
        seen.extend(chunk);
    }
    let screen = String::from_utf8_lossy(&seen);
    assert!(screen.contains("Nothing was set."), "{screen}");
    assert!(screen.contains("exit=130"), "{screen}");
    assert!(!screen.contains("half-typ"), "{screen}");
    assert!(
        screen.contains(" echo "),
        "echo is off after Ctrl-C: {screen}"
    );
    assert!(
        !screen.contains("-echo "),
        "echo is off after Ctrl-C: {screen}"
    );
    let out = ok(infrac(&moto.url, &["secret", "list", p], &[]));
    assert!(out.starts_with("api_key                  not set"), "{out}");
}

#[test]
fn a_value_typed_on_a_terminal_is_not_echoed() {
    let Some(moto) = moto() else { return };
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("\n!!!!! SKIPPED: no `script` (util-linux) to make a terminal with !!!!!\n");
        return;
    }
    let dir = project("secrets-c");
    let p = dir.path().to_str().expect("utf-8 path");
    let (mut child, rx, mut stdin) = on_terminal(
        &moto.url,
        &format!("{} secret set api_key {p}", env!("CARGO_BIN_EXE_infrac")),
    );
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, "(not shown): ");
    stdin
        .write_all(format!("{VALUE}\r").as_bytes())
        .expect("types the value");
    stdin.flush().expect("flushes");
    let status = child.wait().expect("ends");
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(500)) {
        seen.extend(chunk);
    }
    let screen = String::from_utf8_lossy(&seen);
    assert!(status.success(), "{screen}");
    assert!(!screen.contains(VALUE), "the value was echoed: {screen}");
    assert!(
        screen.contains("Set secret api_key of stack dev (/secrets-c/dev/api_key)."),
        "{screen}"
    );
    let rt = runtime();
    let sdk = rt.block_on(sdk(&moto.url));
    let stored = rt
        .block_on(
            sdk.ssm
                .get_parameter()
                .name("/secrets-c/dev/api_key")
                .with_decryption(true)
                .send(),
        )
        .expect("the parameter exists");
    assert_eq!(stored.parameter().and_then(|p| p.value()), Some(VALUE));
}
