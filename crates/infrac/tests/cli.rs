//! The `infrac` binary as a user runs it: exit codes, output streams, files changed or not.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn infrac(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infrac")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_project(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("infrac-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (file, text) in files {
        std::fs::write(dir.join(file), text).expect("write file");
    }
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_example_checks_clean() {
    let examples = repo().join("examples");
    let mut count = 0;
    for entry in std::fs::read_dir(&examples).expect("examples") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        count += 1;
        let out = infrac(&["check", dir.to_str().expect("utf-8 path")], &repo());
        assert!(out.status.success(), "{}: {}", dir.display(), stderr(&out));
        assert!(
            stderr(&out).contains("0 errors, 0 warnings"),
            "{}",
            stderr(&out)
        );
    }
    assert!(count >= 4, "the examples are there");
}

#[test]
fn errors_exit_1_and_json_is_one_object_per_line() {
    let dir = temp_project(
        "errors",
        &[("main.infra", b"bucket media {\n  versoning = true\n}\n")],
    );
    let out = infrac(&["check", ".", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        stdout,
        "{\"code\":\"E0201\",\"column\":3,\"end_column\":12,\"end_line\":2,\"file\":\"main.infra\",\"line\":2,\"message\":\"a bucket has no attribute `versoning`\",\"severity\":\"error\"}\n"
    );
    let human = infrac(&["check", "main.infra"], &dir);
    assert_eq!(human.status.code(), Some(1));
    assert!(
        stderr(&human).contains("[E0201] Error: a bucket has no attribute `versoning`"),
        "{}",
        stderr(&human)
    );
    assert!(stderr(&human).contains("did you mean `versioning`?"));
}

#[test]
fn warnings_alone_exit_0() {
    let dir = temp_project(
        "warnings",
        &[("main.infra", b"task idle { image = \"x\" }\n")],
    );
    let out = infrac(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("W0001"));
}

#[test]
fn a_missing_path_exits_2() {
    let out = infrac(&["check", "no/such/place"], &repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such file or directory: no/such/place"));
    let dir = temp_project("empty", &[("README", b"nothing")]);
    let out = infrac(&["check"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no .infra files"));
}

#[test]
fn invalid_utf8_is_an_e0002_not_a_crash() {
    let dir = temp_project(
        "utf8",
        &[("main.infra", b"bucket media {}\nlet x = \"\xff\xfe\"\n")],
    );
    let out = infrac(&["check", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("\"code\":\"E0002\""), "{stdout}");
    assert!(stdout.contains("not valid UTF-8"), "{stdout}");
}

#[test]
fn bad_infra_toml_is_a_diagnostic_with_its_span() {
    let dir = temp_project(
        "toml",
        &[
            ("main.infra", b"bucket media {}\n"),
            ("infra.toml", b"name = \"Not Valid\"\n"),
        ],
    );
    let out = infrac(&["check", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.contains("\"code\":\"E0003\""), "{stdout}");
    assert!(
        stdout.contains("\"file\":\"infra.toml\",\"line\":1"),
        "{stdout}"
    );
}

#[test]
fn fmt_check_names_unformatted_files_and_changes_nothing() {
    let ugly = b"bucket  media{versioning=true}\n";
    let dir = temp_project("fmt", &[("main.infra", ugly)]);
    let out = infrac(&["fmt", "--check"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("main.infra is not formatted"));
    assert_eq!(std::fs::read(dir.join("main.infra")).expect("read"), ugly);

    let out = infrac(&["fmt"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("main.infra")).expect("read"),
        "bucket media {\n  versioning = true\n}\n"
    );
    let out = infrac(&["fmt", "--check"], &dir);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn fmt_leaves_files_with_syntax_errors_untouched() {
    let broken = b"bucket media {\n  versioning =\n}\n";
    let dir = temp_project("fmt-broken", &[("main.infra", broken)]);
    let out = infrac(&["fmt"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E0001"), "{}", stderr(&out));
    assert!(stderr(&out).contains("was not formatted"));
    assert_eq!(std::fs::read(dir.join("main.infra")).expect("read"), broken);
}

#[test]
fn fmt_dash_filters_stdin() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["fmt", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"bucket b; b.on_put(\".mp4\") -> task t")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "bucket b\nb.on_put(\".mp4\") -> task t\n"
    );
}

#[test]
fn usage_errors_exit_2_but_1_under_detailed_exitcode() {
    let dir = repo().join("examples/thumbnailer");
    let out = infrac(&["plan", "--no-such-flag"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--no-such-flag"), "{}", stderr(&out));
    // With --detailed-exitcode, 2 means "changes": a typo must not look like one.
    let out = infrac(&["plan", "--detailed-exitcode", "--no-such-flag"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = infrac(&["plan", "--detailed-exitcode", "--stack"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = infrac(&["plan", "--help"], &dir);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn help_version_and_completions() {
    let out = infrac(&["--help"], &repo());
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["check", "fmt", "completions"] {
        assert!(help.contains(command), "{help}");
    }
    let out = infrac(&["--version"], &repo());
    let version = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(version.starts_with("infrac "), "{version}");
    // Built from a git checkout, the version names the commit (a tarball build has none).
    let head = Command::new("git")
        .args(["log", "-1", "--format=%h", "--abbrev=12"])
        .current_dir(repo())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = head.filter(|h| !h.is_empty()) {
        assert!(
            version.contains(&format!("({head} ")),
            "{version} names {head}"
        );
    }
    let out = infrac(&["help"], &repo());
    let help = String::from_utf8_lossy(&out.stdout);
    for command in ["explain", "init"] {
        assert!(help.contains(command), "{help}");
    }
    let out = infrac(&["completions", "bash"], &repo());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("_infrac"));
}

#[test]
fn init_writes_a_project_that_checks_and_plans_clean_for_each_template() {
    let dir = temp_project("init", &[]);
    for template in ["thumbnailer", "function", "service", "job"] {
        let name = format!("demo-{template}");
        let out = infrac(&["init", &name, "--template", template], &dir);
        assert!(out.status.success(), "{template}: {}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        // The next three commands, ready to paste.
        for next in ["check", "plan", "deploy"] {
            assert!(
                stdout.contains(&format!("infrac {next} {name}")),
                "{template}: {stdout}"
            );
        }
        let project = dir.join(&name);
        let toml = std::fs::read_to_string(project.join("infra.toml")).expect("infra.toml");
        assert!(toml.contains(&format!("name = \"{name}\"")), "{toml}");
        let main = std::fs::read_to_string(project.join("main.infra")).expect("main.infra");
        assert!(
            main.contains("///"),
            "doc comments in {template}'s main.infra"
        );
        let out = infrac(&["check", &name], &dir);
        assert!(
            stderr(&out).contains("0 errors, 0 warnings"),
            "{template}: {}",
            stderr(&out)
        );
        // A stack never deployed plans without AWS access.
        let out = infrac(&["plan", &name], &dir);
        assert!(out.status.success(), "{template}: {}", stderr(&out));
        let out = infrac(&["fmt", "--check", &name], &dir);
        assert!(
            out.status.success(),
            "{template} is formatted: {}",
            stderr(&out)
        );
    }
    assert!(dir.join("demo-function/handler/index.js").is_file());
    assert!(dir.join("demo-service/app/Dockerfile").is_file());
    assert!(dir.join("demo-job/app/Dockerfile").is_file());
    assert!(dir.join("demo-thumbnailer/ffmpeg/Dockerfile").is_file());
}

#[test]
fn init_in_the_current_folder_prints_commands_without_a_path() {
    let dir = temp_project("init-here", &[("README.md", b"notes")]);
    let out = infrac(&["init", "--template", "function"], &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  infrac check "), "{stdout}");
    assert!(!stdout.contains("infrac check ."), "{stdout}");
    let out = infrac(&["check"], &dir);
    assert!(
        stderr(&out).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn init_never_overwrites_and_writes_nothing_when_it_refuses() {
    let dir = temp_project("init-refuse", &[("main.infra", b"bucket mine {}\n")]);
    let out = infrac(&["init", "."], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already holds main.infra"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("main.infra")).expect("kept"),
        "bucket mine {}\n"
    );
    assert!(!dir.join("infra.toml").exists(), "nothing written");
    // Other .infra files would join the new project: refused too.
    let dir = temp_project("init-other", &[("extra.infra", b"bucket other {}\n")]);
    let out = infrac(&["init", "."], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already holds .infra files"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("main.infra").exists());
    // A file where the folder should be.
    let out = infrac(&["init", "extra.infra"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("extra.infra is a file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explain_prints_the_rule_and_examples() {
    let out = infrac(&["explain", "E0206"], &repo());
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("E0206 (error): Fargate cpu/memory combination"),
        "{text}"
    );
    assert!(
        text.contains("The AWS rule: A Fargate task's memory"),
        "{text}"
    );
    assert!(text.contains("https://docs.aws.amazon.com/"), "{text}");
    assert!(
        text.contains("memory = 512MB") && text.contains("memory = 2GB"),
        "{text}"
    );
    // Codes are read without regard to case.
    let out = infrac(&["explain", "w0002"], &repo());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("W0002 (warning)"));
    let out = infrac(&["explain", "E9999"], &repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`E9999` is not an infrac diagnostic code"));
}

/// `infrac init --template thumbnailer` writes copies of the example's code (its `main.infra`
/// differs on purpose: it explains itself). The example's code is what the tests run (the
/// handler under Node.js, the image against moto), so the copies must not drift from it.
#[test]
fn the_thumbnailer_template_ships_the_examples_code() {
    let template = repo().join("crates/infrac/templates/thumbnailer");
    let example = repo().join("examples/thumbnailer");
    for file in [
        "on-new-video/index.js",
        "on-thumbnail/index.js",
        "ffmpeg/Dockerfile",
        "ffmpeg/grab-frame.sh",
    ] {
        let copy = std::fs::read(template.join(file)).expect("template file");
        let original = std::fs::read(example.join(file)).expect("example file");
        assert!(
            copy == original,
            "{file}: the template's copy differs from examples/thumbnailer/{file}"
        );
    }
}
