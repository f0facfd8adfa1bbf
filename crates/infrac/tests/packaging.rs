//! What a function's zip holds, against moto's server with the real `infrac` binary: with
//! `code = "."` the project's own `.git/` and `.infra/` (the state every deploy rewrites) and
//! what `.infraignore` lists are left out, so the plan after a deploy is empty.

mod support;

use support::moto::*;

#[test]
fn code_in_the_project_folder_plans_nothing_after_a_deploy() {
    let Some(moto) = moto() else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    let write = |name: &str, text: &str| {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("writes");
    };
    write("infra.toml", "name = \"pack-dot\"\n");
    write(
        "main.infra",
        "function hello {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \".\"\n}\n",
    );
    write("index.js", "exports.handler = async () => 'hi';\n");
    write(".git/HEAD", "ref: refs/heads/main\n");
    write(".infraignore", "*.log\n");
    write("debug.log", "one\n");
    let p = root.to_str().expect("utf-8");

    ok(infrac(&moto.url, &["deploy", p, "--yes"], &[]));
    assert!(root.join(".infra/state/dev.json").is_file());
    // The deploy wrote the state inside the code folder; git and the log move on too.
    write(".git/HEAD", "ref: refs/heads/other\n");
    write("debug.log", "two\n");
    let out = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("No changes"), "{t}");

    // A packaged file still counts.
    write("index.js", "exports.handler = async () => 'hello';\n");
    let out = infrac(&moto.url, &["plan", p, "--detailed-exitcode"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    ok(infrac(&moto.url, &["destroy", p, "--yes"], &[]));
}

/// W0004 is a warning: `check` passes and `plan` shows the function (a stack never deployed
/// needs no AWS access).
#[test]
fn code_outside_the_project_is_a_warning_and_still_plans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("app");
    std::fs::create_dir_all(project.join("src")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("shared")).expect("mkdir");
    std::fs::write(dir.path().join("shared/index.js"), "exports.handler = 1;\n").expect("writes");
    std::fs::write(project.join("infra.toml"), "name = \"outside\"\n").expect("writes");
    std::fs::write(
        project.join("main.infra"),
        "schedule s { every = 1h }\nfunction hello {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"../shared\"\n}\ns.on_tick() -> function hello\n",
    )
    .expect("writes");
    let p = project.to_str().expect("utf-8");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_infrac"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("infrac runs")
    };
    let out = run(&["check", p]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("[W0004] Warning: `../shared` is outside the project"),
        "{t}"
    );
    assert!(t.contains("0 errors, 1 warning"), "{t}");
    let out = run(&["plan", p, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("plan json");
    let function = plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "hello")
        .expect("the function is planned");
    assert_eq!(function["action"], "create");
}

/// A link inside the code folder is followed while it stays in the folder; one that leads out
/// of it stops `plan` (and so `deploy`) before anything, naming the link.
#[cfg(unix)]
#[test]
fn a_link_that_leaves_the_code_folder_is_refused() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("app");
    std::fs::create_dir_all(project.join("src/lib")).expect("mkdir");
    std::fs::write(project.join("src/index.js"), "exports.handler = 1;\n").expect("writes");
    std::fs::write(project.join("src/lib/util.js"), "1;\n").expect("writes");
    std::fs::write(dir.path().join("secret.txt"), "not for Lambda\n").expect("writes");
    std::fs::write(project.join("infra.toml"), "name = \"links\"\n").expect("writes");
    std::fs::write(
        project.join("main.infra"),
        "schedule s { every = 1h }\nfunction hello {\n  runtime = \"nodejs24.x\"\n  handler = \"index.handler\"\n  code = \"./src\"\n}\ns.on_tick() -> function hello\n",
    )
    .expect("writes");
    // Inside the folder: followed.
    symlink("lib", project.join("src/alias")).expect("links");
    let p = project.to_str().expect("utf-8");
    let plan = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_infrac"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("infrac runs")
    };
    let out = plan(&["plan", p]);
    assert!(out.status.success(), "{}", text(&out));

    // Out of it: refused, naming the link and where it leads.
    symlink("../../secret.txt", project.join("src/secret.txt")).expect("links");
    let out = plan(&["plan", p]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    let real = std::fs::canonicalize(dir.path().join("secret.txt")).expect("real path");
    assert!(
        t.contains(&format!(
            "cannot read `./src`: `secret.txt` is a link to {}, outside the folder",
            real.display()
        )),
        "{t}"
    );
}
