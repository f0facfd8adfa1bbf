//! A stack lives in one account and one region, against moto's server with the real `infrac`
//! binary: another account (credentials from STS `AssumeRole`, which moto keys to the role's
//! account) or another region is refused before any call that changes anything, naming both;
//! and a refresh that finds every resource gone is not saved without being asked to.

mod support;

use infrac_aws::sdk;
use std::path::Path;
use std::process::Output;
use support::moto::*;

/// A project from `infrac init --template function` (a bucket, a function and what they
/// need), named `name`, its region left to the environment (`AWS_REGION`).
fn function_project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("p");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args([
            "init",
            path.to_str().expect("utf-8"),
            "--template",
            "function",
        ])
        .output()
        .expect("init runs");
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(
        path.join("infra.toml"),
        format!("name = \"{name}\"\n\n[state]\nbackend = \"local\"\n"),
    )
    .expect("writes");
    dir
}

/// Credentials of account `account`, through STS `AssumeRole` on moto.
fn other_account(endpoint: &str, account: &str) -> [(String, String); 3] {
    runtime().block_on(async {
        let config = infrac_aws::config::static_config(endpoint, "us-east-1").await;
        let sts = sdk::sts::Client::new(&config);
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/deployer"))
            .role_session_name("infrac-test")
            .send()
            .await
            .expect("assumes the role");
        let creds = out.credentials().expect("credentials");
        [
            (
                "AWS_ACCESS_KEY_ID".into(),
                creds.access_key_id().to_string(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                creds.secret_access_key().to_string(),
            ),
            (
                "AWS_SESSION_TOKEN".into(),
                creds.session_token().to_string(),
            ),
        ]
    })
}

/// Runs `infrac ARGS` with `env`, logging its AWS calls; returns the output and the calls.
fn logged(
    endpoint: &str,
    args: &[&str],
    env: &[(&str, &str)],
    log: &Path,
) -> (Output, Vec<String>) {
    let _ = std::fs::remove_file(log);
    let mut env = env.to_vec();
    env.push(("INFRAC_TEST_CALL_LOG", log.to_str().expect("utf-8")));
    let out = infrac(endpoint, args, &env);
    let calls = std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    (out, calls)
}

#[track_caller]
fn refused(out: &Output, calls: &[String], expected: &str) {
    let t = text(out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains(expected), "expected `{expected}` in:\n{t}");
    assert!(t.contains("nothing was changed"), "{t}");
    // Only the question "who am I": not even a read of the stack's resources.
    assert!(
        calls.iter().all(|c| c.ends_with(" GetCallerIdentity")),
        "calls before the refusal: {calls:?}"
    );
}

#[test]
fn another_account_or_region_is_refused_before_any_change() {
    let Some(moto) = moto() else { return };
    let dir = function_project("acct-a");
    let project = dir.path().join("p");
    let p = project.to_str().expect("utf-8");
    let log = dir.path().join("calls.log");
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    let deployed = state(&project, "dev");
    assert_eq!(deployed.account.as_deref(), Some("123456789012"));
    assert_eq!(deployed.region.as_deref(), Some("us-east-1"));
    let state_file = project.join(".infra/state/dev.json");
    let before = std::fs::read(&state_file).expect("state");

    let creds = other_account(&moto.url, "111111111111");
    let creds: Vec<(&str, &str)> = creds
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let wrong_account = "stack dev lives in account 123456789012 in region us-east-1, but these \
                         credentials are for account 111111111111 in region us-east-1";
    for args in [
        vec!["plan", p],
        vec!["deploy", p, "--yes"],
        vec!["destroy", p, "--yes"],
        vec!["destroy", p, "--yes", "--yes-everything-is-gone"],
    ] {
        let (out, calls) = logged(&moto.url, &args, &creds, &log);
        refused(&out, &calls, wrong_account);
    }

    let wrong_region = "stack dev lives in account 123456789012 in region us-east-1, but these \
                        credentials are for account 123456789012 in region eu-west-1";
    for args in [
        vec!["plan", p],
        vec!["deploy", p, "--yes"],
        vec!["destroy", p, "--yes"],
    ] {
        let (out, calls) = logged(&moto.url, &args, &[("AWS_REGION", "eu-west-1")], &log);
        refused(&out, &calls, wrong_region);
    }
    assert_eq!(
        std::fs::read(&state_file).expect("state"),
        before,
        "the state is untouched"
    );
    // `plan --refresh=false` reads nothing from AWS, so it needs no check.
    ok(infrac(
        &moto.url,
        &["plan", p, "--refresh=false"],
        &[("AWS_REGION", "eu-west-1")],
    ));

    // The right credentials find everything where it was.
    let out = ok(infrac(&moto.url, &["plan", p], &[]));
    assert!(out.contains("No changes"), "{out}");
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}

/// moto keeps S3 buckets in one namespace for all its accounts (another account's read of a
/// bucket finds it), so this stack has no bucket: a function, its role and its log group.
#[test]
fn an_old_state_under_the_wrong_credentials_is_not_emptied() {
    let Some(moto) = moto() else { return };
    let dir = function_project("acct-b");
    let project = dir.path().join("p");
    std::fs::write(
        project.join("main.infra"),
        "function hello {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./handler\"\n}\n",
    )
    .expect("writes");
    let p = project.to_str().expect("utf-8");
    let log = dir.path().join("calls.log");
    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    // As written by an infrac that did not record where the stack lives.
    let state_file = project.join(".infra/state/dev.json");
    let mut old = state(&project, "dev");
    let count = old.resources.len();
    old.account = None;
    old.region = None;
    std::fs::write(&state_file, old.to_json()).expect("writes");

    let creds = other_account(&moto.url, "222222222222");
    let creds: Vec<(&str, &str)> = creds
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (out, calls) = logged(&moto.url, &["deploy", p, "--yes"], &creds, &log);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!(
            "none of the {count} resources of stack dev was found: this is far more often the \
             wrong credentials or region than the truth, so the state was left as it was and \
             nothing was changed; if they really are all gone, run again with \
             --yes-everything-is-gone"
        )),
        "{t}"
    );
    let changing: Vec<&String> = calls
        .iter()
        .filter(|c| {
            let op = c.rsplit(' ').next().unwrap_or("");
            !["Get", "List", "Describe", "Head"]
                .iter()
                .any(|p| op.starts_with(p))
        })
        .collect();
    assert!(changing.is_empty(), "changing calls: {changing:?}");
    assert_eq!(state(&project, "dev"), old, "the state is untouched");

    // A plan shows what it found, and says why a deploy would refuse.
    let out = infrac(&moto.url, &["plan", p], &creds);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("warning: none of the") && t.contains("--yes-everything-is-gone"),
        "{t}"
    );

    // The right credentials: the state gets the account and region it lives in.
    let out = ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(out.contains("No changes"), "{out}");
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}
